"""The embedding → unembedding model of sources 000 and 001, single and stacked.

logits[x, y] = h(E[x]) · U[y], with h = identity or a LayerNorm, and U = E when tied.
There is no bias: the sources' model is two lookup tables and nothing else.

``EmbedUnembed`` is the textbook single model (nn.Embedding, tie in one line,
optional nn.LayerNorm). ``EmbedUnembedStack`` holds K independent members in one
module so that a whole sweep trains as one batched model: members may differ in
width (the unused columns are masked to zero, and a LayerNorm normalises over the
active columns only), seed and init scale; the optimizer gives each member its own
learning rate and weight decay through one parameter group per block of members
that share them. Every
member's loss depends on its own parameters only, so the summed loss trains each
member exactly as if it were alone (tests/test_batched_training.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from toy_claims.models.validation import (
    require, require_bool, require_choice, require_int, require_real, require_seed, require_token_ids, require_type,
)

__all__ = ["LAYERNORMS", "Member", "EmbedUnembed", "EmbedUnembedStack", "init_table"]

LAYERNORMS = ("none", "plain", "affine")  # no LayerNorm; LayerNorm without / with its affine parameters


@dataclass(frozen=True)
class Member:
    """One member of a stack: its width, its init seed and its init scale."""

    width: int  # embedding dimension D (source 001) or N (source 000)
    seed: int = 0  # seeds the init of this member's tables
    init_std: float | None = None  # std of the normal init; None means 1/sqrt(width), so logits start O(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", require_int(self.width, "width", lo=1))
        object.__setattr__(self, "seed", require_seed(self.seed))
        if self.init_std is not None:
            require_real(self.init_std, "init_std", lo=0, lo_open=True)

    @property
    def std(self) -> float:
        return self.init_std if self.init_std is not None else 1.0 / math.sqrt(self.width)


def init_table(V: int, member: Member, tied: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The member's initial E (V, width) and U (V, width) or None when tied, float32.

    One function for both model forms, so a stacked member starts exactly where
    the single model with the same ``Member`` starts. An ``init_std`` so large that
    a float32 logit at init could overflow (width · max|E| · max|U| ≥ 3.4e38, or a
    table entry itself) is a ValueError: training would start from inf / NaN.
    """
    require_int(V, "V", lo=1)
    require_type(member, "member", Member, "a Member")
    tied = require_bool(tied, "tied")
    g = torch.Generator().manual_seed(member.seed)
    E = torch.randn(V, member.width, generator=g) * member.std
    U = None if tied else torch.randn(V, member.width, generator=g) * member.std
    largest = [float(t.abs().max()) for t in (E, E if U is None else U)]  # any |logit| <= width · max|E| · max|U|
    bound = member.width * max(largest[0], 1.0) * max(largest[1], 1.0)  # >= 1: a LayerNorm'd row has norm √width
    require(bound < float(torch.finfo(torch.float32).max), "init_std",
            "small enough that the float32 logits at init are finite (width · max|E| · max|U| < 3.4e38)", member.init_std)
    return E, U


def _check_structure(V: int, tied: bool, layernorm: str) -> int:
    V = require_int(V, "V", lo=2)
    require_bool(tied, "tied")
    require_choice(layernorm, "layernorm", LAYERNORMS)
    return V


class EmbedUnembed(nn.Module):
    """A single embedding → unembedding model (the reference for the stacked form)."""

    def __init__(self, V: int, member: Member, tied: bool = True, layernorm: str = "none") -> None:
        super().__init__()
        V = _check_structure(V, tied, layernorm)
        require_type(member, "member", Member, "a Member")
        E, U = init_table(V, member, tied)
        self.embed = nn.Embedding(V, member.width)
        self.unembed = nn.Linear(member.width, V, bias=False)
        with torch.no_grad():
            self.embed.weight.copy_(E)
            if U is not None:
                self.unembed.weight.copy_(U)
        if tied:
            self.unembed.weight = self.embed.weight  # weight tying, as in nanoGPT
        self.norm = nn.Identity() if layernorm == "none" else nn.LayerNorm(
            member.width, elementwise_affine=layernorm == "affine"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (n, V) for (n,) ids in [0, V)."""
        require_token_ids(x, "x", self.embed.num_embeddings, dims=1, shape="(n,) tensor")
        return self.unembed(self.norm(self.embed(x)))  # (n,) -> (n, V)

    def logit_table(self) -> torch.Tensor:
        """Logits for every input token: (V, V)."""
        return self.unembed(self.norm(self.embed.weight))


class EmbedUnembedStack(nn.Module):
    """K independent embedding → unembedding members trained as one batched model.

    Parameters are stored as a few stacked blocks of members -- one block per
    optimizer setting (see ``regroup``) -- so that a sweep costs a handful of
    tensor ops per step rather than K.
    """

    _TABLES = ("E", "U", "ln_weight", "ln_bias")

    def __init__(self, V: int, members: list[Member], tied: bool = True, layernorm: str = "none") -> None:
        super().__init__()
        V = _check_structure(V, tied, layernorm)
        require_type(members, "members", (list, tuple), "a non-empty list of Member")
        require(len(members) >= 1, "members", "a non-empty list of Member", members)
        for k, m in enumerate(members):
            require_type(m, f"members[{k}]", Member, "a Member")
        self.V, self.members, self.tied, self.layernorm = V, list(members), tied, layernorm
        d_max = max(m.width for m in members)
        mask = torch.zeros(len(members), 1, d_max)  # (K, 1, Dmax)
        tables: dict[str, list[torch.Tensor]] = {name: [] for name in self._TABLES}
        for k, m in enumerate(members):
            mask[k, 0, : m.width] = 1.0
            E, U = init_table(V, m, tied)
            tables["E"].append(_pad(E, d_max))
            if not tied:
                tables["U"].append(_pad(U, d_max))
            if layernorm == "affine":
                tables["ln_weight"].append(torch.ones(1, d_max))
                tables["ln_bias"].append(torch.zeros(1, d_max))
        self.register_buffer("mask", mask)
        self._set_blocks({name: torch.stack(t) for name, t in tables.items() if t}, [0] * len(members))

    def _set_blocks(self, full: dict[str, torch.Tensor], keys: list) -> None:
        """Store each (K, ...) table as one Parameter per distinct key, in first-seen key order."""
        order = list(dict.fromkeys(keys))
        self.block_members = [[k for k, key in enumerate(keys) if key == b] for b in order]
        flat = [k for block in self.block_members for k in block]
        self.register_buffer("_unpermute", torch.argsort(torch.tensor(flat)), persistent=False)
        self._identity_order = flat == list(range(len(keys)))
        self.tables = nn.ModuleDict({
            name: nn.ParameterList([nn.Parameter(t[idx].clone()) for idx in self.block_members])
            for name, t in full.items()
        })

    def regroup(self, keys: list) -> None:
        """Re-pack the parameters so that members with equal ``keys`` share one block (one optimizer group)."""
        require(hasattr(keys, "__len__") and len(keys) == len(self.members), "keys",
                f"a sequence with one key per member ({len(self.members)})", keys)
        for k, key in enumerate(keys):
            try:
                hash(key)
            except TypeError:
                require(False, f"keys[{k}]", "hashable (members with equal keys share a block)", key)
        with torch.no_grad():
            full = {name: self._full(name).detach() for name in self.tables}
        self._set_blocks(full, list(keys))

    def block_parameters(self, b: int) -> list[nn.Parameter]:
        """The parameters of block b, whose members are ``block_members[b]``."""
        require_int(b, "b", lo=0, hi=len(self.block_members) - 1)
        return [self.tables[name][b] for name in self.tables]

    def _full(self, name: str) -> torch.Tensor:
        blocks = list(self.tables[name])
        t = blocks[0] if len(blocks) == 1 else torch.cat(blocks)
        return t if self._identity_order else t[self._unpermute]

    def _hidden(self) -> torch.Tensor:
        """h(E) for every member and token, masked to each member's width: (K, V, Dmax)."""
        E = self._full("E") * self.mask
        if self.layernorm == "none":
            return E
        width = self.mask.sum(-1, keepdim=True)  # (K, 1, 1)
        mean = E.sum(-1, keepdim=True) / width
        centred = (E - mean) * self.mask
        var = centred.pow(2).sum(-1, keepdim=True) / width
        h = centred / torch.sqrt(var + 1e-5)  # nn.LayerNorm's biased variance and eps
        if self.layernorm == "affine":
            h = h * self._full("ln_weight") + self._full("ln_bias")
        return h * self.mask

    def _unembedding(self) -> torch.Tensor:
        return self._full("E" if self.tied else "U") * self.mask  # (K, V, Dmax)

    def logit_table(self) -> torch.Tensor:
        """Logits of every member for every input token: (K, V, V).

        Without autograd the table is kept until a parameter changes (in place or replaced): a caller may ask for it
        more than once between two steps (an evaluation's measures), and it is the costliest part of one.
        """
        if torch.is_grad_enabled():
            return torch.bmm(self._hidden(), self._unembedding().transpose(1, 2))
        key = tuple((p.data_ptr(), p._version) for p in self.parameters())  # _version: bumped by every in-place op
        if getattr(self, "_table_key", None) != key:
            self._table, self._table_key = torch.bmm(self._hidden(), self._unembedding().transpose(1, 2)), key
        return self._table

    def forward(self, x: torch.Tensor, *, check: bool = True) -> torch.Tensor:
        """Logits for per-member inputs x of shape (K, n), ids in [0, V): (K, n, V).

        ``check=False`` trusts ``x``: for the training engine's own batches (no host sync per step).
        """
        if check:
            require_token_ids(x, "x", self.V, dims=2, shape="(K, n) tensor")
            require(x.shape[0] == len(self.members), "x", f"one row per member (K={len(self.members)}): a (K, n) tensor",
                    tuple(x.shape))
        h = self._hidden()
        rows = torch.gather(h, 1, x[:, :, None].expand(-1, -1, h.shape[-1]))  # (K, n, Dmax)
        return torch.bmm(rows, self._unembedding().transpose(1, 2))

    def embedding(self, k: int) -> torch.Tensor:
        """Member k's embedding table E (V, width), detached."""
        k = require_int(k, "k", lo=0, hi=len(self.members) - 1)
        return self._full("E").detach()[k, :, : self.members[k].width]


def _pad(t: torch.Tensor, width: int) -> torch.Tensor:
    return torch.nn.functional.pad(t, (0, width - t.shape[1]))
