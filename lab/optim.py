"""Optimizer settings, learning-rate schedules, and the one place a torch optimizer is built.

Every training engine (the embedding stack, the sequence models, CBOW) describes
what it wants as an ``OptimizerSpec`` plus torch parameter groups and calls
``build_optimizer``; weight decay is always explicit (torch's AdamW defaults to 0.01).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from toy_claims.models.validation import require, require_choice, require_int, require_real, require_type

__all__ = ["OPTIMIZERS", "OptimizerSpec", "LRSchedule", "build_optimizer"]

OPTIMIZERS = ("adam", "adamw", "sgd")


@dataclass(frozen=True)
class OptimizerSpec:
    """Optimizer of one member. Weight decay is always explicit (torch's AdamW defaults to 0.01)."""

    name: str = "adam"  # one of OPTIMIZERS
    lr: float = 1e-3  # peak learning rate
    weight_decay: float = 0.0  # L2 penalty for adam/sgd, decoupled decay for adamw
    momentum: float = 0.0  # sgd only: adam and adamw refuse a momentum they would ignore

    def __post_init__(self) -> None:
        require_choice(self.name, "optimizer", OPTIMIZERS)
        require_real(self.lr, "lr", lo=0, lo_open=True)
        require_real(self.weight_decay, "weight_decay", lo=0)
        require_real(self.momentum, "momentum", lo=0, hi=1, hi_open=True)
        require(self.name == "sgd" or self.momentum == 0, "momentum",
                f"0 for {self.name} (only sgd has a momentum; Adam's betas are fixed at torch's defaults)", self.momentum)


@dataclass(frozen=True)
class LRSchedule:
    """Learning-rate multiplier over training, as source 001 describes schedules.

    Linear warmup from 0 over ``warmup_steps``; constant; then, over the last
    ``decay_steps`` steps, linear decay to ``final_factor`` × the peak rate
    (source 001: "linearly decay the learning rate from 0.01 to 0.001 over the
    final 1000 steps" is ``decay_steps=1000, final_factor=0.1``).

    A decay ends at or below the peak: ``final_factor`` is in [0, 1] (above 1 the
    decay would never lower the rate). A run of ``total_steps`` must reach the peak
    rate: warmup and decay may not overlap, ``warmup_steps + decay_steps <=
    total_steps`` (``check``; the engines check it before training).
    """

    warmup_steps: int = 0  # linear warmup from 0 over the first steps
    decay_steps: int = 0  # linear decay over the last steps (0: none)
    final_factor: float = 1.0  # the rate the decay ends at, as a multiple of the peak, in [0, 1]

    def __post_init__(self) -> None:
        object.__setattr__(self, "warmup_steps", require_int(self.warmup_steps, "warmup_steps", lo=0))
        object.__setattr__(self, "decay_steps", require_int(self.decay_steps, "decay_steps", lo=0))
        require_real(self.final_factor, "final_factor", lo=0, hi=1)

    def check(self, total_steps: int) -> int:
        """``total_steps`` as an int when this schedule fits a run that long (it reaches the peak rate); else a
        ValueError naming the part that does not fit."""
        total_steps = require_int(total_steps, "total_steps", lo=1)
        require(self.warmup_steps <= total_steps, "warmup_steps", f"<= the run's {total_steps} steps", self.warmup_steps)
        require(self.decay_steps <= total_steps, "decay_steps", f"<= the run's {total_steps} steps", self.decay_steps)
        require(self.warmup_steps + self.decay_steps <= total_steps, "warmup_steps + decay_steps",
                f"<= the run's {total_steps} steps (warmup and decay may not overlap: the peak rate is never reached)",
                self.warmup_steps + self.decay_steps)
        return total_steps

    def factor(self, step: int, total_steps: int) -> float:
        """Multiplier for the update that takes the model from ``step`` to ``step + 1``, 0 <= step <= total_steps
        (torch's LambdaLR asks for ``total_steps`` after the last update)."""
        total_steps = self.check(total_steps)
        require_int(step, "step", lo=0, hi=total_steps)
        return self._factor(step, total_steps)

    def factors(self, total_steps: int) -> list[float]:
        """``factor(step, total_steps)`` of every update 0 .. total_steps - 1, the run checked once (a fast engine's
        step is a few tens of microseconds: checking each step's factor cost it a tenth)."""
        total_steps = self.check(total_steps)
        return [self._factor(step, total_steps) for step in range(total_steps)]

    def _factor(self, step: int, total_steps: int) -> float:
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
    require_type(spec, "spec", OptimizerSpec, "an OptimizerSpec")
    require_type(foreach, "foreach", (bool, type(None)), "a bool or None")
    require_type(fused, "fused", (bool, type(None)), "a bool or None")
    require_type(groups, "groups", (list, tuple), "a list of torch parameter groups (dicts)")
    require(len(groups) >= 1 and all(isinstance(g, dict) and "params" in g for g in groups), "groups",
            "a non-empty list of torch parameter groups (dicts with 'params')", groups)
    for k, g in enumerate(groups):  # a group's own settings obey the spec's ranges
        require_real(g.get("lr", spec.lr), f"groups[{k}]['lr']", lo=0, lo_open=True)
        require_real(g.get("weight_decay", spec.weight_decay), f"groups[{k}]['weight_decay']", lo=0)
        require_real(g.get("momentum", 0.0), f"groups[{k}]['momentum']", lo=0, hi=1, hi_open=True)
        require(spec.name == "sgd" or g.get("momentum", 0.0) == 0, f"groups[{k}]['momentum']",
                f"0 for {spec.name} (only sgd has a momentum)", g.get("momentum"))
    kwargs = {"lr": spec.lr, "weight_decay": spec.weight_decay, "foreach": foreach, "fused": fused}
    if spec.name == "sgd":
        optimizer = torch.optim.SGD(groups, momentum=spec.momentum, **kwargs)
    else:
        groups = [{k: v for k, v in g.items() if k != "momentum"} for g in groups]
        cls = torch.optim.AdamW if spec.name == "adamw" else torch.optim.Adam
        optimizer = cls(groups, **kwargs)
    if fused:
        optimizer.register_step_pre_hook(_grads_strided_as_params)
    return optimizer


def _grads_strided_as_params(optimizer: torch.optim.Optimizer, args, kwargs) -> None:
    """Torch 2.13's fused CPU kernels (Adam, AdamW, SGD) silently apply a wrong update to a gradient whose strides
    differ from its parameter's (a transposed view), with no error; before a fused step every such gradient is copied
    into the parameter's own layout (a no-op, and bitwise the same, when it already has it)."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None and p.grad.stride() != p.stride():
                grad = torch.empty_like(p)
                grad.copy_(p.grad)
                p.grad = grad
