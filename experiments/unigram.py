"""Source 001's training experiments ("Unigram toy model is surprisingly rich"): what training on a Zipf law reaches.

Trained the way the post trains: "Training uses batch size 128 ... All data are
drawn online" (fresh pairs every step), evaluated on the exact expected loss
instead of the post's 2,000,000-sample estimate. The post does not name its
optimizer; "each update is normalized" points to Adam, which every experiment
here uses. Where a verdict could hinge on a silent choice (exact full-batch
gradients vs minibatch noise, the init scale), the alternative is trained too.

Four experiments, each a frozen config and one memoised ``run(config, seeds, device)``:

* ``D1Config``       -- V = 10, D = 1: tied, untied, tied + LayerNorm (with and
  without its affine parameters), batch 128 and full batch;
* ``CollapseConfig`` -- V = D = 100: PCA effective dimension against step over
  two decades of learning rate, two init scales;
* ``ScalingConfig``  -- D = 100, lr = 0.001: L − L_min ∝ t^-β for several V and α;
* ``DecayConfig``    -- V = 100: constant lr 0.01 against linear decay to 0.001
  over the final 1000 steps, several D, both readings of the post's step count.

Every member of a stack draws its init from the ``init`` stream and its
minibatches from the ``data`` stream; seed k of both streams pairs runs across
variants (same init E, same batches). ``layernorm_construction_gaps`` is the
update's LayerNorm construction, checked without training.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from toy_claims.lab.metrics import PowerLawFit, pca_effective_dimension_batched, power_law_fit
from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.training import TrainLog, log_spaced_steps, train
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import LAYERNORMS, EmbedUnembed, EmbedUnembedStack, Member
from toy_claims.models.validation import (
    require, require_bool, require_choice, require_index_range, require_int, require_ints, require_real, require_reals,
    require_type,
)

__all__ = [
    "STREAMS", "BATCH", "POST_EVAL_BATCH", "MINIBATCH", "FULL_BATCH", "REGIMES",
    "Configs", "CONFIGS", "run", "setup",
    "TrainedStack", "D1Config", "D1Result", "CollapseVariant", "CollapseConfig", "CollapseRun", "CollapseResult",
    "ScalingConfig", "ScalingTask", "ScalingResult", "DecayConfig", "DecayResult",
    "first_step_at_or_below", "ordered_pair_fraction", "rank_correlation", "tied_optimum_form", "misordered_neighbours", "window_fits", "beta",
    "sampled_loss_standard_error", "speedup", "speedup_of_compressed", "largest_final_to_initial_ratio", "largest_rise_with_lr",
    "largest_unresolved_step", "planted_unresolved_step", "layernorm_construction_gaps",
    "figure_d1_curves", "figure_d1_embeddings", "figure_collapse", "figure_scaling", "figure_decay",
]

STREAMS = ("init", "data")  # lab.seeds: init E and the minibatch stream draw from disjoint seeds
BATCH = 128  # "Training uses batch size 128"
POST_EVAL_BATCH = 2_000_000  # "evaluation uses batch size 2,000,000"
MINIBATCH, FULL_BATCH = "minibatch", "full batch"  # the post's online minibatches; exact gradients as the alternative
REGIMES = (MINIBATCH, FULL_BATCH)


@dataclass(frozen=True)
class TrainedStack:
    """One trained stack: its exact-gap log and each member's final embedding table."""

    log: TrainLog
    embeddings: tuple[np.ndarray, ...]  # (V, D) per member

    @property
    def final_gap(self) -> np.ndarray:
        """Each member's last exact gap; all NaN when any member diverged (a divergence is an error)."""
        return _nan_if_diverged(self.log.final_gap, self.log)


def _nan_if_diverged(values, *logs: TrainLog) -> np.ndarray:
    """``values`` as float64, all NaN when any member of ``logs`` became non-finite."""
    values = np.asarray(values, dtype=np.float64)
    return np.full_like(values, np.nan) if any(log.diverged.any() for log in logs) else values


def _train(data: ZipfUnigram, members: list[Member], *, device: str, tied: bool = True, layernorm: str = "none",
           **train_kwargs) -> TrainedStack:
    model = EmbedUnembedStack(data.V, members, tied=tied, layernorm=layernorm)
    log = train(model, data, device=device, **train_kwargs)
    return TrainedStack(log, tuple(model.embedding(k).cpu().numpy() for k in range(len(members))))


# ---------------------------------------------------------------------------
# Measurements on logs and embeddings
# ---------------------------------------------------------------------------

def first_step_at_or_below(steps, gaps, level: float) -> float:
    """The first evaluation step at which ``gaps`` is <= ``level``; inf when it never is."""
    hit = np.flatnonzero(np.asarray(gaps) <= level)
    return float(steps[hit[0]]) if hit.size else float("inf")


def ordered_pair_fraction(values, probs) -> float:
    """Fraction of token pairs whose values are ordered like their probabilities (1 = strictly monotone).

    Pairs of equal probability are skipped; a tie in value counts as unordered.
    """
    v, p = np.asarray(values, dtype=np.float64), np.asarray(probs, dtype=np.float64)
    i, j = np.triu_indices(len(v), k=1)
    keep = p[i] != p[j]
    agree = np.sign(v[i] - v[j]) == np.sign(p[i] - p[j])
    return float(agree[keep].mean())


def rank_correlation(values, probs) -> float:
    """Spearman's rank correlation of ``values`` with ``probs`` (1: values rise with frequency in every pair)."""
    import scipy.stats

    return float(scipy.stats.spearmanr(np.asarray(values, dtype=np.float64), np.asarray(probs, dtype=np.float64))[0])


def tied_optimum_form(scale: float, probs) -> np.ndarray:
    """The tied D = 1 optimum's form at norm ``scale``: E_y = c + log p_y / c (ordered by frequency by construction)."""
    return scale + np.log(np.asarray(probs, dtype=np.float64)) / scale


def misordered_neighbours(values) -> list[int]:
    """Ranks r (1-based) with values[r−1] <= values[r]: neighbours out of the decreasing order of frequency."""
    return [r + 1 for r in range(len(values) - 1) if values[r] <= values[r + 1]]


def window_fits(steps, gaps: np.ndarray, window: tuple[int, int]) -> list[PowerLawFit]:
    """One power-law fit of gap against step per member (column of ``gaps``), over steps in ``window``."""
    steps = np.asarray(steps)
    inside = (steps >= window[0]) & (steps <= window[1])
    return [power_law_fit(steps[inside], gaps[inside, k]) for k in range(gaps.shape[1])]


def beta(fit: PowerLawFit) -> tuple[float, float, float]:
    """β of L − L_min ∝ t^-β and its 95% interval (β = −exponent)."""
    return -fit.exponent, -fit.ci_high, -fit.ci_low


def sampled_loss_standard_error(data: ZipfUnigram, n: int) -> float:
    """Standard error of an n-sample estimate of the loss of the optimal model: sqrt(Var_{y~p}[−log p_y] / n)."""
    p = data.probs
    log_p = torch.log(p)
    variance = (p * log_p**2).sum() - (p * log_p).sum() ** 2
    return float(torch.sqrt(variance / n))


# ---------------------------------------------------------------------------
# 1D embedding is sufficient (V = 10, α = 1, D = 1)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class D1Config:
    """Every D = 1 variant in both regimes, seeds paired across variants (same init E, same batches)."""

    V: int = 10  # "V = 10"
    alpha: float = 1.0  # the standard Zipf law
    lr: float = 0.01  # the post's lr of its schedule section; unstated here
    steps: int = 3000  # the post's longest stated budget (schedule section); unstated here
    plain_steps: int = 300  # LayerNorm without affine: every gradient is exactly zero, so a short run shows it
    batch: int = BATCH  # fresh pairs per step in the minibatch regime
    n_seeds: int = 3  # per variant and regime
    order_seeds: int = 10  # tied, batch 128: seeds of the ordering claims (the first n_seeds are the runs above); a
    # run is either ordered in every pair or off by a swapped neighbouring pair, so the mean's interval needs ~10
    evals_per_decade: int = 20  # log-spaced evaluation steps
    variants: tuple[tuple[str, bool, str], ...] = (  # (name, tied, layernorm)
        ("tied", True, "none"),
        ("untied", False, "none"),
        ("tied + LayerNorm", True, "affine"),
        ("tied + LayerNorm without affine", True, "plain"),
    )

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_real(self.alpha, "alpha", lo=0)
        require_real(self.lr, "lr", lo=0, lo_open=True)
        for name in ("steps", "plain_steps", "batch", "n_seeds", "evals_per_decade"):
            require_int(getattr(self, name), name, lo=1)
        require_int(self.order_seeds, "order_seeds", lo=self.n_seeds)  # its first n_seeds are the runs' own
        require_type(self.variants, "variants", tuple, "a tuple of (name, tied, layernorm)")
        require(any(isinstance(v, tuple) and v[:2] == ("tied", True) for v in self.variants), "variants",
                "a tuple with a variant ('tied', True, ...): the ordering seeds ride along with it", self.variants)
        for k, v in enumerate(self.variants):
            require(isinstance(v, tuple) and len(v) == 3 and isinstance(v[0], str), f"variants[{k}]",
                    "a (name, tied, layernorm) tuple", v)
            require_bool(v[1], f"variants[{k}] tied")
            require_choice(v[2], f"variants[{k}] layernorm", LAYERNORMS)
        require(len({v[0] for v in self.variants}) == len(self.variants), "variants", "distinct names", self.variants)

    @property
    def data(self) -> ZipfUnigram:
        return ZipfUnigram(V=self.V, alpha=self.alpha)

    def steps_of(self, layernorm: str) -> int:
        return self.plain_steps if layernorm == "plain" else self.steps


@dataclass(frozen=True)
class D1Result:
    runs: dict[tuple[str, str], TrainedStack]  # (variant, regime) -> stack, one member per seed
    post_eval_standard_error: float  # SE of the post's 2M-sample loss estimate at the optimum (nats)
    initial_embeddings: tuple[np.ndarray, ...] = ()  # (V, 1) per seed: the init E of every variant
    ordering: TrainedStack | None = None  # tied, batch 128, order_seeds members (the first n_seeds: runs["tied", MINIBATCH])
    ordering_initial_embeddings: tuple[np.ndarray, ...] = ()  # (V, 1) per ordering seed at step 0

    def final_gap(self, variant: str, regime: str = MINIBATCH) -> np.ndarray:
        return self.runs[variant, regime].final_gap

    def signed_embeddings(self, regime: str, variant: str = "tied") -> list[np.ndarray]:
        """Each seed's D = 1 values, with the sign that makes their sum positive (tied: E → −E is a symmetry)."""
        return _signed(self.runs[variant, regime].embeddings)

    def signed_initial_embeddings(self) -> list[np.ndarray]:
        """Each seed's D = 1 values at step 0 (the init every variant starts from), sign fixed the same way."""
        return _signed(self.initial_embeddings)

    def signed_ordering_embeddings(self, initial: bool = False) -> list[np.ndarray]:
        """The tied batch-128 values of every ordering seed (at step 0 when ``initial``), sign fixed the same way."""
        return _signed(self.ordering_initial_embeddings if initial else self.ordering.embeddings)


def _signed(tables) -> list[np.ndarray]:
    return [e[:, 0] * np.sign(e.sum()) for e in tables]


def _first_members(stack: TrainedStack, n: int) -> TrainedStack:
    """The first ``n`` members of ``stack`` (members train independently: the same as a stack of those alone)."""
    log = TrainLog(steps=stack.log.steps, gaps=stack.log.gaps[:, :n],
                   extras={k: [row[:n] for row in v] for k, v in stack.log.extras.items()})
    return TrainedStack(log, stack.embeddings[:n])


def _run_d1(config: D1Config, seeds: Seeds, device: str) -> D1Result:
    n_order = max(config.n_seeds, config.order_seeds)
    init, data_seeds = seeds("init", n_order), list(seeds("data", n_order))
    batches = {MINIBATCH: config.batch, FULL_BATCH: None}
    runs, ordering = {}, None
    for name, tied, layernorm in config.variants:
        steps = config.steps_of(layernorm)
        for regime in REGIMES:
            n = n_order if (name, regime) == ("tied", MINIBATCH) else config.n_seeds  # the ordering seeds ride along
            stack = _train(
                config.data, [Member(1, seed=s) for s in init[:n]], device=device, tied=tied, layernorm=layernorm,
                steps=steps, optim=OptimizerSpec("adam", config.lr), batch_size=batches[regime],
                data_seeds=data_seeds[:n], eval_steps=log_spaced_steps(steps, per_decade=config.evals_per_decade))
            if n > config.n_seeds:
                ordering, stack = stack, _first_members(stack, config.n_seeds)
            runs[name, regime] = stack
    initial = EmbedUnembedStack(config.V, [Member(1, seed=s) for s in init], tied=True)
    initial_embeddings = tuple(initial.embedding(k).cpu().numpy() for k in range(n_order))
    return D1Result(runs, sampled_loss_standard_error(config.data, POST_EVAL_BATCH), initial_embeddings[:config.n_seeds],
                    ordering or runs["tied", MINIBATCH], initial_embeddings)


def _setup_d1(config: D1Config) -> dict:
    return {
        "V": config.V, "alpha": config.alpha, "D": 1,
        "batch": f"{config.batch} fresh pairs per step (the post); full batch (exact gradient) as the alternative",
        "optimizer": f"Adam, lr {config.lr} (unstated; the lr of the post's schedule section)", "steps": config.steps,
        "init": "N(0, 1) (= N(0, 1/D) at D = 1, also nn.Embedding's default); LayerNorm weight 1, bias 0",
        "seeds": config.n_seeds, "evaluation": "exact loss gap L − S (float64)",
        "seeds of the ordering claims": f"{max(config.n_seeds, config.order_seeds)} (tied, batch {config.batch}; the "
                                        f"first {config.n_seeds} are the runs above): a run orders every pair or swaps one or more "
                                        "neighbouring pairs, so the per-seed values are coarse and the interval of their "
                                        "mean needs about ten seeds to sit clear of 1",
    }


def speedup(tied: TrainedStack, untied: TrainedStack) -> np.ndarray:
    """Per seed: steps the tied model needs to reach its final gap, over steps the untied one needs for the same gap."""
    steps = np.asarray(tied.log.steps)
    out = [first_step_at_or_below(steps, tied.log.gaps[:, k], level)
           / first_step_at_or_below(steps, untied.log.gaps[:, k], level)
           for k, level in enumerate(tied.log.final_gap)]
    return _nan_if_diverged(out, tied.log, untied.log)


def speedup_of_compressed(stack: TrainedStack, factor: float = 2.0) -> np.ndarray:
    """Per seed: ``speedup`` of a run against its own curve on a step axis divided by ``factor`` (a planted model
    ``factor`` times as fast): ``factor`` exactly, whatever the evaluation grid."""
    steps = np.asarray(stack.log.steps, dtype=np.float64)
    out = [first_step_at_or_below(steps, stack.log.gaps[:, k], level)
           / first_step_at_or_below(steps / factor, stack.log.gaps[:, k], level)
           for k, level in enumerate(stack.log.final_gap)]
    return _nan_if_diverged(out, stack.log)


def layernorm_construction_gaps(tasks: tuple[tuple[int, float], ...]) -> tuple[list[float], list[float]]:
    """The update's construction, per (V, α): tied D = 1, E_y = log p_y, affine LayerNorm with bias 1, float64.

    Returns the exact loss gaps and, per task, the spread of the LayerNorm output over tokens (0: LN(E_x) = bias).
    """
    gaps, spread = [], []
    for V, alpha in tasks:
        data = ZipfUnigram(V=V, alpha=alpha)
        model = EmbedUnembed(V, Member(width=1), tied=True, layernorm="affine").double()
        with torch.no_grad():
            model.embed.weight.copy_(torch.log(data.probs)[:, None])
            model.norm.bias.fill_(1.0)
            hidden = model.norm(model.embed.weight)
        spread.append(float(hidden.max() - hidden.min()))
        gaps.append(float(data.loss_gap(model.logit_table())))
    return gaps, spread


def figure_d1_curves(result: D1Result, config: D1Config):
    """Exact loss gap against step, one panel per regime, one line per seed."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, regime in zip(axes, REGIMES):
        for color, (name, _, _) in zip(("C0", "C1", "C2", "C3"), config.variants):
            log = result.runs[name, regime].log
            steps = np.maximum(log.steps, 1)
            for k in range(log.gaps.shape[1]):
                ax.loglog(steps, np.maximum(log.gaps[:, k], 1e-16), color=color, alpha=0.8, label=name if k == 0 else None)
        ax.axhline(2 * result.post_eval_standard_error, color="k", ls=":", label="2 × SE of the post's 2M-sample evaluation")
        ax.set_title(f"batch {config.batch}" if regime == MINIBATCH else regime)
        ax.set_xlabel("step")
    axes[0].set_ylabel("L − S (nats)")
    axes[1].legend(fontsize=7)
    return fig


def figure_d1_embeddings(result: D1Result, config: D1Config):
    """Tied D = 1: learned value (sign fixed) against token frequency, per seed and regime."""
    import matplotlib.pyplot as plt

    p = config.data.probs.numpy()
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for regime, marker in zip(REGIMES, ("o", "x")):
        label = f"batch {config.batch}" if regime == MINIBATCH else regime
        for k, e in enumerate(result.signed_embeddings(regime)):
            ax.semilogx(p, e, marker + "-", color=f"C{k}", alpha=0.7, label=f"seed {k}, {label}")
    ax.set_xlabel("token frequency p_i")
    ax.set_ylabel("learned E_i (sign fixed)")
    ax.legend(fontsize=6)
    return fig


# ---------------------------------------------------------------------------
# Representation collapse (V = 100, D = 100)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CollapseVariant:
    """One way to train the collapse sweep."""

    name: str  # its label in the report
    init_std: float | None  # None: N(0, 1/D), the stack's default; 1.0: nn.Embedding's N(0, 1)
    full_batch: bool  # exact gradients instead of fresh minibatches
    n_seeds: int  # seeds per learning rate

    def __post_init__(self) -> None:
        require_type(self.name, "name", str, "a label (a str)")
        if self.init_std is not None:
            require_real(self.init_std, "init_std", lo=0, lo_open=True)
        require_bool(self.full_batch, "full_batch")
        require_int(self.n_seeds, "n_seeds", lo=1)


@dataclass(frozen=True)
class CollapseConfig:
    """Tied V = D = 100 training over a learning-rate sweep; n_eff of the embedding at every evaluation."""

    V: int = 100  # "Taking V = 100 and D = 100"
    alpha: float = 1.0  # the standard Zipf law
    D: int = 100  # embedding dimension
    lrs: tuple[float, ...] = (1e-3, 1e-2, 3e-2, 1e-1)  # two decades around the post's lrs (0.001, 0.01); 3e-2 fills the
    # decade where the ordering of n_eff with lr could reverse
    steps: int = 1000  # training steps
    batch: int = BATCH  # fresh pairs per step, unless a variant trains on full batch
    evals_per_decade: int = 8  # log-spaced evaluation steps (n_eff costs an SVD per member)
    variants: tuple[CollapseVariant, ...] = (  # the first is the judged one; the alternatives run one seed each
        CollapseVariant("N(0, 1/D) init, batch 128", None, False, 3),
        CollapseVariant("N(0, 1) init, batch 128", 1.0, False, 1),
        CollapseVariant("N(0, 1/D) init, full batch", None, True, 1),
    )

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_real(self.alpha, "alpha", lo=0)
        for name in ("D", "steps", "batch", "evals_per_decade"):
            require_int(getattr(self, name), name, lo=1)
        require_reals(self.lrs, "lrs", lo=0, lo_open=True)
        require_type(self.variants, "variants", tuple, "a non-empty tuple of CollapseVariant")
        require(len(self.variants) >= 1, "variants", "a non-empty tuple of CollapseVariant", self.variants)
        for k, v in enumerate(self.variants):
            require_type(v, f"variants[{k}]", CollapseVariant, "a CollapseVariant")
        require(len({v.name for v in self.variants}) == len(self.variants), "variants", "distinct names",
                [v.name for v in self.variants])

    @property
    def data(self) -> ZipfUnigram:
        return ZipfUnigram(V=self.V, alpha=self.alpha)

    @property
    def main(self) -> str:
        return self.variants[0].name


@dataclass(frozen=True)
class CollapseRun:
    """One variant: its stack (members ordered lr-major) and the lr of each member."""

    stack: TrainedStack
    lrs: tuple[float, ...]  # per member

    def n_eff_by_lr(self) -> dict[float, np.ndarray]:
        """lr -> n_eff of shape (evaluations, seeds)."""
        table = np.asarray(self.stack.log.extras["n_eff"])
        return {lr: table[:, [k for k, x in enumerate(self.lrs) if x == lr]] for lr in dict.fromkeys(self.lrs)}

    def final_gap_at(self, lr: float) -> np.ndarray:
        return self.stack.final_gap[[k for k, x in enumerate(self.lrs) if x == lr]]


@dataclass(frozen=True)
class CollapseResult:
    runs: dict[str, CollapseRun]  # variant name -> its run


def _run_collapse(config: CollapseConfig, seeds: Seeds, device: str) -> CollapseResult:
    def n_eff(model):
        tables = torch.stack([model.embedding(k) for k in range(len(model.members))])
        return {"n_eff": pca_effective_dimension_batched(tables).tolist()}

    runs = {}
    for v in config.variants:
        init, data_seeds = seeds("init", v.n_seeds), seeds("data", v.n_seeds)
        lrs = tuple(lr for lr in config.lrs for _ in init)
        stack = _train(config.data, [Member(config.D, seed=s, init_std=v.init_std) for _ in config.lrs for s in init],
                       device=device, steps=config.steps, optim=[OptimizerSpec("adam", lr) for lr in lrs],
                       batch_size=None if v.full_batch else config.batch,
                       data_seeds=[s for _ in config.lrs for s in data_seeds],
                       eval_steps=log_spaced_steps(config.steps, per_decade=config.evals_per_decade), on_eval=n_eff)
        runs[v.name] = CollapseRun(stack, lrs)
    return CollapseResult(runs)


def _setup_collapse(config: CollapseConfig) -> dict:
    return {
        "V": config.V, "alpha": config.alpha, "D": config.D, "tied": True, "optimizer": "Adam",
        "learning rates": list(config.lrs), "steps": config.steps, "batch": config.batch,
        "init": "N(0, 1/D) (the stack's default; unstated by the post)", "seeds": config.variants[0].n_seeds,
        "n_eff": "exp(entropy of PCA explained-variance ratios of E's rows), the post's definition",
        "alternatives (one seed per lr)": "; ".join(v.name for v in config.variants[1:]),
    }


def largest_final_to_initial_ratio(run: CollapseRun) -> np.ndarray:
    """Per seed: the largest final / initial n_eff over the lrs of the sweep (< 1 at every lr: n_eff fell)."""
    return np.max([n[-1] / n[0] for n in run.n_eff_by_lr().values()], axis=0)


def largest_rise_with_lr(run: CollapseRun, at: int = -1) -> np.ndarray:
    """Per seed: the largest increase of n_eff from one lr of the sweep to the next larger one, at evaluation ``at``.

    The default reads the final n_eff; ``at=0`` reads the init, where every lr's member starts from the same table
    (the same seed), so the rise is exactly 0.
    """
    values = np.array([n[at] for n in run.n_eff_by_lr().values()])  # (lrs, seeds)
    return np.max(np.diff(values, axis=0), axis=0)


def figure_collapse(result: CollapseResult, config: CollapseConfig):
    """n_eff against step, one panel per variant, one line per seed, one colour per lr."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(result.runs), figsize=(4 * len(result.runs), 3.2), sharey=True)
    for ax, (name, run) in zip(axes, result.runs.items()):
        for color, (lr, n_eff) in zip((f"C{i}" for i in range(10)), run.n_eff_by_lr().items()):
            for k in range(n_eff.shape[1]):
                ax.semilogx(np.maximum(run.stack.log.steps, 1), n_eff[:, k], color=color,
                            label=f"lr {lr:g}" if k == 0 else None)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step")
    axes[0].set_ylabel("PCA effective dimension n_eff")
    axes[0].legend(fontsize=7)
    return fig


# ---------------------------------------------------------------------------
# Loss scaling laws: L − L_min ∝ t^-β (D = 100, lr = 0.001)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ScalingConfig:
    """β of L − L_min ∝ t^-β per task (V, α), fitted per seed over a window fixed in advance."""

    D: int = 100  # embedding dimension
    lr: float = 1e-3  # constant
    steps: int = 3000  # training steps
    batch: int = BATCH  # fresh pairs per step
    window: tuple[int, int] = (300, 3000)  # judged fit window (see _setup_scaling)
    early_window: tuple[int, int] = (100, 1000)  # reported beside the verdicts: the decade from σ/lr, inside the transient
    n_seeds: int = 3  # the judged steps vary between seeds by more than the fits' own intervals, and with two seeds
    # the one-sided t bound (t(0.95, 1) = 6.3) spans zero at some seed offsets; three (t = 2.9) resolve it. V = 1000
    # costs ~3.5 ms per member and step, so no more than three
    V_sweep: tuple[int, ...] = (10, 100, 1000)  # decades, α = 1
    alpha_sweep: tuple[float, ...] = (0.5, 1.0, 2.0)  # at V = alpha_sweep_V
    alpha_sweep_V: int = 100  # vocabulary of the α sweep
    full_batch_tasks: tuple[tuple[int, float], ...] = ((10, 1.0), (100, 0.5), (100, 1.0), (100, 2.0))  # one seed
    # each, exact gradients; V = 1000 full-batch costs ~90 s: left out
    planted_step: float = 0.1  # the planted controls: β moved by this much per step of a sweep (0 for no trend)

    def __post_init__(self) -> None:
        for name in ("D", "steps", "batch", "n_seeds"):
            require_int(getattr(self, name), name, lo=1)
        require_real(self.lr, "lr", lo=0, lo_open=True)
        for name in ("window", "early_window"):  # steps, inclusive; a fit needs three evaluations inside
            require_index_range(getattr(self, name), name, lo=1, hi=self.steps)
        require_ints(self.V_sweep, "V_sweep", lo=2)
        require_reals(self.alpha_sweep, "alpha_sweep", lo=0)
        require_int(self.alpha_sweep_V, "alpha_sweep_V", lo=2)
        require_type(self.full_batch_tasks, "full_batch_tasks", tuple, "a tuple of (V, alpha) tasks")
        for k, task in enumerate(self.full_batch_tasks):
            require(isinstance(task, tuple) and len(task) == 2, f"full_batch_tasks[{k}]", "a (V, alpha) pair", task)
            require_int(task[0], f"full_batch_tasks[{k}] V", lo=2)
            require_real(task[1], f"full_batch_tasks[{k}] alpha", lo=0)
        require_real(self.planted_step, "planted_step")

    @property
    def V_tasks(self) -> list[tuple[int, float]]:
        return [(V, 1.0) for V in self.V_sweep]

    @property
    def alpha_tasks(self) -> list[tuple[int, float]]:
        return [(self.alpha_sweep_V, a) for a in self.alpha_sweep]

    @property
    def tasks(self) -> list[tuple[int, float]]:
        return sorted(set(self.V_tasks) | set(self.alpha_tasks))


@dataclass(frozen=True)
class ScalingTask:
    """One task's stack and, per fit window, each member's power-law fit of gap against step."""

    stack: TrainedStack
    fits: dict[tuple[int, int], list[PowerLawFit]]

    def betas(self, window: tuple[int, int]) -> np.ndarray:
        """(seeds, 3): β, CI low, CI high per member."""
        return np.array([beta(f) for f in self.fits[window]])


@dataclass(frozen=True)
class ScalingResult:
    tasks: dict[tuple[int, float], ScalingTask]  # (V, α) -> batch-128 runs, fitted in both windows
    full_batch: dict[tuple[int, float], ScalingTask]  # (V, α) -> one full-batch run, fitted in the judged window


def _run_scaling(config: ScalingConfig, seeds: Seeds, device: str) -> ScalingResult:
    init, data_seeds = seeds("init", config.n_seeds), list(seeds("data", config.n_seeds))
    dense_from = config.early_window[0]  # 20 evaluations per decade from there on, 5 before
    dense = [s for s in log_spaced_steps(config.steps, per_decade=20) if s >= dense_from]
    eval_steps = sorted(set(log_spaced_steps(dense_from, per_decade=5)) | {dense_from} | set(dense))
    tasks = {}
    for V, alpha in config.tasks:
        stack = _train(ZipfUnigram(V=V, alpha=alpha), [Member(config.D, seed=s) for s in init], device=device,
                       steps=config.steps, optim=OptimizerSpec("adam", config.lr), batch_size=config.batch,
                       data_seeds=data_seeds, eval_steps=eval_steps)
        if stack.log.diverged.any():
            raise ArithmeticError(f"training diverged at V={V}, alpha={alpha}")
        tasks[V, alpha] = ScalingTask(stack, {w: window_fits(stack.log.steps, stack.log.gaps, w)
                                              for w in (config.window, config.early_window)})
    full_batch = {}
    for V, alpha in config.full_batch_tasks:
        stack = _train(ZipfUnigram(V=V, alpha=alpha), [Member(config.D, seed=init[0])], device=device,
                       steps=config.steps, optim=OptimizerSpec("adam", config.lr), batch_size=None,
                       eval_steps=sorted(set(dense) | {0}))
        gaps = _nan_if_diverged(stack.log.gaps, stack.log)
        full_batch[V, alpha] = ScalingTask(stack, {config.window: window_fits(stack.log.steps, gaps, config.window)})
    return ScalingResult(tasks, full_batch)


def _setup_scaling(config: ScalingConfig) -> dict:
    (lo, hi), (early_lo, early_hi) = config.window, config.early_window
    sigma = 1 / np.sqrt(config.D)  # the init scale of N(0, 1/D)
    return {
        "D": config.D, "lr": config.lr, "tied": True, "optimizer": "Adam", "batch": config.batch, "steps": config.steps,
        "init": "N(0, 1/D)", "seeds": config.n_seeds, "V sweep (alpha = 1)": list(config.V_sweep),
        f"alpha sweep (V = {config.alpha_sweep_V})": list(config.alpha_sweep),
        "fit window": f"steps {lo}..{hi}, fixed in advance: it starts {lo / (sigma / config.lr):g}x after the time Adam "
                      f"needs to move a parameter by its init scale (σ/lr = {sigma:g}/{config.lr:g} = {sigma / config.lr:g} "
                      "steps) and spans one decade, ending before the smallest task (V = 10) reaches its batch-128 noise floor",
        "fit": "least squares of log(L − S) on log t over the evaluation steps in the window (20 per decade); 95% t-interval",
        "window sensitivity": f"the same quantities in the earlier window {early_lo}..{early_hi}, reported, not judged",
        "planted controls": f"each task's measured curves tilted by t^(β_fit − β_planted) in the window, so each refit has "
                            f"β_planted and the measured residuals (its 95% interval keeps its measured width): a trend "
                            f"of {config.planted_step:g} per sweep step in the claimed direction, and no trend",
    }


def largest_unresolved_step(result: ScalingResult, tasks, sign: int, window: tuple[int, int]) -> np.ndarray:
    """Per seed, over consecutive tasks: the largest (CI-high of the later β − CI-low of the earlier β) × sign.

    With sign = −1 it is <= 0 exactly when every step down the sweep lowers β beyond both 95% intervals;
    with sign = +1, when every step raises it beyond them (then the earlier's CI-high is below the later's CI-low).
    """
    return _unresolved(np.array([result.tasks[t].betas(window) for t in tasks]), sign)


def planted_unresolved_step(result: ScalingResult, tasks, sign: int, window: tuple[int, int], step: float) -> np.ndarray:
    """``largest_unresolved_step`` of the measured curves tilted to a planted trend: β_k = β_0 + sign · step · k.

    Each seed's curve of task k is multiplied by t^(β_fit − β_k) over the window, so its refit has slope −β_k and
    the measured residuals (its interval keeps the measured width); β_0 is the seed's fitted β of the first task.
    ``step`` = 0 plants no trend.
    """
    base, betas = result.tasks[tasks[0]].betas(window)[:, 0], []
    for k, task in enumerate(tasks):
        log, fits = result.tasks[task].stack.log, result.tasks[task].fits[window]
        steps = np.asarray(log.steps, dtype=np.float64)
        planted = base + sign * step * k
        tilted = np.stack([log.gaps[:, m] * np.maximum(steps, 1) ** (beta(fits[m])[0] - planted[m])
                           for m in range(len(fits))], axis=1)
        betas.append([beta(f) for f in window_fits(steps, tilted, window)])
    return _unresolved(np.array(betas), sign)


def _unresolved(betas: np.ndarray, sign: int) -> np.ndarray:
    """Per seed: the largest unresolved step of ``betas`` (tasks, seeds, (β, lo, hi)) in the direction ``sign``."""
    if sign < 0:
        gaps = betas[1:, :, 2] - betas[:-1, :, 1]  # later hi − earlier lo
    else:
        gaps = betas[:-1, :, 2] - betas[1:, :, 1]  # earlier hi − later lo
    return np.max(gaps, axis=0)


def figure_scaling(result: ScalingResult, config: ScalingConfig):
    """Loss gap against step for the V and α sweeps, the fit window shaded, the fitted power laws dashed."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, tasks, values, label in ((axes[0], config.V_tasks, config.V_sweep, "V = {}"),
                                     (axes[1], config.alpha_tasks, config.alpha_sweep, "α = {}")):
        for color, task, value in zip(("C0", "C1", "C2"), tasks, values):
            run, fits = result.tasks[task].stack, result.tasks[task].fits[config.window]
            steps = np.maximum(run.log.steps, 1)
            for k, fit in enumerate(fits):
                ax.loglog(steps, run.log.gaps[:, k], color=color, alpha=0.6,
                          label=f"{label.format(value)}: β = {-fit.exponent:.3f}" if k == 0 else None)
                ax.loglog(config.window, fit.predict(config.window), "k--", lw=0.8)
        ax.axvspan(*config.window, color="0.9", zorder=0)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("L − L_min (nats)")
    return fig


# ---------------------------------------------------------------------------
# Learning rate decay (V = 100, α = 1)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DecayConfig:
    """Constant lr against linear decay over the final steps, several D, both readings of the post's step count."""

    V: int = 100  # vocabulary
    alpha: float = 1.0  # the standard Zipf law
    lr: float = 0.01  # peak lr: "from 0.01 to 0.001"
    Ds: tuple[int, ...] = (1, 4, 16)  # embedding dimensions
    decay_steps: int = 1000  # "over the final 1000 steps"
    final_factor: float = 0.1  # 0.01 → 0.001
    readings: tuple[int, ...] = (3000, 2000)  # total steps: 2000 + 1000 decaying, or 2000 with the last 1000 decaying
    batch: int = BATCH  # fresh pairs per step; the full-batch alternative runs the first reading with one seed
    n_seeds: int = 3  # per D
    eval_every: int = 100  # evaluation steps

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_real(self.alpha, "alpha", lo=0)
        require_real(self.lr, "lr", lo=0, lo_open=True)
        require_ints(self.Ds, "Ds", lo=1)
        require_real(self.final_factor, "final_factor", lo=0, hi=1)
        for name in ("batch", "n_seeds", "eval_every"):
            require_int(getattr(self, name), name, lo=1)
        require_int(self.decay_steps, "decay_steps", lo=0)
        # every reading is read at its last step and where its decay starts: both must be evaluation steps, and the
        # decay must fit the run (else the results are looked up at steps never evaluated, after training)
        require_ints(self.readings, "readings", lo=max(1, self.decay_steps))
        require(all(r % self.eval_every == 0 for r in self.readings) and self.decay_steps % self.eval_every == 0,
                "readings, decay_steps", f"multiples of eval_every = {self.eval_every}", (self.readings, self.decay_steps))

    @property
    def data(self) -> ZipfUnigram:
        return ZipfUnigram(V=self.V, alpha=self.alpha)

    @property
    def schedule(self) -> LRSchedule:
        return LRSchedule(decay_steps=self.decay_steps, final_factor=self.final_factor)


@dataclass(frozen=True)
class DecayResult:
    """Stacks (members D-major, then seed) keyed "constant", "decay {steps}", and "..., full batch" for the first reading.

    The constant-lr run trains for the longest reading and is read at each reading's last step.
    """

    runs: dict[str, TrainedStack]
    Ds: tuple[int, ...]

    def constant_gap(self, steps: int, full_batch: bool = False) -> np.ndarray:
        """Gap of the constant-lr run at ``steps``: (D, seeds)."""
        log = self.runs["constant" + (", full batch" if full_batch else "")].log
        return log.gaps[log.steps.index(steps)].reshape(len(self.Ds), -1)

    def improvement(self, steps: int, full_batch: bool = False, at: int | None = None) -> np.ndarray:
        """Gap with constant lr minus gap with decay, both at step ``at`` (default: the reading's last step ``steps``)
        of the ``steps``-step reading: (D, seeds); > 0 means decay helps.

        Read where the decay starts (``at = steps − decay_steps``), both runs are still the same model (same init,
        same batches, lr factor 1): the improvement there is exactly 0.
        """
        suffix, at = (", full batch" if full_batch else ""), steps if at is None else at
        constant, decayed = self.runs["constant" + suffix].log, self.runs[f"decay {steps}{suffix}"].log
        gain = constant.gaps[constant.steps.index(at)] - decayed.gaps[decayed.steps.index(at)]
        return _nan_if_diverged(gain, constant, decayed).reshape(len(self.Ds), -1)


def _run_decay(config: DecayConfig, seeds: Seeds, device: str) -> DecayResult:
    def run(schedule: LRSchedule, steps: int, batch: int | None, n: int) -> TrainedStack:
        init, data_seeds = seeds("init", n), seeds("data", n)
        return _train(config.data, [Member(D, seed=s) for D in config.Ds for s in init], device=device, steps=steps,
                      optim=OptimizerSpec("adam", config.lr), schedule=schedule, batch_size=batch,
                      data_seeds=[s for _ in config.Ds for s in data_seeds],
                      eval_steps=list(range(0, steps + 1, config.eval_every)))

    longest = max(config.readings)
    runs = {"constant": run(LRSchedule(), longest, config.batch, config.n_seeds)}
    runs |= {f"decay {steps}": run(config.schedule, steps, config.batch, config.n_seeds) for steps in config.readings}
    runs["constant, full batch"] = run(LRSchedule(), config.readings[0], None, 1)
    runs[f"decay {config.readings[0]}, full batch"] = run(config.schedule, config.readings[0], None, 1)
    return DecayResult(runs, config.Ds)


def _setup_decay(config: DecayConfig) -> dict:
    return {
        "V": config.V, "alpha": config.alpha, "D": list(config.Ds), "tied": True, "optimizer": "Adam",
        "peak lr": config.lr, "batch": config.batch, "init": "N(0, 1/D)", "seeds": config.n_seeds,
        "schedule": f"linear decay to {config.final_factor:g} × peak over the final {config.decay_steps} steps",
        "baseline": f"constant lr {config.lr:g} for the same number of steps, same seeds and batches",
        "alternative": f"full batch, one seed per D, {config.readings[0]}-step reading",
    }


def figure_decay(result: DecayResult, config: DecayConfig):
    """Mean gap against step per D and schedule (left); the improvement by D for each reading (right)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    names = ["constant", *(f"decay {steps}" for steps in config.readings)]
    for color, (i, D) in zip(("C0", "C1", "C2"), enumerate(config.Ds)):
        for name, ls in zip(names, ("-", "--", ":")):
            log = result.runs[name].log
            cols = slice(i * config.n_seeds, (i + 1) * config.n_seeds)
            axes[0].semilogy(log.steps[1:], log.gaps[1:, cols].mean(axis=1), ls, color=color, label=f"D={D}, {name}")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("L − S (nats), mean of seeds")
    axes[0].legend(fontsize=6, ncol=2)
    for offset, steps in zip((-0.15, 0.15), config.readings):
        gain = result.improvement(steps)
        x = np.arange(len(config.Ds)) + offset
        axes[1].bar(x, gain.mean(axis=1), width=0.3, yerr=gain.std(axis=1, ddof=1), label=f"{steps} steps in all")
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set_xticks(range(len(config.Ds)), [f"D={D}" for D in config.Ds])
    axes[1].set_ylabel("constant − decayed gap (nats)")
    axes[1].legend(fontsize=7)
    return fig


# ---------------------------------------------------------------------------
# One entry point
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Configs:
    """One config per experiment of the source."""

    d1: D1Config = D1Config()
    collapse: CollapseConfig = CollapseConfig()
    scaling: ScalingConfig = ScalingConfig()
    decay: DecayConfig = DecayConfig()

    def __post_init__(self) -> None:
        for name, kind in (("d1", D1Config), ("collapse", CollapseConfig), ("scaling", ScalingConfig),
                           ("decay", DecayConfig)):
            require_type(getattr(self, name), name, kind, f"a {kind.__name__}")


_CI = Configs()
CONFIGS = {"ci": _CI, "paper": _CI}  # the ci run already trains at the post's own sizes: "paper" is the same

_EXPERIMENTS = {  # config type -> (run, setup)
    D1Config: (_run_d1, _setup_d1),
    CollapseConfig: (_run_collapse, _setup_collapse),
    ScalingConfig: (_run_scaling, _setup_scaling),
    DecayConfig: (_run_decay, _setup_decay),
}


@cache
def run(config: D1Config | CollapseConfig | ScalingConfig | DecayConfig, seeds: Seeds, device: str = "cpu"):
    """Train the experiment ``config`` describes (memoised: the claims of one experiment share one run)."""
    return _EXPERIMENTS[type(config)][0](config, seeds, device)


def setup(config: D1Config | CollapseConfig | ScalingConfig | DecayConfig) -> dict:
    """The setup table of the claims on this experiment, derived from its config."""
    return _EXPERIMENTS[type(config)][1](config)
