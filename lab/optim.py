"""Optimizer settings, learning-rate schedules, and the one place a torch optimizer is built.

Every training engine (the embedding stack, the sequence models, CBOW) describes
what it wants as an ``OptimizerSpec`` plus torch parameter groups and calls
``build_optimizer``; weight decay is always explicit (torch's AdamW defaults to 0.01).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from models.validation import require, require_choice

__all__ = ["OPTIMIZERS", "OptimizerSpec", "LRSchedule", "build_optimizer"]

OPTIMIZERS = ("adam", "adamw", "sgd")


@dataclass(frozen=True)
class OptimizerSpec:
    """Optimizer of one member. Weight decay is always explicit (torch's AdamW defaults to 0.01)."""

    name: str = "adam"  # one of OPTIMIZERS
    lr: float = 1e-3  # peak learning rate
    weight_decay: float = 0.0  # L2 penalty for adam/sgd, decoupled decay for adamw
    momentum: float = 0.0  # sgd only

    def __post_init__(self) -> None:
        require_choice(self.name, "optimizer", OPTIMIZERS)
        require(math.isfinite(self.lr) and self.lr > 0, "lr", "a finite number > 0", self.lr)
        require(math.isfinite(self.weight_decay) and self.weight_decay >= 0, "weight_decay", "a finite number >= 0", self.weight_decay)
        require(0 <= self.momentum < 1, "momentum", "in [0, 1)", self.momentum)


@dataclass(frozen=True)
class LRSchedule:
    """Learning-rate multiplier over training, as source 001 describes schedules.

    Linear warmup from 0 over ``warmup_steps``; constant; then, over the last
    ``decay_steps`` steps, linear decay to ``final_factor`` × the peak rate
    (source 001: "linearly decay the learning rate from 0.01 to 0.001 over the
    final 1000 steps" is ``decay_steps=1000, final_factor=0.1``).
    """

    warmup_steps: int = 0
    decay_steps: int = 0
    final_factor: float = 1.0

    def __post_init__(self) -> None:
        require(self.warmup_steps >= 0, "warmup_steps", "an integer >= 0", self.warmup_steps)
        require(self.decay_steps >= 0, "decay_steps", "an integer >= 0", self.decay_steps)
        require(math.isfinite(self.final_factor) and self.final_factor >= 0, "final_factor", "a finite number >= 0", self.final_factor)

    def factor(self, step: int, total_steps: int) -> float:
        """Multiplier for the update that takes the model from ``step`` to ``step + 1``."""
        f = 1.0
        if step < self.warmup_steps:
            f = (step + 1) / self.warmup_steps
        decay_start = total_steps - self.decay_steps
        if self.decay_steps and step >= decay_start:
            frac = (step - decay_start + 1) / self.decay_steps
            f = min(f, 1.0 + (self.final_factor - 1.0) * frac)
        return f


def build_optimizer(spec: OptimizerSpec, groups: list[dict], *, foreach: bool | None = None,
                    fused: bool | None = None) -> torch.optim.Optimizer:
    """A torch optimizer of kind ``spec.name`` over parameter ``groups``.

    A group's ``lr``, ``weight_decay`` (and, for sgd, ``momentum``) default to the
    spec's; ``foreach`` and ``fused`` pick torch's implementation (each engine keeps
    the one it was measured with: they agree only to rounding).
    """
    kwargs = {"lr": spec.lr, "weight_decay": spec.weight_decay, "foreach": foreach, "fused": fused}
    if spec.name == "sgd":
        return torch.optim.SGD(groups, momentum=spec.momentum, **kwargs)
    groups = [{k: v for k, v in g.items() if k != "momentum"} for g in groups]
    cls = torch.optim.AdamW if spec.name == "adamw" else torch.optim.Adam
    return cls(groups, **kwargs)
