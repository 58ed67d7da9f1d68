"""Metrics whose names say which quantity they are.

* ``effective_rank``: Roy & Vetterli (2007), as source 003 defines it -- singular
  values normalised by their *sum*, r = exp(entropy).
  ``effective_rank_from_singular_values`` is the same from given singular values.
* ``pca_effective_dimension``: source 001's n_eff -- PCA explained-variance ratios
  (squared singular values of the centred rows, normalised by their sum), exp(entropy).
  ``pca_effective_dimension_batched`` is the same for a stack of matrices.

The ``*_from_singular_values`` / ``*_batched`` forms take numpy arrays or torch
tensors, reduce the last axis (or last two), keep the leading ones as a batch and
compute in the input's library: claim workers pin torch to one thread, whereas
numpy's multithreaded SVD crawls on a busy 2-core machine.
* ``power_law_fit``: least-squares line in log-log space, with the exponent's
  confidence interval (Student t) and R²; ``exponential_fit_r2`` is the R² of the
  competing light-tailed form (log y linear in x) on the same points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats

from toy_claims.models.validation import require, require_real

__all__ = ["effective_rank", "effective_rank_from_singular_values", "pca_effective_dimension",
           "pca_effective_dimension_batched", "PowerLawFit", "power_law_fit", "exponential_fit_r2", "local_slopes"]


def _exp_entropy(weights):
    """exp(entropy) of ``weights`` normalised over the last axis; a float for a 1-D numpy array."""
    if isinstance(weights, torch.Tensor):
        p = weights / weights.sum(dim=-1, keepdim=True)
        return torch.exp(-torch.xlogy(p, p).sum(dim=-1))
    p = np.asarray(weights) / np.sum(weights, axis=-1, keepdims=True)
    r = np.exp(-np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=-1))
    return float(r) if np.ndim(r) == 0 else r


def _centred_singular_values(tables):
    """Singular values of each (n, d) matrix of ``tables`` (..., n, d) after subtracting its mean row."""
    if isinstance(tables, torch.Tensor):
        a = tables.double()
        return torch.linalg.svdvals(a - a.mean(dim=-2, keepdim=True))
    a = np.asarray(tables, dtype=np.float64)
    return np.linalg.svd(a - a.mean(axis=-2, keepdims=True), compute_uv=False)


def _matrix(M) -> np.ndarray:
    a = _real_array(M.detach().cpu() if hasattr(M, "detach") else M, "matrix")
    require(a.ndim == 2 and min(a.shape) >= 1, "matrix", "a non-empty 2-D array", a.shape)
    require(bool(np.isfinite(a).all()), "matrix", "finite entries", "non-finite entries")
    return a


def _real_array(values, name: str) -> np.ndarray:
    """``values`` as a float64 numpy array; a ValueError naming ``name`` when they are not numbers."""
    ok = not isinstance(values, (str, bytes))
    try:
        a = np.asarray(values, dtype=np.float64) if ok else None
    except (TypeError, ValueError):
        ok = False
    require(ok, name, "an array of real numbers", values)
    return a


def _check_spectra(s) -> None:
    """Singular values (..., k): non-empty, finite, >= 0 and not all zero in any spectrum (else the rank is undefined)."""
    name = "s (singular values)"
    if isinstance(s, torch.Tensor):
        shape, finite = tuple(s.shape), bool(torch.isfinite(s).all())
        nonnegative, nonzero = (bool((s >= 0).all()), bool((s.sum(dim=-1) > 0).all())) if finite and s.numel() else (True, True)
    else:
        a = _real_array(s, name)
        shape, finite = a.shape, bool(np.isfinite(a).all())
        nonnegative, nonzero = (bool((a >= 0).all()), bool((a.sum(axis=-1) > 0).all())) if finite and a.size else (True, True)
    require(len(shape) >= 1 and shape[-1] >= 1 and 0 not in shape, name, "a non-empty array (..., k), k >= 1", shape)
    require(finite, name, "finite (NaN or inf has no effective rank)", "non-finite values")
    require(nonnegative, name, "non-negative", "negative values")
    require(nonzero, name, "not all zero in any spectrum (the zero matrix has no effective rank)", "an all-zero spectrum")


def effective_rank(M) -> float:
    """exp(-Σ p_i log p_i) with p_i = σ_i / Σ σ_j (Roy & Vetterli 2007). In [1, rank(M)]."""
    s = np.linalg.svd(_matrix(M), compute_uv=False)
    require(s.sum() > 0, "matrix", "not all zero", "the zero matrix")
    return effective_rank_from_singular_values(s)


def effective_rank_from_singular_values(s):
    """``effective_rank`` of the matrix with singular values ``s`` (..., k) -> (...); batches too.

    A float for 1-D numpy input, else an array / tensor of the leading shape. Zeros in ``s`` count as 0 log 0 = 0;
    a ValueError for empty, NaN, inf, negative or all-zero spectra (no effective rank is defined for them).
    """
    _check_spectra(s)
    return _exp_entropy(s)


def pca_effective_dimension(E) -> float:
    """Source 001's n_eff = exp(S), S the entropy of the PCA explained-variance ratios of E's rows."""
    s = _centred_singular_values(_matrix(E))
    require(s.sum() > 0, "matrix", "rows that are not all equal", "identical rows")
    return _exp_entropy(s**2)


def pca_effective_dimension_batched(tables):
    """``pca_effective_dimension`` of every (n, d) matrix of ``tables`` (..., n, d) -> (...); shapes checked only.

    A table with NaN / inf entries or identical rows gives NaN (never a number), so one diverged member of a
    sweep stays visible without stopping the others; empty tables are a ValueError.

    Torch input is computed in float64 with torch's LAPACK under the worker's thread pin (a 100 × 100 table:
    ~2 ms, against ~0.2 s for numpy's multithreaded SVD on the shared 2-core machine).
    """
    shape = tuple(tables.shape) if isinstance(tables, torch.Tensor) else _real_array(tables, "tables").shape
    require(len(shape) >= 2 and 0 not in shape, "tables", "a non-empty array (..., n, d)", shape)
    return _exp_entropy(_centred_singular_values(tables) ** 2)


@dataclass(frozen=True)
class PowerLawFit:
    """y ≈ prefactor · x^exponent, fitted in log-log space."""

    exponent: float
    ci_low: float  # confidence interval of the exponent
    ci_high: float
    prefactor: float
    r2: float
    n_points: int
    confidence: float

    def predict(self, x) -> np.ndarray:
        return self.prefactor * np.asarray(x, dtype=np.float64) ** self.exponent


def power_law_fit(x, y, confidence: float = 0.95) -> PowerLawFit:
    """Fit log y = log c + exponent · log x by least squares; CI from the t distribution."""
    x, y = _real_array(x, "x"), _real_array(y, "y")
    require(x.shape == y.shape and x.ndim == 1, "x, y", "1-D arrays of equal length", (x.shape, y.shape))
    require(x.size >= 3, "x", "at least 3 points", x.size)
    require(bool(np.isfinite(x).all()), "x", "finite (NaN or inf cannot be fitted)", x)
    require(bool(np.isfinite(y).all()), "y", "finite (NaN or inf cannot be fitted)", y)
    require(bool((x > 0).all() and (y > 0).all()), "x, y", "strictly positive (log-log fit)", "non-positive values")
    require(bool(np.ptp(x) > 0), "x", "at least two distinct values", x)
    require_real(confidence, "confidence", lo=0, hi=1, lo_open=True, hi_open=True)
    fit = stats.linregress(np.log(x), np.log(y))
    half = stats.t.ppf(0.5 + confidence / 2, x.size - 2) * fit.stderr
    return PowerLawFit(
        exponent=float(fit.slope),
        ci_low=float(fit.slope - half),
        ci_high=float(fit.slope + half),
        prefactor=float(math.exp(fit.intercept)),
        r2=float(fit.rvalue**2),
        n_points=int(x.size),
        confidence=confidence,
    )


def exponential_fit_r2(x, y) -> float:
    """R² of the least-squares line log y = a + b·x (y ∝ e^{bx}): the alternative a power law must beat."""
    x, y = _real_array(x, "x"), _real_array(y, "y")
    require(x.shape == y.shape and x.ndim == 1 and x.size >= 3, "x, y", "1-D arrays of equal length >= 3",
            (x.shape, y.shape))
    require(bool(np.isfinite(x).all() and np.isfinite(y).all()), "x, y", "finite (NaN or inf cannot be fitted)",
            "non-finite values")
    require(bool((y > 0).all()), "y", "strictly positive (log fit)", "non-positive values")
    require(bool(np.ptp(x) > 0), "x", "at least two distinct values", x)
    return float(stats.linregress(x, np.log(y)).rvalue ** 2)


def local_slopes(x, y) -> np.ndarray:
    """d log y / d log x between consecutive points (length len(x) - 1)."""
    x, y = _real_array(x, "x"), _real_array(y, "y")
    require(x.shape == y.shape and x.ndim == 1 and x.size >= 2, "x, y", "1-D arrays of equal length >= 2",
            (x.shape, y.shape))
    lx, ly = np.log(x), np.log(y)  # a non-positive value gives a NaN slope, never a number
    return np.diff(ly) / np.diff(lx)
