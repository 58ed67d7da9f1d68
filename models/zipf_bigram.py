"""A bigram language with an exactly Zipfian unigram marginal and a known amount of structure beyond it.

Built for source 001's warmup hypothesis (a large early learning rate makes a model settle on unigram
statistics, "sticky" at the unigram entropy H(π)): the language has to make H(π) and the optimum both
exact, and keep them apart by a chosen amount.

The joint of a pair (x, y) is the maximum-entropy coupling of π with itself under a symmetric pairwise
potential G of rank R:

    J[x, y] = a_x a_y exp(β G[x, y]),   G = A S Aᵀ / √R,   A ~ N(0, 1)^{V×R} (from ``seed``),
                                                            S = diag(+1, −1, +1, …)  (G indefinite)

with a > 0 solved (Newton on log a, float64) so that every row of J sums to π_x = Zipf(α)_x. Then
P[x] = J[x] / Σ_y J[x, y] and, J being symmetric, πP = π: the chain is reversible and π is its stationary
distribution, exactly Zipf. log P[x, y] = β G[x, y] + log a_y + (a constant per row), so the true logits
have rank ≤ R + 1 up to row shifts. β is chosen so that the mutual information I(X;Y) = H(π) − H(Y|X)
(what any model gains over the best unigram model) is ``mi_fraction`` · H(π); ``mi_fraction = 0`` is the
structureless language P = 1πᵀ, where the optimum is H(π).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import torch

from toy_claims.models.datasets import TokenPairDataset
from toy_claims.models.validation import require, require_int, require_real, require_seed

__all__ = ["ZipfBigram", "MAX_MI_FRACTION"]

MAX_MI_FRACTION = 0.5  # beyond it β grows large and the coupling solver slows; the study uses 0.15
_COUPLING_ULPS = 64  # converged: max |log(row sum of J) − log π| within this many float64 ulps of the largest log term
_NEWTON_MAX_ITERS = 100
_CONTINUATION_STEPS = 8  # warm-started solves along t·β G when Newton from a = π fails at the full coupling
_MAX_BETA = 64  # G has unit-variance entries: beyond this J is near a deterministic coupling
_MAX_LOG_DYNAMIC_RANGE = 600.0  # largest alpha · ln V: the rarest π_i ≈ V^-alpha stays above exp(-600) ~ 1e-261


@dataclass(frozen=True)
class ZipfBigram(TokenPairDataset):
    """Pairs x ~ π = Zipf(α), y ~ P[x], with I(X;Y) = mi_fraction · H(π) (see the module docstring)."""

    V: int  # vocabulary size
    alpha: float = 1.0  # Zipf exponent of the unigram marginal π_i ∝ i^-α; at most 600 / ln V (π_V > 0 in float64)
    R: int = 8  # rank of the pairwise potential G
    mi_fraction: float = 0.15  # target I(X;Y) / H(π); 0 is the structureless language P = 1πᵀ
    seed: int = 0  # seeds A, hence G

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", require_int(self.V, "V", lo=2))
        require_real(self.alpha, "alpha", lo=0)
        max_alpha = _MAX_LOG_DYNAMIC_RANGE / math.log(self.V)
        require(self.alpha <= max_alpha, "alpha", f"a finite number in [0, 600 / ln V = {max_alpha:.4g}] (so π_V = "
                "V**-alpha / Z and log π stay finite)", self.alpha)
        require(isinstance(self.R, numbers.Integral) and not isinstance(self.R, bool) and 1 <= self.R <= self.V,
                "R", f"an integer in [1, V={self.V}]", self.R)
        object.__setattr__(self, "R", int(self.R))
        require_real(self.mi_fraction, "mi_fraction", lo=0, hi=MAX_MI_FRACTION)
        object.__setattr__(self, "seed", require_seed(self.seed))

    # --- the language -------------------------------------------------------------------------------

    @cached_property
    def probs(self) -> torch.Tensor:
        """π_i ∝ i^-α for i = 1..V, float64, shape (V,): the unigram marginal of x and of y."""
        log_w = -self.alpha * torch.log(torch.arange(1, self.V + 1, dtype=torch.float64))
        return torch.softmax(log_w, dim=0)

    @cached_property
    def potential(self) -> torch.Tensor:
        """G = A S Aᵀ / √R, symmetric, rank R, float64 (V, V)."""
        g = torch.Generator().manual_seed(self.seed)
        A = torch.randn(self.V, self.R, generator=g, dtype=torch.float64)
        signs = torch.ones(self.R, dtype=torch.float64)
        signs[1::2] = -1.0
        return (A * signs) @ A.T / math.sqrt(self.R)

    @cached_property
    def beta(self) -> float:
        """The coupling strength that makes I(X;Y) = mi_fraction · H(π) (0 for the structureless language)."""
        if self.mi_fraction == 0:
            return 0.0
        from scipy.optimize import brentq

        target = self.mi_fraction * self.unigram_entropy
        log_pi = torch.log(self.probs)
        warm = {"u": log_pi.clone()}

        def excess(beta: float) -> float:
            try:  # from the last solution: a few Newton steps when β moved a little
                warm["u"] = _coupling_log_a(log_pi, beta * self.potential, warm["u"])
            except ArithmeticError:  # the last solution was far off (a much larger β): start from a = π
                warm["u"] = _coupling_log_a(log_pi, beta * self.potential, log_pi)
            return _mutual_information(self.probs, _transition(warm["u"], beta * self.potential)) - target

        hi = 1.0
        while True:
            try:
                if excess(hi) >= 0:
                    break
            except ArithmeticError:  # the coupling degenerates (entries of J underflow) before reaching the target
                hi = math.inf
            hi *= 2
            require(hi <= _MAX_BETA, "mi_fraction", f"reachable by this potential (seed {self.seed}) with "
                    f"β <= {_MAX_BETA}", self.mi_fraction)
        try:
            return brentq(excess, hi / 2 if hi > 1 else 0.0, hi, xtol=1e-15, rtol=1e-14, maxiter=200)
        except ArithmeticError as exc:  # a coupling on the way failed to converge: β is too large to solve
            raise ValueError(f"mi_fraction must be reachable by this potential (seed {self.seed}) with a coupling "
                             f"that converges ({exc}), got {self.mi_fraction!r}") from None

    @cached_property
    def transition(self) -> torch.Tensor:
        """P (V, V) float64; rows sum to 1. The structureless language gives every row π."""
        if self.beta == 0:
            return self.probs.expand(self.V, self.V).clone()
        logK = self.beta * self.potential
        return _transition(_coupling_by_continuation(torch.log(self.probs), logK), logK)

    @cached_property
    def _cdf(self) -> torch.Tensor:
        return torch.cumsum(self.transition, dim=-1)

    # --- TokenPairDataset ---------------------------------------------------------------------------

    @property
    def input_probs(self) -> torch.Tensor:
        return self.probs

    def row_probs(self, x: torch.Tensor) -> torch.Tensor:
        self._check_inputs(x)
        return self.transition[x]

    @property
    def _transition_for_loss(self) -> torch.Tensor:
        return self.transition

    def _sample_outputs(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """y ~ P[x] by inverse CDF over the cached cumulative rows."""
        cdf = self._cdf[x]
        u = torch.rand(cdf.shape[0], 1, dtype=cdf.dtype, generator=generator) * cdf[:, -1:]
        return torch.searchsorted(cdf, u).squeeze(1).clamp_(max=self.V - 1)

    # --- exact quantities (nats, float64) -------------------------------------------------------------

    @cached_property
    def unigram_entropy(self) -> float:
        """H(π): the loss of the best model that ignores x."""
        return float(-torch.xlogy(self.probs, self.probs).sum())

    @cached_property
    def optimal_loss(self) -> float:
        """H(Y|X) = Σ_x π_x H(P[x]): the best achievable loss."""
        return float(self.probs @ -torch.xlogy(self.transition, self.transition).sum(dim=1))

    @property
    def mutual_information(self) -> float:
        """I(X;Y) = H(π) − H(Y|X): the gap between the best unigram model and the optimum."""
        return self.unigram_entropy - self.optimal_loss

    def x_dependence(self, logits: torch.Tensor) -> torch.Tensor:
        """A model's own I(X; Ŷ) = Σ_x π_x KL(q_x ‖ q̄), q̄ = Σ_x π_x q_x, float64 nats, shape (...).

        ``logits``: (..., V, V). 0 exactly when every row is the same (a unigram model); the true P gives
        ``mutual_information``.
        """
        return self.x_dependence_of(self.log_probs(logits))

    def x_dependence_of(self, log_q: torch.Tensor) -> torch.Tensor:
        """``x_dependence`` of a table already turned into log-probabilities by ``log_probs``."""
        self._check_log_probs(log_q)
        q = log_q.exp()
        pi = self.probs.to(log_q.device)
        log_qbar = torch.log(torch.einsum("x,...xy->...y", pi, q))
        kl_rows = (q * (log_q - log_qbar[..., None, :])).sum(dim=-1)  # (..., V)
        return (kl_rows * pi).sum(dim=-1)


def _coupling_log_a(log_pi: torch.Tensor, logK: torch.Tensor, u0: torch.Tensor) -> torch.Tensor:
    """u = log a with a_x Σ_y exp(logK[x, y]) a_y = π_x (logK symmetric), by Newton's method with backtracking.

    F(u) = u + logsumexp_y(logK[x, y] + u_y) − log π_x = 0 has Jacobian I + S, S = row-softmax(logK + u)
    (row-stochastic): a few dense V×V solves, from a warm start when β moves a little. Where I + S is
    singular the step falls back to symmetric Sinkhorn's averaged step −F/2.
    """
    def residual(u: torch.Tensor) -> torch.Tensor:  # log(row sum of J) − log π
        return u + torch.logsumexp(logK + u[None, :], dim=1) - log_pi

    eye = torch.eye(len(log_pi), dtype=torch.float64)
    tol = _COUPLING_ULPS * torch.finfo(torch.float64).eps * (1 + float(logK.abs().max()) + float(log_pi.abs().max()))
    u, F = u0, residual(u0)
    for _ in range(_NEWTON_MAX_ITERS):
        size = float(F.abs().max())
        if size <= tol:
            return u
        try:
            step = torch.linalg.solve(eye + torch.softmax(logK + u[None, :], dim=1), -F)
        except torch.linalg.LinAlgError:  # S has an eigenvalue −1 (a perfectly alternating coupling)
            step = -0.5 * F  # the averaged Sinkhorn step
        t = 1.0
        while True:  # backtrack until max |F| falls (a full step almost always does)
            u_new = u + t * step
            F_new = residual(u_new)
            if float(F_new.abs().max()) < size or t < 1e-6:
                break
            t /= 2
        u, F = u_new, F_new
    raise ArithmeticError(f"coupling did not converge in {_NEWTON_MAX_ITERS} Newton steps "
                          f"(max log residual {float(F.abs().max()):.3g})")


def _coupling_by_continuation(log_pi: torch.Tensor, logK: torch.Tensor) -> torch.Tensor:
    """``_coupling_log_a`` from a = π; where Newton does not converge from there (a strong coupling, which the β
    search reached by warm starts), along t·logK for t = 1/8, 2/8, …, 1, each solve warm-started by the last."""
    try:
        return _coupling_log_a(log_pi, logK, log_pi)
    except ArithmeticError:
        u = log_pi
        for step in range(1, _CONTINUATION_STEPS + 1):
            u = _coupling_log_a(log_pi, logK * (step / _CONTINUATION_STEPS), u)
        return u


def _transition(u: torch.Tensor, logK: torch.Tensor) -> torch.Tensor:
    """Rows of J = diag(a) exp(logK) diag(a), each normalised to sum to 1."""
    return torch.softmax(logK + u[None, :], dim=1)  # a_x is a row constant


def _mutual_information(pi: torch.Tensor, P: torch.Tensor) -> float:
    return float(-torch.xlogy(pi, pi).sum() - pi @ -torch.xlogy(P, P).sum(dim=1))
