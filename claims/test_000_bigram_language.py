"""Source 000's motivating question on real English: is the bigram logit matrix of language low rank?

An optional extra: the English unigram and bigram frequency lists bundled with
``symspellpy`` (MIT licence; ``frequency_dictionary_en_82_765.txt`` and
``frequency_bigramdictionary_en_243_342.txt``) give real bigram counts. Without
the package these observations are ``skipped``; nothing else needs it.

Construction (our choices, written into each claim's setup; ``models.language.EnglishBigram``):

* vocabulary: the V most frequent words of the unigram list;
* counts c(x, y): the bigram list restricted to pairs of vocabulary words; the
  list omits every pair rarer than its smallest count c_min, so an absent pair is
  given the pseudo-count ``absent_fraction`` · c_min (½ by default, the middle of
  [0, c_min); 1/10 as the sensitivity check);
* P[x] = c(x, ·) / Σ_y c(x, y) over the vocabulary, and π_x ∝ Σ_y c(x, y), the
  frequency of x as the first word of a counted pair.

The logit matrix is log P up to a constant per row (softmax ignores it), so its
rank is that of the row-centred log P, the matrix analysed here.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tabulate import tabulate

from harness.claims import OBSERVATION, Source, claim
from lab.metrics import effective_rank, power_law_fit
from models.datasets import LowRankBigram
from models.language import EnglishBigram, english_bigram_counts

FILE = "000_cfd314f0efaca259.txt"
SOURCE = Source(FILE, "Motivation", "Does this suggest that language itself possesses some kind of low-rank structure?")
V = 100  # the post's V in Observation 2
R_TOY = 20  # the post's R in Observation 2
ABSENT_FRACTIONS = (0.5, 0.1)  # pseudo-count of an absent pair, in units of the list's smallest count
RANKS = (1, 3, 10, 20, 50)
SPECTRUM_FIT = (1, V // 2)  # singular-value indices of the power-law fit, fixed in advance: the leading half
SETUP = {
    "data": "symspellpy's bundled English frequency lists (MIT): frequency_dictionary_en_82_765.txt (unigrams) and "
            "frequency_bigramdictionary_en_243_342.txt (bigrams)",
    "vocabulary": f"the V = {V} most frequent words",
    "smoothing": "an absent pair (the list omits pairs rarer than its smallest count c_min) gets the pseudo-count "
                 f"c_min · f, f = {ABSENT_FRACTIONS[0]} (main) and {ABSENT_FRACTIONS[1]} (sensitivity)",
    "P and π": "P[x] = counts of x's row normalised over the vocabulary; π_x ∝ row total",
    "matrix": "row-centred log P (the logits up to softmax's per-row constant)",
}


def _truncations(M: torch.Tensor, ranks: tuple[int, ...]) -> torch.Tensor:
    """The best rank-r approximations (Frobenius) of M for each r: shape (len(ranks), V, V)."""
    U, S, Vh = torch.linalg.svd(M)
    return torch.stack([(U[:, :r] * S[:r]) @ Vh[:r] for r in ranks])


def _energy_captured(s: np.ndarray, r: int) -> float:
    return float((s[:r] ** 2).sum() / (s**2).sum())


def _centred_matrices() -> dict[str, np.ndarray]:
    """The row-centred logit matrices: English at each smoothing, and the post's toy (R = 20, seed 0)."""
    out = {f"English, f = {f}": EnglishBigram(V, f).centred_logits.numpy() for f in ABSENT_FRACTIONS}
    toy = LowRankBigram(V=V, R=R_TOY, seed=0).logits
    out[f"toy LowRankBigram R = {R_TOY}"] = (toy - toy.mean(1, keepdim=True)).numpy()
    return out


@claim(
    id="bigram.language.singular-value-decay",
    source=SOURCE,
    statement="How fast the singular values of real English bigram logits (top 100 words) decay, and how much of the "
              "matrix a rank-R approximation captures: the post asks and makes no claim.",
    setup={**SETUP, "spectrum fit": f"σ_i ∝ i^-γ by least squares in log-log over i = {SPECTRUM_FIT[0]}.."
                                    f"{SPECTRUM_FIT[1]} (the leading half, fixed in advance)",
           "captured": "Σ_{i ≤ R} σ_i² / Σ σ_i² (squared Frobenius norm of the best rank-R approximation)"},
    criterion=None,
    expected=OBSERVATION,
)
def test_language_singular_values(ctx):
    pytest.importorskip("symspellpy")
    import matplotlib.pyplot as plt

    matrices = _centred_matrices()
    spectra = {k: np.linalg.svd(m, compute_uv=False) for k, m in matrices.items()}
    english = [k for k in spectra if k.startswith("English")]
    i = np.arange(SPECTRUM_FIT[0], SPECTRUM_FIT[1] + 1)
    fits = {k: power_law_fit(i, spectra[k][i - 1]) for k in english}
    ctx.note(tabulate([[k, f"{fits[k].exponent:.2f} [{fits[k].ci_low:.2f}, {fits[k].ci_high:.2f}]" if k in fits else "",
                        f"{effective_rank(matrices[k]):.1f}"] + [f"{_energy_captured(s, r):.3f}" for r in RANKS]
                       for k, s in spectra.items()],
                      headers=["matrix", "σ_i exponent (95% CI)", "effective rank"] + [f"captured, R = {r}" for r in RANKS],
                      tablefmt="github"))
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for k, s in spectra.items():
        ax.loglog(np.arange(1, len(s) + 1), s / s[0], ".-", ms=3, lw=0.8, label=k)
    ax.set_ylim(1e-4, 1.5)
    ax.set_xlabel("index i")
    ax.set_ylabel("σ_i / σ_1 of the row-centred log P")
    ax.legend(fontsize=7)
    ctx.figure(fig, "spectrum", "Singular values of the row-centred bigram log-probabilities over the top 100 English "
                                "words (two smoothings), against the post's toy with R = 20 (zero beyond i = 20).")
    main = english[0]
    ctx.note(f"English shows no rank cut-off: its singular values fall as a power law, σ_i ∝ i^{fits[main].exponent:.2f} "
             f"(R² = {fits[main].r2:.3f}) over the leading half, so rank {R_TOY} captures "
             f"{_energy_captured(spectra[main], R_TOY):.0%} of the squared norm and rank 50 "
             f"{_energy_captured(spectra[main], 50):.0%}; the post's toy is exactly zero beyond i = {R_TOY}. In the "
             "toy's terms English resembles the Λ knob with power-law weights and R = V rather than a small R.")
    return {"sigma_exponent": fits[main].exponent, "sigma_exponent_r2": fits[main].r2,
            "effective_rank": effective_rank(matrices[main]),
            **{f"captured_R{r}": _energy_captured(spectra[main], r) for r in RANKS},
            "sigma_exponent_f0.1": fits[english[1]].exponent}


@claim(
    id="bigram.language.rank-r-loss-gap",
    source=SOURCE,
    statement="How much of the English bigram loss a rank-R logit matrix gives up: the KL gap of the best rank-R "
              "(Frobenius) approximation of the centred log P, an upper bound on what width N = R can reach. The post "
              "makes no claim.",
    setup={**SETUP, "ranks": list(RANKS),
           "gap": "exact π-weighted KL Σ_x π_x KL(P[x] ‖ softmax(rank-R truncation[x])) (dataset.loss_gap), relative to "
                  "L0 = Σ_x π_x H(P[x])"},
    criterion=None,
    expected=OBSERVATION,
)
def test_language_rank_r_loss_gap(ctx):
    pytest.importorskip("symspellpy")
    rows, out = [], {}  # the headline (first key) is the post's R = 20 at the main smoothing
    for f in ABSENT_FRACTIONS:
        data = EnglishBigram(V, f)
        gaps = data.loss_gap(_truncations(data.centred_logits, RANKS)).numpy() / data.optimal_loss
        rows.append([f, f"{data.optimal_loss:.3f}"] + [f"{g:.3g}" for g in gaps])
        out.update({f"relative_gap_R{r}_f{f}": float(g) for r, g in sorted(zip(RANKS, gaps), key=lambda t: t[0] != R_TOY)})
    toy = LowRankBigram(V=V, R=R_TOY, seed=0)
    toy_gaps = toy.loss_gap(_truncations(toy.logits - toy.logits.mean(1, keepdim=True), RANKS)).numpy() / toy.optimal_loss
    rows.append([f"toy, R = {R_TOY}", f"{toy.optimal_loss:.3f}"] + [f"{g:.3g}" for g in toy_gaps])
    words, counts, _ = english_bigram_counts(V)
    ctx.note(f"Relative loss gap (L − L0)/L0 of the rank-R truncation. {float((counts > 0).mean()):.0%} of the "
             f"{V}×{V} pairs of the top {V} words ('{words[0]}', '{words[1]}', '{words[2]}', …) are in the bigram list; "
             "the rest carry the smoothing pseudo-count.\n\n"
             + tabulate(rows, headers=["smoothing f", "L0 (nats)"] + [f"R = {r}" for r in RANKS], tablefmt="github"))
    return out
