"""Source 003's CBOW setting: a synthetic stand-in for its §A13 corpus and a batched CBOW model.

The §A13 corpus is not available. ``TopicCorpus`` is a seeded, documented stand-in
that matches what the note says of it: V = 512 vocabulary slots of which only ~140
are ever used ("the rest are unused BPE merges"), with a Zipf-like law among the
used ones. Tokens are emitted by a sticky Markov chain over a few hidden topics,
so a token's context window carries information about it and CBOW has something
to learn. The exact CBOW conditional p(center | context) of the generator is
available (``cbow_conditional``), so held-out quality is an exact KL per context.

``CBOWStack`` holds M independent CBOW members -- hidden = mean of the context
rows of E (V, d), logits = hidden · Wᵀ with W = E (tied) or a separate U
(untied) -- as stacked (Mb, V, d) tables, one per block of members that share
tying and optimizer setting, so a sweep over seeds, init scales, tying and weight
decay costs a few ``bmm`` calls per step instead of M small models. Each member's loss depends on
its own tables only, so the summed loss trains every member exactly as if it
were alone (tests/test_cbow.py). ``lab.cbow_training.train_cbow`` trains the stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from toy_claims.models.validation import (
    require, require_bool, require_choice, require_int, require_real, require_seed, require_token_ids, require_type,
)

__all__ = ["TopicCorpus", "cbow_examples", "OPTIMIZERS", "CBOWMember", "CBOWStack"]


@dataclass(frozen=True)
class TopicCorpus:
    """A token stream over V slots, of which ``used`` occur: sticky topics emit Zipf-weighted tokens.

    Generative process (all draws from ``numpy.random.default_rng(seed)``):

    1. the used slots are a uniformly random subset of size ``used`` of range(V);
       they are ranked 1..used at random, and base(rank r) ∝ r^-zipf_alpha;
    2. topic k emits slot v with probability ∝ base(v) · g[k, v], g iid Gamma(peakiness, 1),
       so the unigram law is Zipf-like and each topic favours its own subset of tokens;
    3. the hidden topic is kept with probability ``stay`` and otherwise redrawn uniformly
       (possibly the same), starting from the uniform (stationary) law.
    """

    V: int = 512  # vocabulary slots (the note's §A13 vocabulary)
    used: int = 140  # slots that ever occur ("out of 512 vocab slots, only ~140 are ever used")
    topics: int = 8  # hidden topics: the structure a context window reveals
    zipf_alpha: float = 1.0  # base law among the used slots, ∝ rank^-alpha ("Zipf-like")
    stay: float = 0.9  # probability that the topic persists to the next token
    peakiness: float = 0.3  # Gamma shape of the topic weights; smaller = topics favour fewer tokens
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", require_int(self.V, "V", lo=2))
        object.__setattr__(self, "used", require_int(self.used, "used", lo=1, hi=self.V))
        object.__setattr__(self, "topics", require_int(self.topics, "topics", lo=1))
        require_real(self.zipf_alpha, "zipf_alpha", lo=0)
        require_real(self.stay, "stay", lo=0, hi=1)
        require_real(self.peakiness, "peakiness", lo=0, lo_open=True)
        object.__setattr__(self, "seed", require_seed(self.seed))

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        slots = rng.choice(self.V, size=self.used, replace=False)  # slots[r] has frequency rank r + 1
        base = np.arange(1, self.used + 1, dtype=np.float64) ** -self.zipf_alpha
        weights = base * rng.gamma(self.peakiness, 1.0, size=(self.topics, self.used))
        require(bool((weights.sum(axis=1) > 0).all()), "peakiness", f"large enough that every topic emits some token "
                f"(with seed {self.seed} a topic's Gamma weights all underflowed to 0)", self.peakiness)
        emission = np.zeros((self.topics, self.V))
        emission[:, slots] = weights / weights.sum(axis=1, keepdims=True)
        return slots, emission

    @property
    def slots(self) -> np.ndarray:
        """The used slot ids, most frequent (by the base law) first: (used,)."""
        return self._tables[0]

    @property
    def emission(self) -> np.ndarray:
        """p(token | topic): (topics, V), zero on unused slots."""
        return self._tables[1]

    @property
    def transition(self) -> np.ndarray:
        """p(next topic | topic): (topics, topics)."""
        K = self.topics
        return self.stay * np.eye(K) + (1 - self.stay) / K

    @property
    def unigram(self) -> np.ndarray:
        """Stationary p(token): (V,)."""
        return self.emission.mean(axis=0)

    def sample(self, length: int, seed: int) -> torch.Tensor:
        """A token stream of ``length`` (int64), drawn with ``default_rng(seed)``."""
        length = require_int(length, "length", lo=1)
        require_seed(seed)
        rng = np.random.default_rng(seed)
        redraw = rng.random(length) >= self.stay
        redraw[0] = True
        fresh = rng.integers(self.topics, size=length)
        topic = fresh[np.maximum.accumulate(np.where(redraw, np.arange(length), 0))]  # last redraw's topic
        cdf = np.cumsum(self.emission, axis=1)[topic]  # (length, V)
        u = rng.random(length)[:, None] * cdf[:, -1:]
        return torch.from_numpy((u >= cdf).sum(axis=1)).long()

    def cbow_conditional(self, contexts: torch.Tensor) -> torch.Tensor:
        """Exact p(center | context) of the generator, float64: (n, V).

        ``contexts`` is (n, 2w) as ``cbow_examples`` builds it: w tokens before the
        center, then w after, read off a stationary stream. Forward messages over the
        left tokens and backward messages over the right ones meet at the center.
        """
        require_type(contexts, "contexts", (torch.Tensor, np.ndarray, list, tuple), "an (n, 2w) tensor of token ids")
        try:
            ctx = torch.as_tensor(contexts)
        except (TypeError, ValueError, RuntimeError):  # ragged lists, strings
            ctx = None
        require(ctx is not None, "contexts", "an (n, 2w) tensor of token ids", contexts)
        require_token_ids(ctx, "contexts", self.V, dims=2, shape="(n, 2w) tensor")
        require(ctx.shape[1] % 2 == 0 and ctx.shape[1] >= 2, "contexts", "an (n, 2w) tensor, w >= 1", tuple(ctx.shape))
        ctx = ctx.long()
        w = ctx.shape[1] // 2
        e = torch.from_numpy(self.emission)  # (K, V)
        T = torch.from_numpy(self.transition)
        n, K = ctx.shape[0], self.topics
        a = torch.full((n, K), 1.0 / K, dtype=torch.float64)  # p(topic at the center's left edge)
        for j in range(w):
            a = a * e[:, ctx[:, j]].T
            a = (a / a.sum(1, keepdim=True)) @ T
        b = torch.ones(n, K, dtype=torch.float64)  # ∝ p(right tokens | topic one step right of the center)
        for j in reversed(range(w, 2 * w)):
            b = b * e[:, ctx[:, j]].T
            b = (b / b.sum(1, keepdim=True)) @ T.T
        p = (a * b) @ e
        return p / p.sum(1, keepdim=True)


def cbow_examples(tokens: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """CBOW examples of a stream: contexts (n, 2·window) = w tokens left then w right, centers (n,).

    Only positions with a full window on both sides are used: n = len(tokens) − 2·window.
    """
    window = require_int(window, "window", lo=1)
    require_type(tokens, "tokens", torch.Tensor, "a 1-D tensor of token ids")
    require(not tokens.is_floating_point() and not tokens.is_complex() and tokens.dtype != torch.bool, "tokens",
            "a 1-D integer tensor of token ids (int64)", tokens.dtype)
    require(tokens.ndim == 1 and len(tokens) > 2 * window, "tokens", f"a stream longer than 2·window = {2 * window}",
            tuple(tokens.shape))
    n = len(tokens) - 2 * window
    offsets = [j for j in range(-window, window + 1) if j != 0]
    contexts = torch.stack([tokens[window + j: window + j + n] for j in offsets], dim=1)
    return contexts, tokens[window: window + n]


OPTIMIZERS = ("adamw", "sgd")


@dataclass(frozen=True)
class CBOWMember:
    """One CBOW member: its init, tying and optimizer setting."""

    seed: int = 0  # seeds the init and the order of minibatches
    init_scale: float = 1.0  # E and U ~ U(±init_scale/√d): 1 is the note's Kaiming-uniform bound 1/√d; at most 1e18
    tied: bool = False  # output layer W = E (tied) or its own table U
    optimizer: str = "adamw"  # "adamw" (the Phase 17 recipe) or plain "sgd" (the note's "spectral bias of SGD")
    lr: float = 1e-3  # learning rate (1e-3 is torch's AdamW default)
    weight_decay: float = 0.0  # on E only (the note: "on the embedding"): decoupled for adamw, coupled for sgd
    l2: float = 0.0  # coupled penalty l2 · ||E||_F² added to the loss ("penalize ||E||_F weakly")

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", require_seed(self.seed))
        # a logit at init is at most d · (init_scale/√d)² = init_scale² in size: finite in float32 up to ~1.8e19
        require_real(self.init_scale, "init_scale", lo=0, hi=1e18, lo_open=True)
        require_bool(self.tied, "tied")
        require_choice(self.optimizer, "optimizer", OPTIMIZERS)
        require_real(self.lr, "lr", lo=0, lo_open=True)
        require_real(self.weight_decay, "weight_decay", lo=0)
        require_real(self.l2, "l2", lo=0)


class BlockKey(NamedTuple):
    """What members of one block share (``CBOWStack``)."""

    tied: bool
    optimizer: str
    lr: float
    weight_decay: float
    penalised: bool  # l2 > 0


class CBOWStack(nn.Module):
    """M independent CBOW members (V slots, width d) as stacked tables.

    Members that share a ``BlockKey`` (tied, optimizer, lr, weight decay, whether they carry an l2 penalty) form one
    block: one (Mb, V, d) table E, one output table U when untied (held transposed, (Mb, d, V)), and one optimizer
    parameter group. Blocks are evaluated one after the other, so tying costs nothing and no table is copied per
    step; a block without a penalty never computes ||E||_F². Each member's arithmetic is the same in any block.
    """

    def __init__(self, V: int, d: int, members: list[CBOWMember]) -> None:
        super().__init__()
        V, d = require_int(V, "V", lo=2), require_int(d, "d", lo=1)
        require_type(members, "members", (list, tuple), "a non-empty list of CBOWMember")
        require(len(members) >= 1, "members", "a non-empty list of CBOWMember", members)
        for k, m in enumerate(members):
            require_type(m, f"members[{k}]", CBOWMember, "a CBOWMember")
        self.V, self.d, self.members = V, d, list(members)
        keys = [BlockKey(m.tied, m.optimizer, m.lr, m.weight_decay, m.l2 > 0) for m in members]
        self.block_keys = list(dict.fromkeys(keys))
        self.block_members = [[k for k, key in enumerate(keys) if key == b] for b in self.block_keys]
        flat = torch.tensor([k for b in self.block_members for k in b])
        self.register_buffer("_unpermute", torch.argsort(flat), persistent=False)
        inits = [self._init(m) for m in members]
        self.E = nn.ParameterList([nn.Parameter(torch.stack([inits[k][0] for k in b])) for b in self.block_members])  # (Mb, V, d)
        # Each untied block's output table U is held transposed, (Mb, d, V): the logits' bmm then gives its gradient in
        # its own layout, where a (Mb, V, d) table took a transposing copy of its gradient at every step. The backward
        # then takes another matmul path for E's gradient: bitwise the same at the claims' sizes (V 512, d 128, batch
        # 64, checked against the CBOW rows), within float32 rounding at some small sizes.
        self.U_T = nn.ParameterList([nn.Parameter(torch.stack([inits[k][1] for k in b]).transpose(1, 2).contiguous())
                                     for key, b in zip(self.block_keys, self.block_members) if not key.tied])
        for b, members_b in enumerate(self.block_members):
            self.register_buffer(f"_idx{b}", torch.tensor(members_b), persistent=False)
            self.register_buffer(f"_l2_{b}", torch.tensor([members[k].l2 for k in members_b]), persistent=False)

    def _init(self, m: CBOWMember) -> tuple[torch.Tensor, torch.Tensor]:
        """Kaiming-uniform E and U with bound init_scale/√d; the same seed gives the same E whatever else differs."""
        g = torch.Generator().manual_seed(m.seed)
        bound = m.init_scale / math.sqrt(self.d)
        E = (torch.rand(self.V, self.d, generator=g) * 2 - 1) * bound
        U = (torch.rand(self.V, self.d, generator=g) * 2 - 1) * bound
        return E, U

    def _blocks(self):
        """(key, member indices, E, Uᵀ (Mb, d, V) or None, l2) per block."""
        untied = iter(self.U_T)
        for b, key in enumerate(self.block_keys):
            yield key, getattr(self, f"_idx{b}"), self.E[b], None if key.tied else next(untied), getattr(self, f"_l2_{b}")

    def embeddings(self) -> torch.Tensor:
        """Every member's E in member order: (M, V, d)."""
        return torch.cat(list(self.E))[self._unpermute]

    def check_token_ids(self, tokens: torch.Tensor, name: str, dims: int, shape: str) -> None:
        """Raise unless ``tokens`` are per-member ids: an integer (M, ...) tensor of ``dims`` dimensions with entries
        in [0, V). An id of V or more would silently read another member's rows of the stacked tables; the error
        names the first member whose ids are out of range (``contexts[k]``)."""
        M = len(self.members)
        require_token_ids(tokens, name, None, dims=dims, shape=shape)
        require(tokens.shape[0] == M, name, f"one row of examples per member (M={M}) first: {shape}", tuple(tokens.shape))
        bad = ((tokens < 0) | (tokens >= self.V)).reshape(M, -1).any(dim=1)
        if bool(bad.any()):
            k = int(bad.nonzero()[0, 0])
            row = tokens[k]
            require(False, f"{name}[{k}]", f"token ids in [0, V={self.V}) (an id of V or more reads another member's "
                    "table)", f"ids from {int(row.min())} to {int(row.max())}")

    def forward(self, contexts: torch.Tensor) -> torch.Tensor:
        """Logits (M, B, V) for per-member contexts (M, B, C) of ids in [0, V), C >= 1."""
        self.check_token_ids(contexts, "contexts", 3, "(M, B, C) tensor")
        require(contexts.shape[2] >= 1, "contexts", "an (M, B, C) tensor with C >= 1 context tokens",
                tuple(contexts.shape))
        return torch.cat([self._block_logits(E, U_T, contexts[idx]) for _, idx, E, U_T, _ in self._blocks()])[self._unpermute]

    def _block_logits(self, E: torch.Tensor, U_T: torch.Tensor | None, contexts: torch.Tensor) -> torch.Tensor:
        Mb, V = E.shape[0], self.V
        offsets = torch.arange(Mb, device=contexts.device)[:, None, None] * V
        hidden = F.embedding(contexts + offsets, E.reshape(Mb * V, self.d)).mean(dim=2)  # (Mb, B, d)
        W_T = E.transpose(1, 2) if U_T is None else U_T  # weight tying: the output layer is the embedding
        return torch.bmm(hidden, W_T)  # (Mb, B, V)

    def loss(self, contexts: torch.Tensor, centers: torch.Tensor, *, check: bool = True) -> torch.Tensor:
        """Each member's mean cross-entropy on its batch plus its l2 · ||E||_F² penalty: (M,).

        ``contexts`` (M, B, C) and ``centers`` (M, B) are ids in [0, V), B >= 1, C >= 1. ``check=False`` trusts them:
        for a caller that checked its examples once (``train_cbow``), not a host sync per step.
        """
        if check:
            self.check_token_ids(contexts, "contexts", 3, "(M, B, C) tensor")
            self.check_token_ids(centers, "centers", 2, "(M, B) tensor")
            require(contexts.shape[1:2] == centers.shape[1:2] and contexts.shape[1] >= 1 and contexts.shape[2] >= 1,
                    "contexts, centers", "(M, B, C) and (M, B) with B, C >= 1",
                    (tuple(contexts.shape), tuple(centers.shape)))
        losses = []
        for key, idx, E, U_T, l2 in self._blocks():
            logits = self._block_logits(E, U_T, contexts[idx])
            ce = F.cross_entropy(logits.reshape(-1, self.V), centers[idx].reshape(-1), reduction="none")
            ce = ce.view(len(idx), -1).mean(dim=1)
            losses.append(ce + l2 * E.pow(2).sum(dim=(1, 2)) if key.penalised else ce)
        return torch.cat(losses)[self._unpermute]

    def optimizer_groups(self) -> dict[str, list[dict]]:
        """Torch parameter groups per optimizer kind: one per block's E (its weight decay), one per Uᵀ (no decay)."""
        groups: dict[str, list[dict]] = {}
        for key, _idx, E, U_T, _l2 in self._blocks():
            groups.setdefault(key.optimizer, []).append({"params": [E], "lr": key.lr, "weight_decay": key.weight_decay})
            if U_T is not None:
                groups[key.optimizer].append({"params": [U_T], "lr": key.lr, "weight_decay": 0.0})
        return groups
