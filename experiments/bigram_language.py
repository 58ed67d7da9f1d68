"""Source 000's motivating question on real English: is the bigram logit matrix of language low rank?

An optional extra: the English unigram and bigram frequency lists bundled with
``symspellpy`` (MIT licence; ``frequency_dictionary_en_82_765.txt`` and
``frequency_bigramdictionary_en_243_342.txt``) give real bigram counts; ``run``
needs the package (an ImportError without it). Construction (``models.language.EnglishBigram``):

* vocabulary: the V most frequent words of the unigram list;
* counts c(x, y): the bigram list restricted to pairs of vocabulary words; the
  list omits every pair rarer than its smallest count c_min, so an absent pair is
  given the pseudo-count ``absent_fraction`` · c_min (½ by default, the middle of
  [0, c_min); 1/10 as the sensitivity check);
* P[x] = c(x, ·) / Σ_y c(x, y) over the vocabulary, and π_x ∝ Σ_y c(x, y), the
  frequency of x as the first word of a counted pair.

The logit matrix is log P up to a constant per row (softmax ignores it), so its
rank is that of the row-centred log P, the matrix analysed here, beside the
post's toy ``LowRankBigram`` at the same V.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.metrics import PowerLawFit, effective_rank, power_law_fit
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import LowRankBigram
from toy_claims.models.language import UNIGRAM_WORDS, EnglishBigram, english_bigram_counts
from toy_claims.models.validation import require, require_index_range, require_int, require_ints, require_reals

__all__ = ["STREAMS", "CONFIGS", "LanguageConfig", "LanguageResult", "run", "setup", "LANGUAGE", "truncations",
           "energy_captured", "figure_spectrum"]

STREAMS = ("dataset",)  # lab.seeds: the toy's dataset seed (0 at offset 0)


@dataclass(frozen=True)
class LanguageConfig:
    """English bigram logits over the top-V words, at two smoothings, against the post's toy."""

    V: int = 100  # vocabulary size: the post's V in Observation 2
    R_toy: int = 20  # rank of the toy LowRankBigram: the post's R in Observation 2
    absent_fractions: tuple[float, ...] = (0.5, 0.1)  # pseudo-count of an absent pair, in units of c_min; first: main
    ranks: tuple[int, ...] = (1, 3, 10, 20, 50)  # ranks R of the truncations (R_toy among them)
    spectrum_fit: tuple[int, int] = (1, 50)  # singular-value indices of the power-law fit: the leading half, fixed in advance

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2, hi=UNIGRAM_WORDS)
        require_int(self.R_toy, "R_toy", lo=1, hi=self.V)
        # an absent pair is rarer than the list's smallest count c_min: its pseudo-count is a fraction of it
        require_reals(self.absent_fractions, "absent_fractions", lo=0, hi=1, lo_open=True, hi_open=True)
        require_ints(self.ranks, "ranks", lo=1, hi=self.V)
        require_index_range(self.spectrum_fit, "spectrum_fit", lo=1, hi=self.V)
        require(self.spectrum_fit[1] - self.spectrum_fit[0] >= 2, "spectrum_fit",
                "a range of at least 3 indices (a fit needs 3 points)", self.spectrum_fit)

    @property
    def english(self) -> tuple[str, ...]:
        """Labels of the English matrices, main smoothing first."""
        return tuple(f"English, f = {f}" for f in self.absent_fractions)

    @property
    def toy(self) -> str:
        return f"toy LowRankBigram R = {self.R_toy}"


CONFIGS = {"ci": LanguageConfig(), "paper": LanguageConfig()}  # the source has no larger size: paper runs the ci one


@dataclass(frozen=True)
class LanguageResult:
    """Spectra, fits and rank-R truncation gaps of the centred log P of English (per smoothing) and the toy."""

    spectra: dict[str, np.ndarray]  # label -> singular values of the row-centred matrix, descending
    effective_ranks: dict[str, float]  # label -> effective rank of the row-centred matrix
    fits: dict[str, PowerLawFit]  # English label -> σ_i ∝ i^-γ over config.spectrum_fit
    L0: dict[str, float]  # label -> optimal loss Σ_x π_x H(P[x]), nats
    relative_gaps: dict[str, np.ndarray]  # label -> (L − L0)/L0 of the rank-R truncation, per config.ranks
    words: tuple[str, ...]  # the vocabulary, most frequent first
    listed_fraction: float  # fraction of the V×V pairs present in the bigram list


def truncations(M: torch.Tensor, ranks: tuple[int, ...]) -> torch.Tensor:
    """The best rank-r approximations (Frobenius) of M for each r: shape (len(ranks), V, V)."""
    U, S, Vh = torch.linalg.svd(M)
    return torch.stack([(U[:, :r] * S[:r]) @ Vh[:r] for r in ranks])


def energy_captured(s: np.ndarray, r: int) -> float:
    """Σ_{i ≤ r} σ_i² / Σ σ_i²: the share of the squared Frobenius norm the best rank-r approximation keeps."""
    return float((s[:r] ** 2).sum() / (s**2).sum())


def run(config: LanguageConfig, seeds: Seeds, device: str = "cpu") -> LanguageResult:
    """Analyse the matrices (float64 on the CPU: ``device`` is not used, the matrices are 100×100)."""
    toy_data = LowRankBigram(V=config.V, R=config.R_toy, seed=seeds("dataset", 1)[0])
    datasets = {label: EnglishBigram(config.V, f) for label, f in zip(config.english, config.absent_fractions)}
    centred = {label: d.centred_logits for label, d in datasets.items()}
    centred[config.toy] = toy_data.logits - toy_data.logits.mean(1, keepdim=True)
    datasets[config.toy] = toy_data
    matrices = {k: m.numpy() for k, m in centred.items()}
    spectra = {k: np.linalg.svd(m, compute_uv=False) for k, m in matrices.items()}
    i = np.arange(config.spectrum_fit[0], config.spectrum_fit[1] + 1)
    words, counts, _ = english_bigram_counts(config.V)
    return LanguageResult(
        spectra=spectra,
        effective_ranks={k: effective_rank(m) for k, m in matrices.items()},
        fits={k: power_law_fit(i, spectra[k][i - 1]) for k in config.english},
        L0={k: d.optimal_loss for k, d in datasets.items()},
        relative_gaps={k: d.loss_gap(truncations(centred[k], config.ranks)).numpy() / d.optimal_loss
                       for k, d in datasets.items()},
        words=words,
        listed_fraction=float((counts > 0).mean()),
    )


_SETUP = {
    "data": "symspellpy's bundled English frequency lists (MIT): frequency_dictionary_en_82_765.txt (unigrams) and "
            "frequency_bigramdictionary_en_243_342.txt (bigrams)",
    "vocabulary": "the V = {V} most frequent words",
    "smoothing": "an absent pair (the list omits pairs rarer than its smallest count c_min) gets the pseudo-count "
                 "c_min · f, f = {main} (main) and {check} (sensitivity)",
    "P and π": "P[x] = counts of x's row normalised over the vocabulary; π_x ∝ row total",
    "matrix": "row-centred log P (the logits up to softmax's per-row constant)",
}


def setup(config: LanguageConfig) -> dict:
    """The construction shared by the language claims' setup tables."""
    main, check = config.absent_fractions
    return {k: v.format(V=config.V, main=main, check=check) for k, v in _SETUP.items()}


LANGUAGE = Experiment("bigram-language", CONFIGS, STREAMS, run, setup, optional=("symspellpy",))  # what the language claims read


def figure_spectrum(result: LanguageResult, config: LanguageConfig):
    """σ_i / σ_1 of every matrix on log-log axes."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    for k, s in result.spectra.items():
        ax.loglog(np.arange(1, len(s) + 1), s / s[0], ".-", ms=3, lw=0.8, label=k)
    ax.set_ylim(1e-4, 1.5)
    ax.set_xlabel("index i")
    ax.set_ylabel("σ_i / σ_1 of the row-centred log P")
    ax.legend(fontsize=7)
    return fig
