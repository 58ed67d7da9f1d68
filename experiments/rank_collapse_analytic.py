"""Source 003's experiments without training: the note's numpy snippet, r_eff at init, r_eff of built spectra.

* ``run_snippet``: the note's worked numerical illustration run exactly as written
  (numpy, its call order), at the note's seed 42 and the next ones for the spread;
* ``run_init``: r_eff of the §A13 512×128 table at init as ``models.cbow.CBOWStack``
  builds it (the note's stated init), and of the inits one might have used instead;
* ``run_spectra``: r_eff of 512×128 tables with a chosen spectrum (all equal; k dominant).

All draw from one seed stream; r_eff is scale-invariant, so nothing here depends
on the init scale. Everything is numpy on the CPU: these runs take no device.
Each run is an experiment the claims read: ``SNIPPET``, ``INIT``, ``SPECTRA`` (one config, ``AnalyticConfig``, for the three).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.metrics import effective_rank
from toy_claims.lab.seeds import Seeds
from toy_claims.models.cbow import CBOWMember, CBOWStack
from toy_claims.models.validation import require_int, require_ints, require_real, require_seed

__all__ = ["AnalyticConfig", "CONFIGS", "STREAMS", "SnippetResult", "InitResult", "SpectraResult",
           "run_snippet", "run_init", "run_spectra", "k_dominant_spectrum", "table_with_spectrum", "CENTRED", "NOT_CENTRED",
           "snippet_setup", "SNIPPET", "INIT", "SPECTRA"]

STREAMS = ("tables",)  # lab.seeds: one stream; the snippet adds the note's own seed to it


@dataclass(frozen=True)
class AnalyticConfig:
    """Seeds and the spectra built; the table size is the note's 512×128 throughout."""

    source_seed: int = 42  # the snippet's own default_rng(42): its seeds are 42 + the stream's
    snippet_seeds: int = 5  # seed 42 as written, then 43.. for the spread
    init_seeds: int = 3  # tables at init (the CBOW init and each candidate init)
    spectrum_seeds: int = 3  # random singular vectors for the equal spectrum
    equal_value: float = 0.3  # the common singular value of the equal spectrum (any value: r_eff is scale-invariant)
    ks: tuple[int, ...] = (5, 8, 22, 32)  # "the first k": the snippet's 8, the note's 22 and 31.7 ≈ 32, and 5
    tail_variance: float = 0.01  # "only the first k matter": the other singular values carry 1% of Σσ² (our reading)
    thin_tail_variance: float = 0.001  # the alternative reading: 0.1% of Σσ²

    def __post_init__(self) -> None:
        require_seed(self.source_seed, "source_seed")
        for name in ("snippet_seeds", "init_seeds", "spectrum_seeds"):
            require_int(getattr(self, name), name, lo=1)
        require_real(self.equal_value, "equal_value", lo=0, lo_open=True)
        require_ints(self.ks, "ks", lo=1, hi=127)  # of the table's 128 singular values: at least one in the tail
        for name in ("tail_variance", "thin_tail_variance"):
            require_real(getattr(self, name), name, lo=0, hi=1, lo_open=True, hi_open=True)


CONFIGS = {"ci": AnalyticConfig()}  # the note's own sizes: no larger paper scale


# --------------------------------------------------------------------------- the note's snippet


@dataclass(frozen=True)
class SnippetResult:
    seeds: tuple[int, ...]  # the numpy seeds, the note's 42 first
    r_eff_init: tuple[float, ...]  # per seed: the snippet's r_eff_init
    r_eff_trained: tuple[float, ...]  # per seed: the snippet's r_eff_trained (50 rows replaced by a rank-8 product)


def _snippet(seed: int) -> tuple[float, float]:
    """The note's snippet verbatim (only the seed is a parameter); returns (r_eff_init, r_eff_trained)."""
    rng = np.random.default_rng(seed)
    # At init: Kaiming-uniform with bound 1/sqrt(d)
    bound = 1.0 / np.sqrt(128)
    E_init = rng.uniform(-bound, bound, (512, 128))
    # Effective rank at init
    _, s_init, _ = np.linalg.svd(E_init, full_matrices=False)
    p = s_init / s_init.sum()
    r_eff_init = float(np.exp(-(p * np.log(p)).sum()))
    E_trained = E_init.copy()
    # 50 "high-frequency" tokens dominate the gradient signal:
    top_50_directions = rng.uniform(-0.5, 0.5, (512, 8))  # 8 dominant directions
    E_trained[:50] = top_50_directions[:50] @ rng.uniform(-1, 1, (8, 128))
    _, s_trained, _ = np.linalg.svd(E_trained, full_matrices=False)
    p = s_trained / s_trained.sum()
    r_eff_trained = float(np.exp(-(p * np.log(p)).sum()))
    assert np.isclose(r_eff_init, effective_rank(E_init)) and np.isclose(r_eff_trained, effective_rank(E_trained))
    return r_eff_init, r_eff_trained


@cache
def run_snippet(config: AnalyticConfig, seeds: Seeds) -> SnippetResult:
    """The snippet at seeds source_seed + the stream's first ``snippet_seeds``."""
    numpy_seeds = tuple(config.source_seed + s for s in seeds("tables", config.snippet_seeds))
    runs = [_snippet(s) for s in numpy_seeds]
    return SnippetResult(numpy_seeds, tuple(r[0] for r in runs), tuple(r[1] for r in runs))


# --------------------------------------------------------------------------- r_eff at init


def _candidates(seed: int) -> dict[str, float]:
    """r_eff of a 512×128 table under inits one might have used, and under the σ²-normalised (PCA-style) variant."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(128)
    kaiming = rng.uniform(-bound, bound, (512, 128))
    s2 = np.linalg.svd(kaiming, compute_uv=False) ** 2
    return {
        "Kaiming-uniform ±1/√d (the note's)": effective_rank(kaiming),
        "N(0, 1)": effective_rank(rng.standard_normal((512, 128))),
        "N(0, 0.02) (GPT-style)": effective_rank(rng.normal(0.0, 0.02, (512, 128))),
        "U(0, 1/√d) (not centred)": effective_rank(rng.uniform(0.0, bound, (512, 128))),
        "N(0.02, 0.02) (mean = std)": effective_rank(rng.normal(0.02, 0.02, (512, 128))),
        "Kaiming-uniform, 128×128 (square)": effective_rank(rng.uniform(-bound, bound, (128, 128))),
        "Kaiming-uniform, 140×128 (used rows only)": effective_rank(rng.uniform(-bound, bound, (140, 128))),
        "Kaiming-uniform, σ² instead of σ": float(np.exp(-(q := s2 / s2.sum()) @ np.log(q))),
    }


CENTRED = ("Kaiming-uniform ±1/√d (the note's)", "N(0, 1)", "N(0, 0.02) (GPT-style)")  # centred iid 512×128 candidates
NOT_CENTRED = "U(0, 1/√d) (not centred)"


@dataclass(frozen=True)
class InitResult:
    seeds: tuple[int, ...]
    cbow_r_eff: tuple[float, ...]  # per seed: r_eff of models.cbow.CBOWStack's E at init (512×128, the note's init)
    candidates: dict[str, tuple[float, ...]]  # candidate init -> r_eff per seed


@cache
def run_init(config: AnalyticConfig, seeds: Seeds) -> InitResult:
    """r_eff at init: the CBOW table as trained in experiments.rank_collapse, and the candidate inits (same seeds)."""
    seed_list = seeds("tables", config.init_seeds)
    tables = [CBOWStack(512, 128, [CBOWMember(seed=s)]).embeddings()[0].detach() for s in seed_list]
    runs = [_candidates(s) for s in seed_list]
    return InitResult(seed_list, tuple(effective_rank(E) for E in tables),
                      {name: tuple(r[name] for r in runs) for name in runs[0]})


# --------------------------------------------------------------------------- r_eff of built spectra


def table_with_spectrum(sigma: np.ndarray, seed: int) -> np.ndarray:
    """A 512×128 table with exactly the singular values ``sigma`` (random orthonormal singular vectors)."""
    rng = np.random.default_rng(seed)
    left, _ = np.linalg.qr(rng.standard_normal((512, 128)))
    right, _ = np.linalg.qr(rng.standard_normal((128, 128)))
    return (left * sigma) @ right.T


def k_dominant_spectrum(k: int, tail_variance: float) -> np.ndarray:
    """k singular values 1 and 128 − k equal ones carrying ``tail_variance`` of Σσ²."""
    k = require_int(k, "k", lo=1, hi=127)
    require_real(tail_variance, "tail_variance", lo=0, hi=1, lo_open=True, hi_open=True)
    tail = np.sqrt(tail_variance / (1 - tail_variance) * k / (128 - k))
    return np.concatenate([np.ones(k), np.full(128 - k, tail)])


@dataclass(frozen=True)
class SpectraResult:
    equal: tuple[float, ...]  # per seed: r_eff of a table whose 128 singular values are equal
    k_dominant: dict[int, float]  # k -> r_eff with a tail of ``tail_variance`` (first seed)
    k_dominant_thin: dict[int, float]  # k -> r_eff with a tail of ``thin_tail_variance`` (first seed)


@cache
def run_spectra(config: AnalyticConfig, seeds: Seeds) -> SpectraResult:
    seed_list = seeds("tables", config.spectrum_seeds)
    equal = tuple(effective_rank(table_with_spectrum(np.full(128, config.equal_value), s)) for s in seed_list)
    seed = seed_list[0]
    return SpectraResult(
        equal,
        {k: effective_rank(table_with_spectrum(k_dominant_spectrum(k, config.tail_variance), seed)) for k in config.ks},
        {k: effective_rank(table_with_spectrum(k_dominant_spectrum(k, config.thin_tail_variance), seed)) for k in config.ks},
    )


# --------------------------------------------------------------------------- what the claims read


def snippet_setup(config: AnalyticConfig) -> dict:
    """The setup table of the snippet's claims, from the config."""
    return {
        "code": "the note's numpy snippet verbatim: default_rng(seed), E_init ~ U(±1/√128) of shape 512×128, "
                "rows 0..49 replaced by a rank-8 product",
        "seeds": f"{config.source_seed} (as written) and the next {config.snippet_seeds - 1}",
        "effective rank": "Roy & Vetterli, singular values normalised by their sum (lab.metrics.effective_rank agrees)",
    }


def _own_rows(config: AnalyticConfig) -> dict:
    """No shared rows: each claim of the run describes the part of it that it reads (its own setup rows)."""
    return {}


def _no_device(run):
    """``run(config, seeds)`` as an experiment's ``run(config, seeds, device)``: numpy on the CPU whatever the device."""
    return lambda config, seeds, device: run(config, seeds)


SNIPPET = Experiment("rank-collapse-snippet", CONFIGS, STREAMS, _no_device(run_snippet), snippet_setup)
INIT = Experiment("rank-collapse-init", CONFIGS, STREAMS, _no_device(run_init), _own_rows)
SPECTRA = Experiment("rank-collapse-spectra", CONFIGS, STREAMS, _no_device(run_spectra), _own_rows)
