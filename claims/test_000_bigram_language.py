"""Source 000's motivating question on real English: is the bigram logit matrix of language low rank?

Both claims read ``experiments.bigram_language.LANGUAGE`` (construction, spectra, truncations);
without the optional ``symspellpy`` package these observations are ``skipped``.
"""

from __future__ import annotations

from toy_claims.experiments.bigram_language import LANGUAGE, energy_captured, figure_spectrum
from toy_claims.harness.claims import EXTENSION, OBSERVATION, Source, claim
from toy_claims.harness.notes import table

FILE = "000_cfd314f0efaca259.txt"
SOURCE = Source(FILE, "Motivation", "Does this suggest that language itself possesses some kind of low-rank structure?")


@claim(
    id="bigram.language.singular-value-decay",
    source=SOURCE,
    statement="How fast the singular values of real English bigram logits (top 100 words) decay, and how much of the "
              "matrix a rank-R approximation captures: the post asks and makes no claim.",
    setup=lambda cfg: {"spectrum fit": f"σ_i ∝ i^-γ by least squares in log-log over i = {cfg.spectrum_fit[0]}.."
                                       f"{cfg.spectrum_fit[1]} (the leading half, fixed in advance)",
                       "captured": "Σ_{i ≤ R} σ_i² / Σ σ_i² (squared Frobenius norm of the best rank-R approximation)"},
    criterion=None,
    expected=OBSERVATION,
    reads=LANGUAGE,
    scope=EXTENSION,
)
def test_language_singular_values(ctx, cfg, result):
    fits, spectra = result.fits, result.spectra
    ctx.note(table([[k, f"{fits[k].exponent:.2f} [{fits[k].ci_low:.2f}, {fits[k].ci_high:.2f}]" if k in fits else "",
                     f"{result.effective_ranks[k]:.1f}"] + [f"{energy_captured(s, r):.3f}" for r in cfg.ranks]
                    for k, s in spectra.items()],
                   ["matrix", "σ_i exponent (95% CI)", "effective rank"] + [f"captured, R = {r}" for r in cfg.ranks],
                   floatfmt="g"))
    ctx.figure(figure_spectrum(result, cfg), "spectrum",
               f"Singular values of the row-centred bigram log-probabilities over the top {cfg.V} English words (two "
               f"smoothings), against the post's toy with R = {cfg.R_toy} (zero beyond i = {cfg.R_toy}).")
    main, check = cfg.english
    ctx.note(f"English shows no rank cut-off: its singular values fall as a power law, σ_i ∝ i^{fits[main].exponent:.2f} "
             f"(R² = {fits[main].r2:.3f}) over the leading half, so rank {cfg.R_toy} captures "
             f"{energy_captured(spectra[main], cfg.R_toy):.0%} of the squared norm and rank {cfg.ranks[-1]} "
             f"{energy_captured(spectra[main], cfg.ranks[-1]):.0%}; the post's toy is exactly zero beyond i = "
             f"{cfg.R_toy}. In the toy's terms English resembles the Λ knob with power-law weights and R = V rather "
             "than a small R.")
    return {"sigma_exponent": fits[main].exponent, "sigma_exponent_r2": fits[main].r2,
            "effective_rank": result.effective_ranks[main],
            **{f"captured_R{r}": energy_captured(spectra[main], r) for r in cfg.ranks},
            "sigma_exponent_f0.1": fits[check].exponent}


@claim(
    id="bigram.language.rank-r-loss-gap",
    source=SOURCE,
    statement="How much of the English bigram loss a rank-R logit matrix gives up: the KL gap of the best rank-R "
              "(Frobenius) approximation of the centred log P, an upper bound on what width N = R can reach. The post "
              "makes no claim.",
    setup=lambda cfg: {"ranks": list(cfg.ranks),
                       "gap": "exact π-weighted KL Σ_x π_x KL(P[x] ‖ softmax(rank-R truncation[x])) (dataset.loss_gap), "
                              "relative to L0 = Σ_x π_x H(P[x])"},
    criterion=None,
    expected=OBSERVATION,
    reads=LANGUAGE,
    scope=EXTENSION,
)
def test_language_rank_r_loss_gap(ctx, cfg, result):
    rows, out = [], {}  # the headline (first key) is the post's R = 20 at the main smoothing
    for f, k in zip(cfg.absent_fractions, cfg.english):
        gaps = result.relative_gaps[k]
        rows.append([f, f"{result.L0[k]:.3f}"] + [f"{g:.3g}" for g in gaps])
        out.update({f"relative_gap_R{r}_f{f}": float(g)
                    for r, g in sorted(zip(cfg.ranks, gaps), key=lambda t: t[0] != cfg.R_toy)})
    rows.append([f"toy, R = {cfg.R_toy}", f"{result.L0[cfg.toy]:.3f}"]
                + [f"{g:.3g}" for g in result.relative_gaps[cfg.toy]])
    w = result.words
    ctx.note(f"Relative loss gap (L − L0)/L0 of the rank-R truncation. {result.listed_fraction:.0%} of the "
             f"{cfg.V}×{cfg.V} pairs of the top {cfg.V} words ('{w[0]}', '{w[1]}', '{w[2]}', …) are in the bigram list; "
             "the rest carry the smoothing pseudo-count.\n\n"
             + table(rows, ["smoothing f", "L0 (nats)"] + [f"R = {r}" for r in cfg.ranks], floatfmt="g"))
    return out
