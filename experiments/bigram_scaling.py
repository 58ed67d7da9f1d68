"""Source 000's Observation 2 (Δ ∼ N^-1 for N < R) on V = 100, R = 20, with the Λ knob and the per-token question.

One experiment, one set of stacks (``experiments.bigram_sweep``): N = 1..R with one init on each of
``dataset_seeds`` datasets; on the first dataset also the alternatives (a second init, peak lr 0.01, init std
0.01) at ``robust_widths``, and the same sweep on datasets with rank weights Λ_n ∝ n^-α (the Λ knob, which is
also the scaling claim's trained positive control at α = 1). The α = 0 sweep is the first dataset's own.
The analyses here (fits, planted laws, per-token predictors) read a result; the claims pick what they judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from toy_claims.experiments.bigram_sweep import (
    MAIN, OTHER_INIT, SLOW_LR, SMALL_INIT, STREAMS, Arm, Recipe, Sweep, train_sweep, training_setup,
)
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.metrics import other_decays, power_law_fit
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import LowRankBigram, power_law_rank_weights
from toy_claims.models.validation import require_int, require_ints, require_reals, require_type

__all__ = [
    "ScalingConfig", "CONFIGS", "ScalingResult", "run", "setup", "SCALING",
    "EXACT_LAW", "TRUNCATED_LAW", "FLAT_LAW", "deltas", "planted_laws", "effective_critical_width",
    "residual_outside_top_subspace", "per_token_predictors", "per_token_spearman",
    "figure_delta_vs_n", "figure_delta_vs_n_lambda", "figure_per_token_gap",
]

EXACT_LAW, TRUNCATED_LAW, FLAT_LAW = "exact_law", "truncated_law", "flat_law"  # planted Δ(N) curves (planted_laws)


@dataclass(frozen=True)
class ScalingConfig:
    """Observation 2: N = 1..R on a larger vocabulary, one init; alternatives and the Λ knob on the first dataset."""

    V: int = 100  # vocabulary size
    R: int = 20  # rank of the true logits; widths are 1..R
    steps: int = 1500  # full-batch steps
    dataset_seeds: int = 3  # datasets, one stack each
    robust_widths: tuple[int, ...] = (1, 5, 10, 15, 19)  # widths of the alternatives (first dataset seed only)
    per_token_widths: tuple[int, ...] = (5, 10, 15)  # widths whose per-token gaps the per-token question analyses
    per_token_figure_width: int = 10  # the width the per-token figure shows
    rank_weight_alphas: tuple[float, ...] = (0.5, 1.0)  # the Λ knob Λ_n ∝ n^-α (first dataset seed), besides α = 0
    recipe: Recipe = field(default_factory=Recipe)  # training and its alternatives

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_int(self.R, "R", lo=1, hi=self.V)
        require_int(self.steps, "steps", lo=1)
        require_int(self.dataset_seeds, "dataset_seeds", lo=1)
        for name in ("robust_widths", "per_token_widths"):  # widths of the sweep: 1..R
            require_ints(getattr(self, name), name, lo=1, hi=self.R)
        require_int(self.per_token_figure_width, "per_token_figure_width", lo=1, hi=self.R)
        require_reals(self.rank_weight_alphas, "rank_weight_alphas", lo=0, lo_open=True)  # α = 0 is the main sweep
        require_type(self.recipe, "recipe", Recipe, "a Recipe")

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(range(1, self.R + 1))

    @property
    def fit_widths(self) -> tuple[int, ...]:
        """'The regime N < R', the fit range, fixed before measuring."""
        return tuple(n for n in self.widths if n < self.R)

    @property
    def regime_widths(self) -> tuple[int, ...]:
        """N ≤ R/3: where an exact N^-1 law truncated at rank R (1/N − 1/R, local exponent −R/(R − N)) still has
        its local exponent within ±0.5 of −1; beyond it the cut-off at N = R dominates any rank-R curve."""
        return tuple(n for n in self.widths if 3 * n <= self.R)

    @property
    def half_widths(self) -> tuple[int, ...]:
        """N ≤ R/2: the looser range, reported as the sensitivity of the N ≤ R/3 reading."""
        return tuple(n for n in self.widths if 2 * n <= self.R)

    @property
    def alphas(self) -> tuple[float, ...]:
        """The rank-weight exponents of the Λ knob, α = 0 (Λ = I) first."""
        return (0.0, *self.rank_weight_alphas)


CONFIGS = {"ci": ScalingConfig(), "paper": ScalingConfig()}  # the source has no larger size: paper runs the ci one


@dataclass(frozen=True)
class ScalingResult:
    """One sweep per dataset seed at Λ = I, and one per α of the Λ knob on the first dataset (α = 0: ``sweeps[0]``)."""

    sweeps: tuple[Sweep, ...]
    alphas: tuple[float, ...]
    rank_weight_sweeps: tuple[Sweep, ...]


def _sweep(config: ScalingConfig, data_seed: int, alpha: float, init_seeds: tuple[int, ...], robustness: bool,
           device: str) -> Sweep:
    """N = 1..R (main, first init seed); with ``robustness`` also the alternatives, OTHER_INIT on the second seed."""
    init, other = init_seeds
    arms = [Arm(MAIN, n, init) for n in config.widths]
    if robustness:
        arms += [Arm(OTHER_INIT, n, other) for n in config.robust_widths]
        arms += [Arm(v, n, init) for v in (SLOW_LR, SMALL_INIT) for n in config.robust_widths]
    data = LowRankBigram(V=config.V, R=config.R, rank_weights=power_law_rank_weights(config.R, alpha), seed=data_seed)
    return train_sweep(data, arms, config.steps, config.recipe, device)


def run(config: ScalingConfig, seeds: Seeds, device: str) -> ScalingResult:
    """The Λ = I sweeps (alternatives on the first dataset), then the Λ knob's sweeps on the first dataset."""
    inits = seeds("init", 2)
    sweeps = tuple(_sweep(config, s, 0.0, inits, i == 0, device)
                   for i, s in enumerate(seeds("dataset", config.dataset_seeds)))
    first = seeds("dataset", 1)[0]
    weighted = tuple(_sweep(config, first, a, inits, False, device) for a in config.rank_weight_alphas)
    return ScalingResult(sweeps, config.alphas, (sweeps[0], *weighted))


def setup(config: ScalingConfig) -> dict:
    """The setup table of the V = 100 claims, derived from the config (the Λ knob's claim adds its rows)."""
    r = config.recipe
    fit = config.fit_widths
    return {"V": config.V, "R": config.R, "Λ": "identity", "logit scale": 1.0, "N": f"1..{config.R}",
            "dataset seeds": config.dataset_seeds, "steps": config.steps, **training_setup(r),
            "alternatives trained alongside": f"first dataset seed only, N ∈ {list(config.robust_widths)}: a second "
                                              f"init, peak lr {r.slow_lr:g}, init std {r.small_init_std:g} (same "
                                              "steps and schedule)",
            "fit range (fixed in advance)": f"N = {fit[0]}..{fit[-1]}, all of 'the regime N < R'; Δ({config.R}) is "
                                            "the float32 floor"}


SCALING = Experiment("bigram-v100", CONFIGS, STREAMS, run, setup)  # what the V = 100 claims read


def deltas(sw: Sweep, widths: tuple[int, ...]) -> np.ndarray:
    """The best gap Δ(N) of the main variant at each width."""
    return np.array([sw.best(n) for n in widths])


def planted_laws(widths: tuple[int, ...], R: int) -> dict[str, np.ndarray]:
    """Analytic Δ(N) curves, judged by the same analyses as the trained ones (the scaling claims' controls).

    EXACT_LAW: 1/N (an exact N^-1 law); TRUNCATED_LAW: 1/N − 1/R (an exact N^-1 law cut off at rank R, the
    discarded weight Σ_{n>N} n^-2 of rank weights Λ_n ∝ n^-1); FLAT_LAW: (R − N)/R (every dropped rank costs
    the same, as for a flat spectrum: no power law at all).
    """
    N = np.asarray(widths, dtype=float)
    return {EXACT_LAW: 1 / N, TRUNCATED_LAW: 1 / N - 1 / R, FLAT_LAW: (R - N) / R}


def effective_critical_width(sw: Sweep, widths: tuple[int, ...], reach: float) -> int | None:
    """The smallest N whose best relative gap is at most ``reach``; None when none of ``widths`` does."""
    return next((n for n in widths if sw.best(n) / sw.L0 <= reach), None)


def residual_outside_top_subspace(data: LowRankBigram, width: int) -> np.ndarray:
    """‖row x of the row-centred logits outside the top-``width`` right singular subspace of diag(√π)·(those)‖.

    The π-weighted rank-``width`` approximation of the logits is the linearised optimum of the width-limited model;
    this is what each input row loses to it.
    """
    L = data.logits.numpy()
    centred = L - L.mean(axis=1, keepdims=True)
    _, _, vt = np.linalg.svd(np.sqrt(data.stationary.numpy())[:, None] * centred, full_matrices=False)
    return np.linalg.norm(centred - centred @ vt[:width].T @ vt[:width], axis=1)


def per_token_predictors(data: LowRankBigram, width: int) -> dict[str, np.ndarray]:
    """Candidate predictors of a token's loss gap at ``width``: its residual, π_x and its row entropy."""
    return {"residual": residual_outside_top_subspace(data, width), "pi": data.stationary.numpy(),
            "entropy": data.row_entropies.numpy()}


def per_token_spearman(result: ScalingResult, config: ScalingConfig) -> dict[tuple[str, int], list[float]]:
    """Spearman ρ over the V tokens of the per-token gap with each predictor, per (predictor, width): a seed list."""
    rho: dict[tuple[str, int], list[float]] = {}
    for sw in result.sweeps:
        for n in config.per_token_widths:
            kl = sw.best_per_input(n)
            for k, x in per_token_predictors(sw.data, n).items():
                rho.setdefault((k, n), []).append(float(stats.spearmanr(kl, x)[0]))
    return rho


def _scaling_figure(groups: list[tuple[str, tuple[Sweep, ...]]], config: ScalingConfig, guide: int = 0):
    """Log-log Δ vs N (N < R) per group (thin: seeds, dots: mean); the power-law fit the claims judge, over the scaling
    regime (shaded), with an exponential through the same ends beside it (what that fit cannot tell from N^-1); and
    an N^-1 guide through group ``guide``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    N, regime = np.array(config.fit_widths), np.array(config.regime_widths, dtype=float)
    ax.axvspan(regime[0], regime[-1], color="0.92", zorder=0)
    for i, (label, sweeps) in enumerate(groups):
        color = f"C{i}"
        for sw in sweeps:
            ax.loglog(N, deltas(sw, config.fit_widths), color=color, lw=0.6, alpha=0.6)
        mean = np.mean([deltas(sw, config.fit_widths) for sw in sweeps], axis=0)
        ax.loglog(N, mean, "o", color=color, ms=3, label=label)
        if regime.size >= 3:  # a fit needs three widths (a small test config may have fewer in its regime)
            judged = np.mean([deltas(sw, config.regime_widths) for sw in sweeps], axis=0)
            fit = power_law_fit(regime, judged)
            ax.loglog(regime, fit.predict(regime), "-", color=color, lw=1.5,
                      label=f"{label}: fit over N ≤ {regime[-1]:.0f}: N^{fit.exponent:.2f}")
            exponential = other_decays(regime, judged[0], judged[-1])["exponential"]
            ax.loglog(regime, exponential, ":", color=color, lw=1.2, label=f"{label}: exponential through the same "
                      f"ends (fit N^{power_law_fit(regime, exponential).exponent:.2f})")
    anchor = np.mean([sw.best(config.fit_widths[0]) for sw in groups[guide][1]])
    ax.loglog(N, anchor / N, "k--", lw=1, label="N^-1 guide")
    ax.set_xlabel(f"embedding dimension N  (R = {config.R}; shaded: the judged regime)")
    ax.set_ylabel("Δ = L − L0 (nats)")
    ax.legend(fontsize=6)
    return fig


def figure_delta_vs_n(result: ScalingResult, config: ScalingConfig):
    """Δ(N) for N < R per dataset seed, their mean, its power-law fit and an N^-1 guide."""
    return _scaling_figure([("Λ = I", result.sweeps)], config)


def figure_delta_vs_n_lambda(result: ScalingResult, config: ScalingConfig):
    """Δ(N) for N < R per α of the Λ knob, fits, and an N^-1 guide through the last α's curve."""
    return _scaling_figure([(f"α = {a}", (sw,)) for a, sw in zip(result.alphas, result.rank_weight_sweeps)], config,
                           guide=len(result.rank_weight_sweeps) - 1)


def figure_per_token_gap(result: ScalingResult, config: ScalingConfig):
    """Per-token gap against each predictor at ``config.per_token_figure_width``, first dataset seed."""
    import matplotlib.pyplot as plt

    sw, n = result.sweeps[0], config.per_token_figure_width
    kl = sw.best_per_input(n)
    predictors = per_token_predictors(sw.data, n)
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), sharey=True)
    for ax, (k, label) in zip(axes, [("residual", "residual outside top-N subspace"), ("pi", "π_x"),
                                     ("entropy", "row entropy H(P[x]) (nats)")]):
        ax.semilogy(predictors[k], kl, ".", ms=4)
        ax.set_xlabel(label)
        ax.set_xscale("log" if k == "pi" else "linear")
    axes[0].set_ylabel(f"KL(P[x] ‖ model), N = {n}")
    return fig
