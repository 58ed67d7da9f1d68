"""The training skeleton shared by every engine: step, update, schedule, observe.

An engine supplies the loss of step ``t`` (one value per member: members are
independent, so the summed loss trains each exactly as if it were alone) and what
to record at the observation steps; the skeleton owns the order of operations.

One divergence policy for every engine: a run whose measurement becomes non-finite
is an error of the run, never data. Each engine passes what it measures at an
observation step to ``check_finite``, which raises ``Diverged`` naming the step and
the members; the claims that read the run get an ``error`` row with that message
(an experiment never turns a divergence into NaN or into a verdict).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from toy_claims.lab.optim import LRSchedule
from toy_claims.models.validation import require, require_int, require_type

__all__ = ["Diverged", "check_finite", "check_steps", "run_steps"]


class Diverged(FloatingPointError):
    """A training run whose measurement became non-finite (NaN or inf): the run is an error, not a result."""


def check_finite(values, step: int, what: str) -> None:
    """Raise ``Diverged`` when any of ``values`` (one per member, or a scalar) measured at ``step`` is not finite;
    the message names ``what`` was measured, the step and the members that diverged."""
    require_type(what, "what", str, "a description of the measurement (a str)")
    step = require_int(step, "step", lo=0)
    bad = np.flatnonzero(~np.isfinite(np.atleast_1d(np.asarray(values, dtype=np.float64))))
    if bad.size:
        raise Diverged(f"training diverged: {what} is not finite at step {step} for member(s) {bad.tolist()}")


def check_steps(steps_list, name: str, total: int | None, *, allow_empty: bool = False) -> list[int]:
    """``steps_list`` sorted without repeats, each an integer (in [0, total] unless None); non-empty unless ``allow_empty``."""
    require_type(name, "name", str, "the parameter's name (a str)")
    if total is not None:
        require_int(total, "total", lo=0)
    where = "" if total is None else f" in [0, {total}]"
    require_type(steps_list, name, (list, tuple, range, set, frozenset, np.ndarray), f"a list of steps{where}")
    require(allow_empty or len(steps_list) >= 1, name, f"a non-empty list of steps{where}", steps_list)
    return sorted({require_int(s, name, lo=None if total is None else 0, hi=total) for s in steps_list})


def run_steps(
    steps: int,
    optimizers: Sequence[torch.optim.Optimizer],
    loss_at: Callable[[int], torch.Tensor],
    *,
    schedule: LRSchedule | None = None,
    observe: Callable[[int], None],
    observe_at: Sequence[int],
) -> None:
    """Run updates 1..``steps``; call ``observe(t)`` at each t in ``observe_at`` (0 = before any update).

    ``loss_at(t)`` returns the loss of update t (a tensor of any shape that requires grad; its sum is minimised).
    ``schedule`` multiplies every optimizer's learning rate (``LRSchedule.factor``).
    """
    steps = require_int(steps, "steps", lo=1)
    require_type(schedule, "schedule", (LRSchedule, type(None)), "an LRSchedule or None")
    if schedule is not None:
        schedule.check(steps)
    at = set(check_steps(observe_at, "observe_at", steps, allow_empty=True))
    require(callable(loss_at), "loss_at", "a callable step -> loss", loss_at)
    require(callable(observe), "observe", "a callable step -> None", observe)
    require_type(optimizers, "optimizers", (list, tuple), "a non-empty sequence of torch optimizers")
    require(len(optimizers) >= 1 and all(isinstance(o, torch.optim.Optimizer) for o in optimizers), "optimizers",
            "a non-empty sequence of torch optimizers", optimizers)
    schedulers = [] if schedule is None else [
        torch.optim.lr_scheduler.LambdaLR(opt, lambda s: schedule.factor(s, steps)) for opt in optimizers]
    if 0 in at:
        observe(0)
    for step in range(1, steps + 1):
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        loss = loss_at(step)
        require(isinstance(loss, torch.Tensor) and loss.requires_grad, "loss_at", "a callable returning a loss tensor "
                "that requires grad", loss if not isinstance(loss, torch.Tensor) else "a tensor without grad")
        loss.sum().backward()
        for opt in optimizers:
            opt.step()
        for sched in schedulers:
            sched.step()
        if step in at:
            observe(step)
