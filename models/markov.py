"""The stationary distribution of a Markov chain, exact to float64 rounding (one solver for every chain we build)."""

from __future__ import annotations

import torch

from toy_claims.models.validation import require, require_real, require_type

__all__ = ["ReducibleChainError", "stationary_distribution"]


class ReducibleChainError(ValueError):
    """The chain has no unique stationary distribution at float64 precision (it is reducible, or nearly so).

    A ValueError about ``transition``; the message says what failed.
    """


def stationary_distribution(transition: torch.Tensor, residual_tol: float = 1e-12) -> torch.Tensor:
    """π with πP = π and Σπ = 1, by a direct solve plus one step of iterative refinement, float64.

    Power iteration converges as λ₂^k, arbitrarily slowly for a sticky chain; a direct solve is exact to
    rounding. ``transition`` is a (k, k) row-stochastic tensor: finite entries >= 0, rows summing to 1 (within 1e-9);
    anything else is a ValueError (a TypeError when it is no tensor). Raises ``ReducibleChainError`` when the system
    is singular or the residual max|πP − π| exceeds ``residual_tol``.
    """
    require_type(transition, "transition", torch.Tensor, "a (k, k) row-stochastic tensor")
    require_real(residual_tol, "residual_tol", lo=0, lo_open=True)
    require(transition.dim() == 2 and transition.shape[0] == transition.shape[1] >= 1 and transition.is_floating_point(),
            "transition", "a (k, k) floating-point tensor, k >= 1", (tuple(transition.shape), transition.dtype))
    P = transition.to(torch.float64)
    require(bool(torch.isfinite(P).all() and (P >= 0).all()), "transition", "finite probabilities >= 0",
            "negative or non-finite entries")
    require(bool(((P.sum(dim=1) - 1).abs() <= 1e-9).all()), "transition", "row-stochastic (rows sum to 1 within 1e-9)",
            f"row sums from {float(P.sum(dim=1).min()):.6g} to {float(P.sum(dim=1).max()):.6g}")
    k = P.shape[0]
    M = P.T - torch.eye(k, dtype=torch.float64)
    M[-1, :] = 1.0  # replace one (redundant) balance equation by Σπ = 1
    rhs = torch.zeros(k, dtype=torch.float64)
    rhs[-1] = 1.0
    try:
        pi = torch.linalg.solve(M, rhs)
        pi = pi + torch.linalg.solve(M, rhs - M @ pi)  # iterative refinement
    except torch.linalg.LinAlgError:
        raise ReducibleChainError("transition must be irreducible (one stationary distribution), got a singular "
                                  "stationary system") from None
    pi = pi.clamp_min(0.0)
    pi = pi / pi.sum()
    residual = float((pi @ P - pi).abs().max())
    if not residual <= residual_tol:
        raise ReducibleChainError(f"transition must be irreducible (one stationary distribution), got a stationary "
                                  f"residual {residual:.3g} > residual_tol = {residual_tol:g}")
    return pi
