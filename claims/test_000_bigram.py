"""Claims of source 000, "Bigram 3 -- Low Rank Structure": what the width sweeps of ``experiments.bigram`` show.

The experiments (datasets, model, training recipe, sweeps) are in
``experiments.bigram``; this file declares what each claim means and reads its
numbers from the experiment's result.

"Reaches L0" means a relative gap (L − L0)/L0 at most ``REACH``, a line set from
the measured training floor of widths N ≥ R (see ``REACH_WHY``); "strictly
higher" means above that line.
"""

from __future__ import annotations

import numpy as np

from toy_claims.experiments.bigram import (
    CONFIGS, EXACT_LAW, FLAT_LAW, FLOAT32_EPS, OTHER_INIT, SLOW_LR, SMALL_INIT, STREAMS, TRUNCATED_LAW,
    ScalingConfig, Sweep, deltas, effective_critical_width, figure_delta_vs_n, figure_delta_vs_n_lambda, figure_l0_vs_scale,
    figure_loss_curves, figure_per_token_gap, per_token_spearman, planted_laws, relative_gaps, run, setup,
    truncated_table_relative_gap,
)
from toy_claims.harness.claims import (
    EXTENSION, IDENTITY, OBSERVATION, REFUTED, REPRODUCED, SOURCE, AtLeast, AtMost, Between, Negative, Positive, Source,
    claim, get_claim, judge,
)
from toy_claims.harness.notes import mean_sd, table
from toy_claims.lab.metrics import local_slopes, power_law_fit

FILE = "000_cfd314f0efaca259.txt"
REACH = 1e-5  # relative gap (L − L0)/L0 up to which a width "reaches L0" (REACH_WHY)
REACH_WHY = ("measured training floor: over dataset seeds 0–14 (V = 10, R = 3, 4 inits, this budget) the largest "
             "relative gap of any N ≥ R was 2.3e-6 (dataset seed 8, whose rare transitions, P ~ 1e-5, leave nearly "
             "flat directions that over-parameterised widths converge along slowly; all other seeds ≤ 1e-7, most at "
             "the float32 level ~1e-15); the line sits ~4× above that and 200× below the smallest N < R gap (2.0e-3, "
             "dataset seed 12)")
CI = CONFIGS["ci"]  # the setup tables show the ci sizes (the source has no larger ones)


def _configs(ctx):
    """This run's configs: the source has one size, so every scale runs the ci configs."""
    return CONFIGS.get(ctx.scale, CI)


def _run(ctx, config):
    return run(config, ctx.seed_streams(*STREAMS), ctx.device)


# ---------------------------------------------------------------------------- Observation 1: V = 10, R = 3

SECTION1 = "Observation 1: critical embedding dimension \\(N_c\\approx R\\)"
WIDTH_R_ID, BELOW_R_ID, ABOVE_R_ID = ("bigram.critical-dim.width-r-reaches-l0",
                                      "bigram.critical-dim.below-r-strictly-higher",
                                      "bigram.critical-dim.above-r-reaches-l0")
QUOTE1 = ("We expect that when \\(N=N_c=3\\), the model can achieve the optimal loss \\(L_0\\), whereas for \\(N<N_c\\) "
          "the loss should be strictly higher. This is indeed what we observe.")


def _alternatives(ctx, claim_id: str, sweeps, widths: tuple[int, ...], pick) -> dict[str, list[float]]:
    """The judged quantity under each alternative training choice, and a note with the verdict it would get."""
    criterion = get_claim(claim_id).criterion
    alts = {v: relative_gaps(sweeps, widths, pick, v) for v in (SLOW_LR, SMALL_INIT)}
    ctx.note("Verdict of this criterion under the alternative training choices (same inits, steps and schedule): "
             + "; ".join(f"{v} → {judge(criterion, {criterion.quantity: x})}" for v, x in alts.items()) + ".")
    return {f"relative_gap[{v}]": x for v, x in alts.items()}


def _critical_table(sweeps, config) -> str:
    rows = [[sw.data.seed, f"{sw.L0:.4f}"] + [f"{sw.best(n) / sw.L0:.1e} ({sw.worst(n) / sw.L0:.0e})"
                                              for n in config.widths] for sw in sweeps]
    return ("Relative gap (L − L0)/L0 at the last step, best of the inits (worst in brackets), per dataset seed. "
            f"The 'reaches L0' line is {REACH:g}; float32 machine epsilon is {FLOAT32_EPS:.1e}.\n\n"
            + table(rows, ["dataset seed", "L0 (nats)"] + [f"N={n}" for n in config.widths], floatfmt="g"))


def _curve_table(labelled: list[tuple[str, Sweep]], config: ScalingConfig) -> str:
    """Δ(N) for N = 1..R and, under it, the local slope from N − 1 to N (for N < R)."""
    rows = []
    for label, sw in labelled:
        d = deltas(sw, config.widths)
        rows.append([f"{label}: Δ (nats)"] + [f"{x:.3g}" for x in d])
        rows.append([f"{label}: slope"] + [""] + [f"{s:.2f}" for s in local_slopes(config.fit_widths, d[:-1])] + [""])
    return table(rows, ["N"] + [str(n) for n in config.widths], floatfmt="g")


@claim(
    id=WIDTH_R_ID,
    source=Source(FILE, SECTION1, QUOTE1),
    statement="With V = 10, R = 3, a width N = R = 3 model reaches the optimal loss L0.",
    setup=setup(CI.critical),
    criterion=AtMost("relative_gap", REACH, claimed="L = L0", why=REACH_WHY),
    expected=REPRODUCED,
    group="bigram-v10",
    scope=SOURCE,
    controls=[Negative("relative_gap_width_r_minus_1", "width N = R − 1, one dimension short (cannot reach L0)"),
              Positive("relative_gap_full_table", "width N = V, the full logit table (reaches L0 by construction)")],
)
def test_critical_width_r_reaches_l0(ctx):
    cfg = _configs(ctx).critical
    result = _run(ctx, cfg)
    sweeps = result.sweeps
    ctx.note(_critical_table(sweeps, cfg))
    ctx.figure(figure_loss_curves(result, cfg, REACH), "loss-curves",
               f"Exact relative loss gap during training, V = {cfg.V}, R = {cfg.R}, dataset seed {sweeps[0].data.seed}: "
               f"N < {cfg.R} plateau far above L0; N = {cfg.R} falls to the float32 floor, "
               f"N > {cfg.R} below the 'reaches L0' line but more slowly.")
    return {"relative_gap": relative_gaps(sweeps, (cfg.R,), np.min),
            **_alternatives(ctx, WIDTH_R_ID, sweeps, (cfg.R,), np.min),
            "L0_nats": [sw.L0 for sw in sweeps], "gap_nats": [sw.best(cfg.R) for sw in sweeps],
            "relative_gap_width_r_minus_1": relative_gaps(sweeps, (cfg.R - 1,), np.min),
            "relative_gap_full_table": relative_gaps(sweeps, (cfg.V,), np.min)}


@claim(
    id=BELOW_R_ID,
    source=Source(FILE, SECTION1, QUOTE1),
    statement="With V = 10, R = 3, every width N < 3 stays strictly above L0, even at its best init and at convergence.",
    setup=setup(CI.critical),
    criterion=AtLeast("smallest_relative_gap_below_r", REACH, claimed="L > L0",
                      why="above the 'reaches L0' line (" + REACH_WHY + "); the plateau and init spread that show the "
                          "N < R gaps are converged values are reported beside it"),
    expected=REPRODUCED,
    group="bigram-v10",
    scope=SOURCE,
    controls=[Negative("largest_relative_gap_width_r_and_above",
                       "every width N ≥ R (3, 4, 5, 6, 10), same stacks: each can reach L0"),
              Positive("relative_gap_rank_r_minus_1_table",
                       "an untrained rank-(R − 1) logit table, the best Frobenius approximation of the centred true "
                       "logits (cannot reach L0 by construction)")],
)
def test_critical_below_r_strictly_higher(ctx):
    cfg = _configs(ctx).critical
    sweeps = _run(ctx, cfg).sweeps
    ctx.note("For N < R the best gap is a plateau, not an unfinished run: `plateau_change` is its relative fall over the "
             "last 20% of the steps. Different inits can stop at different values (spurious minima or saddles of the "
             f"factorised loss), which is why the claim judges the best of {cfg.inits} inits; `init_spread` is worst/best.")
    return {
        "smallest_relative_gap_below_r": relative_gaps(sweeps, cfg.below, np.min),
        **_alternatives(ctx, BELOW_R_ID, sweeps, cfg.below, np.min),
        "margin_decades_over_width_r": [float(np.log10(min(sw.best(n) for n in cfg.below) / sw.best(cfg.R)))
                                        for sw in sweeps],
        "plateau_change": [max(abs(sw.plateau(n)) for n in cfg.below) for sw in sweeps],
        "init_spread": [max(sw.worst(n) / sw.best(n) for n in cfg.below) for sw in sweeps],
        "largest_relative_gap_width_r_and_above": relative_gaps(sweeps, (cfg.R, *cfg.above), np.max),
        "relative_gap_rank_r_minus_1_table": [truncated_table_relative_gap(sw.data, cfg.R - 1) for sw in sweeps],
    }


@claim(
    id=ABOVE_R_ID,
    source=Source(FILE, SECTION1, "Observation 1: critical embedding dimension \\(N_c\\approx R\\)"),
    statement="With V = 10, R = 3, every width N > R (4, 5, 6 and the full table N = V = 10) also reaches L0.",
    setup=setup(CI.critical),
    criterion=AtMost("largest_relative_gap_above_r", REACH, claimed="L = L0", why=REACH_WHY),
    expected=REPRODUCED,
    group="bigram-v10",
    scope=SOURCE,
    controls=[Negative("smallest_relative_gap_below_r", "every width N < R (1, 2), same stacks: each is one or more "
                                                        "dimensions short"),
              Positive("relative_gap_width_r", "width N = R, which reaches L0 by construction (same stacks)")],
)
def test_critical_above_r_reaches_l0(ctx):
    cfg = _configs(ctx).critical
    sweeps = _run(ctx, cfg).sweeps
    pairs = [(sw, n) for sw in sweeps for n in cfg.above]
    at_eps = sum(sw.best(n) / sw.L0 <= FLOAT32_EPS for sw, n in pairs)
    rest = "" if at_eps == len(pairs) else "; the rest lie between it and the 'reaches L0' line"
    ctx.note(f"{at_eps} of the {len(pairs)} (dataset seed, N > R) pairs reach the float32 level (relative gap ≤ "
             f"{FLOAT32_EPS:.1e}){rest}. Widths above R are not pinned "
             "by the rank constraint: where a row has rare transitions (P ~ 1e-5) the loss barely depends on their "
             "logits, and an over-parameterised member converges along those directions slowly. This is a finite-step "
             "training floor, not a capacity limit: an N > R model contains every N = R "
             f"solution. The same slowness makes this verdict depend on the step budget: at peak lr {cfg.recipe.slow_lr:g} "
             f"({cfg.recipe.peak_lr / cfg.recipe.slow_lr:g}× below the main run's) the surplus directions move more "
             "slowly and a dataset can end just above the line (see relative_gap[lr …]).")
    return {"largest_relative_gap_above_r": relative_gaps(sweeps, cfg.above, np.max),
            **_alternatives(ctx, ABOVE_R_ID, sweeps, cfg.above, np.max),
            "pairs_at_float32_level": at_eps,
            "smallest_relative_gap_below_r": relative_gaps(sweeps, cfg.below, np.min),
            "relative_gap_width_r": relative_gaps(sweeps, (cfg.R,), np.min)}


# ---------------------------------------------------------------------------- Observation 2: V = 100, R = 20

SECTION2 = "Observation 2: scaling laws in the regime \\(N<R\\)"
QUOTE2 = "we find that it closely follows a scaling law \\(\\Delta \\sim N^{-1}.\\)"


def _fit_exponent(widths, d) -> float:
    return float(power_law_fit(widths, d).exponent)


EXPONENT_WHY = (
    "the post quotes the exponent as the integer −1; rounding to it allows ±0.5. The fit range N ≤ R/3 comes from the "
    "positive control, not from the data: an exact N^-1 law cut off at rank R, Δ = 1/N − 1/R, has local exponent "
    "−R/(R − N), within ±0.5 of −1 exactly for N ≤ R/3; beyond, the cut-off at N = R dominates every rank-R curve. "
    "The former range N = 1..R − 1 was calibrated by nothing: there a flat law Δ ∝ R − N (no power law) fits −0.78, "
    "inside the band, and the truncated N^-1 law −1.78, outside (both measured beside the claim)")


@claim(
    id="bigram.scaling.exponent-minus-one",
    version=2,
    source=Source(FILE, SECTION2, QUOTE2),
    statement="With V = 100, R = 20, Δ(N) falls as N^-1 in the scaling regime N ≪ R: the least-squares log-log fit "
              "of Δ(N) over N = 1..6 (N ≤ R/3) has exponent ≈ −1.",
    setup={**setup(CI.scaling),
           "fit range (fixed in advance)": f"N = {CI.scaling.regime_widths[0]}..{CI.scaling.regime_widths[-1]} "
                                           "(N ≤ R/3, where a truncated N^-1 law is still one; see the criterion)",
           "controls": "planted Δ(N) = 1/N, 1/N − 1/R and (R − N)/R fitted by the same code over the same widths; the "
                       "trained rank-weights sweep Λ_n ∝ n^-1 (first dataset seed, bigram.knobs.rank-weights)"},
    criterion=Between("exponent", -1.5, -0.5, claimed="−1", why=EXPONENT_WHY),
    expected=REFUTED,
    reason="Over the scaling regime N ≤ R/3 the fitted exponent is {exponent:.2f} (per dataset seed), flatter than "
           "−1 by more than the rounding: at Λ = I, Δ(N) has no N^-1 regime. Its local slope starts at "
           "{first_local_slope:.2f} (N = 1→2), crosses −1 only in mid-range and then plunges towards N = R, while the "
           "same fit gives {exponent_rank_weights_alpha_1:.2f} on the trained Λ_n ∝ n^-1 dataset and "
           "{exponent_truncated_law:.2f} on the truncated law 1/N − 1/R (positive controls), "
           "{exponent_flat_law:.2f} on the flat law R − N (negative). The former whole-range fit, "
           "{exponent_whole_range:.2f}, is inside the band only because the plunge at N → R steepens it (a flat law "
           "gets {exponent_whole_range_flat_law:.2f} there); over N ≤ R/2 the fit gives {exponent_first_half:.2f}, "
           "so a looser regime N ≤ R/2 would read it as −1.",
    group="bigram-v100",
    scope=SOURCE,
    controls=[Positive("exponent_exact_law", "planted Δ = 1/N, an exact N^-1 law"),
              Positive("exponent_truncated_law", "planted Δ = 1/N − 1/R, an exact N^-1 law cut off at rank R"),
              Positive("exponent_rank_weights_alpha_1", "trained on rank weights Λ_n ∝ n^-1 (discarded weight "
                                                        "∝ 1/N − 1/R), first dataset seed, same recipe"),
              Negative("exponent_flat_law", "planted Δ ∝ R − N: every dropped rank costs the same (no power law)")],
)
def test_scaling_exponent(ctx):
    cfg = _configs(ctx).scaling
    result = _run(ctx, cfg)
    weighted = _run(ctx, _configs(ctx).rank_weights)  # memoised: bigram.knobs.rank-weights reads the same sweeps
    alpha_1 = dict(zip(weighted.alphas, weighted.sweeps))[1.0]
    regime, whole, half = cfg.regime_widths, cfg.fit_widths, cfg.half_widths
    fits = [power_law_fit(regime, deltas(sw, regime)) for sw in result.sweeps]
    whole_fits = [power_law_fit(whole, deltas(sw, whole)) for sw in result.sweeps]
    planted = {k: planted_laws(regime, cfg.R)[k] for k in (EXACT_LAW, TRUNCATED_LAW, FLAT_LAW)}
    planted_whole = planted_laws(whole, cfg.R)
    ctx.note(f"Fits of Δ(N) over N = {regime[0]}..{regime[-1]} (the judged range) and over N = {whole[0]}..{whole[-1]} "
             "(the former criterion's range), per dataset seed.\n\n"
             + table([[sw.data.seed, f"{sw.L0:.4f}", f"{f.exponent:.3f} [{f.ci_low:.3f}, {f.ci_high:.3f}]",
                       f"{f.r2:.3f}", f"{w.exponent:.3f}", f"{w.r2:.3f}"]
                      for sw, f, w in zip(result.sweeps, fits, whole_fits)],
                     ["dataset seed", "L0", f"exponent N ≤ {regime[-1]} (95% CI)", "R²", f"exponent N ≤ {whole[-1]}",
                      "R²"], floatfmt="g"))
    ctx.note("The same fits on the controls:\n\n"
             + table([[k, f"{_fit_exponent(regime, planted[k]):.3f}", f"{_fit_exponent(whole, planted_whole[k]):.3f}"]
                      for k in planted]
                     + [["trained, Λ_n ∝ n^-1", f"{_fit_exponent(regime, deltas(alpha_1, regime)):.3f}",
                         f"{_fit_exponent(whole, deltas(alpha_1, whole)):.3f}"]],
                     ["control", f"exponent N ≤ {regime[-1]}", f"exponent N ≤ {whole[-1]}"], floatfmt="g"))
    floor = np.mean([sw.best(cfg.R) for sw in result.sweeps])
    ctx.figure(figure_delta_vs_n(result, cfg), "delta-vs-n",
               f"Δ(N) for N < R = {cfg.R} (thin: dataset seeds; dots: mean) with the power-law fit over N = "
               f"{cfg.fit_widths[0]}..{cfg.fit_widths[-1]} and an N^-1 guide through N = 1. At N = R, Δ drops to the "
               f"float32 floor ({floor:.0e} nats, seed mean; off the axis).")
    return {"exponent": [f.exponent for f in fits], "ci_low": [f.ci_low for f in fits],
            "ci_high": [f.ci_high for f in fits], "r2": [f.r2 for f in fits],
            "first_local_slope": [float(local_slopes(regime, deltas(sw, regime))[0]) for sw in result.sweeps],
            "exponent_exact_law": _fit_exponent(regime, planted[EXACT_LAW]),
            "exponent_truncated_law": _fit_exponent(regime, planted[TRUNCATED_LAW]),
            "exponent_rank_weights_alpha_1": _fit_exponent(regime, deltas(alpha_1, regime)),
            "exponent_flat_law": _fit_exponent(regime, planted[FLAT_LAW]),
            "exponent_whole_range": [w.exponent for w in whole_fits], "r2_whole_range": [w.r2 for w in whole_fits],
            "exponent_whole_range_flat_law": _fit_exponent(whole, planted_whole[FLAT_LAW]),
            "exponent_whole_range_truncated_law": _fit_exponent(whole, planted_whole[TRUNCATED_LAW]),
            "exponent_first_half": [_fit_exponent(half, deltas(sw, half)) for sw in result.sweeps]}


@claim(
    id="bigram.scaling.exponent-minus-one-looser-regime",
    source=Source(FILE, SECTION2, QUOTE2),
    statement="A looser reading of the scaling regime: with V = 100, R = 20, the least-squares log-log fit of Δ(N) "
              "over N ≤ R/2 has exponent ≈ −1.",
    setup={**setup(CI.scaling), "fit range (fixed in advance)": f"N = {CI.scaling.half_widths[0]}.."
                                                                  f"{CI.scaling.half_widths[-1]} (N ≤ R/2)"},
    criterion=Between("exponent_first_half", -1.5, -0.5, claimed="−1", why=EXPONENT_WHY.split(". The former")[0]),
    expected=REPRODUCED,
    reason="Shown beside bigram.scaling.exponent-minus-one because its verdict hinges on the regime: over N ≤ R/2 "
           "the fit gives {exponent_first_half:.2f}, over N ≤ R/3 {exponent_regime:.2f}; the truncated law "
           "1/N − 1/R gives {exponent_first_half_truncated_law:.2f} here and the flat law R − N "
           "{exponent_first_half_flat_law:.2f}.",
    group="bigram-v100",
    scope=SOURCE,
    controls=[Positive("exponent_first_half_truncated_law", "planted Δ = 1/N − 1/R, an exact N^-1 law cut off at rank R"),
              Negative("exponent_first_half_flat_law", "planted Δ ∝ R − N (no power law)")],
)
def test_scaling_exponent_looser_regime(ctx):
    cfg = _configs(ctx).scaling
    result = _run(ctx, cfg)
    half, regime = cfg.half_widths, cfg.regime_widths
    planted = planted_laws(half, cfg.R)
    return {"exponent_first_half": [_fit_exponent(half, deltas(sw, half)) for sw in result.sweeps],
            "exponent_regime": [_fit_exponent(regime, deltas(sw, regime)) for sw in result.sweeps],
            "exponent_first_half_truncated_law": _fit_exponent(half, planted[TRUNCATED_LAW]),
            "exponent_first_half_flat_law": _fit_exponent(half, planted[FLAT_LAW])}


@claim(
    id="bigram.scaling.closely-follows-power-law",
    source=Source(FILE, SECTION2, QUOTE2),
    statement="A stricter reading (the suite's): with V = 100, R = 20, Δ(N) is a straight line of slope −1 on log-log "
              "axes over all of N = 1..19: every local slope d log Δ / d log N is ≈ −1.",
    setup=setup(CI.scaling),
    criterion=AtMost("max_local_slope_deviation", 0.5, claimed="slope −1 throughout",
                     why="'a straight line of slope −1' means the local exponent rounds to −1 at every N; ±0.5 as for "
                         "the fit"),
    expected=REFUTED,
    reason="Δ(N) is concave on log-log axes, not a power law: the local slope steepens steadily from {first_local_slope:.2f} "
           "(N = 1→2) to {last_local_slope:.2f} (N = 18→19; per dataset seed), because Δ must reach 0 at N = R; it is "
           "within ±0.5 of −1 only between N = {slope_near_minus_one_from_N:range} and "
           "{slope_near_minus_one_to_N:range}, and the fit over N = 1..19 has R² {fit_r2:.2f}. This reading is "
           "stricter than the source's: an exact N^-1 law cut off at rank R, 1/N − 1/R, fails it too "
           "({max_local_slope_deviation_truncated_law:.1f}), so the refutation says only that Δ plunges at N → R, as "
           "every rank-R curve must; the source's reading is bigram.scaling.exponent-minus-one.",
    group="bigram-v100",
    scope=EXTENSION,
    controls=[Positive("max_local_slope_deviation_exact_law", "planted Δ = 1/N, a straight line of slope −1"),
              Negative("max_local_slope_deviation_flat_law", "planted Δ ∝ R − N (every dropped rank costs the same)")],
)
def test_scaling_closely_follows(ctx):
    cfg = _configs(ctx).scaling
    sweeps = _run(ctx, cfg).sweeps
    slopes = [local_slopes(cfg.fit_widths, deltas(sw, cfg.fit_widths)) for sw in sweeps]
    near = [np.flatnonzero(np.abs(s + 1) <= 0.5) for s in slopes]  # steps N_i → N_{i+1} with slope within ±0.5 of −1
    robust = sweeps[0]
    variants = (SLOW_LR, SMALL_INIT, OTHER_INIT)
    rows = [[n, f"{robust.best(n):.5g}"] + [f"{robust.best(n, v) / robust.best(n) - 1:+.1e}" for v in variants]
            + [f"{robust.plateau(n):.1e}"] for n in cfg.robust_widths]
    ctx.note("The whole curve, per dataset seed, with local slopes between consecutive N:\n\n"
             + _curve_table([(f"seed {sw.data.seed}", sw) for sw in sweeps], cfg))
    ctx.note(f"Near N = R: Δ({cfg.R - 1}) = {np.mean([sw.best(cfg.R - 1) for sw in sweeps]):.2g} and Δ({cfg.R}) = "
             f"{np.mean([sw.best(cfg.R) for sw in sweeps]):.1g} nats (seed mean), so the curve plunges to zero at N = R "
             "instead of continuing a power law.")
    ctx.note("Convergence and choice checks (first dataset seed): the relative change of Δ under each alternative "
             f"(peak lr {cfg.recipe.slow_lr:g}, init std {cfg.recipe.small_init_std:g}, a second init), and the relative "
             "fall of Δ over the last 20% of steps.\n\n"
             + table(rows, ["N", "Δ main", *variants, "plateau"], floatfmt="g"))
    return {"max_local_slope_deviation": [float(np.max(np.abs(s + 1))) for s in slopes],
            "first_local_slope": [float(s[0]) for s in slopes], "last_local_slope": [float(s[-1]) for s in slopes],
            "delta_at_R_minus_1": [sw.best(cfg.R - 1) for sw in sweeps], "delta_at_R": [sw.best(cfg.R) for sw in sweeps],
            "max_plateau_change": [max(abs(sw.plateau(n)) for n in cfg.fit_widths) for sw in sweeps],
            "slope_near_minus_one_from_N": [cfg.fit_widths[i[0]] if i.size else float("nan") for i in near],
            "slope_near_minus_one_to_N": [cfg.fit_widths[i[-1] + 1] if i.size else float("nan") for i in near],
            "fit_r2": [power_law_fit(cfg.fit_widths, deltas(sw, cfg.fit_widths)).r2 for sw in sweeps],
            **{f"max_local_slope_deviation_{k}": float(np.max(np.abs(local_slopes(cfg.fit_widths, d) + 1)))
               for k, d in planted_laws(cfg.fit_widths, cfg.R).items()}}


# ---------------------------------------------------------------------------- the knobs: Λ and the logit scale

SECTION_DATA = "Problem setup"


@claim(
    id="bigram.knobs.rank-weights",
    source=Source(FILE, SECTION_DATA,
                  "Instead of assuming all \\(R\\) ranks are equally important, we can assign different weights by "
                  "inserting a diagonal matrix between \\(A\\) and \\(B\\): \\(AB \\;\\to\\; A\\Lambda B.\\)"),
    statement="How rank weights Λ_n ∝ n^-α change Observations 1–2 (V = 100, R = 20): the post makes no claim.",
    setup=setup(CI.rank_weights),
    criterion=None,
    expected=OBSERVATION,
    group="bigram-v100",
    scope=SOURCE,
)
def test_knob_rank_weights(ctx):
    cfg = _configs(ctx).rank_weights
    base = cfg.base
    result = _run(ctx, cfg)
    alphas = result.alphas
    sweeps = dict(zip(alphas, result.sweeps))
    fits = {a: power_law_fit(base.fit_widths, deltas(sw, base.fit_widths)) for a, sw in sweeps.items()}
    first = {a: float(local_slopes(base.fit_widths, deltas(sw, base.fit_widths))[0]) for a, sw in sweeps.items()}
    critical = {a: effective_critical_width(sw, base.widths, REACH) for a, sw in sweeps.items()}
    last = alphas[-1]
    ctx.note("A decaying Λ puts more of the logit variance in the first ranks, so Δ(N) starts lower and falls faster. "
             "With α = 1 the discarded weight Σ_{n>N} λ_n² ∝ 1/N − 1/R, and for α = "
             f"{last} the slope at small N is {first[last]:.2f} (the post's exponent is −1); the curve still bends down "
             f"towards N = R (fit over N = 1..{base.fit_widths[-1]}: exponent {fits[last].exponent:.2f}, R² "
             f"{fits[last].r2:.2f}). For Observation 1, the smallest width that reaches L0 (relative gap ≤ {REACH:g}) is "
             f"N = {[critical[a] for a in alphas]} for α = {list(alphas)} (None: no N ≤ R within this budget), and "
             f"Δ(R − 1)/L0 = {[float(f'{sw.best(base.R - 1) / sw.L0:.1g}') for sw in sweeps.values()]}.\n\n"
             + table([[a, f"{f.exponent:.2f} [{f.ci_low:.2f}, {f.ci_high:.2f}]", f"{f.r2:.3f}", f"{first[a]:.2f}",
                       f"{sweeps[a].best(base.R - 1):.2g}", critical[a],
                       f"{max(abs(sweeps[a].plateau(n)) for n in base.fit_widths):.1e}"] for a, f in fits.items()],
                     ["α", f"exponent (95% CI), N = 1..{base.fit_widths[-1]}", "R²", "slope N = 1→2", "Δ(R − 1), nats",
                      "smallest N reaching L0", "max plateau change"], floatfmt="g"))
    ctx.note(_curve_table([(f"α = {a}", sw) for a, sw in sweeps.items()], base))
    ctx.figure(figure_delta_vs_n_lambda(result, cfg), "delta-vs-n-lambda",
               "Δ(N) for N < R with rank weights Λ_n ∝ n^-α (first dataset seed), fits over N = "
               f"1..{base.fit_widths[-1]} and an N^-1 guide through the α = {last} curve at N = 1.")
    return {**{f"first_local_slope[α={a}]": first[a] for a in reversed(alphas)},
            **{f"exponent[α={a}]": fits[a].exponent for a in alphas}, **{f"r2[α={a}]": fits[a].r2 for a in alphas},
            **{f"smallest_width_reaching_l0[α={a}]": critical[a] or float("nan") for a in alphas}}


@claim(
    id="bigram.knobs.logit-scale-l0-falls",
    source=Source(FILE, SECTION_DATA,
                  "We can also control the overall scale of the logit matrix. When this scale is large, the dataset "
                  "becomes more deterministic."),
    statement="With V = 100, R = 20, the optimal loss L0 falls strictly as the logit scale grows from 1/4 to 16.",
    setup=setup(CI.logit_scale),
    criterion=AtMost("largest_L0_step_up_nats", -1e-9, claimed="L0 decreasing",
                     why="each doubling of the scale must lower L0 by more than float64 rounding of an O(1) sum (1e-12); "
                         "1e-9 leaves room for the stationary solve"),
    expected=REPRODUCED,
    scope=SOURCE,
    evidence=IDENTITY,
)
def test_knob_logit_scale(ctx):
    cfg = _configs(ctx).logit_scale
    result = _run(ctx, cfg)
    L0, top = result.L0, result.top  # (seeds, scales)
    ctx.note(table([[s, mean_sd(L0[:, i]), f"{top[:, i].mean():.3f}"] for i, s in enumerate(cfg.scales)],
                   ["logit scale", "L0 (nats), mean ± sd over seeds", "π-weighted max_y P[x, y]"], floatfmt="g")
             + f"\n\nlog V = {np.log(cfg.V):.3f} nats is the uniform (scale 0) limit.")
    ctx.figure(figure_l0_vs_scale(result, cfg), "l0-vs-scale",
               f"Optimal loss L0 against the logit scale, V = {cfg.V}, R = {cfg.R}, one line per dataset seed.")
    return {"largest_L0_step_up_nats": np.diff(L0, axis=1).max(axis=1), "L0_at_scale_16": L0[:, -1],
            "L0_at_scale_0.25": L0[:, 0], "mean_max_prob_at_scale_16": top[:, -1]}


# ---------------------------------------------------------------------------- the post's open question


@claim(
    id="bigram.which-tokens-largest-loss",
    source=Source(FILE, "Questions", "Loss analysis: which token(s) incur the largest loss?"),
    statement="Which input tokens carry the largest loss gap KL(P[x] ‖ model) at N < R (V = 100, R = 20): the post "
              "asks and makes no claim.",
    setup={**setup(CI.scaling), "N": list(CI.scaling.per_token_widths),
           "per-token gap": "KL(P[x] ‖ softmax(model logits[x])) of the trained model, exact (dataset.per_input_loss_gap)",
           "predictors": "π_x; row entropy H(P[x]); the row's residual outside the top-N right singular subspace of "
                         "diag(√π)·(row-centred true logits)",
           "association": "Spearman rank correlation over the V input tokens"},
    criterion=None,
    expected=OBSERVATION,
    group="bigram-v100",
    scope=SOURCE,
)
def test_which_tokens(ctx):
    cfg = _configs(ctx).scaling
    result = _run(ctx, cfg)
    rho = per_token_spearman(result, cfg)
    keys = ("residual", "pi", "entropy")
    rows = []
    for i, sw in enumerate(result.sweeps):
        for n in cfg.per_token_widths:
            kl = sw.best_per_input(n)
            rows.append([sw.data.seed, n] + [f"{rho[k, n][i]:+.2f}" for k in keys] + [f"{kl.max() / kl.mean():.1f}"])
    span = {k: (min(min(rho[k, n]) for n in cfg.per_token_widths), max(max(rho[k, n]) for n in cfg.per_token_widths))
            for k in keys}
    ctx.note("Spearman correlation of the per-token gap with each predictor, per dataset seed and width. Over all of "
             f"them, ρ with the residual outside the top-N subspace lies in [{span['residual'][0]:.2f}, "
             f"{span['residual'][1]:.2f}], with π in [{span['pi'][0]:.2f}, {span['pi'][1]:.2f}] and with the row "
             f"entropy in [{span['entropy'][0]:.2f}, {span['entropy'][1]:.2f}]. The tokens that incur the largest loss "
             "are those whose logit row lies furthest outside the dominant π-weighted rank-N subspace; frequency and "
             "row entropy alone say little.\n\n"
             + table(rows, ["dataset seed", "N", "ρ(KL, residual)", "ρ(KL, π)", "ρ(KL, H)", "max KL / mean KL"],
                     floatfmt="g"))
    ctx.figure(figure_per_token_gap(result, cfg), "per-token-gap",
               f"Per-token loss gap at N = {cfg.per_token_figure_width}, V = {cfg.V}, R = {cfg.R}, dataset seed "
               f"{result.sweeps[0].data.seed}.")
    return {f"spearman_vs_{k}_N{n}": rho[k, n] for n in cfg.per_token_widths for k in keys}
