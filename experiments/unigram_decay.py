"""Source 001, "Learning rate decay": constant lr 0.01 against linear decay to 0.001 over the final 1000 steps.

V = 100, several D, at the post's batch 128 (``unigram_common``), paired seeds and batches across schedules; both
readings of the post's step count (2000 constant + 1000 decaying, or 2000 in all); exact full-batch gradients as the
alternative (the first reading, the same seeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from toy_claims.experiments.unigram_common import BATCH, STREAMS, TrainedStack, train_stack
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import Member
from toy_claims.models.validation import require, require_int, require_ints, require_real

__all__ = ["STREAMS", "DecayConfig", "CONFIGS", "DecayResult", "run", "setup", "DECAY", "figure_decay"]


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
    batch: int = BATCH  # fresh pairs per step; the full-batch alternative runs the first reading, the same seeds
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



CONFIGS = dict.fromkeys(("ci", "paper"), DecayConfig())  # the ci run already trains at the post's own sizes


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
        return gain.reshape(len(self.Ds), -1)


@cache
def run(config: DecayConfig, seeds: Seeds, device: str = "cpu") -> DecayResult:
    """Train both schedules at every reading and D (memoised: the claims of the experiment share one run)."""

    def train_schedule(schedule: LRSchedule, steps: int, batch: int | None, n: int) -> TrainedStack:
        init, data_seeds = seeds("init", n), seeds("data", n)
        return train_stack(config.data, [Member(D, seed=s) for D in config.Ds for s in init], device=device, steps=steps,
                           optim=OptimizerSpec("adam", config.lr), schedule=schedule, batch_size=batch,
                           data_seeds=[s for _ in config.Ds for s in data_seeds],
                           eval_steps=list(range(0, steps + 1, config.eval_every)))

    longest = max(config.readings)
    runs = {"constant": train_schedule(LRSchedule(), longest, config.batch, config.n_seeds)}
    runs |= {f"decay {steps}": train_schedule(config.schedule, steps, config.batch, config.n_seeds)
             for steps in config.readings}
    runs["constant, full batch"] = train_schedule(LRSchedule(), config.readings[0], None, config.n_seeds)
    runs[f"decay {config.readings[0]}, full batch"] = train_schedule(config.schedule, config.readings[0], None,
                                                                     config.n_seeds)
    return DecayResult(runs, config.Ds)


def setup(config: DecayConfig) -> dict:
    """The setup table of the decay claims, derived from the config."""
    return {
        "V": config.V, "alpha": config.alpha, "D": list(config.Ds), "tied": True, "optimizer": "Adam",
        "peak lr": config.lr, "batch": config.batch, "init": "N(0, 1/D)", "seeds": config.n_seeds,
        "schedule": f"linear decay to {config.final_factor:g} × peak over the final {config.decay_steps} steps",
        "baseline": f"constant lr {config.lr:g} for the same number of steps, same seeds and batches",
        "alternative": f"full batch, the same seeds, {config.readings[0]}-step reading",
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


DECAY = Experiment("unigram-decay", CONFIGS, STREAMS, run, setup)  # what the decay claims read
