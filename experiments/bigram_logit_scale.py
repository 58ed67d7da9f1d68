"""Source 000's logit-scale knob: the exact optimal loss L0 of the low-rank bigram against its logit scale.

No training: for each dataset seed and scale, ``LowRankBigram(logit_scale=s)``'s exact L0 = Σ_x π_x H(P[x]) and
the π-weighted top probability Σ_x π_x max_y P[x, y] (how deterministic the dataset is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import LowRankBigram
from toy_claims.models.validation import require_int, require_reals

__all__ = ["STREAMS", "LogitScaleConfig", "CONFIGS", "LogitScaleResult", "run", "setup", "LOGIT_SCALE",
           "figure_l0_vs_scale"]

STREAMS = ("dataset",)  # lab.seeds: dataset seeds 0.. (the first stream, as in experiments.bigram_sweep)


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


CONFIGS = {"ci": LogitScaleConfig(), "paper": LogitScaleConfig()}  # the source has no larger size


@dataclass(frozen=True)
class LogitScaleResult:
    """Exact L0 and the π-weighted top probability per dataset seed and logit scale."""

    seeds: tuple[int, ...]
    L0: np.ndarray  # (seeds, scales), nats
    top: np.ndarray  # (seeds, scales): Σ_x π_x max_y P[x, y]


def run(config: LogitScaleConfig, seeds: Seeds, device: str) -> LogitScaleResult:
    """Exact L0 and top probability of every (dataset seed, scale); ``device`` is not used (no training)."""
    data_seeds = seeds("dataset", config.dataset_seeds)
    data = [[LowRankBigram(V=config.V, R=config.R, logit_scale=s, seed=seed) for s in config.scales]
            for seed in data_seeds]
    L0 = np.array([[d.optimal_loss for d in row] for row in data])
    top = np.array([[float(d.stationary @ d.transition.max(dim=1).values) for d in row] for row in data])
    return LogitScaleResult(data_seeds, L0, top)


def setup(config: LogitScaleConfig) -> dict:
    """The setup table of the logit-scale claim, derived from the config."""
    return {"V": config.V, "R": config.R, "Λ": "identity", "logit scales": list(config.scales),
            "dataset seeds": config.dataset_seeds, "L0": "exact conditional entropy Σ_x π_x H(P[x]) (no training)"}


LOGIT_SCALE = Experiment("bigram-logit-scale", CONFIGS, STREAMS, run, setup)  # what the logit-scale claim reads


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
