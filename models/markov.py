"""The stationary distribution of a Markov chain, exact to float64 rounding (one solver for every chain we build)."""

from __future__ import annotations

import torch

__all__ = ["ReducibleChainError", "stationary_distribution"]


class ReducibleChainError(ValueError):
    """The chain has no unique stationary distribution at float64 precision (it is reducible, or nearly so)."""


def stationary_distribution(transition: torch.Tensor, residual_tol: float = 1e-12) -> torch.Tensor:
    """π with πP = π and Σπ = 1, by a direct solve plus one step of iterative refinement, float64.

    Power iteration converges as λ₂^k, arbitrarily slowly for a sticky chain; a direct solve is exact to
    rounding. Raises ``ReducibleChainError`` when the system is singular or the residual max|πP − π| exceeds
    ``residual_tol``.
    """
    P = transition.to(torch.float64)
    k = P.shape[0]
    M = P.T - torch.eye(k, dtype=torch.float64)
    M[-1, :] = 1.0  # replace one (redundant) balance equation by Σπ = 1
    rhs = torch.zeros(k, dtype=torch.float64)
    rhs[-1] = 1.0
    try:
        pi = torch.linalg.solve(M, rhs)
        pi = pi + torch.linalg.solve(M, rhs - M @ pi)  # iterative refinement
    except torch.linalg.LinAlgError:
        raise ReducibleChainError("the stationary system is singular") from None
    pi = pi.clamp_min(0.0)
    pi = pi / pi.sum()
    residual = float((pi @ P - pi).abs().max())
    if not residual <= residual_tol:
        raise ReducibleChainError(f"stationary residual {residual:.3g} > {residual_tol:g}")
    return pi
