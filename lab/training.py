"""The training engine: exact full-batch or online minibatch training of a model stack.

Two regimes, because some effects exist only with minibatch noise:

* ``batch_size=None``: full-batch gradient descent on the exact population loss
  (``dataset.expected_cross_entropy``) -- the right tool for "what can width N
  achieve" claims.
* ``batch_size=B``: fresh pairs (x, y) drawn from the dataset every step, as
  source 001 trains ("All data are drawn online").

Evaluation is always exact (``dataset.loss_gap``, float64); a non-finite gap raises ``lab.loop.Diverged``. Each member gets its
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

from toy_claims.lab.embedding_engine import EmbeddingEngine
from toy_claims.lab.loop import check_finite, check_steps, run_steps
from toy_claims.lab.optim import LRSchedule, OptimizerSpec, build_optimizer
from toy_claims.models.validation import require, require_choice, require_int, require_seed, require_type
from toy_claims.models.datasets import TokenPairDataset
from toy_claims.models.embedding import EmbedUnembedStack

__all__ = ["TrainLog", "train", "resolve_device", "log_spaced_steps"]

_log = logging.getLogger(__name__)  # progress at every evaluation: pytest -o log_cli=true -o log_cli_level=INFO


@dataclass
class TrainLog:
    """What a training run measured: exact loss gaps (float64) at the evaluation steps."""

    steps: list[int]  # evaluation steps (0 = init)
    gaps: np.ndarray  # (len(steps), K) exact L - L_opt per member, nats
    extras: dict[str, list] = field(default_factory=dict)  # name -> one entry per evaluation step

    @property
    def final_gap(self) -> np.ndarray:
        return self.gaps[-1]


def resolve_device(name: str) -> torch.device:
    """A torch device for ``cpu`` or ``cuda``; a clear error when CUDA is absent."""
    require_choice(name, "device", ("cpu", "cuda"))
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(name)


_MAX_EXACT_STEPS = 2**53  # log spacing is float64 arithmetic: exact integers up to 2**53


def log_spaced_steps(total: int, per_decade: int = 10) -> list[int]:
    """0 plus roughly log-spaced steps up to and including ``total`` (at most 2**53, where float64 stops being exact:
    beyond, rounding turned the last step negative)."""
    total = require_int(total, "steps", lo=1, hi=_MAX_EXACT_STEPS)
    per_decade = require_int(per_decade, "per_decade", lo=1)
    n = max(2, int(per_decade * math.log10(total)) + 1)
    return sorted({0, *np.unique(np.round(np.logspace(0, math.log10(total), n)).astype(int)).tolist(), total})


def _build_optimizer(model: EmbedUnembedStack, specs: list[OptimizerSpec]) -> torch.optim.Optimizer:
    """One torch optimizer; one parameter group per block of members that share a spec (``model.regroup(specs)``)."""
    groups = []
    for b, members in enumerate(model.block_members):
        s = specs[members[0]]
        groups.append({"params": model.block_parameters(b), "lr": s.lr, "weight_decay": s.weight_decay, "momentum": s.momentum})
    return build_optimizer(specs[0], groups, foreach=True)


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
    on_eval: Callable[[EmbedUnembedStack, torch.Tensor], dict[str, object]] | None = None,
    device: str = "cpu",
) -> TrainLog:
    """Train every member of ``model`` for ``steps`` updates; return exact gaps at ``eval_steps``.

    ``optim`` and ``data_seeds`` are per member (a single value is shared).
    ``on_eval(model, log_probs)`` may return extra measurements recorded at each evaluation step; ``log_probs`` is
    the (K, V, V) float64 table ``dataset.log_probs`` gave the gap, so an exact measure of it is not computed twice.
    """
    require_type(model, "model", EmbedUnembedStack, "an EmbedUnembedStack")
    require_type(dataset, "dataset", TokenPairDataset, "a TokenPairDataset")
    require(model.V == dataset.V, "model, dataset", "of one vocabulary (model.V == dataset.V)", (model.V, dataset.V))
    K = len(model.members)
    steps = require_int(steps, "steps", lo=1)
    if batch_size is not None:
        batch_size = require_int(batch_size, "batch_size (None for exact full batch)", lo=1)
    specs = list(optim) if isinstance(optim, (list, tuple)) else [optim] * K
    seeds = list(data_seeds) if isinstance(data_seeds, (list, tuple)) else [data_seeds] * K
    require(len(specs) == K, "optim", f"one OptimizerSpec per member ({K})", len(specs))
    for spec in specs:
        require_type(spec, "optim", OptimizerSpec, "an OptimizerSpec or a list of one per member")
    names = {s.name for s in specs}  # one torch optimizer serves the stack
    require(len(names) == 1, "optim", "specs of one optimizer kind for every member of a stack", sorted(names))
    require_type(schedule, "schedule", LRSchedule, "an LRSchedule")
    schedule.check(steps)
    require(len(seeds) == K, "data_seeds", f"one seed per member ({K})", len(seeds))
    seeds = [require_seed(s, "data_seeds") for s in seeds]
    eval_at = check_steps(eval_steps, "eval_steps", steps) if eval_steps is not None else log_spaced_steps(steps)
    require(on_eval is None or callable(on_eval), "on_eval", "None or a callable (model, log_probs) -> dict", on_eval)

    dev = resolve_device(device)
    model.to(dev)
    model.regroup(specs)
    streams = {s: torch.Generator().manual_seed(s) for s in sorted(set(seeds))}
    gaps, extras = [], {}

    def loss_at(step: int) -> torch.Tensor:  # (K,)
        if batch_size is None:
            return dataset.expected_cross_entropy(model.logit_table())
        return _minibatch_loss(model, dataset, batch_size, seeds, streams, dev)

    def evaluate(step: int) -> None:
        with torch.no_grad():
            log_q = dataset.log_probs(model.logit_table())
            gaps.append(dataset.loss_gap_of(log_q).cpu().numpy())
            check_finite(gaps[-1], step, "the exact loss gap")
            _log.info("step %d/%d: %d members, median exact gap %.4g", step, steps, K, float(np.median(gaps[-1])))
            found = on_eval(model, log_q) if on_eval else {}
            require_type(found, "on_eval's result", dict, "a dict name -> value")
            for name, value in found.items():
                require_type(name, "on_eval's result keys", str, "names (str)")
                extras.setdefault(name, []).append(value)

    engine = EmbeddingEngine.for_training(model, dataset, specs, batch_size, seeds, streams)
    if engine is None:  # what the engine does not mirror trains with autograd
        run_steps(steps, [_build_optimizer(model, specs)], loss_at, schedule=schedule, observe=evaluate,
                  observe_at=eval_at)
    else:
        engine.run(steps, schedule, evaluate, eval_at)
    return TrainLog(steps=eval_at, gaps=np.stack(gaps), extras=extras)


def _minibatch_loss(model, dataset, batch_size, seeds, streams, dev) -> torch.Tensor:
    """Mean cross-entropy of each member on its own stream's fresh batch: (K,)."""
    drawn = {s: dataset.sample(batch_size, g) for s, g in streams.items()}
    x = torch.stack([drawn[s][0] for s in seeds]).to(dev)  # (K, B)
    y = torch.stack([drawn[s][1] for s in seeds]).to(dev)
    logits = model(x, check=False)  # (K, B, V): the dataset's own ids
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, reduction="none").mean(dim=1)
