"""Source 000's Observation 1 (N_c ≈ R): a width sweep around N = R on a small vocabulary, several inits per width.

V = 10, R = 3, N ∈ {1..6, 10}: one stack per dataset seed (``experiments.bigram_sweep``) holding every width,
``inits`` init seeds each, for the main recipe and its two alternatives (peak lr 0.01, init std 0.01). What a
width can achieve is the best of its inits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from toy_claims.experiments.bigram_sweep import (
    FLOAT32_EPS, MAIN, SLOW_LR, SMALL_INIT, STREAMS, Arm, Recipe, Sweep, train_sweep, training_setup,
)
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import LowRankBigram
from toy_claims.models.validation import require_int, require_ints, require_type

__all__ = ["CriticalConfig", "CONFIGS", "CriticalResult", "run", "setup", "CRITICAL", "relative_gaps",
           "truncated_table_relative_gap", "figure_loss_curves"]


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


CONFIGS = {"ci": CriticalConfig(), "paper": CriticalConfig()}  # the source has no larger size: paper runs the ci one


@dataclass(frozen=True)
class CriticalResult:
    """One sweep per dataset seed."""

    sweeps: tuple[Sweep, ...]


def run(config: CriticalConfig, seeds: Seeds, device: str) -> CriticalResult:
    """Every width × init × variant as one stack per dataset seed."""
    inits = seeds("init", config.inits)
    arms = [Arm(v, n, s) for v in (MAIN, SLOW_LR, SMALL_INIT) for n in config.widths for s in inits]
    return CriticalResult(tuple(train_sweep(LowRankBigram(V=config.V, R=config.R, seed=s), arms, config.steps,
                                            config.recipe, device)
                                for s in seeds("dataset", config.dataset_seeds)))


def setup(config: CriticalConfig) -> dict:
    """The setup table of the Observation 1 claims, derived from the config."""
    return {"V": config.V, "R": config.R, "Λ": "identity", "logit scale": 1.0, "N": list(config.widths),
            "dataset seeds": config.dataset_seeds, "inits per N": config.inits, "steps": config.steps,
            **training_setup(config.recipe),
            "judged": "best of the inits per N and dataset seed (what width N *can* achieve)"}


CRITICAL = Experiment("bigram-v10", CONFIGS, STREAMS, run, setup)  # what the Observation 1 claims read


def relative_gaps(sweeps, widths: tuple[int, ...], pick, variant: str = MAIN) -> list[float]:
    """Per dataset seed: pick (min or max) over ``widths`` of the best relative gap (L − L0)/L0."""
    return [float(pick([sw.best(n, variant) for n in widths])) / sw.L0 for sw in sweeps]  # NaN propagates


def truncated_table_relative_gap(data: LowRankBigram, rank: int) -> float:
    """(L − L0)/L0 of an untrained rank-``rank`` logit table: the best Frobenius rank-``rank`` approximation of the
    row-centred true logits (for rank < R it cannot reach L0: softmax ignores only row constants)."""
    L = data.logits.to(torch.float64)
    U, S, Vh = torch.linalg.svd(L - L.mean(dim=1, keepdim=True))
    return float(data.loss_gap((U[:, :rank] * S[:rank]) @ Vh[:rank])) / data.optimal_loss


def figure_loss_curves(result: CriticalResult, config: CriticalConfig, reach: float):
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
