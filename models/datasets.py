"""Toy next-token datasets with exactly known distributions.

Both datasets are pairs (x, y) of tokens: x ~ π, then y ~ P[x]. Because π and P
are known, the expected cross-entropy of any table of model logits is a finite
sum, so claims evaluate losses exactly instead of on the sources' 2,000,000-sample
evaluation batches (``expected_cross_entropy``), and the gap to the optimum is a
π-weighted KL computed directly in float64 (``loss_gap``), not as a difference of
two O(1) numbers.

* ``ZipfUnigram``   -- source 001: x and y independent, p_i ∝ i^-α.
* ``LowRankBigram`` -- source 000: P = row-softmax(scale · A Λ B / √R), π stationary.
* ``power_law_rank_weights`` -- source 000's Λ knob: Λ_n ∝ n^-α at mean square 1.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from toy_claims.models.markov import stationary_distribution
from toy_claims.models.validation import require, require_int, require_real, require_seed, require_token_ids, require_type

__all__ = ["ZipfUnigram", "LowRankBigram", "TokenPairDataset", "power_law_rank_weights"]


class TokenPairDataset:
    """Shared exact quantities of a dataset of (x, y) pairs given π and P.

    Subclasses provide ``input_probs`` (π, shape V) and ``row_probs(x)`` (P[x]).
    Logit tables have shape (..., V, V): row x holds the model's logits for y
    given input x; leading dimensions are batch members (one loss each).
    """

    V: int

    @property
    def input_probs(self) -> torch.Tensor:  # (V,) float64
        raise NotImplementedError

    def row_probs(self, x: torch.Tensor) -> torch.Tensor:  # (n,) ids in [0, V) -> (n, V)
        raise NotImplementedError

    def _check_inputs(self, x: torch.Tensor) -> None:
        """``row_probs``'s input: an (n,) integer tensor of ids in [0, V) (an id of V would index past P)."""
        require_token_ids(x, "x", self.V, dims=1, shape="(n,) tensor")

    @property
    def _transition_for_loss(self) -> torch.Tensor:
        """P, or anything that broadcasts against a (..., V, V) table like P does."""
        raise NotImplementedError

    @property
    def optimal_loss(self) -> float:
        """The best achievable expected loss (nats): Σ_x π_x H(P[x])."""
        raise NotImplementedError

    def expected_cross_entropy(self, logits: torch.Tensor) -> torch.Tensor:
        """Exact E_{x~π, y~P[x]}[-log softmax(logits[x])[y]], differentiable, in nats.

        ``logits``: (..., V, V). Returns shape (...). Computed in the dtype of
        ``logits`` so that it can serve as the full-batch training loss.
        """
        self._check_table(logits)
        pi = self.input_probs.to(logits)
        P = self._transition_for_loss.to(logits)
        log_q = torch.log_softmax(logits, dim=-1)
        return -(pi[:, None] * P * log_q).sum(dim=(-1, -2))

    def log_probs(self, logits: torch.Tensor) -> torch.Tensor:
        """The model's exact log q(y | x): float64 log-softmax of a (..., V, V) logit table, without gradients. Every
        exact measure of a table reads it (``loss_gap``, ``loss_gap_of``, and a subclass's own), so a caller that takes
        several measures of one table computes it once."""
        self._check_table(logits)
        return torch.log_softmax(logits.detach().to(torch.float64), dim=-1)

    def loss_gap(self, logits: torch.Tensor) -> torch.Tensor:
        """Exact L - L_opt = Σ_x π_x KL(P[x] ‖ softmax(logits[x])), in float64 nats.

        Shape (...). Never negative beyond float64 rounding.
        """
        return self.loss_gap_of(self.log_probs(logits))

    def loss_gap_of(self, log_q: torch.Tensor) -> torch.Tensor:
        """``loss_gap`` of a table already turned into log-probabilities by ``log_probs``."""
        self._check_log_probs(log_q)
        return (self._kl_rows(log_q) * self.input_probs.to(log_q.device)).sum(dim=-1)

    def _check_log_probs(self, log_q: torch.Tensor) -> None:
        """What ``log_probs`` returns: a float64 (..., V, V) table (raw logits or a float32 table would give numbers
        that are silently wrong)."""
        require_type(log_q, "log_q", torch.Tensor, f"a float64 (..., {self.V}, {self.V}) tensor from log_probs")
        require(log_q.shape[-2:] == (self.V, self.V) and log_q.dtype == torch.float64, "log_q",
                f"a float64 (..., {self.V}, {self.V}) tensor from log_probs", (tuple(log_q.shape), log_q.dtype))

    def _kl_rows(self, log_q: torch.Tensor) -> torch.Tensor:
        """KL(P[x] ‖ q_x) for every input x: (..., V)."""
        P = self._transition_for_loss.to(log_q.device)
        return (torch.xlogy(P, P) - P * log_q).sum(dim=-1)

    def per_input_loss_gap(self, logits: torch.Tensor) -> torch.Tensor:
        """KL(P[x] ‖ softmax(logits[x])) for every input x, float64, shape (..., V)."""
        return self._kl_rows(self.log_probs(logits))

    def sample(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n iid pairs: x ~ π, y ~ P[x]. Returns two int64 tensors of shape (n,)."""
        require_int(n, "n", lo=1)
        require_type(generator, "generator", torch.Generator, "a torch.Generator")
        x = torch.multinomial(self.input_probs, n, replacement=True, generator=generator)
        return x, self._sample_outputs(x, generator)

    def sample_steps(self, steps: int, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``steps`` successive ``sample(n, generator)`` draws at once: two (steps, n) int64 tensors, equal to those
        draws stacked, the generator left where they leave it (a training run's batches, drawn ahead)."""
        self._check_steps(steps, n, generator)
        xs, ys = zip(*(self.sample(n, generator) for _ in range(steps)))
        return torch.stack(xs), torch.stack(ys)

    @staticmethod
    def _check_steps(steps: int, n: int, generator: torch.Generator) -> None:
        require_int(steps, "steps", lo=1)
        require_int(n, "n", lo=1)
        require_type(generator, "generator", torch.Generator, "a torch.Generator")

    def _sample_outputs(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """y ~ P[x] by inverse CDF, in chunks that bound the gathered (chunk, V) CDF rows."""
        cdf_table = torch.cumsum(self.row_probs(torch.arange(self.V)), dim=-1)
        y = torch.empty_like(x)
        chunk = 1 << 16
        for start in range(0, x.shape[0], chunk):
            cdf = cdf_table[x[start : start + chunk]]
            u = torch.rand(cdf.shape[0], 1, dtype=cdf.dtype, generator=generator) * cdf[:, -1:]
            y[start : start + chunk] = torch.searchsorted(cdf, u).squeeze(1).clamp_(max=self.V - 1)
        return y

    def _check_table(self, logits: torch.Tensor) -> None:
        require_type(logits, "logits", torch.Tensor, f"a (..., {self.V}, {self.V}) tensor")
        if logits.shape[-2:] != (self.V, self.V):
            raise ValueError(f"logits must have shape (..., {self.V}, {self.V}), got {tuple(logits.shape)}")
        require(logits.is_floating_point(), "logits", f"a floating-point (..., {self.V}, {self.V}) tensor", logits.dtype)


@dataclass(frozen=True)
class ZipfUnigram(TokenPairDataset):
    """Source 001's unigram dataset: x and y independent, both ~ p with p_i ∝ i^-α."""

    V: int  # vocabulary size
    alpha: float = 1.0  # Zipf exponent; 1 is the standard Zipf law, 0 is uniform

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", require_int(self.V, "V", lo=2))
        require_real(self.alpha, "alpha", lo=0)

    @cached_property
    def probs(self) -> torch.Tensor:
        """p_i ∝ i^-α for i = 1..V, float64, shape (V,)."""
        log_w = -self.alpha * torch.log(torch.arange(1, self.V + 1, dtype=torch.float64))
        return torch.softmax(log_w, dim=0)

    @property
    def input_probs(self) -> torch.Tensor:
        return self.probs

    def row_probs(self, x: torch.Tensor) -> torch.Tensor:
        self._check_inputs(x)
        return self.probs.expand(x.shape[0], self.V)

    def _sample_outputs(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return torch.multinomial(self.probs, x.shape[0], replacement=True, generator=generator)  # y independent of x

    def sample_steps(self, steps: int, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """As ``TokenPairDataset.sample_steps``, in one multinomial call: x and y both ~ p, and torch's multinomial
        with replacement takes one uniform per draw in order, so one call of 2·n·steps draws is the per-step
        calls' draws concatenated. Not for n = 1, which torch draws by another method (exponential race)."""
        if n == 1:
            return super().sample_steps(steps, n, generator)
        self._check_steps(steps, n, generator)
        xy = torch.multinomial(self.probs, steps * 2 * n, replacement=True, generator=generator).view(steps, 2, n)
        return xy[:, 0], xy[:, 1]

    @property
    def _transition_for_loss(self) -> torch.Tensor:
        return self.probs[None, :]  # every row of P is p; broadcasts without a V×V table

    @cached_property
    def entropy(self) -> float:
        """S = -Σ p_i log p_i in nats, from the closed form log Z + (α/Z) Σ i^-α log i."""
        i = torch.arange(1, self.V + 1, dtype=torch.float64)
        w = i ** (-self.alpha)
        Z = w.sum()
        return float(torch.log(Z) + self.alpha * (w * torch.log(i)).sum() / Z)

    @property
    def optimal_loss(self) -> float:
        return self.entropy


@dataclass(frozen=True)
class LowRankBigram(TokenPairDataset):
    """Source 000's low-rank bigram: P = row-softmax(logit_scale · A Λ B / √R).

    A (V×R) and B (R×V) are standard normal from ``seed``; Λ = diag(rank_weights)
    (all ones when omitted). π is the stationary distribution of P, solved as a
    linear system and checked to a float64 residual.
    """

    V: int  # vocabulary size
    R: int  # rank of the logit matrix
    rank_weights: tuple[float, ...] | None = None  # diagonal of Λ; None means all ones
    logit_scale: float = 1.0  # multiplies the logits; larger is more deterministic
    seed: int = 0  # seeds A and B

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", require_int(self.V, "V", lo=2))
        require(isinstance(self.R, numbers.Integral) and not isinstance(self.R, bool) and 1 <= self.R <= self.V,
                "R", f"an integer in [1, V={self.V}]", self.R)
        object.__setattr__(self, "R", int(self.R))
        require_real(self.logit_scale, "logit_scale", lo=0)
        object.__setattr__(self, "seed", require_seed(self.seed))
        if self.rank_weights is not None:
            require(isinstance(self.rank_weights, (tuple, list, np.ndarray, torch.Tensor))
                    and all((isinstance(w, numbers.Real) and not isinstance(w, bool))
                            or (isinstance(w, torch.Tensor) and w.ndim == 0) for w in self.rank_weights),
                    "rank_weights", "None or a sequence of numbers", self.rank_weights)
            weights = tuple(float(w) for w in self.rank_weights)
            require(len(weights) == self.R, "rank_weights", f"a sequence of length R={self.R}", len(weights))
            require(
                all(math.isfinite(w) and w >= 0 for w in weights),
                "rank_weights", "finite numbers >= 0", self.rank_weights,
            )
            object.__setattr__(self, "rank_weights", weights)

    @cached_property
    def logits(self) -> torch.Tensor:
        """The true logit matrix L (V×V, float64), of rank <= R."""
        g = torch.Generator().manual_seed(self.seed)
        A = torch.randn(self.V, self.R, generator=g, dtype=torch.float64)
        B = torch.randn(self.R, self.V, generator=g, dtype=torch.float64)
        lam = torch.ones(self.R, dtype=torch.float64) if self.rank_weights is None else torch.tensor(
            self.rank_weights, dtype=torch.float64
        )
        return self.logit_scale * (A * lam) @ B / math.sqrt(self.R)

    @cached_property
    def transition(self) -> torch.Tensor:
        """P = row-softmax(L), float64, rows sum to 1."""
        return torch.softmax(self.logits, dim=1)

    @cached_property
    def stationary(self) -> torch.Tensor:
        """π with πP = π, Σπ = 1 (``models.markov``); a ValueError naming logit_scale (and the rank weights that
        multiply it) when the chain is reducible."""
        try:
            return stationary_distribution(self.transition)
        except ValueError as exc:  # ReducibleChainError, or a transition that over/underflowed (NaN rows)
            largest = 1.0 if self.rank_weights is None else max(self.rank_weights)
            raise ValueError(f"logit_scale (times the largest rank weight) must be small enough for the chain to stay "
                             f"irreducible in float64 ({exc}), got {self.logit_scale!r} × {largest!r}") from None

    @property
    def input_probs(self) -> torch.Tensor:
        return self.stationary

    def row_probs(self, x: torch.Tensor) -> torch.Tensor:
        self._check_inputs(x)
        return self.transition[x]

    @property
    def _transition_for_loss(self) -> torch.Tensor:
        return self.transition

    @cached_property
    def row_entropies(self) -> torch.Tensor:
        """H(P[x]) for every input x, nats, shape (V,)."""
        P = self.transition
        return -torch.xlogy(P, P).sum(dim=1)

    @property
    def optimal_loss(self) -> float:
        """L0 = Σ_x π_x H(P[x]): the conditional entropy, π-weighted (nats)."""
        return float(self.stationary @ self.row_entropies)


def power_law_rank_weights(R: int, alpha: float) -> tuple[float, ...] | None:
    """``LowRankBigram.rank_weights`` Λ_n ∝ n^-α (n = 1..R), normalised to mean square 1.

    Only the shape of Λ changes, not the logit scale. α = 0 gives None, LowRankBigram's default (all ones).
    """
    R = require_int(R, "R", lo=1)
    require_real(alpha, "alpha", lo=0)
    if alpha == 0:
        return None
    w = np.arange(1, R + 1, dtype=np.float64) ** -alpha
    return tuple(w / np.sqrt(np.mean(w**2)))
