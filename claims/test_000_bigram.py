"""Claims of source 000, "Bigram 3 -- Low Rank Structure".

The post's dataset (``LowRankBigram``: P = row-softmax(scale · A Λ B / √R)) and
its untied embedding → unembedding model of width N (``EmbedUnembedStack``,
``tied=False``), trained on the exact population loss. Each experiment trains one
batched stack per dataset seed (members of a stack share one loss, hence one
dataset), holding every width, init and optimizer variant:

* V = 10, R = 3, N ∈ {1..6, 10}, four inits each -- Observation 1, N_c ≈ R;
* V = 100, R = 20, N = 1..20 -- Observation 2, Δ ∼ N^-1, reused for the per-token
  question and, with rank weights Λ_n ∝ n^-α, for the Λ knob.

The post names no optimizer, init or step count. "What width N can achieve" asks
for the minimum of the exact loss, so we train full-batch Adam on the exact loss
(peak lr 0.03, linearly decayed to 1% over the second half, which settles Adam's
constant-lr jitter) from the stack's default init (normal, std 1/√N), long enough
to plateau, and train the alternatives peak lr 0.01 and a small init (std 0.01)
in the same stacks to show whether a verdict hinges on the choice.

"Reaches L0" means a relative gap (L − L0)/L0 at most ``REACH``, a line set from
the measured training floor of widths N ≥ R (see ``REACH_WHY``); "strictly
higher" means above that line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from scipy import stats
from tabulate import tabulate

from harness.claims import OBSERVATION, REFUTED, REPRODUCED, AtLeast, AtMost, Between, Source, claim, get_claim, judge
from lab.metrics import local_slopes, power_law_fit
from lab.optim import LRSchedule, OptimizerSpec
from lab.training import log_spaced_steps, train
from models.datasets import LowRankBigram, power_law_rank_weights
from models.embedding import EmbedUnembedStack, Member

FILE = "000_cfd314f0efaca259.txt"
FLOAT32_EPS = 2.0**-23  # relative resolution of the float32 training loss
REACH = 1e-5  # relative gap (L − L0)/L0 up to which a width "reaches L0" (REACH_WHY)
MAIN, SLOW_LR, SMALL_INIT, OTHER_INIT = "main", "lr 0.01", "init std 0.01", "second init"
ADAM = OptimizerSpec("adam", lr=0.03)
OPTIMS = {MAIN: ADAM, SLOW_LR: OptimizerSpec("adam", lr=0.01), SMALL_INIT: ADAM, OTHER_INIT: ADAM}
INIT_STD = {MAIN: None, SLOW_LR: None, SMALL_INIT: 0.01, OTHER_INIT: None}
SETUP_TRAINING = {
    "model": "untied embedding → unembedding, logits = E Uᵀ, no bias (EmbedUnembedStack, tied=False), float32",
    "training (post silent; our choice)": "full-batch Adam on the exact population loss, peak lr 0.03, linear "
                                         "decay to 0.01× over the second half; init normal with std 1/√N",
    "alternatives trained alongside": "peak lr 0.01; init std 0.01 (same inits, steps and schedule)",
    "evaluation": "exact π-weighted KL = L − L0 in float64 (dataset.loss_gap)",
}
REACH_WHY = ("measured training floor: over dataset seeds 0–14 (V = 10, R = 3, 4 inits, this budget) the largest "
             "relative gap of any N ≥ R was 2.3e-6 (dataset seed 8, whose rare transitions, P ~ 1e-5, leave nearly "
             "flat directions that over-parameterised widths converge along slowly; all other seeds ≤ 1e-7, most at "
             "the float32 level ~1e-15); the line sits ~4× above that and 200× below the smallest N < R gap (2.0e-3, "
             "dataset seed 12)")


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Arm:
    """One member of a sweep: the variant (main or an alternative) it belongs to, its width and init seed."""

    variant: str
    width: int
    init_seed: int

    @property
    def member(self) -> Member:
        return Member(self.width, seed=self.init_seed, init_std=INIT_STD[self.variant])


@dataclass(frozen=True)
class Sweep:
    """Exact gaps of a width sweep trained on one dataset; 'best' is the minimum over a variant's inits."""

    data: LowRankBigram
    arms: tuple[Arm, ...]
    steps: tuple[int, ...]  # evaluation steps, including 80% of the run (for the plateau check)
    gaps: np.ndarray  # (len(steps), K) exact L − L0, nats
    per_input_gaps: np.ndarray  # (K, V) final KL(P[x] ‖ model) per input token

    @property
    def L0(self) -> float:
        return self.data.optimal_loss

    def _index(self, variant: str, width: int) -> list[int]:
        return [k for k, a in enumerate(self.arms) if a.variant == variant and a.width == width]

    def best(self, width: int, variant: str = MAIN, step: int | None = None) -> float:
        """min over inits of the gap at ``step`` (default: the last step)."""
        row = -1 if step is None else self.steps.index(step)
        return float(self.gaps[row, self._index(variant, width)].min())

    def worst(self, width: int, variant: str = MAIN) -> float:
        return float(self.gaps[-1, self._index(variant, width)].max())

    def plateau(self, width: int, variant: str = MAIN) -> float:
        """Relative fall of the best gap over the last 20% of steps: ~0 on a converged plateau."""
        before = self.best(width, variant, step=round(0.8 * self.steps[-1]))
        return (before - self.best(width, variant)) / self.best(width, variant)

    def best_per_input(self, width: int) -> np.ndarray:
        ks = self._index(MAIN, width)
        return self.per_input_gaps[ks[int(np.argmin(self.gaps[-1, ks]))]]


def _train_sweep(data: LowRankBigram, arms: list[Arm], steps: int, device: str) -> Sweep:
    """Train every arm as one batched stack on the exact loss; evaluate log-spaced, and at 80% for plateaus."""
    model = EmbedUnembedStack(data.V, [a.member for a in arms], tied=False)
    eval_steps = sorted({*log_spaced_steps(steps), round(0.8 * steps)})
    log = train(model, data, steps=steps, optim=[OPTIMS[a.variant] for a in arms],
                schedule=LRSchedule(decay_steps=steps // 2, final_factor=0.01), eval_steps=eval_steps, device=device)
    with torch.no_grad():
        per_input = data.per_input_loss_gap(model.logit_table()).cpu().numpy()
    return Sweep(data, tuple(arms), tuple(log.steps), log.gaps, per_input)


# ---------------------------------------------------------------------------- Observation 1: V = 10, R = 3

V1, R1 = 10, 3
WIDTHS1 = (1, 2, 3, 4, 5, 6, 10)
BELOW1, ABOVE1 = tuple(n for n in WIDTHS1 if n < R1), tuple(n for n in WIDTHS1 if n > R1)
STEPS1, INITS1, DATA_SEEDS1 = 1500, 4, 5
SETUP1 = {"V": V1, "R": R1, "Λ": "identity", "logit scale": 1.0, "N": list(WIDTHS1),
          "dataset seeds": DATA_SEEDS1, "inits per N": INITS1, "steps": STEPS1, **SETUP_TRAINING,
          "judged": "best of the inits per N and dataset seed (what width N *can* achieve)"}
SECTION1 = "Observation 1: critical embedding dimension \\(N_c\\approx R\\)"
WIDTH_R_ID, BELOW_R_ID, ABOVE_R_ID = ("bigram.critical-dim.width-r-reaches-l0",
                                      "bigram.critical-dim.below-r-strictly-higher",
                                      "bigram.critical-dim.above-r-reaches-l0")
QUOTE1 = ("We expect that when \\(N=N_c=3\\), the model can achieve the optimal loss \\(L_0\\), whereas for \\(N<N_c\\) "
          "the loss should be strictly higher. This is indeed what we observe.")


SEED_STREAMS = ("dataset", "init")  # lab.seeds: the order is fixed


@cache
def _critical_sweeps(data_seeds: tuple[int, ...], init_seeds: tuple[int, ...], device: str) -> list[Sweep]:
    arms = [Arm(v, n, s) for v in (MAIN, SLOW_LR, SMALL_INIT) for n in WIDTHS1 for s in init_seeds]
    return [_train_sweep(LowRankBigram(V=V1, R=R1, seed=s), arms, STEPS1, device) for s in data_seeds]


def _critical(ctx) -> list[Sweep]:
    seeds = ctx.seed_streams(*SEED_STREAMS)
    return _critical_sweeps(seeds("dataset", DATA_SEEDS1), seeds("init", INITS1), ctx.device)


def _relative(sweeps: list[Sweep], widths: tuple[int, ...], pick, variant: str = MAIN) -> list[float]:
    """Per dataset seed: pick (min or max) over ``widths`` of the best relative gap (L − L0)/L0."""
    return [float(pick([sw.best(n, variant) for n in widths])) / sw.L0 for sw in sweeps]  # NaN propagates


def _alternatives(ctx, claim_id: str, sweeps: list[Sweep], widths: tuple[int, ...], pick) -> dict[str, list[float]]:
    """The judged quantity under each alternative training choice, and a note with the verdict it would get."""
    criterion = get_claim(claim_id).criterion
    alts = {v: _relative(sweeps, widths, pick, v) for v in (SLOW_LR, SMALL_INIT)}
    ctx.note("Verdict of this criterion under the alternative training choices (same inits, steps and schedule): "
             + "; ".join(f"{v} → {judge(criterion, {criterion.quantity: x})}" for v, x in alts.items()) + ".")
    return {f"relative_gap[{v}]": x for v, x in alts.items()}


def _critical_table(sweeps: list[Sweep]) -> str:
    rows = []
    for sw in sweeps:
        rows.append([sw.data.seed, f"{sw.L0:.4f}"] + [
            f"{sw.best(n) / sw.L0:.1e} ({sw.worst(n) / sw.L0:.0e})" for n in WIDTHS1])
    return ("Relative gap (L − L0)/L0 at the last step, best of the inits (worst in brackets), per dataset seed. "
            f"The 'reaches L0' line is {REACH:g}; float32 machine epsilon is {FLOAT32_EPS:.1e}.\n\n"
            + tabulate(rows, headers=["dataset seed", "L0 (nats)"] + [f"N={n}" for n in WIDTHS1], tablefmt="github"))


@claim(
    id=WIDTH_R_ID,
    source=Source(FILE, SECTION1, QUOTE1),
    statement="With V = 10, R = 3, a width N = R = 3 model reaches the optimal loss L0.",
    setup=SETUP1,
    criterion=AtMost("relative_gap", REACH, claimed="L = L0", why=REACH_WHY),
    expected=REPRODUCED,
    group="bigram-v10",
)
def test_critical_width_r_reaches_l0(ctx):
    import matplotlib.pyplot as plt

    sweeps = _critical(ctx)
    ctx.note(_critical_table(sweeps))
    fig, ax = plt.subplots(figsize=(5, 3.4))
    sw = sweeps[0]
    for n in WIDTHS1:
        curve = [sw.best(n, step=s) / sw.L0 for s in sw.steps[1:]]
        ax.loglog(sw.steps[1:], curve, "o-", ms=2, label=f"N={n}" + (" = R" if n == R1 else ""), lw=2.5 if n == R1 else 1)
    ax.axhline(REACH, color="k", ls="--", lw=0.8, label="'reaches L0' line")
    ax.axhline(FLOAT32_EPS, color="k", ls=":", lw=0.8, label="float32 ε")
    ax.set_xlabel("step")
    ax.set_ylabel("(L − L0) / L0, best init")
    ax.legend(fontsize=7, ncol=2)
    ctx.figure(fig, "loss-curves", f"Exact relative loss gap during training, V = 10, R = 3, dataset seed {sw.data.seed}: "
                                   "N < 3 plateau far above L0; N = 3 falls to the float32 floor, "
                                   "N > 3 below the 'reaches L0' line but more slowly.")
    return {"relative_gap": _relative(sweeps, (R1,), np.min), **_alternatives(ctx, WIDTH_R_ID, sweeps, (R1,), np.min),
            "L0_nats": [sw.L0 for sw in sweeps], "gap_nats": [sw.best(R1) for sw in sweeps]}


@claim(
    id=BELOW_R_ID,
    source=Source(FILE, SECTION1, QUOTE1),
    statement="With V = 10, R = 3, every width N < 3 stays strictly above L0, even at its best init and at convergence.",
    setup=SETUP1,
    criterion=AtLeast("smallest_relative_gap_below_r", REACH, claimed="L > L0",
                      why="above the 'reaches L0' line (" + REACH_WHY + "); the plateau and init spread that show the "
                          "N < R gaps are converged values are reported beside it"),
    expected=REPRODUCED,
    group="bigram-v10",
)
def test_critical_below_r_strictly_higher(ctx):
    sweeps = _critical(ctx)
    ctx.note("For N < R the best gap is a plateau, not an unfinished run: `plateau_change` is its relative fall over the "
             "last 20% of the steps. Different inits can stop at different values (spurious minima or saddles of the "
             "factorised loss), which is why the claim judges the best of four inits; `init_spread` is worst/best.")
    return {
        "smallest_relative_gap_below_r": _relative(sweeps, BELOW1, np.min),
        **_alternatives(ctx, BELOW_R_ID, sweeps, BELOW1, np.min),
        "margin_decades_over_width_r": [float(np.log10(min(sw.best(n) for n in BELOW1) / sw.best(R1))) for sw in sweeps],
        "plateau_change": [max(abs(sw.plateau(n)) for n in BELOW1) for sw in sweeps],
        "init_spread": [max(sw.worst(n) / sw.best(n) for n in BELOW1) for sw in sweeps],
    }


@claim(
    id=ABOVE_R_ID,
    source=Source(FILE, SECTION1, "Observation 1: critical embedding dimension \\(N_c\\approx R\\)"),
    statement="With V = 10, R = 3, every width N > R (4, 5, 6 and the full table N = V = 10) also reaches L0.",
    setup=SETUP1,
    criterion=AtMost("largest_relative_gap_above_r", REACH, claimed="L = L0", why=REACH_WHY),
    expected=REPRODUCED,
    group="bigram-v10",
)
def test_critical_above_r_reaches_l0(ctx):
    sweeps = _critical(ctx)
    pairs = [(sw, n) for sw in sweeps for n in ABOVE1]
    at_eps = sum(sw.best(n) / sw.L0 <= FLOAT32_EPS for sw, n in pairs)
    rest = "" if at_eps == len(pairs) else "; the rest lie between it and the 'reaches L0' line"
    ctx.note(f"{at_eps} of the {len(pairs)} (dataset seed, N > R) pairs reach the float32 level (relative gap ≤ "
             f"{FLOAT32_EPS:.1e}){rest}. Widths above R are not pinned "
             "by the rank constraint: where a row has rare transitions (P ~ 1e-5) the loss barely depends on their "
             "logits, and an over-parameterised member converges along those directions slowly (in development runs "
             "on dataset seed 8 its logits there were still off by ~0.1 after 8000 steps while N = R had them to "
             "3e-5). This is a finite-step training floor, not a capacity limit: an N > R model contains every N = R "
             "solution. The same slowness makes this verdict depend on the step budget: at peak lr 0.01 the surplus "
             "directions move 3× slower and a dataset can end just above the line.")
    return {"largest_relative_gap_above_r": _relative(sweeps, ABOVE1, np.max),
            **_alternatives(ctx, ABOVE_R_ID, sweeps, ABOVE1, np.max),
            "pairs_at_float32_level": at_eps}


# ---------------------------------------------------------------------------- Observation 2: V = 100, R = 20

V2, R2 = 100, 20
WIDTHS2 = tuple(range(1, R2 + 1))
FIT_WIDTHS = tuple(n for n in WIDTHS2 if n < R2)  # "in the regime N < R", fixed before measuring
ROBUST_WIDTHS = (1, 5, 10, 15, 19)
STEPS2, DATA_SEEDS2 = 1500, 3
ALPHAS = (0.5, 1.0)
SECTION2 = "Observation 2: scaling laws in the regime \\(N<R\\)"
QUOTE2 = "we find that it closely follows a scaling law \\(\\Delta \\sim N^{-1}.\\)"
SETUP2 = {"V": V2, "R": R2, "Λ": "identity", "logit scale": 1.0, "N": "1..20", "dataset seeds": DATA_SEEDS2,
          "steps": STEPS2, **SETUP_TRAINING,
          "alternatives trained alongside": f"first dataset seed only, N ∈ {list(ROBUST_WIDTHS)}: a second init, "
                                            "peak lr 0.01, init std 0.01 (same steps and schedule)",
          "fit range (fixed in advance)": "N = 1..19, all of 'the regime N < R'; Δ(20) is the float32 floor"}


@cache
def _scaling_sweep(data_seed: int, alpha: float, init_seed: int, robustness: bool, device: str) -> Sweep:
    arms = [Arm(MAIN, n, init_seed) for n in WIDTHS2]
    if robustness:
        arms += [Arm(OTHER_INIT, n, init_seed + 1) for n in ROBUST_WIDTHS]
        arms += [Arm(v, n, init_seed) for v in (SLOW_LR, SMALL_INIT) for n in ROBUST_WIDTHS]
    data = LowRankBigram(V=V2, R=R2, rank_weights=power_law_rank_weights(R2, alpha), seed=data_seed)
    return _train_sweep(data, arms, STEPS2, device)


def _scaling(ctx) -> list[Sweep]:
    seeds = ctx.seed_streams(*SEED_STREAMS)
    init = seeds("init", 1)[0]
    return [_scaling_sweep(s, 0.0, init, i == 0, ctx.device) for i, s in enumerate(seeds("dataset", DATA_SEEDS2))]


def _lambda(ctx) -> list[Sweep]:
    seeds = ctx.seed_streams(*SEED_STREAMS)
    seed, init = seeds("dataset", 1)[0], seeds("init", 1)[0]
    return [_scaling_sweep(seed, 0.0, init, True, ctx.device)] + [
        _scaling_sweep(seed, a, init, False, ctx.device) for a in ALPHAS]


def _deltas(sw: Sweep, widths=FIT_WIDTHS) -> np.ndarray:
    return np.array([sw.best(n) for n in widths])


def _curve_table(labelled: list[tuple[str, Sweep]]) -> str:
    """Δ(N) for N = 1..R and, under it, the local slope from N − 1 to N (for N < R)."""
    rows = []
    for label, sw in labelled:
        d = _deltas(sw, WIDTHS2)
        rows.append([f"{label}: Δ (nats)"] + [f"{x:.3g}" for x in d])
        rows.append([f"{label}: slope"] + [""] + [f"{s:.2f}" for s in local_slopes(FIT_WIDTHS, d[:-1])] + [""])
    return tabulate(rows, headers=["N"] + [str(n) for n in WIDTHS2], tablefmt="github")


def _scaling_figure(ctx, groups: list[tuple[str, list[Sweep]]], name: str, caption: str, guide: int = 0) -> None:
    """Log-log Δ vs N (N < R) per group (thin: seeds, dots: mean), its fit, and an N^-1 guide through group ``guide``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    N = np.array(FIT_WIDTHS)
    for i, (label, sweeps) in enumerate(groups):
        color = f"C{i}"
        for sw in sweeps:
            ax.loglog(N, _deltas(sw), color=color, lw=0.6, alpha=0.6)
        mean = np.mean([_deltas(sw) for sw in sweeps], axis=0)
        fit = power_law_fit(N, mean)
        ax.loglog(N, mean, "o", color=color, ms=3, label=f"{label}: fit N^{fit.exponent:.2f} (R²={fit.r2:.2f})")
        ax.loglog(N, fit.predict(N), "-", color=color, lw=1.5)
    anchor = np.mean([_deltas(sw)[0] for sw in groups[guide][1]])
    ax.loglog(N, anchor / N, "k--", lw=1, label="N^-1 guide")
    ax.set_xlabel("embedding dimension N  (R = 20)")
    ax.set_ylabel("Δ = L − L0 (nats)")
    ax.legend(fontsize=7)
    ctx.figure(fig, name, caption)


@claim(
    id="bigram.scaling.exponent-minus-one",
    source=Source(FILE, SECTION2, QUOTE2),
    statement="With V = 100, R = 20, the least-squares log-log fit of Δ(N) over N = 1..19 has exponent ≈ −1.",
    setup=SETUP2,
    criterion=Between("exponent", -1.5, -0.5, claimed="−1",
                      why="the post quotes the exponent as the integer −1; rounding to it allows ±0.5"),
    expected=REPRODUCED,
    group="bigram-v100",
)
def test_scaling_exponent(ctx):
    sweeps = _scaling(ctx)
    fits = [power_law_fit(FIT_WIDTHS, _deltas(sw)) for sw in sweeps]
    ctx.note(tabulate([[sw.data.seed, f"{sw.L0:.4f}", f"{f.exponent:.3f}", f"[{f.ci_low:.3f}, {f.ci_high:.3f}]",
                        f"{f.r2:.3f}"] for sw, f in zip(sweeps, fits)],
                      headers=["dataset seed", "L0", "exponent", "95% CI", "R²"], tablefmt="github"))
    _scaling_figure(ctx, [("Λ = I", sweeps)], "delta-vs-n",
                    "Δ(N) for N < R = 20 (thin: dataset seeds; dots: mean) with the power-law fit over N = 1..19 and an "
                    "N^-1 guide through N = 1. At N = R, Δ drops to the float32 floor (~1e-14, off the axis).")
    return {"exponent": [f.exponent for f in fits], "ci_low": [f.ci_low for f in fits],
            "ci_high": [f.ci_high for f in fits], "r2": [f.r2 for f in fits]}


@claim(
    id="bigram.scaling.closely-follows-power-law",
    source=Source(FILE, SECTION2, QUOTE2),
    statement="With V = 100, R = 20, Δ(N) is a straight line of slope −1 on log-log axes over N = 1..19: every local "
              "slope d log Δ / d log N is ≈ −1.",
    setup=SETUP2,
    criterion=AtMost("max_local_slope_deviation", 0.5, claimed="slope −1 throughout",
                     why="'closely follows N^-1' means the local exponent rounds to −1 at every N; ±0.5 as for the fit"),
    expected=REFUTED,
    reason="Δ(N) is concave on log-log axes, not a power law: the local slope steepens steadily from ≈ −0.2 "
           "(N = 1→2) to −13…−16 (N = 18→19; dataset seeds 0–14), because Δ must reach 0 at N = R; it is within "
           "±0.5 of −1 only between N ≈ 3 and 9, and the fit over N = 1..19 has R² ≈ 0.7.",
    group="bigram-v100",
)
def test_scaling_closely_follows(ctx):
    sweeps = _scaling(ctx)
    slopes = [local_slopes(FIT_WIDTHS, _deltas(sw)) for sw in sweeps]
    robust = sweeps[0]
    variants = (SLOW_LR, SMALL_INIT, OTHER_INIT)
    rows = [[n, f"{robust.best(n):.5g}"] + [f"{robust.best(n, v) / robust.best(n) - 1:+.1e}" for v in variants]
            + [f"{robust.plateau(n):.1e}"] for n in ROBUST_WIDTHS]
    ctx.note("The whole curve, per dataset seed, with local slopes between consecutive N:\n\n"
             + _curve_table([(f"seed {sw.data.seed}", sw) for sw in sweeps]))
    ctx.note(f"Near N = R: Δ(19) = {np.mean([sw.best(19) for sw in sweeps]):.2g} and Δ(20) = "
             f"{np.mean([sw.best(20) for sw in sweeps]):.1g} nats (seed mean), so the curve plunges to zero at N = R "
             "instead of continuing a power law.")
    ctx.note("Convergence and choice checks (first dataset seed): the relative change of Δ under each alternative "
             "(peak lr 0.01, init std 0.01, a second init), and the relative fall of Δ over the last 20% of steps.\n\n"
             + tabulate(rows, headers=["N", "Δ main", *variants, "plateau"], tablefmt="github"))
    return {"max_local_slope_deviation": [float(np.max(np.abs(s + 1))) for s in slopes],
            "first_local_slope": [float(s[0]) for s in slopes], "last_local_slope": [float(s[-1]) for s in slopes],
            "delta_at_R_minus_1": [sw.best(R2 - 1) for sw in sweeps], "delta_at_R": [sw.best(R2) for sw in sweeps],
            "max_plateau_change": [max(abs(sw.plateau(n)) for n in FIT_WIDTHS) for sw in sweeps]}


# ---------------------------------------------------------------------------- the knobs: Λ and the logit scale

SECTION_DATA = "Problem setup"
SCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
SCALE_SEEDS = 5


def _effective_critical_width(sw: Sweep) -> int | None:
    """The smallest N whose best gap reaches L0 (relative gap ≤ REACH); None when no N ≤ R does."""
    return next((n for n in WIDTHS2 if sw.best(n) / sw.L0 <= REACH), None)


@claim(
    id="bigram.knobs.rank-weights",
    source=Source(FILE, SECTION_DATA,
                  "Instead of assuming all \\(R\\) ranks are equally important, we can assign different weights by "
                  "inserting a diagonal matrix between \\(A\\) and \\(B\\): \\(AB \\;\\to\\; A\\Lambda B.\\)"),
    statement="How rank weights Λ_n ∝ n^-α change Observations 1–2 (V = 100, R = 20): the post makes no claim.",
    setup={**SETUP2, "dataset seeds": 1, "Λ": "diag(n^-α), n = 1..R, normalised to mean square 1 (logit variance "
                                              "unchanged)", "α": [0.0, *ALPHAS]},
    criterion=None,
    expected=OBSERVATION,
    group="bigram-v100",
)
def test_knob_rank_weights(ctx):
    alphas = (0.0, *ALPHAS)
    sweeps = dict(zip(alphas, _lambda(ctx)))
    fits = {a: power_law_fit(FIT_WIDTHS, _deltas(sw)) for a, sw in sweeps.items()}
    first = {a: float(local_slopes(FIT_WIDTHS, _deltas(sw))[0]) for a, sw in sweeps.items()}
    critical = {a: _effective_critical_width(sw) for a, sw in sweeps.items()}
    ctx.note("A decaying Λ puts more of the logit variance in the first ranks, so Δ(N) starts lower and falls faster. "
             "With α = 1 the discarded weight Σ_{n>N} λ_n² ∝ 1/N − 1/R, and the slope at small N is "
             f"{first[1.0]:.2f} (the post's exponent is −1); the curve still bends down towards N = R (fit over N = 1..19: "
             f"exponent {fits[1.0].exponent:.2f}, R² {fits[1.0].r2:.2f}). For Observation 1, the smallest width "
             f"that reaches L0 (relative gap ≤ {REACH:g}) is N = {[critical[a] for a in alphas]} for α = "
             f"{list(alphas)} (None: no N ≤ R within this budget), and Δ(R − 1)/L0 = "
             f"{[float(f'{sw.best(R2 - 1) / sw.L0:.1g}') for sw in sweeps.values()]}.\n\n"
             + tabulate([[a, f"{f.exponent:.2f} [{f.ci_low:.2f}, {f.ci_high:.2f}]", f"{f.r2:.3f}", f"{first[a]:.2f}",
                          f"{sweeps[a].best(R2 - 1):.2g}", critical[a],
                          f"{max(abs(sweeps[a].plateau(n)) for n in FIT_WIDTHS):.1e}"] for a, f in fits.items()],
                        headers=["α", "exponent (95% CI), N = 1..19", "R²", "slope N = 1→2", "Δ(R − 1), nats",
                                 "smallest N reaching L0", "max plateau change"], tablefmt="github"))
    ctx.note(_curve_table([(f"α = {a}", sw) for a, sw in sweeps.items()]))
    _scaling_figure(ctx, [(f"α = {a}", [sw]) for a, sw in sweeps.items()], "delta-vs-n-lambda",
                    "Δ(N) for N < R with rank weights Λ_n ∝ n^-α (first dataset seed), fits over N = 1..19 and an N^-1 "
                    "guide through the α = 1 curve at N = 1.", guide=len(sweeps) - 1)
    return {**{f"first_local_slope[α={a}]": first[a] for a in reversed(alphas)},
            **{f"exponent[α={a}]": fits[a].exponent for a in alphas}, **{f"r2[α={a}]": fits[a].r2 for a in alphas},
            **{f"smallest_width_reaching_l0[α={a}]": critical[a] or float("nan") for a in alphas}}


@claim(
    id="bigram.knobs.logit-scale-l0-falls",
    source=Source(FILE, SECTION_DATA,
                  "We can also control the overall scale of the logit matrix. When this scale is large, the dataset "
                  "becomes more deterministic."),
    statement="With V = 100, R = 20, the optimal loss L0 falls strictly as the logit scale grows from 1/4 to 16.",
    setup={"V": V2, "R": R2, "Λ": "identity", "logit scales": list(SCALES), "dataset seeds": SCALE_SEEDS,
           "L0": "exact conditional entropy Σ_x π_x H(P[x]) (no training)"},
    criterion=AtMost("largest_L0_step_up_nats", -1e-9, claimed="L0 decreasing",
                     why="each doubling of the scale must lower L0 by more than float64 rounding of an O(1) sum (1e-12); "
                         "1e-9 leaves room for the stationary solve"),
    expected=REPRODUCED,
)
def test_knob_logit_scale(ctx):
    import matplotlib.pyplot as plt

    seeds = ctx.seeds(SCALE_SEEDS)
    data = [[LowRankBigram(V=V2, R=R2, logit_scale=s, seed=seed) for s in SCALES] for seed in seeds]
    L0 = np.array([[d.optimal_loss for d in row] for row in data])  # (seeds, scales)
    top = np.array([[float(d.stationary @ d.transition.max(dim=1).values) for d in row] for row in data])
    ctx.note(tabulate([[s, f"{L0[:, i].mean():.3f} ± {L0[:, i].std(ddof=1):.3f}", f"{top[:, i].mean():.3f}"]
                       for i, s in enumerate(SCALES)],
                      headers=["logit scale", "L0 (nats), mean ± sd over seeds", "π-weighted max_y P[x, y]"],
                      tablefmt="github") + f"\n\nlog V = {np.log(V2):.3f} nats is the uniform (scale 0) limit.")
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.semilogx(SCALES, L0.T, "o-", lw=0.8, ms=3)
    ax.axhline(np.log(V2), color="k", ls="--", lw=0.8, label="log V")
    ax.set_xlabel("logit scale")
    ax.set_ylabel("L0 (nats)")
    ax.legend(fontsize=7)
    ctx.figure(fig, "l0-vs-scale", "Optimal loss L0 against the logit scale, V = 100, R = 20, one line per dataset seed.")
    return {"largest_L0_step_up_nats": np.diff(L0, axis=1).max(axis=1), "L0_at_scale_16": L0[:, -1],
            "L0_at_scale_0.25": L0[:, 0], "mean_max_prob_at_scale_16": top[:, -1]}


# ---------------------------------------------------------------------------- the post's open question

PER_TOKEN_WIDTHS = (5, 10, 15)


def _residual_outside_top_subspace(data: LowRankBigram, width: int) -> np.ndarray:
    """‖row x of the row-centred logits outside the top-``width`` right singular subspace of diag(√π)·(those)‖.

    The π-weighted rank-``width`` approximation of the logits is the linearised optimum of the width-limited model;
    this is what each input row loses to it.
    """
    L = data.logits.numpy()
    centred = L - L.mean(axis=1, keepdims=True)
    _, _, vt = np.linalg.svd(np.sqrt(data.stationary.numpy())[:, None] * centred, full_matrices=False)
    return np.linalg.norm(centred - centred @ vt[:width].T @ vt[:width], axis=1)


@claim(
    id="bigram.which-tokens-largest-loss",
    source=Source(FILE, "Questions", "Loss analysis: which token(s) incur the largest loss?"),
    statement="Which input tokens carry the largest loss gap KL(P[x] ‖ model) at N < R (V = 100, R = 20): the post "
              "asks and makes no claim.",
    setup={**SETUP2, "N": list(PER_TOKEN_WIDTHS),
           "per-token gap": "KL(P[x] ‖ softmax(model logits[x])) of the trained model, exact (dataset.per_input_loss_gap)",
           "predictors": "π_x; row entropy H(P[x]); the row's residual outside the top-N right singular subspace of "
                         "diag(√π)·(row-centred true logits)",
           "association": "Spearman rank correlation over the V input tokens"},
    criterion=None,
    expected=OBSERVATION,
    group="bigram-v100",
)
def test_which_tokens(ctx):
    import matplotlib.pyplot as plt

    sweeps = _scaling(ctx)
    predictors = {"residual": lambda d, n: _residual_outside_top_subspace(d, n),
                  "pi": lambda d, n: d.stationary.numpy(), "entropy": lambda d, n: d.row_entropies.numpy()}
    rho = {(k, n): [] for n in PER_TOKEN_WIDTHS for k in predictors}
    rows = []
    for sw in sweeps:
        for n in PER_TOKEN_WIDTHS:
            kl = sw.best_per_input(n)
            for k, f in predictors.items():
                rho[k, n].append(float(stats.spearmanr(kl, f(sw.data, n))[0]))
            rows.append([sw.data.seed, n] + [f"{rho[k, n][-1]:+.2f}" for k in predictors]
                        + [f"{kl.max() / kl.mean():.1f}"])
    span = {k: (min(min(rho[k, n]) for n in PER_TOKEN_WIDTHS), max(max(rho[k, n]) for n in PER_TOKEN_WIDTHS))
            for k in predictors}
    ctx.note("Spearman correlation of the per-token gap with each predictor, per dataset seed and width. Over all of "
             f"them, ρ with the residual outside the top-N subspace lies in [{span['residual'][0]:.2f}, "
             f"{span['residual'][1]:.2f}], with π in [{span['pi'][0]:.2f}, {span['pi'][1]:.2f}] and with the row "
             f"entropy in [{span['entropy'][0]:.2f}, {span['entropy'][1]:.2f}]. The tokens that incur the largest loss "
             "are those whose logit row lies furthest outside the dominant π-weighted rank-N subspace; frequency and "
             "row entropy alone say little.\n\n"
             + tabulate(rows, headers=["dataset seed", "N", "ρ(KL, residual)", "ρ(KL, π)", "ρ(KL, H)",
                                       "max KL / mean KL"], tablefmt="github"))
    sw, n = sweeps[0], 10
    kl = sw.best_per_input(n)
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), sharey=True)
    for ax, (k, label) in zip(axes, [("residual", "residual outside top-N subspace"), ("pi", "π_x"),
                                     ("entropy", "row entropy H(P[x]) (nats)")]):
        ax.semilogy(predictors[k](sw.data, n), kl, ".", ms=4)
        ax.set_xlabel(label)
        ax.set_xscale("log" if k == "pi" else "linear")
    axes[0].set_ylabel(f"KL(P[x] ‖ model), N = {n}")
    ctx.figure(fig, "per-token-gap", f"Per-token loss gap at N = {n}, V = 100, R = 20, dataset seed {sw.data.seed}.")
    return {f"spearman_vs_{k}_N{n}": rho[k, n] for n in PER_TOKEN_WIDTHS for k in predictors}
