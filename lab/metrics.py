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
from scipy import optimize, special, stats

from toy_claims.models.validation import require, require_real, shown

__all__ = ["effective_rank", "effective_rank_from_singular_values", "pca_effective_dimension",
           "pca_effective_dimension_batched", "PowerLawFit", "power_law_fit", "exponential_fit_r2", "local_slopes",
           "OTHER_DECAYS", "other_decays", "zipf_mle_exponent"]


def _exp_entropy(weights):
    """exp(entropy) of ``weights`` normalised over the last axis; a float for a 1-D numpy array.

    NaN where a slice sums to zero (no distribution to take the entropy of).
    """
    if isinstance(weights, torch.Tensor):
        p = weights / weights.sum(dim=-1, keepdim=True)
        return torch.exp(-torch.xlogy(p, p).sum(dim=-1))
    total = np.sum(weights, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(weights) / total
    r = np.exp(-np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=-1))
    r = np.where(total[..., 0] > 0, r, np.nan)
    return float(r) if np.ndim(r) == 0 else r


def _in_safe_range(x, dims: tuple[int, ...]):
    """``x`` scaled by a power of two per slice over ``dims`` where its largest |entry| lies outside
    [2**-e, 2**e] (e = a quarter of the dtype's largest exponent: 256 for float64), to largest |entry| in [0.5, 1).

    Every quantity here is scale-invariant and a power of two scales exactly, so squares and sums of the result
    neither overflow (1e308) nor underflow (1e-320); a slice inside the range is left as it is, bit for bit.
    """
    lib = torch if isinstance(x, torch.Tensor) else np
    e = math.frexp(float(lib.finfo(x.dtype).max))[1] // 4
    m = x.abs().amax(dim=dims, keepdim=True) if lib is torch else np.max(np.abs(x), axis=dims, keepdims=True)
    rescale = (m > 2.0**e) | ((m > 0) & (m < 2.0**-e))
    shift = lib.where(rescale, -lib.frexp(m)[1], 0)  # 0 leaves the slice as it is
    half = shift // 2  # two factors, each a normal float even for a subnormal slice (a shift beyond 1023)
    return x * lib.ldexp(lib.ones_like(m), half) * lib.ldexp(lib.ones_like(m), shift - half)


def _centred_singular_values(tables):
    """Singular values of each (n, d) matrix of ``tables`` (..., n, d) after subtracting its mean row, and where
    they are defined: the table is finite and its rows are not all equal (up to the rounding of the mean).

    A non-finite table is replaced by zeros before the SVD (LAPACK refuses it); its values are not defined.
    """
    n = tables.shape[-2]
    if isinstance(tables, torch.Tensor):
        a = tables.double()
        finite = torch.isfinite(a).all(dim=-1).all(dim=-1)
        a = _in_safe_range(torch.where(finite[..., None, None], a, 0.0), (-2, -1))
        centred = a - a.mean(dim=-2, keepdim=True)
        spread = centred.abs().amax(dim=(-2, -1)) > n * torch.finfo(torch.float64).eps * a.abs().amax(dim=(-2, -1))
        return torch.linalg.svdvals(centred), finite & spread
    a = np.asarray(tables, dtype=np.float64)
    finite = np.isfinite(a).all(axis=(-2, -1))
    a = _in_safe_range(np.where(finite[..., None, None], a, 0.0), (-2, -1))
    centred = a - a.mean(axis=-2, keepdims=True)
    spread = np.abs(centred).max(axis=(-2, -1)) > n * np.finfo(np.float64).eps * np.abs(a).max(axis=(-2, -1))
    return np.linalg.svd(centred, compute_uv=False), finite & spread


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
        require(not s.is_complex(), name, "real numbers", s.dtype)
        shape, finite = tuple(s.shape), bool(torch.isfinite(s).all())
        nonnegative, nonzero = (bool((s >= 0).all()), bool((s > 0).any(dim=-1).all())) if finite and s.numel() else (True, True)
    else:
        a = _real_array(s, name)
        shape, finite = a.shape, bool(np.isfinite(a).all())
        nonnegative, nonzero = (bool((a >= 0).all()), bool((a > 0).any(axis=-1).all())) if finite and a.size else (True, True)
    require(len(shape) >= 1 and shape[-1] >= 1 and 0 not in shape, name, "a non-empty array (..., k), k >= 1", shape)
    require(finite, name, "finite (NaN or inf has no effective rank)", "non-finite values")
    require(nonnegative, name, "non-negative", "negative values")
    require(nonzero, name, "not all zero in any spectrum (the zero matrix has no effective rank)", "an all-zero spectrum")


def effective_rank(M) -> float:
    """exp(-Σ p_i log p_i) with p_i = σ_i / Σ σ_j (Roy & Vetterli 2007). In [1, rank(M)]."""
    s = np.linalg.svd(_in_safe_range(_matrix(M), (-2, -1)), compute_uv=False)
    require(s.sum() > 0, "matrix", "not all zero", "the zero matrix")
    return effective_rank_from_singular_values(s)


def effective_rank_from_singular_values(s):
    """``effective_rank`` of the matrix with singular values ``s`` (..., k) -> (...); batches too.

    A float for 1-D numpy input, else an array / tensor of the leading shape. Zeros in ``s`` count as 0 log 0 = 0;
    a ValueError for empty, NaN, inf, negative or all-zero spectra (no effective rank is defined for them). Any
    finite scale works: the values are rescaled by a power of two where their sum would overflow (1e308) or
    underflow.
    """
    _check_spectra(s)
    if isinstance(s, torch.Tensor):
        s = s if s.is_floating_point() else s.double()
    return _exp_entropy(_in_safe_range(s if isinstance(s, torch.Tensor) else _real_array(s, "s"), (-1,)))


def pca_effective_dimension(E) -> float:
    """Source 001's n_eff = exp(S), S the entropy of the PCA explained-variance ratios of E's rows."""
    s, defined = _centred_singular_values(_matrix(E))
    require(bool(defined), "matrix", "rows that are not all equal (up to rounding)", "identical rows")
    return _exp_entropy(s**2)


def pca_effective_dimension_batched(tables):
    """``pca_effective_dimension`` of every (n, d) matrix of ``tables`` (..., n, d) -> (...); shapes checked only.

    A table with NaN / inf entries or identical rows (up to rounding) gives NaN (never a number), so one diverged
    member of a sweep stays visible without stopping the others; empty tables are a ValueError.

    Torch input is computed in float64 with torch's LAPACK under the worker's thread pin (a 100 × 100 table:
    ~2 ms, against ~0.2 s for numpy's multithreaded SVD on the shared 2-core machine).
    """
    if not isinstance(tables, torch.Tensor):
        tables = _real_array(tables, "tables")
    shape = tuple(tables.shape)
    require(len(shape) >= 2 and 0 not in shape, "tables", "a non-empty array (..., n, d)", shape)
    require(not tables.is_complex() if isinstance(tables, torch.Tensor) else True, "tables", "a real array", tables.dtype)
    s, defined = _centred_singular_values(tables)
    r = _exp_entropy(s**2)
    if isinstance(r, torch.Tensor):
        return torch.where(defined, r, torch.nan)
    return np.where(defined, r, np.nan) if np.ndim(r) else (r if defined else math.nan)


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
        return self.prefactor * _real_array(x, "x") ** self.exponent


def power_law_fit(x, y, confidence: float = 0.95) -> PowerLawFit:
    """Fit log y = log c + exponent · log x by least squares; CI from the t distribution."""
    x, y = _real_array(x, "x"), _real_array(y, "y")
    require(x.shape == y.shape and x.ndim == 1, "x, y", "1-D arrays of equal length", (x.shape, y.shape))
    require(x.size >= 3, "x", "at least 3 points", x.size)
    require(bool(np.isfinite(x).all()), "x", "finite (NaN or inf cannot be fitted)", x)
    require(bool(np.isfinite(y).all()), "y", "finite (NaN or inf cannot be fitted)", y)
    require(bool((x > 0).all() and (y > 0).all()), "x, y", "strictly positive (log-log fit)", "non-positive values")
    require(bool(np.ptp(x) > 0), "x", "at least two distinct values", x)
    require(bool(np.ptp(y) > 0), "y", "at least two distinct values (a constant has no R²)", y)
    require_real(confidence, "confidence", lo=0, hi=1, lo_open=True, hi_open=True)
    fit = stats.linregress(np.log(x), np.log(y))
    half = stats.t.ppf(0.5 + confidence / 2, x.size - 2) * fit.stderr
    require(fit.intercept < math.log(np.finfo(np.float64).max), "x, y",
            "points whose fitted prefactor (the fitted y at x = 1) is finite in float64", (x, y))
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
    require(bool(np.ptp(y) > 0), "y", "at least two distinct values (a constant has no R²)", y)
    return float(stats.linregress(x, np.log(y)).rvalue ** 2)


def zipf_mle_exponent(ranks, counts, most: float = 10.0) -> float:
    """The exponent s of p(r) ∝ r^-s restricted to ``ranks``, by maximum likelihood with the ``counts`` read as draws.

    The estimator a distribution calls for (Clauset, Shalizi & Newman 2009), beside the least-squares log-log slope
    (``power_law_fit``), which weights every rank alike. The negative log-likelihood per draw, s·E[ln r] +
    ln Σ_r r^-s, is convex in s; its minimum is found on (0, ``most``): counts that do not fall with rank, or fall
    faster than r^-``most``, are refused.
    """
    r, c = _real_array(ranks, "ranks"), _real_array(counts, "counts")
    require(r.shape == c.shape and r.ndim == 1 and r.size >= 2, "ranks, counts", "1-D arrays of equal length >= 2",
            (r.shape, c.shape))
    require(bool(np.isfinite(r).all() and (r >= 1).all()), "ranks", "finite ranks >= 1", r)
    require(bool(np.isfinite(c).all() and (c >= 0).all() and c.sum() > 0), "counts",
            "finite counts >= 0, not all 0", c)
    require_real(most, "most", lo=0, lo_open=True)
    log_r, weights = np.log(r), c / c.sum()
    mean_log_r = float(weights @ log_r)
    found = optimize.minimize_scalar(lambda s: s * mean_log_r + float(special.logsumexp(-s * log_r)),
                                     bounds=(0.0, most), method="bounded", options={"xatol": 1e-10})
    # the likelihood falls toward a bound when the counts do not fall with rank (s ≤ 0) or fall faster than r^-most
    require(1e-6 < found.x < most - 1e-6, "counts", f"counts that fall with rank like r^-s for some s in (0, {most:g}) "
            "(the likelihood's maximum is at a bound)", shown(c.tolist()))
    return float(found.x)


OTHER_DECAYS = ("exponential", "stretched exponential")  # what ``other_decays`` plants, in its order


def other_decays(x, start: float, end: float) -> dict[str, np.ndarray]:
    """The decays a power law is mistaken for, through the same two end points: y = a·e^{−λx} (exponential) and
    y = a·e^{−c√x} (stretched exponential), each with y(x[0]) = ``start`` and y(x[-1]) = ``end``.

    The negative controls of a power-law claim: a criterion that these pass as well cannot tell a power law from
    them. ``x`` is positive and increasing; ``start`` > ``end`` > 0 (a decay).
    """
    x = _real_array(x, "x")
    require(x.ndim == 1 and x.size >= 2 and bool((x > 0).all()) and bool((np.diff(x) > 0).all()), "x",
            "a 1-D increasing array of at least 2 positive values", x)
    require(math.isfinite(start) and math.isfinite(end) and start > end > 0, "start, end",
            "finite with start > end > 0 (a decay through both)", (start, end))
    out = {}
    for name, u in zip(OTHER_DECAYS, (x, np.sqrt(x))):
        rate = (math.log(start) - math.log(end)) / (u[-1] - u[0])
        out[name] = np.exp(math.log(start) - rate * (u - u[0]))
    return out


def local_slopes(x, y) -> np.ndarray:
    """d log y / d log x between consecutive points (length len(x) - 1).

    ``x`` is positive and finite with no two consecutive values equal (the slope there has no run); a non-positive
    or NaN ``y`` gives a NaN slope, never a number.
    """
    x, y = _real_array(x, "x"), _real_array(y, "y")
    require(x.shape == y.shape and x.ndim == 1 and x.size >= 2, "x, y", "1-D arrays of equal length >= 2",
            (x.shape, y.shape))
    require(bool(np.isfinite(x).all() and (x > 0).all()), "x", "finite and strictly positive (log x)", x)
    require(bool((np.diff(x) != 0).all()), "x", "values with no two consecutive ones equal", x)
    lx, ly = np.log(x), np.log(y)  # a non-positive value gives a NaN slope, never a number
    return np.diff(ly) / np.diff(lx)
