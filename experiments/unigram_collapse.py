"""Source 001, "Representation collapse": the PCA effective dimension of a V = D = 100 embedding during training.

Tied V = D = 100 training over two decades of learning rate at the post's batch 128 (``unigram_common``), n_eff of the
embedding at every evaluation; the alternatives (nn.Embedding's N(0, 1) init, exact full-batch gradients) run one seed
each. Every lr's member of a seed starts from the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from toy_claims.experiments.unigram_common import BATCH, STREAMS, TrainedStack, train_stack
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.metrics import pca_effective_dimension_batched
from toy_claims.lab.optim import OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.training import log_spaced_steps
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import Member
from toy_claims.models.validation import require, require_bool, require_int, require_real, require_reals, require_type

__all__ = [
    "STREAMS", "CollapseVariant", "CollapseConfig", "CONFIGS", "CollapseRun", "CollapseResult", "run", "setup",
    "COLLAPSE", "largest_final_to_initial_ratio", "largest_rise_with_lr", "figure_collapse",
]


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
    variants: tuple[CollapseVariant, ...] = (  # the first is the judged one; N(0, 1) init is a judged reading, so it
        # has the same seeds; full batch, a control, runs one seed
        CollapseVariant("N(0, 1/D) init, batch 128", None, False, 3),
        CollapseVariant("N(0, 1) init, batch 128", 1.0, False, 3),
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



CONFIGS = dict.fromkeys(("ci", "paper"), CollapseConfig())  # the ci run already trains at the post's own sizes


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


@cache
def run(config: CollapseConfig, seeds: Seeds, device: str = "cpu") -> CollapseResult:
    """Train every variant over the lr sweep (memoised: the claims of the experiment share one run)."""
    def n_eff(model, _log_probs):
        tables = torch.stack([model.embedding(k) for k in range(len(model.members))])
        return {"n_eff": pca_effective_dimension_batched(tables).tolist()}

    runs = {}
    for v in config.variants:
        init, data_seeds = seeds("init", v.n_seeds), seeds("data", v.n_seeds)
        lrs = tuple(lr for lr in config.lrs for _ in init)
        stack = train_stack(config.data, [Member(config.D, seed=s, init_std=v.init_std) for _ in config.lrs for s in init],
                            device=device, steps=config.steps, optim=[OptimizerSpec("adam", lr) for lr in lrs],
                            batch_size=None if v.full_batch else config.batch,
                            data_seeds=[s for _ in config.lrs for s in data_seeds],
                            eval_steps=log_spaced_steps(config.steps, per_decade=config.evals_per_decade), on_eval=n_eff)
        runs[v.name] = CollapseRun(stack, lrs)
    return CollapseResult(runs)


def setup(config: CollapseConfig) -> dict:
    """The setup table of the collapse claims, derived from the config."""
    return {
        "V": config.V, "alpha": config.alpha, "D": config.D, "tied": True, "optimizer": "Adam",
        "learning rates": list(config.lrs), "steps": config.steps, "batch": config.batch,
        "init": "N(0, 1/D) (the stack's default; unstated by the post)", "seeds": config.variants[0].n_seeds,
        "n_eff": "exp(entropy of PCA explained-variance ratios of E's rows), the post's definition",
        "alternatives": "; ".join(f"{v.name} ({v.n_seeds} seed{'s' * (v.n_seeds > 1)} per lr)" for v in config.variants[1:]),
    }


def largest_final_to_initial_ratio(run: CollapseRun) -> np.ndarray:
    """Per seed: the largest final / initial n_eff over the lrs of the sweep (< 1 at every lr: n_eff fell)."""
    return np.max([n[-1] / n[0] for n in run.n_eff_by_lr().values()], axis=0)


def largest_rise_with_lr(run: CollapseRun, at: int = -1, lrs: tuple[float, ...] | None = None) -> np.ndarray:
    """Per seed: the largest increase of n_eff from one lr of the sweep to the next larger one, at evaluation ``at``.

    The default reads the final n_eff; ``at=0`` reads the init, where every lr's member starts from the same table
    (the same seed), so the rise is exactly 0. ``lrs`` reads a sub-grid of the sweep (another grid a reader of the
    source could have chosen); with two lrs it is the change from the smaller to the larger, end to end.
    """
    table = run.n_eff_by_lr()
    grid = tuple(table) if lrs is None else tuple(lrs)
    require(len(grid) >= 2 and all(lr in table for lr in grid) and list(grid) == sorted(set(grid)), "lrs",
            f"None or at least two increasing lrs of the sweep {tuple(table)}", lrs)
    values = np.array([table[lr][at] for lr in grid])  # (lrs, seeds)
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


COLLAPSE = Experiment("unigram-collapse", CONFIGS, STREAMS, run, setup)  # what the collapse claims read
