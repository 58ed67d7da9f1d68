"""Source 000's training of a width sweep on the low-rank bigram, shared by its trained experiments.

The post's dataset (``LowRankBigram``: P = row-softmax(scale · A Λ B / √R)) and
its untied embedding → unembedding model of width N (``EmbedUnembedStack``,
``tied=False``), trained on the exact population loss. A sweep trains one
batched stack per dataset (members of a stack share one loss, hence one
dataset), holding every width, init and optimizer variant (``Arm``). The
experiments that train sweeps: ``experiments.bigram_critical`` (Observation 1)
and ``experiments.bigram_scaling`` (Observation 2, the Λ knob, the per-token question).

The post names no optimizer, init or step count (``Recipe``): full-batch Adam on
the exact loss, peak lr 0.03 linearly decayed to 1% over the second half, from
the stack's default init (normal, std 1/√N), with the alternatives peak lr 0.01
and a small init (std 0.01) trained in the same stacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.training import log_spaced_steps, train
from toy_claims.models.datasets import LowRankBigram
from toy_claims.models.embedding import EmbedUnembedStack, Member
from toy_claims.models.validation import require_int, require_real, require_seed, require_type

__all__ = [
    "STREAMS", "FLOAT32_EPS", "REACH", "REACH_WHY", "MAIN", "SLOW_LR", "SMALL_INIT", "OTHER_INIT",
    "Recipe", "Arm", "Sweep", "train_sweep", "training_setup",
]

STREAMS = ("dataset", "init")  # lab.seeds: the order is fixed (dataset seeds 0.., init seeds 1000..)
FLOAT32_EPS = 2.0**-23  # relative resolution of the float32 training loss
MAIN, SLOW_LR, SMALL_INIT, OTHER_INIT = "main", "lr 0.01", "init std 0.01", "second init"  # variant labels
REACH = 1e-5  # relative gap (L − L0)/L0 up to which a width "reaches L0" (REACH_WHY): the sweeps' training floor
REACH_WHY = ("measured training floor: over dataset seeds 0–14 (V = 10, R = 3, 4 inits, this budget) the largest "
             "relative gap of any N ≥ R was 2.3e-6 (dataset seed 8, whose rare transitions, P ~ 1e-5, leave nearly "
             "flat directions that over-parameterised widths converge along slowly; all other seeds ≤ 1e-7, most at "
             "the float32 level ~1e-15); the line sits ~4× above that and 200× below the smallest N < R gap (2.0e-3, "
             "dataset seed 12)")


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


_TRAINING = {
    "model": "untied embedding → unembedding, logits = E Uᵀ, no bias (EmbedUnembedStack, tied=False), float32",
    "training (post silent; our choice)": "full-batch Adam on the exact population loss, peak lr {peak_lr:g}, linear "
                                         "decay to {final_factor:g}× over the second half; init normal with std 1/√N",
    "alternatives trained alongside": "peak lr {slow_lr:g}; init std {small_init_std:g} (same inits, steps and schedule)",
    "evaluation": "exact π-weighted KL = L − L0 in float64 (dataset.loss_gap)",
}


def training_setup(recipe: Recipe) -> dict[str, str]:
    """The setup-table rows of how a sweep trains, from its recipe."""
    return {k: v.format(**vars(recipe)) for k, v in _TRAINING.items()}
