"""Source 000's experiments on the low-rank bigram: width sweeps trained on the exact loss, and the logit-scale knob.

The post's dataset (``LowRankBigram``: P = row-softmax(scale · A Λ B / √R)) and
its untied embedding → unembedding model of width N (``EmbedUnembedStack``,
``tied=False``), trained on the exact population loss. Each sweep trains one
batched stack per dataset seed (members of a stack share one loss, hence one
dataset), holding every width, init and optimizer variant:

* ``CriticalConfig``: V = 10, R = 3, N ∈ {1..6, 10}, four inits each (Observation 1, N_c ≈ R);
* ``ScalingConfig``: V = 100, R = 20, N = 1..20 (Observation 2, Δ ∼ N^-1, and the per-token question);
* ``RankWeightsConfig``: the scaling sweep with rank weights Λ_n ∝ n^-α (the Λ knob);
* ``LogitScaleConfig``: the optimal loss L0 against the logit scale (no training).

The post names no optimizer, init or step count (``Recipe``): full-batch Adam on
the exact loss, peak lr 0.03 linearly decayed to 1% over the second half, from
the stack's default init (normal, std 1/√N), with the alternatives peak lr 0.01
and a small init (std 0.01) trained in the same stacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import torch
from scipy import stats

from toy_claims.lab.metrics import power_law_fit
from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.training import log_spaced_steps, train
from toy_claims.models.datasets import LowRankBigram, power_law_rank_weights
from toy_claims.models.embedding import EmbedUnembedStack, Member
from toy_claims.models.validation import require_int, require_ints, require_real, require_reals, require_seed, require_type

__all__ = [
    "STREAMS", "CONFIGS", "FLOAT32_EPS", "MAIN", "SLOW_LR", "SMALL_INIT", "OTHER_INIT",
    "Recipe", "CriticalConfig", "ScalingConfig", "RankWeightsConfig", "LogitScaleConfig", "Configs",
    "Arm", "Sweep", "SweepsResult", "RankWeightsResult", "LogitScaleResult",
    "run", "train_sweep", "setup", "relative_gaps", "deltas", "effective_critical_width",
    "EXACT_LAW", "TRUNCATED_LAW", "FLAT_LAW", "planted_laws", "truncated_table_relative_gap",
    "residual_outside_top_subspace", "per_token_predictors",
    "figure_loss_curves", "figure_delta_vs_n", "figure_delta_vs_n_lambda", "figure_l0_vs_scale", "figure_per_token_gap",
]

STREAMS = ("dataset", "init")  # lab.seeds: the order is fixed (dataset seeds 0.., init seeds 1000..)
FLOAT32_EPS = 2.0**-23  # relative resolution of the float32 training loss
MAIN, SLOW_LR, SMALL_INIT, OTHER_INIT = "main", "lr 0.01", "init std 0.01", "second init"  # variant labels
EXACT_LAW, TRUNCATED_LAW, FLAT_LAW = "exact_law", "truncated_law", "flat_law"  # planted Δ(N) curves (planted_laws)


# ---------------------------------------------------------------------------- configs


@dataclass(frozen=True)
class Recipe:
    """How every sweep trains (the post is silent; our choice) and its alternatives."""

    peak_lr: float = 0.03  # Adam's peak learning rate (main variant, and the init alternatives)
    slow_lr: float = 0.01  # peak lr of the SLOW_LR alternative
    small_init_std: float = 0.01  # init std of the SMALL_INIT alternative (main: the stack's 1/√N)
    final_factor: float = 0.01  # lr multiplier reached by the linear decay over the second half of the steps

    def __post_init__(self) -> None:
        for name in ("peak_lr", "slow_lr", "small_init_std"):
            require_real(getattr(self, name), name, lo=0, lo_open=True)
        require_real(self.final_factor, "final_factor", lo=0, hi=1)

    def optimizer(self, variant: str) -> OptimizerSpec:
        return OptimizerSpec("adam", lr=self.slow_lr if variant == SLOW_LR else self.peak_lr)

    def init_std(self, variant: str) -> float | None:
        return self.small_init_std if variant == SMALL_INIT else None


@dataclass(frozen=True)
class CriticalConfig:
    """Observation 1: a width sweep around N = R on a small vocabulary, several inits per width."""

    V: int = 10  # vocabulary size
    R: int = 3  # rank of the true logits
    widths: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 10)  # embedding widths N (10 = V: the full table)
    steps: int = 1500  # full-batch steps, long enough to plateau
    inits: int = 4  # init seeds per width and variant (the claims judge the best)
    dataset_seeds: int = 5  # datasets, one stack each
    recipe: Recipe = field(default_factory=Recipe)  # training and its alternatives (MAIN, SLOW_LR, SMALL_INIT)

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_int(self.R, "R", lo=1, hi=self.V)
        require_ints(self.widths, "widths", lo=1)
        for name in ("steps", "inits", "dataset_seeds"):
            require_int(getattr(self, name), name, lo=1)
        require_type(self.recipe, "recipe", Recipe, "a Recipe")

    @property
    def below(self) -> tuple[int, ...]:
        return tuple(n for n in self.widths if n < self.R)

    @property
    def above(self) -> tuple[int, ...]:
        return tuple(n for n in self.widths if n > self.R)


@dataclass(frozen=True)
class ScalingConfig:
    """Observation 2: N = 1..R on a larger vocabulary, one init; the alternatives on the first dataset only."""

    V: int = 100  # vocabulary size
    R: int = 20  # rank of the true logits; widths are 1..R
    steps: int = 1500  # full-batch steps
    dataset_seeds: int = 3  # datasets, one stack each
    robust_widths: tuple[int, ...] = (1, 5, 10, 15, 19)  # widths of the alternatives (first dataset seed only)
    per_token_widths: tuple[int, ...] = (5, 10, 15)  # widths whose per-token gaps the per-token question analyses
    per_token_figure_width: int = 10  # the width the per-token figure shows
    recipe: Recipe = field(default_factory=Recipe)  # training and its alternatives

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_int(self.R, "R", lo=1, hi=self.V)
        require_int(self.steps, "steps", lo=1)
        require_int(self.dataset_seeds, "dataset_seeds", lo=1)
        for name in ("robust_widths", "per_token_widths"):  # widths of the sweep: 1..R
            require_ints(getattr(self, name), name, lo=1, hi=self.R)
        require_int(self.per_token_figure_width, "per_token_figure_width", lo=1, hi=self.R)
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


@dataclass(frozen=True)
class RankWeightsConfig:
    """The Λ knob: the scaling sweep on its first dataset seed with Λ_n ∝ n^-α."""

    base: ScalingConfig = field(default_factory=ScalingConfig)  # sizes and training; α = 0 is its first sweep
    alphas: tuple[float, ...] = (0.5, 1.0)  # exponents besides α = 0 (Λ = I)

    def __post_init__(self) -> None:
        require_type(self.base, "base", ScalingConfig, "a ScalingConfig")
        require_reals(self.alphas, "alphas", lo=0, lo_open=True)


@dataclass(frozen=True)
class LogitScaleConfig:
    """The logit-scale knob: exact L0 of the dataset at each scale (no training)."""

    V: int = 100  # vocabulary size
    R: int = 20  # rank of the true logits
    scales: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # logit scales, increasing
    dataset_seeds: int = 5  # datasets (A, B) per scale

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_int(self.R, "R", lo=1, hi=self.V)
        require_reals(self.scales, "scales", lo=0, lo_open=True, increasing=True)
        require_int(self.dataset_seeds, "dataset_seeds", lo=1)


@dataclass(frozen=True)
class Configs:
    """One scale's configs of this module's experiments."""

    critical: CriticalConfig = field(default_factory=CriticalConfig)
    scaling: ScalingConfig = field(default_factory=ScalingConfig)
    rank_weights: RankWeightsConfig = field(default_factory=RankWeightsConfig)
    logit_scale: LogitScaleConfig = field(default_factory=LogitScaleConfig)

    def __post_init__(self) -> None:
        for name, kind in (("critical", CriticalConfig), ("scaling", ScalingConfig), ("rank_weights", RankWeightsConfig),
                           ("logit_scale", LogitScaleConfig)):
            require_type(getattr(self, name), name, kind, f"a {kind.__name__}")


CONFIGS = {"ci": Configs()}  # the source has no larger size: the paper scale runs these too


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Arm:
    """One member of a sweep: the variant (main or an alternative) it belongs to, its width and init seed."""

    variant: str
    width: int
    init_seed: int

    def __post_init__(self) -> None:
        require_type(self.variant, "variant", str, "a variant label (a str)")
        require_int(self.width, "width", lo=1)
        require_seed(self.init_seed, "init_seed")


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


def train_sweep(data: LowRankBigram, arms: list[Arm], steps: int, recipe: Recipe, device: str) -> Sweep:
    """Train every arm as one batched stack on the exact loss; evaluate log-spaced, and at 80% for plateaus."""
    model = EmbedUnembedStack(data.V, [Member(a.width, seed=a.init_seed, init_std=recipe.init_std(a.variant))
                                       for a in arms], tied=False)
    eval_steps = sorted({*log_spaced_steps(steps), round(0.8 * steps)})
    log = train(model, data, steps=steps, optim=[recipe.optimizer(a.variant) for a in arms],
                schedule=LRSchedule(decay_steps=steps // 2, final_factor=recipe.final_factor), eval_steps=eval_steps,
                device=device)
    with torch.no_grad():
        per_input = data.per_input_loss_gap(model.logit_table()).cpu().numpy()
    return Sweep(data, tuple(arms), tuple(log.steps), log.gaps, per_input)


@dataclass(frozen=True)
class SweepsResult:
    """One sweep per dataset seed (Observation 1 or 2)."""

    sweeps: tuple[Sweep, ...]


@dataclass(frozen=True)
class RankWeightsResult:
    """One sweep per α on the same dataset seed; α = 0 (Λ = I) first."""

    alphas: tuple[float, ...]
    sweeps: tuple[Sweep, ...]


@dataclass(frozen=True)
class LogitScaleResult:
    """Exact L0 and the π-weighted top probability per dataset seed and logit scale."""

    seeds: tuple[int, ...]
    L0: np.ndarray  # (seeds, scales), nats
    top: np.ndarray  # (seeds, scales): Σ_x π_x max_y P[x, y]


@cache
def _scaling_sweep(config: ScalingConfig, data_seed: int, alpha: float, init_seeds: tuple[int, int],
                   robustness: bool, device: str) -> Sweep:
    """N = 1..R (main, first init seed); with ``robustness`` also the alternatives, OTHER_INIT on the second seed."""
    init, other = init_seeds
    arms = [Arm(MAIN, n, init) for n in config.widths]
    if robustness:
        arms += [Arm(OTHER_INIT, n, other) for n in config.robust_widths]
        arms += [Arm(v, n, init) for v in (SLOW_LR, SMALL_INIT) for n in config.robust_widths]
    data = LowRankBigram(V=config.V, R=config.R, rank_weights=power_law_rank_weights(config.R, alpha), seed=data_seed)
    return train_sweep(data, arms, config.steps, config.recipe, device)


@cache
def run(config, seeds: Seeds, device: str):
    """The experiment ``config`` names, at ``seeds`` on ``device`` (memoised: claims of one experiment share it).

    CriticalConfig, ScalingConfig → SweepsResult; RankWeightsConfig → RankWeightsResult; LogitScaleConfig →
    LogitScaleResult.
    """
    if isinstance(config, CriticalConfig):
        inits = seeds("init", config.inits)
        arms = [Arm(v, n, s) for v in (MAIN, SLOW_LR, SMALL_INIT) for n in config.widths for s in inits]
        return SweepsResult(tuple(train_sweep(LowRankBigram(V=config.V, R=config.R, seed=s), arms, config.steps,
                                              config.recipe, device)
                                  for s in seeds("dataset", config.dataset_seeds)))
    if isinstance(config, ScalingConfig):
        inits = seeds("init", 2)
        return SweepsResult(tuple(_scaling_sweep(config, s, 0.0, inits, i == 0, device)
                                  for i, s in enumerate(seeds("dataset", config.dataset_seeds))))
    if isinstance(config, RankWeightsConfig):
        seed, inits = seeds("dataset", 1)[0], seeds("init", 2)
        return RankWeightsResult((0.0, *config.alphas), (_scaling_sweep(config.base, seed, 0.0, inits, True, device),) + tuple(
            _scaling_sweep(config.base, seed, a, inits, False, device) for a in config.alphas))
    if isinstance(config, LogitScaleConfig):
        data_seeds = seeds("dataset", config.dataset_seeds)
        data = [[LowRankBigram(V=config.V, R=config.R, logit_scale=s, seed=seed) for s in config.scales]
                for seed in data_seeds]
        L0 = np.array([[d.optimal_loss for d in row] for row in data])
        top = np.array([[float(d.stationary @ d.transition.max(dim=1).values) for d in row] for row in data])
        return LogitScaleResult(data_seeds, L0, top)
    raise TypeError(f"no experiment for config {config!r}")


# ---------------------------------------------------------------------------- setup tables

_TRAINING = {
    "model": "untied embedding → unembedding, logits = E Uᵀ, no bias (EmbedUnembedStack, tied=False), float32",
    "training (post silent; our choice)": "full-batch Adam on the exact population loss, peak lr {peak_lr:g}, linear "
                                         "decay to {final_factor:g}× over the second half; init normal with std 1/√N",
    "alternatives trained alongside": "peak lr {slow_lr:g}; init std {small_init_std:g} (same inits, steps and schedule)",
    "evaluation": "exact π-weighted KL = L − L0 in float64 (dataset.loss_gap)",
}


def _training(recipe: Recipe) -> dict[str, str]:
    return {k: v.format(**vars(recipe)) for k, v in _TRAINING.items()}


def setup(config) -> dict:
    """The setup table of the claims measured by ``config``'s experiment, derived from it."""
    if isinstance(config, CriticalConfig):
        return {"V": config.V, "R": config.R, "Λ": "identity", "logit scale": 1.0, "N": list(config.widths),
                "dataset seeds": config.dataset_seeds, "inits per N": config.inits, "steps": config.steps,
                **_training(config.recipe),
                "judged": "best of the inits per N and dataset seed (what width N *can* achieve)"}
    if isinstance(config, ScalingConfig):
        r = config.recipe
        fit = config.fit_widths
        return {"V": config.V, "R": config.R, "Λ": "identity", "logit scale": 1.0, "N": f"1..{config.R}",
                "dataset seeds": config.dataset_seeds, "steps": config.steps, **_training(r),
                "alternatives trained alongside": f"first dataset seed only, N ∈ {list(config.robust_widths)}: a second "
                                                  f"init, peak lr {r.slow_lr:g}, init std {r.small_init_std:g} (same "
                                                  "steps and schedule)",
                "fit range (fixed in advance)": f"N = {fit[0]}..{fit[-1]}, all of 'the regime N < R'; Δ({config.R}) is "
                                                "the float32 floor"}
    if isinstance(config, RankWeightsConfig):
        return {**setup(config.base), "dataset seeds": 1,
                "Λ": "diag(n^-α), n = 1..R, normalised to mean square 1 (logit variance unchanged)",
                "α": [0.0, *config.alphas]}
    if isinstance(config, LogitScaleConfig):
        return {"V": config.V, "R": config.R, "Λ": "identity", "logit scales": list(config.scales),
                "dataset seeds": config.dataset_seeds, "L0": "exact conditional entropy Σ_x π_x H(P[x]) (no training)"}
    raise TypeError(f"no experiment for config {config!r}")


# ---------------------------------------------------------------------------- analyses of a result


def relative_gaps(sweeps, widths: tuple[int, ...], pick, variant: str = MAIN) -> list[float]:
    """Per dataset seed: pick (min or max) over ``widths`` of the best relative gap (L − L0)/L0."""
    return [float(pick([sw.best(n, variant) for n in widths])) / sw.L0 for sw in sweeps]  # NaN propagates


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


def truncated_table_relative_gap(data: LowRankBigram, rank: int) -> float:
    """(L − L0)/L0 of an untrained rank-``rank`` logit table: the best Frobenius rank-``rank`` approximation of the
    row-centred true logits (for rank < R it cannot reach L0: softmax ignores only row constants)."""
    L = data.logits.to(torch.float64)
    U, S, Vh = torch.linalg.svd(L - L.mean(dim=1, keepdim=True))
    return float(data.loss_gap((U[:, :rank] * S[:rank]) @ Vh[:rank])) / data.optimal_loss


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


def per_token_spearman(result: SweepsResult, config: ScalingConfig) -> dict[tuple[str, int], list[float]]:
    """Spearman ρ over the V tokens of the per-token gap with each predictor, per (predictor, width): a seed list."""
    rho: dict[tuple[str, int], list[float]] = {}
    for sw in result.sweeps:
        for n in config.per_token_widths:
            kl = sw.best_per_input(n)
            for k, x in per_token_predictors(sw.data, n).items():
                rho.setdefault((k, n), []).append(float(stats.spearmanr(kl, x)[0]))
    return rho


# ---------------------------------------------------------------------------- figures


def figure_loss_curves(result: SweepsResult, config: CriticalConfig, reach: float):
    """Best relative gap against the step for every width, first dataset seed, with the 'reaches L0' line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    sw = result.sweeps[0]
    for n in config.widths:
        curve = [sw.best(n, step=s) / sw.L0 for s in sw.steps[1:]]
        ax.loglog(sw.steps[1:], curve, "o-", ms=2, label=f"N={n}" + (" = R" if n == config.R else ""),
                  lw=2.5 if n == config.R else 1)
    ax.axhline(reach, color="k", ls="--", lw=0.8, label="'reaches L0' line")
    ax.axhline(FLOAT32_EPS, color="k", ls=":", lw=0.8, label="float32 ε")
    ax.set_xlabel("step")
    ax.set_ylabel("(L − L0) / L0, best init")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _scaling_figure(groups: list[tuple[str, tuple[Sweep, ...]]], config: ScalingConfig, guide: int = 0):
    """Log-log Δ vs N (N < R) per group (thin: seeds, dots: mean), its fit, and an N^-1 guide through group ``guide``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    N = np.array(config.fit_widths)
    for i, (label, sweeps) in enumerate(groups):
        color = f"C{i}"
        for sw in sweeps:
            ax.loglog(N, deltas(sw, config.fit_widths), color=color, lw=0.6, alpha=0.6)
        mean = np.mean([deltas(sw, config.fit_widths) for sw in sweeps], axis=0)
        fit = power_law_fit(N, mean)
        ax.loglog(N, mean, "o", color=color, ms=3, label=f"{label}: fit N^{fit.exponent:.2f} (R²={fit.r2:.2f})")
        ax.loglog(N, fit.predict(N), "-", color=color, lw=1.5)
    anchor = np.mean([sw.best(config.fit_widths[0]) for sw in groups[guide][1]])
    ax.loglog(N, anchor / N, "k--", lw=1, label="N^-1 guide")
    ax.set_xlabel(f"embedding dimension N  (R = {config.R})")
    ax.set_ylabel("Δ = L − L0 (nats)")
    ax.legend(fontsize=7)
    return fig


def figure_delta_vs_n(result: SweepsResult, config: ScalingConfig):
    """Δ(N) for N < R per dataset seed, their mean, its power-law fit and an N^-1 guide."""
    return _scaling_figure([("Λ = I", result.sweeps)], config)


def figure_delta_vs_n_lambda(result: RankWeightsResult, config: RankWeightsConfig):
    """Δ(N) for N < R per α, fits, and an N^-1 guide through the last α's curve."""
    return _scaling_figure([(f"α = {a}", (sw,)) for a, sw in zip(result.alphas, result.sweeps)], config.base,
                           guide=len(result.sweeps) - 1)


def figure_l0_vs_scale(result: LogitScaleResult, config: LogitScaleConfig):
    """L0 against the logit scale, one line per dataset seed, with the uniform limit log V."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.semilogx(config.scales, result.L0.T, "o-", lw=0.8, ms=3)
    ax.axhline(np.log(config.V), color="k", ls="--", lw=0.8, label="log V")
    ax.set_xlabel("logit scale")
    ax.set_ylabel("L0 (nats)")
    ax.legend(fontsize=7)
    return fig


def figure_per_token_gap(result: SweepsResult, config: ScalingConfig):
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
