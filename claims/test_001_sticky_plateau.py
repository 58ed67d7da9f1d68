"""Source 001's warmup hypothesis ("Learning rate warmup"): a large early lr without warmup sticks at H(π).

The post leaves it open ("this is only a hypothesis, and more complex toy models are needed to test it").
These claims are the suite's own test of it on a toy language with an exact Zipfian unigram marginal and
exact bigram structure (``experiments.plateau``), not a reproduction of the paper's GPT-2 run. Every
threshold is fixed before measuring from the language's structure: the band is H(π) ± 0.1 · I(X;Y), a
plateau needs at least twice as many steps in the band as in the equal-width band just below AND a model
that barely uses x there (x-dependence ≤ 0.2 · I). All claims read one run (``experiments.plateau.PLATEAU``).
"""

from __future__ import annotations

import numpy as np

from toy_claims.experiments import plateau as exp
from toy_claims.experiments.plateau import CONFIGS, NO_WARMUP, PLATEAU, WARMUP
from toy_claims.harness.claims import (
    CONTROL, EXTENSION, REFUTED, REPRODUCED, UNCALIBRATED, AtLeast, AtMost, Negative, Positive, Reading, Source, claim, seeds_needed,
)
from toy_claims.harness.notes import mean_sd, table

FILE = "001_705556c020ca6848.txt"
SECTION = "Learning rate warmup"
POST_ALPHA = 1.0  # "$$\alpha = 1$$ (Zipfian)"
PLATEAU_DWELL_RATIO = 2.0  # steps in the band ≥ this × steps in the band just below
PLATEAU_MAX_X_DEPENDENCE = 0.2  # and the model's x-dependence in the band ≤ this × I: close to a unigram model
LONGER_RATIO = 2.0  # "longer without warmup": steps in the band without warmup ≥ this × with warmup
POST_MATCH = abs(7.5 - 7.57) / 7.57  # the post's own match: the sticky "loss ≈ 7.5" against the entropy 7.57

CI = CONFIGS["ci"]
BAND = CI.band_fraction
OWN_TEST = ("The suite's own test of a hypothesis the source leaves open, on a toy language "
            f"(ZipfBigram, V = {CI.V}); not a reproduction of the paper's GPT-2 run. ")
PLATEAU_WHY = (f"fixed before measuring from the language: the band is H(π) ± {BAND:g} · I(X;Y) (I = what a model "
               f"gains over the best unigram model); a plateau spends ≥ {PLATEAU_DWELL_RATIO:g}× as many steps there as "
               f"in the equal-width band just below (a plain monotone approach spends fewer), and a unigram saddle "
               f"means a model that barely uses x: x-dependence Σ_x π_x KL(q_x ‖ q̄) ≤ {PLATEAU_MAX_X_DEPENDENCE:g} · I")
HYPOTHESIS_QUOTE = "Of course, this is only a hypothesis, and more complex toy models are needed to test it."
SMALLEST_LR = f"the smallest peak lr ({CI.lrs[0]:g})"


def _key(value: float) -> str:
    """A number in a quantity name: a dot would read as attribute access in a reason template (0.8 -> 0p8)."""
    return f"{value:g}".replace(".", "p")


def _plateau(stats: exp.BandStats, x_dependence: bool = True) -> np.ndarray:
    """1 per seed where the pre-registered plateau criterion holds, else 0 (``x_dependence`` False: its dwell part
    alone, the loss curve's shape without the unigram-saddle condition)."""
    xdep = np.nan_to_num(stats.x_dependence_in_band, nan=np.inf)
    held = (stats.steps_in_band > 0) & (stats.steps_in_band >= PLATEAU_DWELL_RATIO * stats.steps_below) \
        & ((xdep <= PLATEAU_MAX_X_DEPENDENCE) | (not x_dependence))
    return held.astype(float)


MOST_RUNS = 0.5  # "becomes sticky" read as the typical run: a plateau in more than half the seeds
SHARE_WHY = (f"; 'becomes sticky' is read as the typical run: a plateau in more than {MOST_RUNS:g} of the seeds, judged "
             "by the share of seeds with its Clopper–Pearson interval (a 0/1 outcome per seed)")
POOLED = ("(the runs of every smaller lr pooled into one share of lr × seed runs; for a mix of lrs the "
          "Clopper–Pearson interval is conservative: Hoeffding 1956)")


def _judged(result, key: tuple[float, bool], lr: float) -> exp.BandStats:
    """The band measures of a setting with the judged seed count (``experiments.plateau.judged_settings``)."""
    return result.judged_stats[key, NO_WARMUP, lr]


DWELL_ONLY_WHY = ("'sticky around loss ≈ 7.5' describes the loss curve alone: a plateau by the dwell part of the "
                  "criterion, without the x-dependence condition (the suite's test of the saddle mechanism)")


def _dwell_only_reading(expected: str, controls: tuple) -> Reading:
    return Reading("dwell only", DWELL_ONLY_WHY, AtLeast("plateau_by_dwell_only", MOST_RUNS, proportion=True,
                                                         claimed="plateau in most runs",
                                                         why="the dwell part of the plateau criterion" + SHARE_WHY),
                   expected, controls=controls)


def _band_table(result) -> str:
    cfg = result.config
    rows = []
    for key, lang in result.languages.items():
        for lr in cfg.lrs:
            for arm in exp.ARMS:
                s = result.stats[key, arm, lr]
                rows.append([lang.label, lr, arm, s.steps_in_band.mean(), s.steps_below.mean(),
                             np.nanmean(s.leave_step) if np.isfinite(s.leave_step).any() else np.nan,
                             np.nanmean(s.x_dependence_in_band) if np.isfinite(s.x_dependence_in_band).any() else np.nan,
                             (s.sticky_offset / lang.scale).mean(), s.final_gap.mean(), _plateau(s).sum()])
    return table(rows, ["language", "peak lr", "arm", "steps in band", "steps in band below", "leaves band at",
                        "x-dependence in band (/I)", "sticky level − H(π) (/I)", "final gap (nats)",
                        f"plateau (of {cfg.n_seeds})"])


@claim(
    id="plateau.no-warmup-sticks-at-unigram-entropy",
    version=2,
    source=Source(FILE, SECTION, "without warmup, training descends faster initially but becomes slightly *sticky* "
                                 "around loss ≈ 7.5"),
    statement=OWN_TEST + f"Without warmup at the large peak lr ({CI.lrs[-1]:g}) the loss plateaus near the unigram "
                         f"entropy H(π) (α = {POST_ALPHA:g}): a plateau by the pre-registered criterion, in most runs.",
    setup=lambda cfg: {"judged at": f"α = {POST_ALPHA:g}, peak lr {cfg.lrs[-1]:g}, no warmup, {cfg.judged_seeds} seeds"},
    criterion=AtLeast("plateau_detected", MOST_RUNS, proportion=True, claimed="plateau in most runs",
                      why=PLATEAU_WHY + SHARE_WHY),
    expected=UNCALIBRATED,
    reason="The detector cannot fire at the judged lr, so its verdict there says nothing: on the structureless "
           "language, whose optimum is H(π), it finds a plateau in {control_plateau_detected:share} seeds at this lr "
           "(Adam's noise floor keeps that loss {control_final_gap_over_band:range} band half-widths above H(π); "
           "plateau.structureless-control-plateaus-at-optimum). On the structured language it finds one in "
           "{plateau_detected:share} seeds: the loss spends {steps_in_band} steps in the band and {steps_in_band_below} "
           "in the band just below, and the model there already uses x (x-dependence {x_dependence_in_band:range} of "
           "I, where a unigram model has 0). It settles on a noise floor {sticky_offset_over_I:range} · I from H(π), "
           "the same floor the warmup arm reaches ({sticky_offset_over_I_warmup:range} · I). At the smaller peak lrs, "
           "where the detector works, the structured loss passes the band faster than the band below (steps in band / "
           "below {dwell_ratio_smaller_lrs:range}).",
    reads=PLATEAU,
    scope=EXTENSION,
    controls=[Positive("control_plateau_detected",
                       f"the structureless language (optimum = H(π)) at the judged lr ({CI.lrs[-1]:g}), no warmup: the "
                       "detector's positive control at the judged setting"),
              Positive("control_plateau_detected_smaller_lrs",
                       "the structureless language at the smaller peak lrs, where it reaches the optimum " + POOLED),
              Negative("plateau_detected[smallest lr]",
                       f"the same structured language at {SMALLEST_LR}, no warmup: its loss passes through the band "
                       "to the optimum H(Y|X)")],
    readings=(_dwell_only_reading(UNCALIBRATED, (
        Positive("control_plateau_by_dwell_only", f"the structureless language at the judged lr ({CI.lrs[-1]:g}), dwell only"),
        Positive("control_plateau_by_dwell_only_smaller_lrs", "the structureless language at the smaller peak lrs, dwell only"),
        Negative("plateau_by_dwell_only[smallest lr]", f"the same structured language at {SMALLEST_LR}, dwell only"))),),
)
def test_no_warmup_plateau(ctx, cfg, result):
    ctx.figure(exp.figure_loss_curves(result), "sticky-plateau-loss-curves",
               f"V = {cfg.V}, D = {cfg.D}, batch {cfg.batch}: exact loss against step, without warmup (red) and with "
               f"{cfg.warmup_steps}-step linear warmup (blue), one line per seed; H(π) dashed, the optimum dotted, the "
               f"band H(π) ± {cfg.band_fraction:g} · I shaded. Bottom row: the structureless control (optimum = H(π)).")
    ctx.note("Band measures per language, peak lr and arm (means over seeds; x-dependence and sticky level in units of "
             "I of the structured language at that α; the control's band uses that I too):\n\n" + _band_table(result))
    ctx.note("Reading: at every α the loss crosses the band without stopping. At the largest lr both arms settle on a "
             "noise floor whose distance from H(π) is not fixed by H(π) (see the sticky level); the model there uses x "
             "almost as much as the truth does, so the floor is no unigram saddle. Where that floor falls relative to "
             "the band depends on V and the batch: the prototype this study grew from (V = 512, batch 256) found it "
             "inside the band for α ≤ 1, with the same x-dependence, so a floor in the band is a coincidence of sizes.")
    key, control_key = (POST_ALPHA, True), (POST_ALPHA, False)
    nw, w = (result.judged_stats[key, arm, cfg.lrs[-1]] for arm in exp.ARMS)
    scale = result.languages[key].scale
    control, control_large = result.languages[control_key], _judged(result, control_key, cfg.lrs[-1])
    smaller = [result.stats[key, NO_WARMUP, lr] for lr in cfg.lrs[:-1]]
    smaller_control = [result.stats[control_key, NO_WARMUP, lr] for lr in cfg.lrs[:-1]]
    return {
        "plateau_detected": _plateau(nw),
        "plateau_by_dwell_only": _plateau(nw, x_dependence=False),
        "control_plateau_detected": _plateau(control_large),
        "control_plateau_by_dwell_only": _plateau(control_large, x_dependence=False),
        "control_plateau_detected_smaller_lrs": [v for t in smaller_control for v in _plateau(t).tolist()],
        "control_plateau_by_dwell_only_smaller_lrs": [v for t in smaller_control for v in _plateau(t, False).tolist()],
        "plateau_detected[smallest lr]": _plateau(_judged(result, key, cfg.lrs[0])),
        "plateau_by_dwell_only[smallest lr]": _plateau(_judged(result, key, cfg.lrs[0]), x_dependence=False),
        "steps_in_band": nw.steps_in_band, "steps_in_band_below": nw.steps_below,
        "x_dependence_in_band": nw.x_dependence_in_band, "leave_step": nw.leave_step,
        "sticky_offset_over_I": nw.sticky_offset / scale, "sticky_offset_over_I_warmup": w.sticky_offset / scale,
        "dwell_ratio_smaller_lrs": [float(s.steps_in_band[k] / s.steps_below[k]) for s in smaller
                                    for k in range(cfg.n_seeds) if s.steps_below[k] > 0],
        "plateau_detected_other_alphas": [_plateau(result.stats[(a, True), NO_WARMUP, cfg.lrs[-1]]).tolist()
                                          for a in cfg.alphas if a != POST_ALPHA],
        "control_final_gap_over_band": control_large.final_gap / control.band_half_width,
    }


@claim(
    id="plateau.sticks-longer-without-warmup",
    version=2,
    source=Source(FILE, SECTION, "the model is attracted to a Unigram “saddle-point solution,” and escaping from it "
                                 "requires more time"),
    statement=OWN_TEST + f"At the large peak lr ({CI.lrs[-1]:g}, α = {POST_ALPHA:g}) the loss stays in the band around "
                         f"H(π) at least {LONGER_RATIO:g}× as many steps without warmup as with "
                         f"{CI.warmup_steps}-step warmup (paired seeds), on average over seeds.",
    setup=lambda cfg: {"judged at": f"α = {POST_ALPHA:g}, peak lr {cfg.lrs[-1]:g}, both arms",
           "seed count of the judged setting": (
               f"{cfg.judged_seeds} paired seeds (the other settings: {cfg.n_seeds}): at {cfg.n_seeds} seeds the interval "
               "of the excess straddled 0 at every seed offset; n is the smallest whose expected one-sided 95% "
               "half-width t(0.95, n − 1)·sd/√n is at most half the mean, at the spread of the excess over seeds 0–6 "
               "(the note re-derives it from this run's seeds)")},
    criterion=AtLeast("excess_steps_in_band_without_warmup", 0.0, claimed="longer without warmup",
                      why=f"fixed before measuring: 'longer' means steps in the band H(π) ± {BAND:g} · I without warmup "
                          f"≥ {LONGER_RATIO:g}× those with warmup at the same peak lr and seed; the quantity is "
                          f"steps without − {LONGER_RATIO:g} × steps with (finite where the warmup arm never enters). "
                          "It counts time in the band whether or not it is a plateau by the criterion of "
                          "plateau.no-warmup-sticks-at-unigram-entropy"),
    controls=[Positive("excess_steps_in_band[structureless vs structured, smallest lr]",
                       f"a run that stays at H(π) by construction (the structureless language, whose optimum is H(π), "
                       f"at {SMALLEST_LR}, no warmup) in place of the run without warmup, against the structured α = "
                       f"{POST_ALPHA:g} run that passes through the band (same lr, seed and arm)"),
              Negative("excess_steps_in_band_without_warmup[smallest lr]",
                       f"the same pair of arms at {SMALLEST_LR}: no large early steps, so the hypothesis's mechanism is "
                       "absent and warmup only delays the descent")],
    readings=(Reading("escapes later", "'escaping from it requires more time' read as the step where the loss leaves "
                      "the band downward, later without warmup than with it, not the time spent in the band",
                      AtLeast("later_escape_without_warmup_steps", CI.eval_every, claimed="escapes later without warmup",
                              why="the run without warmup leaves the band at least one evaluation later (paired seeds)"),
                      REFUTED,
                      controls=(Negative("later_escape_without_warmup_steps[smallest lr]",
                                         f"the same pair of arms at {SMALLEST_LR}: no large early steps, warmup only "
                                         "delays the descent"),)),),
    expected=REPRODUCED,
    reads=PLATEAU,
    scope=EXTENSION,
)
def test_longer_without_warmup(ctx, cfg, result):
    ctx.note("What the band time measures here: neither arm plateaus (plateau.no-warmup-sticks-at-unigram-entropy); "
             "both cross the band in a few evaluations on the way down, and the difference is how fast each crosses it "
             "(the run without warmup crosses at the full peak lr, the warmup arm part-way up its ramp). The band "
             "times by lr and arm are in the table of plateau.no-warmup-sticks-at-unigram-entropy.")
    rows = [[result.languages[a, True].label, k, *(result.stats[(a, True), arm, cfg.lrs[-1]].steps_in_band[k]
                                                   for arm in exp.ARMS)]
            for a in cfg.alphas for k in range(cfg.n_seeds)]
    ctx.note(f"Steps in the band at peak lr {cfg.lrs[-1]:g}, per α and seed (evaluations every {cfg.eval_every} steps):\n\n"
             + table(rows, ["language", "seed", "without warmup", "with warmup"]))
    key = (POST_ALPHA, True)
    nw, w = (result.judged_stats[key, arm, cfg.lrs[-1]] for arm in exp.ARMS)
    measured = {"excess_steps_in_band_without_warmup": nw.steps_in_band - LONGER_RATIO * w.steps_in_band,
                "steps_in_band_without_warmup": nw.steps_in_band, "steps_in_band_with_warmup": w.steps_in_band}
    for i, lr in enumerate(cfg.lrs[:-1]):
        nw, w = result.stats[key, NO_WARMUP, lr], result.stats[key, WARMUP, lr]
        suffix = "[smallest lr]" if i == 0 else f"_lr_{_key(lr)}"
        measured[f"excess_steps_in_band_without_warmup{suffix}"] = nw.steps_in_band - LONGER_RATIO * w.steps_in_band
        measured[f"steps_in_band_without_warmup{suffix}"] = nw.steps_in_band
        measured[f"steps_in_band_with_warmup{suffix}"] = w.steps_in_band
    measured["excess_steps_in_band[structureless vs structured, smallest lr]"] = (
        result.stats[(cfg.control_alpha, False), NO_WARMUP, cfg.lrs[0]].steps_in_band
        - LONGER_RATIO * result.stats[key, NO_WARMUP, cfg.lrs[0]].steps_in_band)
    excess = measured["excess_steps_in_band_without_warmup"]
    ctx.note(f"Seed count of the judged setting: this run's {len(excess)} paired seeds give the excess "
             f"{mean_sd(excess)} (mean ± sd); at that spread the rule of the setup asks for n ≥ {seeds_needed(excess)}.")
    for a in cfg.alphas:
        if a != POST_ALPHA:
            nw, w = (result.stats[(a, True), arm, cfg.lrs[-1]] for arm in exp.ARMS)
            measured[f"excess_steps_in_band_without_warmup_alpha_{_key(a)}"] = nw.steps_in_band - LONGER_RATIO * w.steps_in_band
    nw, w = (result.judged_stats[key, arm, cfg.lrs[-1]] for arm in exp.ARMS)
    measured["later_escape_without_warmup_steps"] = nw.leave_step - w.leave_step
    nw, w = result.stats[key, NO_WARMUP, cfg.lrs[0]], result.stats[key, WARMUP, cfg.lrs[0]]
    measured["later_escape_without_warmup_steps[smallest lr]"] = nw.leave_step - w.leave_step
    return measured


@claim(
    id="plateau.sticky-level-follows-unigram-entropy",
    source=Source(FILE, SECTION, "This may not be a coincidence."),
    statement=OWN_TEST + f"As α changes ({', '.join(f'{a:g}' for a in CI.alphas)}), the sticky level of the run "
                         f"without warmup at the large peak lr ({CI.lrs[-1]:g}) stays within the band around that "
                         "language's H(π), in every seed.",
    setup=lambda cfg: {"judged at": f"every α, peak lr {cfg.lrs[-1]:g}, no warmup"},
    criterion=AtMost("largest_sticky_offset_over_I", BAND, claimed="sticky level = H(π)",
                     why=f"fixed before measuring: the sticky level is the loss where the run spends the most steps per "
                         f"unit loss (bins of {CI.level_bin_fraction:g} · I centred on H(π) + k · width, step 0 left "
                         f"out); it follows H(π) when it lies within the band, |level − H(π)| ≤ {BAND:g} · I, at every α"),
    controls=[Positive("largest_sticky_offset_over_I[structureless, smallest lr]",
                       f"a loss curve that settles on H(π) by construction: the structureless language (optimum = "
                       f"H(π), α = {CI.control_alpha:g}) at {SMALLEST_LR}, where the model reaches its optimum"),
              Negative("largest_sticky_offset_over_I[smallest lr]",
                       f"the structured languages at {SMALLEST_LR}, no warmup: no large early steps, the loss passes "
                       "H(π) on its way to the optimum H(Y|X), I below")],
    readings=(Reading("the post's match", "the post matched the sticky 'loss ≈ 7.5' to the entropy 7.57: a level "
                      "within that relative distance of H(π) follows it, at every α",
                      AtMost("largest_sticky_offset_over_H", POST_MATCH, claimed="sticky level = H(π)",
                             why="|level − H(π)| / H(π) within the post's own match, at every α"), REFUTED,
                      controls=(Positive("largest_sticky_offset_over_H[structureless, smallest lr]",
                                         f"the structureless language at {SMALLEST_LR}: settles on H(π) by construction"),
                                Negative("largest_sticky_offset_over_H[smallest lr]",
                                         f"the structured languages at {SMALLEST_LR}: the loss settles on the optimum "
                                         "H(Y|X), not on H(π)"))),),
    expected=REFUTED,
    reason="The sticky level is the large-lr noise floor, not H(π): it lies {sticky_offset_over_I_alpha_0p8:range}, "
           "{sticky_offset_over_I_alpha_1:range} and {sticky_offset_over_I_alpha_1p2:range} · I from H(π) at the three α, "
           "outside the band. It does move with α, but so does the optimum: per unit change of H(π) the level moves "
           "{sticky_level_slope_on_unigram_entropy:range}, per unit change of the optimum "
           "{sticky_level_slope_on_optimum:range}; α alone cannot tell the two apart.",
    reads=PLATEAU,
    scope=EXTENSION,
)
def test_sticky_level_follows_entropy(ctx, cfg, result):
    keys = [(a, True) for a in cfg.alphas]
    offsets = np.stack([result.stats[k, NO_WARMUP, cfg.lrs[-1]].sticky_offset / result.languages[k].scale for k in keys])
    levels = np.stack([result.stats[k, NO_WARMUP, cfg.lrs[-1]].sticky_offset + result.languages[k].unigram_entropy
                       for k in keys])  # (n_alpha, n_seeds)
    H = np.array([result.languages[k].unigram_entropy for k in keys])
    opt = np.array([result.languages[k].optimum for k in keys])
    measured = {"largest_sticky_offset_over_I": np.abs(offsets).max(axis=0)}
    measured |= {f"sticky_offset_over_I_alpha_{_key(a)}": o for a, o in zip(cfg.alphas, offsets)}
    measured["sticky_level_slope_on_unigram_entropy"] = [float(np.polyfit(H, levels[:, k], 1)[0]) for k in range(cfg.n_seeds)]
    measured["sticky_level_slope_on_optimum"] = [float(np.polyfit(opt, levels[:, k], 1)[0]) for k in range(cfg.n_seeds)]
    measured |= {f"unigram_entropy_alpha_{_key(a)}": h for a, h in zip(cfg.alphas, H)}
    measured["largest_sticky_offset_over_I[structureless, smallest lr]"] = np.abs(
        result.stats[(cfg.control_alpha, False), NO_WARMUP, cfg.lrs[0]].sticky_offset
        / result.languages[cfg.control_alpha, False].scale)
    measured["largest_sticky_offset_over_I[smallest lr]"] = np.abs(np.stack(
        [result.stats[k, NO_WARMUP, cfg.lrs[0]].sticky_offset / result.languages[k].scale for k in keys])).max(axis=0)
    measured["largest_sticky_offset_over_H"] = np.abs(
        offsets * np.array([result.languages[k].scale / result.languages[k].unigram_entropy for k in keys])[:, None]).max(axis=0)
    control = result.languages[cfg.control_alpha, False]
    measured["largest_sticky_offset_over_H[structureless, smallest lr]"] = np.abs(
        result.stats[(cfg.control_alpha, False), NO_WARMUP, cfg.lrs[0]].sticky_offset / control.unigram_entropy)
    measured["largest_sticky_offset_over_H[smallest lr]"] = np.abs(np.stack(
        [result.stats[k, NO_WARMUP, cfg.lrs[0]].sticky_offset / result.languages[k].unigram_entropy for k in keys])).max(axis=0)
    return measured


@claim(
    id="plateau.structureless-control-plateaus-at-optimum",
    source=Source(FILE, SECTION, HYPOTHESIS_QUOTE),
    statement=OWN_TEST + f"Control of the detector: on the structureless language (P = 1πᵀ, α = {POST_ALPHA:g}), where "
                         f"H(π) is the optimum, the run without warmup at the large peak lr ({CI.lrs[-1]:g}) is a "
                         "plateau at H(π) by the criterion of plateau.no-warmup-sticks-at-unigram-entropy, in most runs.",
    version=2,
    setup=lambda cfg: {"judged at": f"structureless α = {POST_ALPHA:g}, peak lr {cfg.lrs[-1]:g}, no warmup, "
                                    f"{cfg.judged_seeds} seeds",
           "band of the control": f"H(π) ± {BAND:g} · I of the structured α = {POST_ALPHA:g} language (its own I is 0)"},
    criterion=AtLeast("plateau_detected", MOST_RUNS, proportion=True, claimed="plateau in most runs",
                      why=PLATEAU_WHY + SHARE_WHY + "; with no structure there is nothing to escape to, so a working detector on a "
                                        "model that reaches the optimum must fire"),
    controls=[Positive("plateau_detected_smaller_lrs",
                       "the same structureless language at the smaller peak lrs, where the model reaches its optimum "
                       "H(π) and stays there: a plateau at H(π) by construction " + POOLED),
              Negative("plateau_detected[structured, smallest lr]",
                       f"the structured α = {POST_ALPHA:g} language at {SMALLEST_LR}, no warmup ({CI.judged_seeds} "
                       "seeds): its loss passes through the band to the optimum H(Y|X), I below H(π)")],
    readings=(_dwell_only_reading(REFUTED, (
        Positive("plateau_by_dwell_only_smaller_lrs", "the same structureless language at the smaller peak lrs, dwell only"),
        Negative("plateau_by_dwell_only[structured, smallest lr]",
                 f"the structured α = {POST_ALPHA:g} language at {SMALLEST_LR}, no warmup, dwell only"))),),
    expected=REFUTED,
    reason="At the large peak lr the control never reaches the band: Adam's noise floor leaves it "
           "{final_gap_over_band:range} band half-widths ({final_gap_nats:range} nats) above its optimum H(π). "
           "At the smaller peak lrs the detector fires where the model reaches the optimum (plateau in "
           "{plateau_detected_smaller_lrs:share} runs, x-dependence in band {x_dependence_in_band_smaller_lrs:range} of I). So at "
           "the large lr the loss level is set by the lr's noise, not by H(π).",
    reads=PLATEAU,
    scope=EXTENSION,
    evidence=CONTROL,
)
def test_control_plateaus_at_optimum(ctx, cfg, result):
    key, structured = (POST_ALPHA, False), (POST_ALPHA, True)
    lang = result.languages[key]
    s = _judged(result, key, cfg.lrs[-1])
    smaller = [result.stats[key, NO_WARMUP, lr] for lr in cfg.lrs[:-1]]
    return {
        "plateau_detected": _plateau(s),
        "final_gap_nats": s.final_gap, "final_gap_over_band": s.final_gap / lang.band_half_width,
        "steps_in_band": s.steps_in_band,
        "plateau_detected_smaller_lrs": [v for t in smaller for v in _plateau(t).tolist()],
        "x_dependence_in_band_smaller_lrs": [v for t in smaller for v in t.x_dependence_in_band.tolist()],
        "plateau_detected_with_warmup": _plateau(result.stats[key, WARMUP, cfg.lrs[-1]]),
        "plateau_detected[structured, smallest lr]": _plateau(_judged(result, structured, cfg.lrs[0])),
        "plateau_by_dwell_only": _plateau(s, x_dependence=False),
        "plateau_by_dwell_only_smaller_lrs": [v for t in smaller for v in _plateau(t, False).tolist()],
        "plateau_by_dwell_only[structured, smallest lr]": _plateau(_judged(result, structured, cfg.lrs[0]), False),
    }
