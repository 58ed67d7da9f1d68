"""Tiny causal language models: a nanoGPT-style transformer and a GRU.

They are the "trained network" side of the toy claims: trained on samples of a
synthetic language, their extended logit matrices can be compared with the exact
ones. Both read a BOS token (id ``vocab_size``) before the sequence, so they define
Pr[z_1] as well as Pr[z_t | z_<t], and ``next_token_log_probs(prefixes)`` has the
same contract as ``HiddenMarkovLanguage.next_token_log_probs`` (empty prefixes too).
Initialisation is a pure function of ``seed``.

``continuation_log_probs(histories, futures)`` gives log Pr[z | h∘f] for every (history, future) pair, running each
history once and continuing every future from its cached state (the transformer's keys and values, the GRU's hidden
state): what an extended logit matrix needs, at a fraction of one forward pass per pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from toy_claims.models.validation import require, require_bool, require_int, require_seed, require_token_ids, require_type

__all__ = ["GRUConfig", "GRULanguageModel", "Transformer", "TransformerConfig"]


class _TokenLM(nn.Module):
    """Shared BOS handling and input checks: subclasses map (B, T) ids in [0, V] (V = BOS) to (B, T, V) logits in
    ``_logits``; ``forward`` checks its ids first, the log-prob methods check theirs (in [0, V): BOS is theirs to add)."""

    vocab_size: int
    max_prefix_len: int | None  # longest prefix next_token_log_probs accepts (None: any)

    def _logits(self, idx: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, idx: Tensor) -> Tensor:
        """(B, T) ids in [0, V] (V is BOS), T >= 1 (and T <= block_size for a transformer) -> (B, T, V) logits."""
        require_token_ids(idx, "idx", self.vocab_size + 1, dims=2, shape="(B, T) tensor")
        require(idx.shape[1] >= 1, "idx", "a (B, T) tensor with T >= 1", tuple(idx.shape))
        return self._logits(idx)

    def _with_bos(self, tokens: Tensor, name: str) -> Tensor:
        require_token_ids(tokens, name, self.vocab_size, dims=2, shape="(n, t) tensor")
        require(self.max_prefix_len is None or tokens.shape[1] <= self.max_prefix_len,
                f"{name} length", f"<= block_size - 1 = {self.max_prefix_len}", tokens.shape[1])
        bos = torch.full((tokens.shape[0], 1), self.vocab_size, dtype=torch.long, device=tokens.device)
        return torch.cat([bos, tokens], dim=1)  # (n, t + 1)

    def next_token_log_probs(self, prefixes: Tensor) -> Tensor:
        """log Pr[z | prefix] for (n, t) prefixes of ids in [0, V), t >= 0 -> (n, V)."""
        return F.log_softmax(self._logits(self._with_bos(prefixes, "prefixes"))[:, -1], dim=-1)

    def continuation_log_probs(self, histories: Tensor, futures: Tensor, batch_size: int = 1024) -> Tensor:
        """log Pr[z | h∘f] for every history h of (n_h, a) and future f of (n_f, b) ids in [0, V), a, b >= 0
        -> (n_h, n_f, V) float64: ``next_token_log_probs`` of every concatenation, computed by running each history once
        and continuing every future from its cached state (prefix caching), ``batch_size`` pairs at a time (1024: a
        fifth faster on one thread than 4096), without gradients. Equal to the plain forward up to float rounding
        (``tests/test_sequence.py``)."""
        histories = self._with_bos(histories, "histories")  # (n_h, a + 1)
        require_token_ids(futures, "futures", self.vocab_size, dims=2, shape="(n, t) tensor")
        (n_h, a1), (n_f, b) = histories.shape, futures.shape
        require(n_h >= 1 and n_f >= 1, "histories, futures", "at least one history and one future",
                (n_h, n_f))
        require(self.max_prefix_len is None or a1 - 1 + b <= self.max_prefix_len, "history + future length",
                f"<= block_size - 1 = {self.max_prefix_len}", a1 - 1 + b)
        batch_size = require_int(batch_size, "batch_size", lo=1)
        out = torch.empty(n_h, n_f, self.vocab_size, dtype=torch.float64)
        with torch.no_grad():
            for rows in torch.arange(n_h).split(max(1, batch_size // n_f)):  # histories per chunk of pairs
                logits = self._continuation_logits(histories[rows], futures)  # (c, n_f, V)
                out[rows] = F.log_softmax(logits, dim=-1).double().cpu()
        return out

    def _continuation_logits(self, histories: Tensor, futures: Tensor) -> Tensor:
        """(c, a + 1) histories with BOS, (n_f, b) futures -> (c, n_f, V) logits at the last token of each h∘f."""
        raise NotImplementedError

    def sequence_log_prob(self, sequences: Tensor) -> Tensor:
        """log Pr[z_1..z_t] for (n, t) sequences of ids in [0, V) -> (n,); differentiable (the training loss)."""
        require_token_ids(sequences, "sequences", self.vocab_size, dims=2, shape="(n, t) tensor")
        if sequences.shape[1] == 0:
            dtype = next(self.parameters()).dtype
            return torch.zeros(sequences.shape[0], dtype=dtype, device=sequences.device)
        require(self.max_prefix_len is None or sequences.shape[1] - 1 <= self.max_prefix_len, "sequences length",
                f"<= block_size = {None if self.max_prefix_len is None else self.max_prefix_len + 1}", sequences.shape[1])
        bos = torch.full((sequences.shape[0], 1), self.vocab_size, dtype=torch.long, device=sequences.device)
        log_probs = F.log_softmax(self._logits(torch.cat([bos, sequences[:, :-1]], dim=1)), dim=-1)  # (n, t, V)
        return log_probs.gather(2, sequences[:, :, None])[:, :, 0].sum(dim=1)


@dataclass(frozen=True)
class TransformerConfig:
    vocab_size: int = 32  # V; the input embedding has one more row, for BOS
    block_size: int = 16  # longest input including BOS: prefixes of up to block_size - 1 tokens
    n_layer: int = 2  # transformer blocks
    n_head: int = 2  # attention heads; must divide d_model
    d_model: int = 32  # residual stream width
    bias: bool = True  # biases in Linear layers and LayerNorms

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "d_model"):
            object.__setattr__(self, name, require_int(getattr(self, name), name, lo=1))
        require_bool(self.bias, "bias")
        require(self.d_model % self.n_head == 0, "n_head", f"a divisor of d_model={self.d_model}", self.n_head)


def _attend_after(q: Tensor, k: Tensor, v: Tensor, past_k: Tensor, past_v: Tensor) -> Tensor:
    """Causal attention of B = c n continuations, each after one of c cached prefixes: row i n + j continues prefix i.

    q, k, v (B, nh, T, hs) are the continuations' own; past_k, past_v (c, nh, P, hs) the prefixes'. Scores against a
    prefix's keys are one matmul per prefix (its n continuations' queries together), never a copy of its keys per
    continuation; the scores against the continuation's own keys are causal; one softmax spans both. The same
    attention as over the P + T positions at once, up to float rounding -> (B, nh, T, hs)."""
    (B, nh, T, hs), (c, P) = q.shape, (past_k.shape[0], past_k.shape[2])
    n = B // c
    grouped = q.view(c, n, nh, T, hs).transpose(1, 2).reshape(c, nh, n * T, hs)  # each prefix's queries together
    on_past = (grouped @ past_k.transpose(-1, -2)).view(c, nh, n, T, P).transpose(1, 2).reshape(B, nh, T, P)
    causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    on_own = (q @ k.transpose(-1, -2)).masked_fill(~causal, float("-inf"))  # (B, nh, T, T)
    scores = torch.cat([on_past, on_own], dim=-1) * hs ** -0.5  # (B, nh, T, P + T)
    w = (scores - scores.amax(dim=-1, keepdim=True)).exp()  # softmax by hand: torch's is 4x slower on rows of ~13
    w = w / w.sum(dim=-1, keepdim=True)
    w_past = w[..., :P].reshape(c, n, nh, T, P).transpose(1, 2).reshape(c, nh, n * T, P)
    from_past = (w_past @ past_v).view(c, nh, n, T, hs).transpose(1, 2).reshape(B, nh, T, hs)
    return from_past + w[..., P:] @ v


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=cfg.bias)
        self.c_proj = nn.Linear(cfg.d_model, cfg.d_model, bias=cfg.bias)

    def forward(self, x: Tensor, past: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (B, T, C) at the T positions after ``past``'s P cached keys and values (each (c, nh, P, hs), B = c n: row
        i n + j continues prefix i; None: P = 0) -> (B, T, C) and the keys and values of these T positions."""
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
        q, k, v = (y.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for y in (q, k, v))  # (B, nh, T, hs)
        if past is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, nh, T, hs)
        else:
            y = _attend_after(q, k, v, *past)  # (B, nh, T, hs)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C)), (k, v)  # (B, T, C)


class MLP(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(cfg.d_model, 4 * cfg.d_model, bias=cfg.bias)
        self.c_proj = nn.Linear(4 * cfg.d_model, cfg.d_model, bias=cfg.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.c_proj(F.gelu(self.c_fc(x)))  # (B, T, C)


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model, bias=cfg.bias)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x: Tensor, past: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """(B, T, C) after ``past`` (see CausalSelfAttention) -> (B, T, C) and this block's keys and values."""
        y, present = self.attn(self.ln_1(x), past)
        x = x + y
        return x + self.mlp(self.ln_2(x)), present  # (B, T, C)


class Transformer(_TokenLM):
    """Pre-LayerNorm GPT. Untied head: the input table has a BOS row the output lacks."""

    def __init__(self, config: TransformerConfig, seed: int = 0) -> None:
        super().__init__()
        require_type(config, "config", TransformerConfig, "a TransformerConfig")
        seed = require_seed(seed)
        self.config = config
        self.vocab_size = config.vocab_size
        self.max_prefix_len = config.block_size - 1
        self.wte = nn.Embedding(config.vocab_size + 1, config.d_model)
        self.wpe = nn.Embedding(config.block_size, config.d_model)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.d_model, bias=config.bias)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        g = torch.Generator().manual_seed(seed)
        for name, p in self.named_parameters():  # nanoGPT init, drawn from g in a fixed order
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * config.n_layer), generator=g)
            elif name.endswith("weight") and p.dim() == 2:
                nn.init.normal_(p, std=0.02, generator=g)
            elif name.endswith("bias"):
                nn.init.zeros_(p)  # LayerNorm weights keep their deterministic ones

    def _logits(self, idx: Tensor) -> Tensor:
        """(B, T) ids in [0, V] with T <= block_size -> (B, T, V) next-token logits."""
        T = idx.shape[1]
        require(T <= self.config.block_size, "idx length", f"<= block_size={self.config.block_size}", T)
        return self.lm_head(self.ln_f(self._residual(idx)[0]))  # (B, T, V)

    def _residual(self, idx: Tensor, past: list[tuple[Tensor, Tensor]] | None = None
                  ) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        """(B, T) ids at the positions after ``past`` (per block, cached keys and values of P positions) -> the
        (B, T, C) residual stream before ln_f, and per block the keys and values of these T positions."""
        P = 0 if past is None else past[0][0].shape[2]
        x = self.wte(idx) + self.wpe(torch.arange(P, P + idx.shape[1], device=idx.device))  # (B, T, C)
        present = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if past is None else past[i])
            present.append(kv)
        return x, present

    def _continuation_logits(self, histories: Tensor, futures: Tensor) -> Tensor:
        """Each history's keys and values computed once; its futures attend to them (``_attend_after``)."""
        c, n_f, b = histories.shape[0], futures.shape[0], futures.shape[1]
        x, cache = self._residual(histories)  # (c, a + 1, C), per block (c, nh, a + 1, hs) keys and values
        if b == 0:
            last = x[:, -1:].expand(c, n_f, -1)  # (c, n_f, C): the empty future ends at the history's last token
        else:
            pairs = futures.to(histories.device).repeat(c, 1)  # (c n_f, b): pair (i, j) at row i n_f + j
            x, _ = self._residual(pairs, cache)  # (c n_f, b, C)
            last = x[:, -1].reshape(c, n_f, -1)
        return self.lm_head(self.ln_f(last))  # (c, n_f, V)


@dataclass(frozen=True)
class GRUConfig:
    vocab_size: int = 32  # V; the input embedding has one more row, for BOS
    d_embed: int = 32  # token embedding width
    d_hidden: int = 64  # GRU state width
    n_layer: int = 1  # stacked GRU layers

    def __post_init__(self) -> None:
        for name in ("vocab_size", "d_embed", "d_hidden", "n_layer"):
            object.__setattr__(self, name, require_int(getattr(self, name), name, lo=1))


class GRULanguageModel(_TokenLM):
    """Embedding -> GRU -> linear head; any prefix length."""

    def __init__(self, config: GRUConfig, seed: int = 0) -> None:
        super().__init__()
        require_type(config, "config", GRUConfig, "a GRUConfig")
        seed = require_seed(seed)
        self.config = config
        self.vocab_size = config.vocab_size
        self.max_prefix_len = None
        self.embed = nn.Embedding(config.vocab_size + 1, config.d_embed)
        self.gru = nn.GRU(config.d_embed, config.d_hidden, num_layers=config.n_layer, batch_first=True)
        self.head = nn.Linear(config.d_hidden, config.vocab_size)
        g = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(config.d_hidden)  # PyTorch's default GRU/Linear range, drawn from g
        for name, p in self.named_parameters():
            if name.startswith("embed"):
                nn.init.normal_(p, generator=g)
            else:
                nn.init.uniform_(p, -bound, bound, generator=g)

    def _logits(self, idx: Tensor) -> Tensor:
        """(B, T) ids in [0, V] -> (B, T, V) next-token logits."""
        hidden, _ = self.gru(self.embed(idx))  # (B, T, d_hidden)
        return self.head(hidden)  # (B, T, V)

    def _continuation_logits(self, histories: Tensor, futures: Tensor) -> Tensor:
        """Each history's GRU state computed once, repeated for its futures, which continue from it."""
        c, n_f, b = histories.shape[0], futures.shape[0], futures.shape[1]
        hidden, state = self.gru(self.embed(histories))  # (c, a + 1, d_hidden), (n_layer, c, d_hidden)
        if b == 0:
            last = hidden[:, -1:].expand(c, n_f, -1)  # (c, n_f, d_hidden)
        else:
            hidden, _ = self.gru(self.embed(futures.to(histories.device).repeat(c, 1)),
                                 state.repeat_interleave(n_f, dim=1))  # (c n_f, b, d_hidden): pair (i, j) at i n_f + j
            last = hidden[:, -1].reshape(c, n_f, -1)
        return self.head(last)  # (c, n_f, V)
