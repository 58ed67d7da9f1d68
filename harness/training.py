"""The training engine: exact full-batch or online minibatch training of a model stack.

Two regimes, because some effects exist only with minibatch noise:

* ``batch_size=None``: full-batch gradient descent on the exact population loss
  (``dataset.expected_cross_entropy``) -- the right tool for "what can width N
  achieve" claims.
* ``batch_size=B``: fresh pairs (x, y) drawn from the dataset every step, as
  source 001 trains ("All data are drawn online").

Evaluation is always exact (``dataset.loss_gap``, float64). Each member gets its
own optimizer parameter group (learning rate, weight decay) and, in the
minibatch regime, its own data stream seeded by ``data_seeds[k]``; members with
the same data seed see the same batches, exactly as each would alone.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from harness.validation import require, require_choice
from models.datasets import TokenPairDataset
from models.embedding import EmbedUnembedStack

__all__ = ["OPTIMIZERS", "OptimizerSpec", "LRSchedule", "TrainLog", "train", "resolve_device", "log_spaced_steps"]

OPTIMIZERS = ("adam", "adamw", "sgd")
_log = logging.getLogger(__name__)  # progress at every evaluation: pytest -o log_cli=true -o log_cli_level=INFO


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


@dataclass
class TrainLog:
    """What a training run measured: exact loss gaps (float64) at the evaluation steps."""

    steps: list[int]  # evaluation steps (0 = init)
    gaps: np.ndarray  # (len(steps), K) exact L - L_opt per member, nats
    extras: dict[str, list] = field(default_factory=dict)  # name -> one entry per evaluation step

    @property
    def final_gap(self) -> np.ndarray:
        return self.gaps[-1]

    @property
    def diverged(self) -> np.ndarray:
        """Members whose loss became non-finite at some evaluation step."""
        return ~np.isfinite(self.gaps).all(axis=0)


def resolve_device(name: str) -> torch.device:
    """A torch device for ``cpu`` or ``cuda``; a clear error when CUDA is absent."""
    require_choice(name, "device", ("cpu", "cuda"))
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(name)


def log_spaced_steps(total: int, per_decade: int = 10) -> list[int]:
    """0 plus roughly log-spaced steps up to and including ``total``."""
    require(total >= 1, "steps", "an integer >= 1", total)
    n = max(2, int(per_decade * math.log10(total)) + 1)
    return sorted({0, *np.unique(np.round(np.logspace(0, math.log10(total), n)).astype(int)).tolist(), total})


def _build_optimizer(model: EmbedUnembedStack, specs: list[OptimizerSpec]) -> torch.optim.Optimizer:
    """One torch optimizer; one parameter group per block of members that share a spec."""
    names = {s.name for s in specs}
    require(len(names) == 1, "optimizer", "the same for every member of a stack", sorted(names))
    model.regroup(specs)
    groups = []
    for b, members in enumerate(model.block_members):
        s = specs[members[0]]
        groups.append({"params": model.block_parameters(b), "lr": s.lr, "weight_decay": s.weight_decay, "momentum": s.momentum})
    name = names.pop()
    if name == "sgd":
        return torch.optim.SGD(groups, lr=specs[0].lr, foreach=True)
    for g in groups:
        del g["momentum"]
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    return cls(groups, lr=specs[0].lr, foreach=True)


def train(
    model: EmbedUnembedStack,
    dataset: TokenPairDataset,
    *,
    steps: int,
    optim: OptimizerSpec | list[OptimizerSpec],
    schedule: LRSchedule = LRSchedule(),
    batch_size: int | None = None,
    data_seeds: int | list[int] = 0,
    eval_steps: list[int] | None = None,
    on_eval: Callable[[EmbedUnembedStack], dict[str, object]] | None = None,
    device: str = "cpu",
) -> TrainLog:
    """Train every member of ``model`` for ``steps`` updates; return exact gaps at ``eval_steps``.

    ``optim`` and ``data_seeds`` are per member (a single value is shared).
    ``on_eval(model)`` may return extra measurements recorded at each evaluation step.
    """
    K = len(model.members)
    require(isinstance(steps, int) and steps >= 1, "steps", "an integer >= 1", steps)
    require(batch_size is None or (isinstance(batch_size, int) and batch_size >= 1), "batch_size", "None (exact) or an integer >= 1", batch_size)
    specs = optim if isinstance(optim, list) else [optim] * K
    seeds = data_seeds if isinstance(data_seeds, list) else [data_seeds] * K
    require(len(specs) == K, "optim", f"one spec per member ({K})", len(specs))
    require(len(seeds) == K, "data_seeds", f"one seed per member ({K})", len(seeds))
    eval_at = sorted(set(eval_steps if eval_steps is not None else log_spaced_steps(steps)))
    require(eval_at[0] >= 0 and eval_at[-1] <= steps, "eval_steps", f"steps in [0, {steps}]", eval_at)

    dev = resolve_device(device)
    model.to(dev)
    optimizer = _build_optimizer(model, specs)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: schedule.factor(s, steps))
    streams = {s: torch.Generator().manual_seed(s) for s in sorted(set(seeds))}

    gaps, extras = [], {}

    step = 0

    def evaluate() -> None:
        with torch.no_grad():
            gaps.append(dataset.loss_gap(model.logit_table()).cpu().numpy())
            _log.info("step %d/%d: %d members, median exact gap %.4g", step, steps, K, float(np.median(gaps[-1])))
            for name, value in (on_eval(model) if on_eval else {}).items():
                extras.setdefault(name, []).append(value)

    if eval_at[0] == 0:
        evaluate()
    for step in range(1, steps + 1):
        optimizer.zero_grad(set_to_none=True)
        if batch_size is None:
            loss = dataset.expected_cross_entropy(model.logit_table())  # (K,)
        else:
            loss = _minibatch_loss(model, dataset, batch_size, seeds, streams, dev)
        loss.sum().backward()
        optimizer.step()
        scheduler.step()
        if step in eval_at:
            evaluate()
    return TrainLog(steps=eval_at, gaps=np.stack(gaps), extras=extras)


def _minibatch_loss(model, dataset, batch_size, seeds, streams, dev) -> torch.Tensor:
    """Mean cross-entropy of each member on its own stream's fresh batch: (K,)."""
    drawn = {s: dataset.sample(batch_size, g) for s, g in streams.items()}
    x = torch.stack([drawn[s][0] for s in seeds]).to(dev)  # (K, B)
    y = torch.stack([drawn[s][1] for s in seeds]).to(dev)
    logits = model(x)  # (K, B, V)
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, reduction="none").mean(dim=1)
