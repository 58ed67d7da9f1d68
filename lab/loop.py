"""The training skeleton shared by every engine: step, update, schedule, observe.

An engine supplies the loss of step ``t`` (one value per member: members are
independent, so the summed loss trains each exactly as if it were alone) and what
to record at the observation steps; the skeleton owns the order of operations.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from lab.optim import LRSchedule
from models.validation import require

__all__ = ["run_steps"]


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

    ``loss_at(t)`` returns the loss of update t (any shape; its sum is minimised).
    ``schedule`` multiplies every optimizer's learning rate (``LRSchedule.factor``).
    """
    require(isinstance(steps, int) and steps >= 1, "steps", "an integer >= 1", steps)
    at = set(observe_at)
    schedulers = [] if schedule is None else [
        torch.optim.lr_scheduler.LambdaLR(opt, lambda s: schedule.factor(s, steps)) for opt in optimizers]
    if 0 in at:
        observe(0)
    for step in range(1, steps + 1):
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        loss_at(step).sum().backward()
        for opt in optimizers:
            opt.step()
        for sched in schedulers:
            sched.step()
        if step in at:
            observe(step)
