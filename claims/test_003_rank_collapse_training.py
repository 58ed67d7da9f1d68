"""Claims of source 003 that need training: its §A13 observations, its remedies, its mechanisms.

Everything here runs on a documented synthetic stand-in for the §A13 corpus,
because the original corpus is not available: one batched run
(``experiments.rank_collapse.run``) trains every setting -- with and without
weight decay, tied and untied, three init scales, a weak Frobenius penalty (tied
and untied), plain SGD -- on every seed, and every claim reads its numbers off that run through a
function of the result (``JUDGED``), which benchmarks/bench_003_rank_collapse.py
--robustness applies to runs at other recipes. Every claim reads that run as
``experiments.rank_collapse.RANK_COLLAPSE``.

r_eff is scale-invariant, so at init it is the same for every init scale (see
claims/test_003_rank_collapse.py); every claim here is therefore measured
*after* the note's 10 epochs, where the learned part of E competes with its init.

Scope: every number here is of the stand-in, whose step 0 is the note's stated init
and already misses the note's step 0 (rank-collapse.a13-init-92.4, a refutation of the
source's own that needs no stand-in). A refutation here therefore
reads "not reproduced on the stand-in", never "the note's number is wrong".
Controls are members or checkpoints of the same batched run (the init checkpoint,
a setting without the mechanism, a truncation that has the property by construction).

Why one file of this length: its claims are the three parts of one note section (§A13's observations, its
remedies, its mechanisms) read off one batched run, and they share the judged functions (``JUDGED``) that the
robustness benchmark re-applies to runs at other recipes; split, each part would import the others' helpers.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import torch

from toy_claims.experiments.rank_collapse import (
    CONFIGS, LARGE_INIT, RANK_COLLAPSE, WEIGHT_DECAY, TrainingResult, collapse_threshold,
    figure_r_eff_over_epochs, figure_spectra, figure_spectral_progress, gpt_scale, near_zero_rows, progress_ratio,
    r_eff, row_moves, settings, sigma1, top5_share, unseen_shared_direction, used_rows_health,
)
from toy_claims.harness.claims import (
    IDENTITY, REFUTED, REPRODUCED, SOURCE, STAND_IN, AtLeast, AtMost, Criterion, Negative, Positive, Quoted, Reading,
    Source, claim,
)
from toy_claims.harness.notes import mean_sd, table

FILE = "003_4b50897c6c97817a.txt"
OBSERVES = "What §A13 specifically observes"
CI = CONFIGS["ci"]  # the note's own sizes (the only scale): what the statements and criteria quote
COLLAPSE = collapse_threshold(CI)  # the note: "If r_eff drops below 0.3 × min(V, d), you have collapse."
NEAR_ZERO = 0.01  # the note's "||E[i]|| < 0.01 (effectively unused)"
BARELY = 0.1  # "barely move" / "stay near init": displacement at most 10% of the row's init norm (our reading)
CHANGED = 1.05  # "higher"/"lower" read as outside this source's ±5% band for ≈ (a ratio of 1 is "the same", as at init)
RANK_32 = 32  # positive control of the collapse test: the trained E truncated to rank 32 has r_eff ≤ 32 < 38.4
INIT_CONTROL = "the untrained table at init (same members, checkpoint 0)"
ROBUSTNESS_NOTE = (
    "Robustness (benchmarks/bench_003_rank_collapse.py --robustness re-judges every claim of this file on runs with "
    "window 5, a 25600-token corpus, batch 256, AdamW lr 3e-3, AdamW lr 1e-2 with batch 16, or SGD lr 1): the verdicts "
    "were found unchanged, except `mech-spectral-bias` (inconclusive at batch 256) and `wd-caps-top-singular-values` "
    "(reproduced at AdamW lr 1e-2 with batch 16)."
)

QUOTED_ONE_RUN = ("it quotes one number of the note's canonical run ('Phase 13's lab 02 reports (for the canonical §A13 "
                  "CBOW embedding)'), on the setup its line names; the band only covers the quote's rounding")
ALT_LR_WHY = ("the note gives no learning rate for its runs: AdamW at the alternative rate is as "
              "defensible a recipe")
JUDGED: dict[str, Callable[[TrainingResult], dict]] = {}  # claim id -> the numbers it is judged on, from a result


def training_claim(extract: Callable[[TrainingResult], dict], **declaration):
    """``@claim`` for a claim that reads the shared run, judged on ``extract(result)`` (kept in JUDGED for re-judging)."""
    JUDGED[declaration["id"]] = extract
    return claim(reads=RANK_COLLAPSE, **declaration)


def _table(result: TrainingResult, metrics: dict[str, Callable[[TrainingResult, int], float]], names=None) -> str:
    """One row per setting, one column per metric(result, member): the per-seed values."""
    rows = [[name] + [", ".join(f"{m(result, k):.3g}" for k in result.members(name)) for m in metrics.values()]
            for name in names or result.settings]
    return table(rows, headers=["setting (per seed)", *metrics])


def _after(metric):
    """A _table column: ``metric`` of the singular values after training."""
    return lambda result, k: metric(result.sv[-1, k])


def _corpus_note(ctx, result: TrainingResult) -> None:
    stats = table([[s, *c.values()] for s, c in result.corpus.items()], headers=["seed", *next(iter(result.corpus.values()))],
                  floatfmt=".3g")
    ctx.note("Stand-in corpus (the training streams):\n\n" + stats + "\n\nWhat each run learned: exact per-context "
             f"KL(generator's p(center | context) ‖ model), averaged over {result.config.heldout} held-out contexts (the "
             "generator's own conditional scores 0):\n\n"
             + _table(result, {"held-out KL (nats)": lambda r, k: r.heldout_kl[k]}))


def _under(criterion: Criterion, quantity: str) -> Criterion:
    """The claim's criterion (its bound and why) judged on another quantity: the same rule under another reading."""
    return dataclasses.replace(criterion, quantity=quantity)


def _ratio(result: TrainingResult, a: str, b: str, metric=None, checkpoint: int = -1) -> list[float]:
    """Per seed: ``metric`` (default r_eff) of setting a over setting b at a checkpoint (same seed, init and batches)."""
    metric = metric or r_eff
    return [x / y for x, y in zip(result.per_seed(a, metric, checkpoint), result.per_seed(b, metric, checkpoint))]


def _bound(criterion: Criterion, bound: float) -> Criterion:
    """The claim's criterion on its own quantity with another bound (a threshold another reading of a word sets)."""
    side = {"lo": bound} if criterion.kind == "at_least" else {"hi": bound}
    return dataclasses.replace(criterion, why="another bound for the same word", **side)


def lowest_setting(result: TrainingResult) -> list[float]:
    """Per seed: the lowest r_eff after training over the settings every seed runs."""
    per_setting = [result.per_seed(name, r_eff) for name in settings(result.config)]
    return [min(values) for values in zip(*per_setting)]


# --------------------------------------------------------------------------- what §A13 observes


def a13_collapsed(result: TrainingResult) -> dict:
    return {"r_eff_after": result.per_seed("untied", r_eff), "r_eff_init": result.per_seed("untied", r_eff, 0),
            "r_eff_after_lowest_setting": lowest_setting(result)}


@training_claim(
    a13_collapsed,
    id="rank-collapse.a13-collapsed-31.7",
    source=Source(FILE, OBSERVES, "r_eff after 10 epochs : 31.7 (collapsed)"),
    statement="On the stand-in corpus, the 512×128 CBOW embedding has effective rank ≈ 31.7 after 10 epochs (no weight decay).",
    setup=lambda cfg: {"measured": "after 10 epochs, untied (CBOW), no weight decay: the canonical run"},
    criterion=Quoted("r_eff_after", 31.7, why="the note quotes one decimal; ±5% is generous for rounding"),
    controls=[Negative("r_eff_init", INIT_CONTROL)],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: its trained E keeps r_eff {r_eff_after:range} (from {r_eff_init:mean} at init, "
           "the note's stated init, which already misses the note's 92.4 at step 0): the ~372 never-used rows get no "
           "gradient in an untied CBOW and keep their near-uniform init spectrum, which holds up the sum of singular "
           "values. No setting "
           "here falls near 31.7 (the lowest, the Frobenius penalty with a tied head, ends at {r_eff_after_lowest_setting:range}; every "
           "setting in rank-collapse.a13-below-collapse-threshold). In the robustness sweep "
           "(benchmarks/bench_003_rank_collapse.py --robustness) the untied run stays far above the collapse threshold; "
           "only tied embeddings at AdamW lr 1e-2 with batch 16 fall below it, further with weight decay 0.1.",
    scope=STAND_IN,
    single_reading=QUOTED_ONE_RUN,
)
def test_a13_collapsed(ctx, cfg, result):
    _corpus_note(ctx, result)
    ctx.note(ROBUSTNESS_NOTE)
    ctx.note(_table(result, {"r_eff at init": lambda r, k: r_eff(r.sv[0, k]), "r_eff after 10 epochs": _after(r_eff)}))
    ctx.figure(figure_r_eff_over_epochs(result, cfg, marks={"31.7": 31.7, "58.3": 58.3}), "r-eff-over-epochs",
               f"r_eff of the whole 512×128 E over the 10 epochs, mean of {cfg.seeds} seeds (stand-in corpus).")
    return a13_collapsed(result)


def a13_below_threshold(result: TrainingResult) -> dict:
    return {"r_eff_after": result.per_seed("untied", r_eff), "threshold": collapse_threshold(result.config),
            "r_eff_init": result.per_seed("untied", r_eff, 0),
            f"r_eff_after_truncated_to_rank_{RANK_32}": result.per_seed("untied", lambda sv: r_eff(sv[:RANK_32])),
            **{f"r_eff_after[{name}]": result.per_seed(name, r_eff) for name in settings(result.config) if name != "untied"},
            "r_eff_after_lowest_setting": lowest_setting(result),
            "r_eff_lowest_checkpoint": [min(r_eff(sv) for sv in result.sv[:, k]) for k in result.members("untied")]}


BELOW_THRESHOLD = AtMost("r_eff_after", COLLAPSE, claimed="< 38.4", why="the note's threshold 0.3 × min(V, d)")


@training_claim(
    a13_below_threshold,
    id="rank-collapse.a13-below-collapse-threshold",
    source=Source(FILE, "Diagnostic: how to spot it", "If r_eff drops below 0.3 × min(V, d), you have collapse."),
    statement="On the stand-in corpus, the 10-epoch CBOW embedding is collapsed by the note's own test "
              "(r_eff < 0.3·min(512, 128) = 38.4), as its §A13 table labels 31.7 'collapsed'.",
    setup=lambda cfg: {"measured": "after 10 epochs, untied, no weight decay"},
    criterion=BELOW_THRESHOLD,
    controls=[Negative("r_eff_init", INIT_CONTROL),
              Positive(f"r_eff_after_truncated_to_rank_{RANK_32}",
                       f"the same trained E truncated to its top {RANK_32} singular values (r_eff ≤ {RANK_32}: collapsed "
                       "by construction)")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: r_eff {r_eff_after:range} after training, against a threshold of "
           "{threshold:.3g}; no setting of the run goes "
           "below it (the lowest, the Frobenius penalty with a tied head: {r_eff_after_lowest_setting:range}). The untied run stays far "
           "above it across the robustness sweep (window, corpus length, batch, lr).",
    scope=STAND_IN,
    readings=(Reading("at any checkpoint", "the note's test is run 'at init and at each checkpoint. If r_eff drops below "
                      "0.3 × min(V, d), you have collapse': the lowest r_eff over the epochs, not the last",
                      _under(BELOW_THRESHOLD, "r_eff_lowest_checkpoint"), REFUTED,
                      controls=(Negative("r_eff_init", INIT_CONTROL),
                                Positive(f"r_eff_after_truncated_to_rank_{RANK_32}", f"the trained E truncated to rank "
                                                                                     f"{RANK_32} (collapsed by construction)"))),),
)
def test_a13_below_threshold(ctx, cfg, result):
    return a13_below_threshold(result)


def a13_wd(result: TrainingResult) -> dict:
    return {"r_eff_after_wd": result.per_seed("untied+wd", r_eff), "r_eff_after_no_wd": result.per_seed("untied", r_eff),
            "r_eff_init": result.per_seed("untied+wd", r_eff, 0)}


@training_claim(
    a13_wd,
    id="rank-collapse.a13-wd-58.3",
    source=Source(FILE, OBSERVES, "r_eff after 10 epochs + WD=0.1 : 58.3 (much better)"),
    statement="On the stand-in corpus, with AdamW weight decay 0.1 on the embedding, r_eff after 10 epochs is ≈ 58.3.",
    setup=lambda cfg: {"measured": "after 10 epochs, untied, weight decay 0.1 on E"},
    criterion=Quoted("r_eff_after_wd", 58.3, why="the note quotes one decimal; ±5% is generous for rounding"),
    controls=[Negative("r_eff_init", INIT_CONTROL)],
    expected=REFUTED,
    reason="Not reproduced on the stand-in (whose step 0 already misses the note's: {r_eff_init:range} vs 92.4): r_eff "
           "{r_eff_after_wd:range} with weight decay 0.1: decoupled decay shrinks E by (1 − lr·wd) per step, only 9% "
           "over 990 steps at lr 1e-3, and it shrinks the never-used rows as much as the used ones.",
    scope=STAND_IN,
    single_reading=QUOTED_ONE_RUN,
)
def test_a13_wd(ctx, cfg, result):
    return a13_wd(result)


WD_GAIN = 1 + 0.5 * (58.3 / 31.7 - 1)  # half of the note's relative gain


def wd_much_better(result: TrainingResult) -> dict:
    def ratio(wd, base):
        return [a / b for a, b in zip(result.per_seed(wd, r_eff), result.per_seed(base, r_eff))]

    at_init = [a / b for a, b in zip(result.per_seed("untied+wd", r_eff, 0), result.per_seed("untied", r_eff, 0))]
    return {"rank_ratio_wd": ratio("untied+wd", "untied"), "rank_ratio_wd_at_init": at_init,
            "rank_ratio_wd[tied: Phase 17]": ratio("tied+wd", "tied"),
            "rank_ratio_wd[alt lr]": ratio("untied+wd alt", "untied alt"),
            "rank_ratio_wd_at_init[alt lr]": _ratio(result, "untied+wd alt", "untied alt", checkpoint=0)}


WD_BETTER = AtLeast("rank_ratio_wd", WD_GAIN, claimed="×1.84 ('much better')",
                      why=f"half of the note's log-free gain: 1 + (1.84 − 1)/2 = {WD_GAIN:.2f}", log=True)


@training_claim(
    wd_much_better,
    id="rank-collapse.wd-much-better",
    source=Source(FILE, OBSERVES, "r_eff after 10 epochs + WD=0.1 : 58.3 (much better)"),
    statement="On the stand-in corpus, weight decay 0.1 on the embedding raises the trained r_eff 'much': by at least "
              "half the note's own relative gain (58.3 / 31.7 = ×1.84).",
    setup=lambda cfg: {"measured": "after 10 epochs, ratio r_eff(wd 0.1) / r_eff(wd 0) for the same seed (same init and batches)"},
    criterion=WD_BETTER,
    controls=[Negative("rank_ratio_wd_at_init", "the same pair at init, before decay has acted (ratio 1)")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: weight decay 0.1 lowers r_eff slightly (×{rank_ratio_wd:range} untied; tied and at lr 1e-2 too, see "
           "`rank_ratio_wd[tied: Phase 17]` and `rank_ratio_wd[alt lr]`): it never raises it in any setting measured here. "
           "Decay pulls rarely-updated rows toward 0, which removes their share of the spectrum.",
    scope=STAND_IN,
    readings=(Reading("better at all", "'(much better)' read as the table's label for a gain, not its size: any rise "
                      "beyond this source's ±5% band for ≈", _bound(WD_BETTER, CHANGED), REFUTED),
              Reading("lr 1e-2", ALT_LR_WHY, _under(WD_BETTER, "rank_ratio_wd[alt lr]"), REFUTED,
                      controls=(Negative("rank_ratio_wd_at_init[alt lr]", "the same pair at init, alternative lr"),))),
)
def test_wd_much_better(ctx, cfg, result):
    return wd_much_better(result)


def _near_zero(result: TrainingResult, setting: str) -> list[int]:
    return [near_zero_rows(result, k, NEAR_ZERO) for k in result.members(setting)]


def a13_dead_rows(result: TrainingResult) -> dict:
    return {"near_zero_rows_wd": _near_zero(result, "untied+wd"),
            "near_zero_rows_at_init": [int((result.E0[k].norm(dim=1) < NEAR_ZERO).sum()) for k in result.members("untied+wd")],
            **{f"near_zero_rows[{name}]": _near_zero(result, name) for name in ("untied", "tied+wd", "untied+‖E‖²")}}


DEAD_ROWS = Quoted("near_zero_rows_wd", 380, why="the note quotes a count; ±5% is generous for '~140 used'")


@training_claim(
    a13_dead_rows,
    id="rank-collapse.a13-dead-rows-380",
    source=Source(FILE, OBSERVES, "Tokens with ||E[i]|| < 0.01 (effectively unused): 380 / 512"),
    statement="On the stand-in corpus, after 10 epochs with weight decay 0.1, about 380 of the 512 rows have norm < 0.01.",
    setup=lambda cfg: {"measured": "after 10 epochs, untied, weight decay 0.1 (only decay can bring an unused row to 0)"},
    criterion=DEAD_ROWS,
    controls=[Negative("near_zero_rows_at_init", INIT_CONTROL),
              Positive("near_zero_rows[untied+‖E‖²]", "a setting that empties the ~372 never-used rows (the Frobenius "
                                                       "penalty under Adam): the count the note describes")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: rows below 0.01 with weight decay: {near_zero_rows_wd:range}. A row that never gets a gradient keeps its init "
           "norm ≈ √(1/3) = 0.58 unless decayed, and AdamW's decay (1 − lr·wd)^steps = 0.91 over 990 steps at lr 1e-3; "
           "reaching 0.01 needs lr·wd·steps ≥ ln 58 ≈ 4. Only the Frobenius penalty under Adam (sign-like steps toward 0) "
           "empties them (`near_zero_rows[untied+‖E‖²]`).",
    scope=STAND_IN,
    readings=(Reading("without weight decay", "the note's table gives the count on its own line, not on the weight-decay "
                      "line: the canonical run without decay ('r_eff after 10 epochs : 31.7')",
                      _under(DEAD_ROWS, "near_zero_rows[untied]"), REFUTED,
                      controls=(Negative("near_zero_rows_at_init", INIT_CONTROL),
                                Positive("near_zero_rows[untied+‖E‖²]", "the Frobenius penalty under Adam, which empties "
                                                                        "the never-used rows"))),),
)
def test_a13_dead_rows(ctx, cfg, result):
    ctx.note(_table(result, {"rows with ‖E[i]‖ < 0.01": lambda r, k: near_zero_rows(r, k, NEAR_ZERO),
                             "median row norm": lambda r, k: r.ET[k].norm(dim=1).median()}))
    return a13_dead_rows(result)


def _centred_top5(E: torch.Tensor, members: list[int]) -> list[float]:
    """Per member: the top-5 share of the variance of E's rows about their mean (PCA's variance)."""
    return [top5_share(torch.linalg.svdvals((E[k] - E[k].mean(dim=0)).double()).numpy()) for k in members]


def a13_top5(result: TrainingResult) -> dict:
    members = result.members("untied")
    return {"top5_variance_share": result.per_seed("untied", top5_share),
            "top5_variance_share_centred": _centred_top5(result.ET, members),
            "top5_variance_share_centred_at_init": _centred_top5(result.E0, members),
            "top5_variance_share_at_init": result.per_seed("untied", top5_share, 0),
            **{f"top5_variance_share[{name}]": result.per_seed(name, top5_share) for name in ("untied+wd", "tied", "tied+wd")}}


TOP5 = Quoted("top5_variance_share", 0.84, why="the note quotes a whole percent; ±5% relative is generous")


@training_claim(
    a13_top5,
    id="rank-collapse.a13-top5-84pct",
    source=Source(FILE, OBSERVES, "Top-5 singular values capture : 84% of variance"),
    statement="On the stand-in corpus, the top 5 singular values of the 10-epoch embedding carry 84% of Σσ².",
    setup=lambda cfg: {"measured": "after 10 epochs, untied, no weight decay; variance = σ² of the uncentred E, as the note's SVD"},
    criterion=TOP5,
    controls=[Negative("top5_variance_share_at_init", INIT_CONTROL)],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: the canonical run's top 5 carry {top5_variance_share:.0%} of Σσ². The share depends on tying and rate: tied "
           "runs carry more (`top5_variance_share[tied]`), lr 1e-2 runs far less (the table), so 84% is within the range "
           "of plausible setups but not of this one.",
    scope=STAND_IN,
    readings=(Reading("centred (PCA variance)", "'variance' read as the variance of the rows about their mean, as PCA "
                      "takes it, not σ² of the uncentred table", _under(TOP5, "top5_variance_share_centred"), REFUTED,
                      controls=(Negative("top5_variance_share_centred_at_init", INIT_CONTROL + ", centred"),)),
              Reading("with weight decay", "the note's table gives the share on its own line, not on the no-decay line: "
                      "the run with weight decay 0.1 (the Phase 17 standard the conclusion recommends)",
                      _under(TOP5, "top5_variance_share[untied+wd]"), REFUTED,
                      controls=(Negative("top5_variance_share_at_init", INIT_CONTROL),))),
)
def test_a13_top5(ctx, cfg, result):
    ctx.note(_table(result, {"top-5 share of Σσ²": _after(top5_share), "σ₁": _after(sigma1)}))
    ctx.figure(figure_spectra(result, cfg), "spectra", "Singular values of E at init and after training, with and "
                                                          "without weight decay (first seed, stand-in corpus).")
    return a13_top5(result)


# --------------------------------------------------------------------------- remedies


def larger_init(result: TrainingResult) -> dict:
    names = ("init GPT-std", "untied", "init×4")
    small, default, large = (result.per_seed(n, r_eff) for n in names)
    init = [result.per_seed(n, r_eff, 0) for n in names]
    return {"min_rank_ratio_step": [min(b / a, c / b) for a, b, c in zip(small, default, large)],
            "min_rank_ratio_step_at_init": [min(b / a, c / b) for a, b, c in zip(*init)],
            "min_rank_step": [min(b - a, c - b) for a, b, c in zip(small, default, large)],
            "rank_ratio_end_to_end": [c / a for a, c in zip(small, large)],
            "rank_ratio_end_to_end_at_init": [c / a for a, _, c in zip(*init)],
            "r_eff_after[init GPT-std]": small, "r_eff_after[init 1/√d]": default, "r_eff_after[init×4]": large,
            "r_eff_init_spread_across_scales": [max(t) - min(t) for t in zip(*init)]}


LARGER_INIT = AtLeast("min_rank_ratio_step", CHANGED, claimed="r_eff rises with init scale",
                      why="the note gives no size: 'rises' read as each step's ratio of r_eff outside this source's ±5% "
                          "band for ≈ (the init, where the scales give the same r_eff, has ratio 1 and must not pass; "
                          "the previous reading, step ≥ 0, let it pass)", log=True)


@training_claim(
    larger_init,
    id="rank-collapse.larger-init-higher-rank",
    version=2,
    source=Source(FILE, "Init magnitude", "Larger init pushes the spectrum closer to uniform."),
    statement="On the stand-in corpus, r_eff after training increases with the init scale "
              "(GPT std 0.02 < Kaiming 1/√d < 4× Kaiming).",
    setup=lambda cfg: {"init scales": f"{gpt_scale(cfg):.3f} (uniform with GPT's std 0.02), 1 (the note's), "
                                   f"{LARGE_INIT:g}; same seed = same init up to scale, so r_eff at init is identical",
           "measured": "after 10 epochs (at init r_eff does not depend on the scale)"},
    criterion=LARGER_INIT,
    controls=[Negative("min_rank_ratio_step_at_init", "the same three scales at init (r_eff is scale-invariant: ratio 1)")],
    expected=REPRODUCED,
    scope=STAND_IN,
    readings=(Reading("end to end", "'Larger init pushes the spectrum closer to uniform' read as a trend over the scales, "
                      "the largest against the smallest, not every step", _under(LARGER_INIT, "rank_ratio_end_to_end"),
                      REPRODUCED, controls=(Negative("rank_ratio_end_to_end_at_init", "the same scales at init (ratio 1)"),)),),
)
def test_larger_init(ctx, cfg, result):
    return larger_init(result)


def gpt_init(result: TrainingResult) -> dict:
    return {"std_ratio_gpt_to_kaiming": gpt_scale(result.config),
            "r_eff_after_ratio_gpt_to_kaiming": [a / b for a, b in zip(result.per_seed("init GPT-std", r_eff),
                                                                       result.per_seed("untied", r_eff))]}


@training_claim(
    gpt_init,
    id="rank-collapse.gpt-init-slightly-smaller",
    source=Source(FILE, "Init magnitude", "some implementations use N(0, 0.02) (GPT-style) which is slightly smaller"),
    statement="GPT-style N(0, 0.02) is only slightly smaller than Kaiming-uniform 1/√d at d = 128 (std ratio ≥ 0.75).",
    setup=lambda cfg: {"d": cfg.d, "Kaiming-uniform std": f"bound/√3 = 1/√(3·{cfg.d}) = {1 / np.sqrt(3 * cfg.d):.3f}", "measured": "the std ratio (exact) and, "
           "on the stand-in, its effect on r_eff after 10 epochs"},
    criterion=AtLeast("std_ratio_gpt_to_kaiming", 0.75, claimed="'slightly smaller'", why="'slightly' read as within a factor 4/3", log=True),
    expected=REFUTED,
    reason="0.02 / 0.051 = {std_ratio_gpt_to_kaiming:.2f}: GPT's init is well over 2× smaller at d = 128, and on the "
           "stand-in it lowers the trained r_eff to {r_eff_after_ratio_gpt_to_kaiming:range} of the Kaiming run's.",
    scope=SOURCE,
    evidence=IDENTITY,
)
def test_gpt_init(ctx, cfg, result):
    return gpt_init(result)


SIGMA1_PREVENTED = 0.5


def _sigma1_controls(reading: str) -> tuple:
    """The wd-caps claim's controls, measured in the setting of one of its readings (``wd_caps_sigma1``)."""
    return (Positive(f"sigma1_growth_prevented[capped at σ₁ at init, {reading}]",
                     f"the trained E without decay ({reading}) with its singular values clipped at σ₁ at init"),
            Negative(f"sigma1_growth_prevented[no decay vs itself, {reading}]",
                     f"the run without decay ({reading}) against itself: prevents nothing by construction"))


def wd_caps_sigma1(result: TrainingResult) -> dict:
    def prevented(wd, base):
        with_wd, without, init = result.per_seed(wd, sigma1), result.per_seed(base, sigma1), result.per_seed(base, sigma1, 0)
        return [(b - w) / (b - i) for w, b, i in zip(with_wd, without, init)]

    def capped(base):  # the trained E with its singular values clipped at σ₁(E₀): growth prevented by construction
        init, after = result.per_seed(base, sigma1, 0), result.per_seed(base, sigma1)
        return [(a - min(a, i)) / (a - i) for a, i in zip(after, init)]

    init, after = result.per_seed("untied", sigma1, 0), result.per_seed("untied", sigma1)
    readings = {"tied": ("tied+wd", "tied"), "alt lr": ("untied+wd alt", "untied alt")}
    return {"sigma1_growth_prevented": prevented("untied+wd", "untied"),
            "sigma1_growth_prevented[capped at σ₁ at init]": capped("untied"),
            "sigma1_growth_prevented[no decay vs itself]": prevented("untied", "untied"),
            "sigma1_growth_prevented[alt lr]": prevented(*readings["alt lr"]),
            **{f"sigma1_growth_prevented[capped at σ₁ at init, {r}]": capped(base) for r, (_, base) in readings.items()},
            **{f"sigma1_growth_prevented[no decay vs itself, {r}]": prevented(base, base)
               for r, (_, base) in readings.items()},
            "sigma1_growth_prevented[tied]": prevented("tied+wd", "tied"),
            "sigma1_growth_prevented[‖E‖² penalty]": prevented("untied+‖E‖²", "untied"),
            "sigma1_init": init, "sigma1_after": after, "sigma1_growth": [a / i for a, i in zip(after, init)]}


WD_CAPS = AtLeast("sigma1_growth_prevented", SIGMA1_PREVENTED, claimed="'keeps from running away'",
                      why="'keeps from running away' read as preventing at least half of σ₁'s growth; the note gives no number")


@training_claim(
    wd_caps_sigma1,
    id="rank-collapse.wd-caps-top-singular-values",
    source=Source(FILE, "Weight decay tuned high",
                  "weight_decay = 0.1 on the embedding (Phase 17 standard) keeps the top singular values from running away."),
    statement="On the stand-in corpus, weight decay 0.1 prevents most of the growth of σ₁(E) over training.",
    setup=lambda cfg: {"measured": "after 10 epochs: (σ₁ without wd − σ₁ with wd) / (σ₁ without wd − σ₁ at init), "
                                "same seed"},
    criterion=WD_CAPS,
    controls=[Positive("sigma1_growth_prevented[capped at σ₁ at init]",
                       "the trained untied E with its singular values clipped at σ₁ at init: growth capped by construction"),
              Negative("sigma1_growth_prevented[no decay vs itself]",
                       "no weight decay in the decay's place (the untied run against itself): prevents nothing by "
                       "construction")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: σ₁ grows {sigma1_growth:range}× over training without decay; weight decay 0.1 removes "
           "{sigma1_growth_prevented:.0%} of that growth (untied, lr 1e-3; tied Phase 17 form: "
           "`sigma1_growth_prevented[tied]`). Decay acts through lr·wd·steps: in the robustness sweep it removes half the "
           "growth only at AdamW lr 1e-2 with batch 16, far less elsewhere.",
    scope=STAND_IN,
    readings=(Reading("tied (Phase 17)", "'weight_decay = 0.1 on the embedding (Phase 17 standard)': Phase 17's model has "
                      "tied embeddings ('Phase 17 (where tied embeddings interact with this)')",
                      _under(WD_CAPS, "sigma1_growth_prevented[tied]"), REFUTED,
                      controls=_sigma1_controls("tied")),
              Reading("lr 1e-2", ALT_LR_WHY, _under(WD_CAPS, "sigma1_growth_prevented[alt lr]"), REFUTED,
                      controls=_sigma1_controls("alt lr"))),
)
def test_wd_caps_sigma1(ctx, cfg, result):
    return wd_caps_sigma1(result)


def wd_most_effective(result: TrainingResult) -> dict:
    wd, init, pen = (result.per_seed(n, r_eff) for n in ("untied+wd", "init×4", "untied+‖E‖²"))
    none = result.per_seed("untied", r_eff)
    return {"wd_margin_over_other_remedies": [w - max(i, p) for w, i, p in zip(wd, init, pen)],
            "no_remedy_margin_over_remedies": [n - max(w, i, p) for n, w, i, p in zip(none, wd, init, pen)],
            "best_remedy_margin_over_other_remedies": [max(t) - sorted(t)[-2] for t in zip(wd, init, pen)],
            "wd_margin_over_penalty": [w - p for w, p in zip(wd, pen)],
            "penalty_margin_over_wd": [p - w for w, p in zip(wd, pen)],
            "best_margin_of_wd_and_penalty": [abs(w - p) for w, p in zip(wd, pen)],
            "r_eff_after[no remedy]": result.per_seed("untied", r_eff), "r_eff_after[wd 0.1]": wd,
            "r_eff_after[init×4]": init, "r_eff_after[‖E‖² penalty]": pen}


WD_MOST = AtLeast("wd_margin_over_other_remedies", 0.0, claimed="most effective", why="'most effective' = the largest r_eff")


@training_claim(
    wd_most_effective,
    id="rank-collapse.wd-most-effective",
    source=Source(FILE, "Weight decay tuned high", "Empirically this is the most effective single trick."),
    statement="On the stand-in corpus, weight decay 0.1 raises the trained r_eff more than the other single remedies "
              "the note lists that apply at fixed V, d: a larger init (×4) and a weak Frobenius penalty on E.",
    setup=lambda cfg: {"remedies": f"AdamW wd {WEIGHT_DECAY:g} on E; init × {LARGE_INIT:g}; loss + {cfg.l2:g}·‖E‖_F² "
                                "('weakly')",
           "measured": "after 10 epochs: r_eff(wd) − max(r_eff(init×4), r_eff(penalty)), same seed"},
    criterion=WD_MOST,
    controls=[Positive("best_remedy_margin_over_other_remedies", "whichever remedy ends highest (most effective by "
                                                                "construction)"),
              Negative("no_remedy_margin_over_remedies", "no remedy at all, in the remedy's place")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: a 4× larger init is far more effective: weight decay's r_eff minus the best other remedy's is "
           "{wd_margin_over_other_remedies:.3g} (per seed; `r_eff_after[…]` gives each remedy). The Frobenius penalty "
           "lowers r_eff because under Adam its sign-like steps drive the ~372 never-used rows to zero.",
    scope=STAND_IN,
    readings=(Reading("among training-time tricks", "'single trick' read among the tricks applied during training, as "
                      "weight decay is: the Frobenius penalty the note lists just before it, not the init, whose default "
                      "the note calls 'fine'", _under(WD_MOST, "wd_margin_over_penalty"), REPRODUCED,
                      controls=(Positive("best_margin_of_wd_and_penalty", "whichever of the two ends higher (most "
                                                                          "effective by construction)"),
                                Negative("penalty_margin_over_wd", "the penalty in weight decay's place"))),),
)
def test_wd_most_effective(ctx, cfg, result):
    return wd_most_effective(result)


def used_rows_healthy(result: TrainingResult) -> dict:
    wd, no_wd = ([used_rows_health(result, k) for k in result.members(name)] for name in ("untied+wd", "untied"))
    wd0, no_wd0 = ([used_rows_health(result, k, result.E0) for k in result.members(name)] for name in ("untied+wd", "untied"))
    def alt(E=None):  # the same ratio at the alternative lr
        return [used_rows_health(result, a, E) / used_rows_health(result, b, E)
                for a, b in zip(result.members("untied+wd alt"), result.members("untied alt"))]

    return {"used_rows_health_ratio_wd": [a / b for a, b in zip(wd, no_wd)],
            "used_rows_health_ratio_wd[alt lr]": alt(), "used_rows_health_ratio_wd_at_init[alt lr]": alt(result.E0),
            "used_rows_health_ratio_wd_at_init": [a / b for a, b in zip(wd0, no_wd0)],
            "used_rows_health_gain_from_wd": [a - b for a, b in zip(wd, no_wd)],
            "used_rows_r_eff_over_ceiling[wd 0.1]": wd, "used_rows_r_eff_over_ceiling[no wd]": no_wd}


USED_HEALTHY = AtLeast("used_rows_health_ratio_wd", CHANGED, claimed="healthy 'as long as weight decay is on'",
                      why="'as long as weight decay is on' = decay makes the used rows healthier: the ratio outside this "
                          "source's ±5% band for ≈ (the previous reading, 'at least as healthy', was passed by the init, "
                          "where both are the same table)", log=True)


@training_claim(
    used_rows_healthy,
    id="rank-collapse.a13-used-rows-healthy-with-wd",
    version=2,
    source=Source(FILE, OBSERVES, "the used tokens have healthy embeddings as long as weight decay is on"),
    statement="On the stand-in corpus, weight decay is what keeps the used tokens' rows healthy: their r_eff, relative to "
              "its ceiling min(#used, d), is higher with weight decay 0.1 than without.",
    setup=lambda cfg: {"measured": "after 10 epochs, untied; rows of the slots seen in the training stream; paired difference "
                                "ratio of r_eff / min(#used, d) with and without weight decay (same seed, init and batches)"},
    criterion=USED_HEALTHY,
    controls=[Negative("used_rows_health_ratio_wd_at_init", "the same pair at init, before decay has acted (ratio 1)")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: weight decay lowers the used rows' r_eff in every seed (×"
           "{used_rows_health_ratio_wd:range}, a change of {used_rows_health_gain_from_wd:.2g} of the ceiling). With or without it they sit at the note's 'healthy' border, about half of min(#used, d) "
           "(`used_rows_r_eff_over_ceiling[…]`), too close to 0.5 to call either way.",
    scope=STAND_IN,
    readings=(Reading("lr 1e-2", ALT_LR_WHY, _under(USED_HEALTHY, "used_rows_health_ratio_wd[alt lr]"), REFUTED,
                      controls=(Negative("used_rows_health_ratio_wd_at_init[alt lr]", "the same pair at init, "
                                                                                      "alternative lr"),)),),
)
def test_used_rows_healthy(ctx, cfg, result):
    ctx.note(_table(result, {"used rows: r_eff / min(#used, d)": used_rows_health}))
    return used_rows_healthy(result)


# --------------------------------------------------------------------------- the Frobenius penalty with a tied head


def penalty_with_tied(result: TrainingResult) -> dict:
    def cost(treated, base):  # extra held-out KL (nats) of the treated setting, same seed, init and batches
        return [float(result.heldout_kl[a] - result.heldout_kl[b])
                for a, b in zip(result.members(treated), result.members(base))]

    def rank_cost(treated, base):  # r_eff lost to the treated setting, same seed
        return [b - t for t, b in zip(result.per_seed(treated, r_eff), result.per_seed(base, r_eff))]

    pen_tied, pen_untied = cost("tied+‖E‖²", "tied"), cost("untied+‖E‖²", "untied")
    rank_tied, rank_untied = rank_cost("tied+‖E‖²", "tied"), rank_cost("untied+‖E‖²", "untied")
    wd_tied, wd_untied = cost("tied+wd", "tied"), cost("untied+wd", "untied")
    return {"penalty_cost_ratio_tied_to_untied": [a / b for a, b in zip(pen_tied, pen_untied)],
            "penalty_cost_ratio_untied_to_untied": [a / a for a in pen_untied],
            "penalty_rank_cost_ratio_tied_to_untied": [a / b for a, b in zip(rank_tied, rank_untied)],
            "penalty_rank_cost_ratio_untied_to_untied": [a / a for a in rank_untied],
            "penalty_kl_cost[tied]": pen_tied, "penalty_kl_cost[untied]": pen_untied,
            "penalty_r_eff_cost[tied]": rank_tied, "penalty_r_eff_cost[untied]": rank_untied,
            "wd_cost_ratio_tied_to_untied": [a / b for a, b in zip(wd_tied, wd_untied)],
            "wd_kl_cost[tied]": wd_tied, "wd_kl_cost[untied]": wd_untied,
            "r_eff_after[tied+‖E‖²]": result.per_seed("tied+‖E‖²", r_eff),
            "r_eff_after[untied+‖E‖²]": result.per_seed("untied+‖E‖²", r_eff)}


@training_claim(
    penalty_with_tied,
    id="rank-collapse.penalty-bad-with-tied-head",
    source=Source(FILE, "Embedding norm regularization",
                  "Discouraged by Phase 17 because it interacts badly with tied-LM-head softmax."),
    statement="On the stand-in corpus, the weak ‖E‖_F² penalty costs a tied-head CBOW more held-out fit than an untied one "
              "(same seed, init and batches).",
    setup=lambda cfg: {"penalty": f"loss + {cfg.l2:g}·‖E‖_F² ('weakly'), tied and untied, no weight decay",
           "measured": "after 10 epochs: the penalty's cost in held-out KL to the generator (penalised − unpenalised, "
                       "same seed), tied over untied",
           "alternative": f"the same ratio for AdamW weight decay {WEIGHT_DECAY:g}, the shrinkage the note recommends"},
    criterion=AtLeast("penalty_cost_ratio_tied_to_untied", CHANGED, claimed="'interacts badly' with a tied head",
                      why="'interacts badly' = on average over seeds the penalty costs the tied model more than the untied "
                          "one, by more than this source's ±5% band for ≈; the note gives no size. Judged on the mean of "
                          "the per-seed ratios on a linear scale: a seed's cost is a difference of two held-out KLs and "
                          "may go the other way, which a log scale could not hold"),
    controls=[Positive("wd_cost_ratio_tied_to_untied",
                       f"AdamW weight decay {WEIGHT_DECAY:g} on E in the penalty's place: a tied head's logits are "
                       "quadratic in E (the hidden vector is a mean of E's rows), an untied head's linear, so any "
                       "shrinkage of E costs the tied model more"),
              Negative("penalty_cost_ratio_untied_to_untied",
                       "the untied model in the tied one's place (no tied head on either side): ratio 1 by construction")],
    expected=REPRODUCED,
    scope=STAND_IN,
    version=2,
    readings=(Reading("cost in r_eff", "the note's remedies are judged by r_eff: 'interacts badly' read as the penalty "
                      "costing a tied model more of its effective rank than an untied one (per-seed ratio of the costs)",
                      AtLeast("penalty_rank_cost_ratio_tied_to_untied", CHANGED, claimed="'interacts badly'",
                              why="the claim's rule on the cost in r_eff"), REFUTED,
                      controls=(Negative("penalty_rank_cost_ratio_untied_to_untied",
                                         "the untied model in the tied one's place: ratio 1 by construction"),)),),
)
def test_penalty_with_tied(ctx, cfg, result):
    measured = penalty_with_tied(result)
    ctx.note("Per seed the ratio is "
             + ", ".join(f"×{v:.2f}" for v in measured["penalty_cost_ratio_tied_to_untied"])
             + " (this run's seeds). What the criterion detects is "
             "the tied head's sensitivity to any shrinkage of E, not something specific to the penalty: its positive "
             "control, the shrinkage the note recommends (weight decay 0.1), also costs the tied model more than the "
             f"untied one (per seed `wd_cost_ratio_tied_to_untied` = {mean_sd(measured['wd_cost_ratio_tied_to_untied'])}; "
             "in absolute terms less: `wd_kl_cost[…]`). Any shrinkage of E shrinks a tied head's logits too.\n\n"
             + _table(result, {"held-out KL (nats)": lambda r, k: r.heldout_kl[k], "r_eff after": _after(r_eff)},
                      names=["untied", "untied+‖E‖²", "untied+wd", "tied", "tied+‖E‖²", "tied+wd"]))
    return measured


# --------------------------------------------------------------------------- mechanisms


def _moves(result: TrainingResult, setting: str, rows: str) -> list[float]:
    return [row_moves(result, k)[rows] for k in result.members(setting)]


def rare_rows(result: TrainingResult) -> dict:
    return {"rare_row_move": _moves(result, "untied", "rare"), "frequent_row_move": _moves(result, "untied", "frequent"),
            "unseen_row_max_move": _moves(result, "untied", "unseen"),
            "rare_row_move[sgd]": _moves(result, "sgd", "rare"), "frequent_row_move[sgd]": _moves(result, "sgd", "frequent"),
            "unseen_row_max_move[sgd]": _moves(result, "sgd", "unseen"),
            "occurrence_share_of_top_10pct_of_V": [c["share of top 51 (10% of V)"] for c in result.corpus.values()]}


RARE_ROWS = AtMost("rare_row_move", BARELY, claimed="'barely move'", why="'barely' read as ≤ 10% of the init norm")


@training_claim(
    rare_rows,
    id="rank-collapse.mech-rare-rows-barely-move",
    source=Source(FILE, "1. Frequency-imbalanced gradients", "Rare tokens' embeddings barely move from init."),
    statement="On the stand-in corpus, the rows of the rarest 10% of the used tokens move by at most 10% of their init norm.",
    setup=lambda cfg: {"measured": "after 10 epochs, untied, AdamW; median over the rarest 10% of seen slots",
           "alternative": f"plain SGD lr {cfg.sgd_lr:g} (the note's 'gradient ... proportional to how often')"},
    criterion=RARE_ROWS,
    controls=[Positive("unseen_row_max_move", "rows of never-seen slots, which get no gradient (untied): they do not "
                                              "move by construction"),
              Negative("frequent_row_move", "the most frequent 10% of the seen slots")],
    expected=REFUTED,
    reason="Not reproduced on the stand-in: the rarest used tokens move {rare_row_move:range}× their init norm under AdamW (frequent ones "
           "{frequent_row_move:range}×): Adam scales each step by the row's own gradient history, so a token seen twice "
           "still takes full-size steps. Under plain SGD they move less (`rare_row_move[sgd]`), still far from 'barely'. "
           "What stays at init is the rows of never-seen slots (rank-collapse.mech-unseen-rows-stay-at-init).",
    scope=STAND_IN,
    readings=(Reading("plain SGD", "the note's mechanism is stated for plain gradients: 'the gradient on E[token] is "
                      "proportional to how often token appears'", _under(RARE_ROWS, "rare_row_move[sgd]"), REFUTED,
                      controls=(Positive("unseen_row_max_move[sgd]", "never-seen slots under plain SGD (no gradient)"),
                                Negative("frequent_row_move[sgd]", "the most frequent 10% of the seen slots, plain SGD"))),),
)
def test_rare_rows(ctx, cfg, result):
    ctx.note("Relative displacement ‖E_T[i] − E_0[i]‖ / ‖E_0[i]‖ after 10 epochs (rare / frequent: median over the 10% "
             "of seen slots with the fewest / most occurrences; unseen: max over the slots that never occur):\n\n"
             + _table(result, {rows: (lambda r, k, rows=rows: row_moves(r, k)[rows]) for rows in ("rare", "frequent", "unseen")}))
    return rare_rows(result)


def unseen_rows(result: TrainingResult) -> dict:
    return {"unseen_row_max_move": _moves(result, "untied", "unseen"),
            "unseen_row_max_move[tied]": _moves(result, "tied", "unseen"),
            "rare_row_move": _moves(result, "untied", "rare"),
            "unseen_row_max_move[untied+wd]": _moves(result, "untied+wd", "unseen"),
            "unseen_row_max_move[tied+wd]": _moves(result, "tied+wd", "unseen"),
            "rare_row_move[untied+wd]": _moves(result, "untied+wd", "rare")}


UNSEEN_ROWS = AtMost("unseen_row_max_move", BARELY, claimed="'stay near init'", why="'near' read as ≤ 10% of the init norm")


@training_claim(
    unseen_rows,
    id="rank-collapse.mech-unseen-rows-stay-at-init",
    source=Source(FILE, "A worked numerical illustration", "Their rows stay near init."),
    statement="On the stand-in corpus, in an untied CBOW without weight decay, the rows of slots that never occur stay "
              "at init (move by at most 10% of their norm).",
    setup=lambda cfg: {"measured": "after 10 epochs, untied, no weight decay; max over never-seen slots",
           "alternative": "tied embeddings, where every row is also an output row"},
    criterion=UNSEEN_ROWS,
    controls=[Negative("unseen_row_max_move[tied]", "the same never-seen rows with tied embeddings (they get the output "
                                                    "layer's gradient)"),
              Negative("rare_row_move", "the rarest 10% of the seen slots (median): rows that do get a gradient")],
    expected=REPRODUCED,
    scope=STAND_IN,
    readings=(Reading("with weight decay", "the note's remedy is on in its recommended setup ('Phase 17 standard'), "
                      "and decay shrinks rows that get no gradient", _under(UNSEEN_ROWS, "unseen_row_max_move[untied+wd]"),
                      REPRODUCED,
                      controls=(Negative("unseen_row_max_move[tied+wd]", "the same never-seen rows, tied, weight decay"),
                                Negative("rare_row_move[untied+wd]", "the rarest 10% of the seen slots, weight decay"))),),
)
def test_unseen_rows(ctx, cfg, result):
    ctx.note("This holds only untied: with tied embeddings every row is also an output row, and the softmax pushes the "
             "never-seen rows away from init (see `unseen_row_max_move[tied]`).")
    return unseen_rows(result)


def tied_lower(result: TrainingResult) -> dict:
    def ratio(a, b):
        return [x / y for x, y in zip(result.per_seed(a, r_eff), result.per_seed(b, r_eff))]

    return {"rank_ratio_tied_to_untied": ratio("tied", "untied"),
            "rank_ratio_tied_to_untied_at_init": [x / y for x, y in zip(result.per_seed("tied", r_eff, 0),
                                                                        result.per_seed("untied", r_eff, 0))],
            "rank_ratio_tied_to_untied[alt lr]": ratio("tied alt", "untied alt"),
            "rank_ratio_tied_to_untied_at_init[alt lr]": _ratio(result, "tied alt", "untied alt", checkpoint=0),
            "unseen_shared_direction[tied]": [unseen_shared_direction(result, k) for k in result.members("tied")]}


TIED_LOWER = AtMost("rank_ratio_tied_to_untied", 1 / CHANGED, claimed="tied lower",
                     why="the note gives no size: 'lower' read as a ratio outside this source's ±5% band for ≈ (the "
                         "previous reading, ratio ≤ 1, was passed by the init, where both are the same table)", log=True)


@training_claim(
    tied_lower,
    id="rank-collapse.mech-tied-lower-rank",
    version=2,
    source=Source(FILE, "2. Tied softmax pull", "Over many examples, this funnels the embedding into a low-rank subspace."),
    statement="On the stand-in corpus, tied embeddings end with a lower r_eff than untied ones (same seed, init and batches).",
    setup=lambda cfg: {"measured": "after 10 epochs, no weight decay: r_eff(tied) / r_eff(untied) per seed"},
    criterion=TIED_LOWER,
    controls=[Negative("rank_ratio_tied_to_untied_at_init", "the same pair at init (the same table: ratio 1)")],
    expected=REPRODUCED,
    scope=STAND_IN,
    readings=(Reading("lr 1e-2", ALT_LR_WHY, _under(TIED_LOWER, "rank_ratio_tied_to_untied[alt lr]"), REPRODUCED,
                      controls=(Negative("rank_ratio_tied_to_untied_at_init[alt lr]", "the same pair at init, "
                                                                                      "alternative lr"),)),),
)
def test_tied_lower(ctx, cfg, result):
    measured = tied_lower(result)
    ctx.note("The pull is visible directly: in the tied runs the never-seen rows (outputs only) all move along one shared "
             f"direction (`unseen_shared_direction[tied]` = {mean_sd(measured['unseen_shared_direction[tied]'])}), which "
             "becomes a dominant σ₁ (see the top-5 claim's table).")
    return measured


def spectral_bias(result: TrainingResult) -> dict:
    return {"progress_ratio_top5_to_bottom": progress_ratio(result, "sgd"),
            "progress_ratio_top5_to_bottom_at_the_end": progress_ratio(result, "sgd", -1),
            "progress_ratio_top5_to_bottom_halfway": progress_ratio(result, "sgd", len(result.epochs) // 2),
            "progress_ratio_top5_to_bottom[adamw]": progress_ratio(result, "untied"),
            "progress_ratio_top5_to_bottom[untied alt]": progress_ratio(result, "untied alt"),
            "progress_ratio_top5_to_bottom[tied adamw]": progress_ratio(result, "tied")}


SPECTRAL = AtLeast("progress_ratio_top5_to_bottom", CHANGED, claimed="top moves first",
                      why="'first' = ahead at the first checkpoint, by more than this source's ±5% band for ≈ (the last "
                          "checkpoint, where both sets have covered all of their displacement, has ratio 1 and must not "
                          "pass; the previous reading, ratio ≥ 1, let it)", log=True)


@training_claim(
    spectral_bias,
    id="rank-collapse.mech-spectral-bias",
    version=2,
    source=Source(FILE, "3. Spectral bias of SGD", "The top singular directions move first; the bottom ones move slowly."),
    statement="On the stand-in corpus, under plain SGD, after 1 of 10 epochs E has covered a larger share of its final "
              "displacement along that displacement's top-5 singular directions than along its bottom half.",
    setup=lambda cfg: {"optimizer": f"plain SGD lr {cfg.sgd_lr:g} (the note names SGD), untied, no weight decay",
           "measured": "c_i(t) = u_iᵀ(E_t − E_0)v_i / s_i for the SVD (u_i, s_i, v_i) of E_T − E_0; ratio of the mean c over "
                       f"i ≤ 5 to the mean over i > {cfg.d // 2}, after epoch 1",
           "alternative": f"AdamW lr {cfg.lr:g} (the recipe of the other claims) and lr {cfg.alt_lr:g}"},
    criterion=SPECTRAL,
    controls=[Negative("progress_ratio_top5_to_bottom_at_the_end", "the same SGD runs at the last checkpoint (ratio 1 by "
                                                                   "construction)"),
              Negative("progress_ratio_top5_to_bottom[adamw]", f"AdamW lr {CI.lr:g}, whose per-coordinate "
                                                               "normalisation gives weak directions full-size steps")],
    expected=REPRODUCED,
    scope=STAND_IN,
    readings=(Reading("halfway", "'the bottom ones move slowly' read over training, not at its first epoch: ahead at "
                      "the middle checkpoint", _under(SPECTRAL, "progress_ratio_top5_to_bottom_halfway"), REPRODUCED,
                      controls=(Negative("progress_ratio_top5_to_bottom_at_the_end", "the same SGD runs at the last "
                                                                                     "checkpoint (ratio 1)"),)),),
)
def test_spectral_bias(ctx, cfg, result):
    ctx.figure(figure_spectral_progress(result, cfg), "spectral-progress",
               "Progress along the top-5 and bottom-half singular directions of E_T − E_0 (first seed).")
    ctx.note(f"The verdict hinges on the optimizer: plain SGD (the note's) and AdamW at lr {cfg.alt_lr:g} move the top "
             f"directions first, but AdamW at lr {cfg.lr:g} -- the recipe of the other claims -- moves the bottom half "
             "first (ratio < 1), because Adam's per-coordinate normalisation gives weak directions full-size steps from the "
             "start. Under SGD it also weakens with the batch: in the robustness sweep, with batch 256 one seed falls below "
             "1 (inconclusive); with batch 64 every seed is above 1 at every other recipe.")
    return spectral_bias(result)
