"""Claims of source 000, "Bigram 3 -- Low Rank Structure", Observation 1: the critical width N_c ≈ R.

Every claim here reads ``experiments.bigram_critical.CRITICAL`` (V = 10, R = 3, N ∈ {1..6, 10}, several inits
per width, one stack per dataset seed); this file declares what each claim means and reads its numbers from the
result.

"Reaches L0" means a relative gap (L − L0)/L0 at most ``REACH``, a line set from
the measured training floor of widths N ≥ R (``experiments.bigram_sweep.REACH_WHY``); "strictly
higher" means above that line.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toy_claims.experiments.bigram_critical import (
    CRITICAL, figure_loss_curves, relative_gaps, truncated_table_relative_gap,
)
from toy_claims.experiments.bigram_sweep import FLOAT32_EPS, MAIN, REACH, REACH_WHY, SLOW_LR, SMALL_INIT
from toy_claims.harness.claims import (
    REPRODUCED, SOURCE, AtLeast, AtMost, Criterion, Negative, Positive, Reading, Source, claim, get_claim,
    judge,
)
from toy_claims.harness.notes import table

FILE = "000_cfd314f0efaca259.txt"

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


EVERY_INIT = "every init"  # judged on the worst of the inits instead of the best, main recipe
RECIPE_WHY = {  # the readings of a choice the post leaves open: "This is indeed what we observe" gives no recipe
    SLOW_LR: "the post gives no optimizer setting ('This is indeed what we observe'): Adam at a lower peak lr, same "
             "steps, is as defensible a run",
    SMALL_INIT: "the post gives no init: a small init std, as common for embeddings as the stack's 1/√N, is as "
                "defensible a run",
    EVERY_INIT: "'the model can achieve' read as what a training run of the model does, at every init, not the best "
                "of several inits",
}


def _gaps(sweeps, widths: tuple[int, ...], pick, variant: str) -> list[float]:
    """relative_gaps under a recipe reading; EVERY_INIT judges the worst init of the main recipe."""
    if variant == EVERY_INIT:
        return [float(pick([sw.worst(n, MAIN) for n in widths])) / sw.L0 for sw in sweeps]
    return relative_gaps(sweeps, widths, pick, variant)


def _recipe_measurements(sweeps, judged: dict[str, tuple[tuple[int, ...], object]]) -> dict[str, list[float]]:
    """Each judged or control quantity (its widths and pick over them) under every recipe reading: ``q[reading]``."""
    return {f"{q}[{v}]": _gaps(sweeps, widths, pick, v) for v in RECIPE_WHY for q, (widths, pick) in judged.items()}


def _recipe_readings(criterion: Criterion, controls: list, pins: dict[str, str]) -> tuple[Reading, ...]:
    """The claim's rule on its widths trained by another recipe (or at every init), with its controls measured the
    same way (``q[reading]``, ``_recipe_measurements``)."""
    def under(v: str, x):
        return dataclasses.replace(x, quantity=f"{x.quantity}[{v}]")

    return tuple(Reading(v, RECIPE_WHY[v], under(v, criterion), pin, controls=tuple(under(v, k) for k in controls))
                 for v, pin in pins.items())


def _critical_table(sweeps, config) -> str:
    rows = [[sw.data.seed, f"{sw.L0:.4f}"] + [f"{sw.best(n) / sw.L0:.1e} ({sw.worst(n) / sw.L0:.0e})"
                                              for n in config.widths] for sw in sweeps]
    return ("Relative gap (L − L0)/L0 at the last step, best of the inits (worst in brackets), per dataset seed. "
            f"The 'reaches L0' line is {REACH:g}; float32 machine epsilon is {FLOAT32_EPS:.1e}.\n\n"
            + table(rows, ["dataset seed", "L0 (nats)"] + [f"N={n}" for n in config.widths], floatfmt="g"))



WIDTH_R_CRITERION = AtMost("relative_gap", REACH, claimed="L = L0", why=REACH_WHY)
WIDTH_R_CONTROLS = [Negative("relative_gap_width_r_minus_1", "width N = R − 1, one dimension short (cannot reach L0)"),
                    Positive("relative_gap_full_table", "width N = V, the full logit table (reaches L0 by construction)")]


@claim(
    id=WIDTH_R_ID,
    source=Source(FILE, SECTION1, QUOTE1),
    statement="With V = 10, R = 3, a width N = R = 3 model reaches the optimal loss L0.",
    setup={},
    criterion=WIDTH_R_CRITERION,
    expected=REPRODUCED,
    reads=CRITICAL,
    scope=SOURCE,
    controls=WIDTH_R_CONTROLS,
    readings=_recipe_readings(WIDTH_R_CRITERION, WIDTH_R_CONTROLS,
                              {SLOW_LR: REPRODUCED, SMALL_INIT: REPRODUCED, EVERY_INIT: REPRODUCED}),
)
def test_critical_width_r_reaches_l0(ctx, cfg, result):
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
            "relative_gap_full_table": relative_gaps(sweeps, (cfg.V,), np.min),
            **_recipe_measurements(sweeps, {"relative_gap": ((cfg.R,), np.min),
                                            "relative_gap_width_r_minus_1": ((cfg.R - 1,), np.min),
                                            "relative_gap_full_table": ((cfg.V,), np.min)})}


BELOW_R_CRITERION = AtLeast("smallest_relative_gap_below_r", REACH, claimed="L > L0",
                            why="above the 'reaches L0' line (" + REACH_WHY + "); the plateau and init spread that show "
                                "the N < R gaps are converged values are reported beside it")
BELOW_R_CONTROLS = [Negative("largest_relative_gap_width_r_and_above",
                             "every width N ≥ R (3, 4, 5, 6, 10), same stacks: each can reach L0"),
                    Positive("relative_gap_rank_r_minus_1_table",
                             "an untrained rank-(R − 1) logit table, the best Frobenius approximation of the centred "
                             "true logits (cannot reach L0 by construction; untrained, so the same under every recipe)")]


@claim(
    id=BELOW_R_ID,
    source=Source(FILE, SECTION1, QUOTE1),
    statement="With V = 10, R = 3, every width N < 3 stays strictly above L0, even at its best init and at convergence.",
    setup={},
    criterion=BELOW_R_CRITERION,
    expected=REPRODUCED,
    reads=CRITICAL,
    scope=SOURCE,
    controls=BELOW_R_CONTROLS,
    readings=_recipe_readings(BELOW_R_CRITERION, BELOW_R_CONTROLS,
                              {SLOW_LR: REPRODUCED, SMALL_INIT: REPRODUCED, EVERY_INIT: REPRODUCED}),
)
def test_critical_below_r_strictly_higher(ctx, cfg, result):
    sweeps = result.sweeps
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
        **_recipe_measurements(sweeps, {"smallest_relative_gap_below_r": (cfg.below, np.min),
                                        "largest_relative_gap_width_r_and_above": ((cfg.R, *cfg.above), np.max)}),
        **{f"relative_gap_rank_r_minus_1_table[{v}]": [truncated_table_relative_gap(sw.data, cfg.R - 1) for sw in sweeps]
           for v in RECIPE_WHY},  # untrained: the same table under every recipe reading
    }


ABOVE_R_CRITERION = AtMost("largest_relative_gap_above_r", REACH, claimed="L = L0", why=REACH_WHY)
ABOVE_R_CONTROLS = [Negative("smallest_relative_gap_below_r", "every width N < R (1, 2), same stacks: each is one or "
                                                              "more dimensions short"),
                    Positive("relative_gap_width_r", "width N = R, which reaches L0 by construction (same stacks)")]


@claim(
    id=ABOVE_R_ID,
    source=Source(FILE, SECTION1, "Observation 1: critical embedding dimension \\(N_c\\approx R\\)"),
    statement="With V = 10, R = 3, every width N > R (4, 5, 6 and the full table N = V = 10) also reaches L0.",
    setup={},
    criterion=ABOVE_R_CRITERION,
    expected=REPRODUCED,
    reads=CRITICAL,
    scope=SOURCE,
    controls=ABOVE_R_CONTROLS,
    readings=_recipe_readings(ABOVE_R_CRITERION, ABOVE_R_CONTROLS,
                              {SLOW_LR: REPRODUCED, SMALL_INIT: REPRODUCED, EVERY_INIT: REPRODUCED}),
)
def test_critical_above_r_reaches_l0(ctx, cfg, result):
    sweeps = result.sweeps
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
            "relative_gap_width_r": relative_gaps(sweeps, (cfg.R,), np.min),
            **_recipe_measurements(sweeps, {"largest_relative_gap_above_r": (cfg.above, np.max),
                                            "smallest_relative_gap_below_r": (cfg.below, np.min),
                                            "relative_gap_width_r": ((cfg.R,), np.min)})}

