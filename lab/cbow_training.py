"""Training of a ``models.cbow.CBOWStack``: epochs over fixed examples, AdamW (or plain SGD), snapshots of E.

One optimizer per kind in use, one parameter group per setting (weight decay
always explicit, on E only); the update order is the shared skeleton's
(``lab.loop.run_steps``). A non-finite embedding at a checkpoint raises ``lab.loop.Diverged``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from toy_claims.lab.loop import check_finite, check_steps, run_steps
from toy_claims.lab.optim import OptimizerSpec, build_optimizer
from toy_claims.lab.training import resolve_device
from toy_claims.models.cbow import CBOWStack
from toy_claims.models.validation import require, require_int, require_type

__all__ = ["CBOWLog", "train_cbow"]


@dataclass
class CBOWLog:
    """Snapshots of every member's E at the checkpoint steps, and its mean training objective per epoch."""

    steps: list[int]  # checkpoint steps (0 = init)
    snapshots: list[torch.Tensor]  # (M, V, d) on the CPU, one per checkpoint
    epoch_loss: np.ndarray  # (epochs, M): cross-entropy plus the member's l2 penalty
    steps_per_epoch: int


def _optimizers(model: CBOWStack) -> list[torch.optim.Optimizer]:
    """AdamW with torch's fused kernel, SGD plain; each group carries its own lr and weight decay."""
    return [build_optimizer(OptimizerSpec(name, lr=groups[0]["lr"]), groups, fused=True if name == "adamw" else None)
            for name, groups in model.optimizer_groups().items()]


def train_cbow(
    model: CBOWStack,
    contexts: torch.Tensor,
    centers: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    checkpoints: list[int] | None = None,
    device: str = "cpu",
) -> CBOWLog:
    """Train every member for ``epochs`` passes over its examples (M, n, C) / (M, n).

    Each epoch visits the examples in a fresh random order drawn from a generator
    seeded by the member's seed (members with one seed see one order); the last
    incomplete batch is dropped. ``checkpoints`` (default: every epoch end) are steps
    at which E is recorded; step 0 is the init.
    """
    require_type(model, "model", CBOWStack, "a CBOWStack")
    epochs = require_int(epochs, "epochs", lo=1)
    require_type(contexts, "contexts", torch.Tensor, "an (M, n, C) tensor of token ids")
    require_type(centers, "centers", torch.Tensor, "an (M, n) tensor of token ids")
    require(contexts.dim() == 3, "contexts", "an (M, n, C) tensor", tuple(contexts.shape))
    M, n, C = contexts.shape
    require(len(model.members) == M and centers.shape == (M, n), "contexts, centers", f"(M={len(model.members)}, n, C) and (M, n)",
            (tuple(contexts.shape), tuple(centers.shape)))
    require(n >= 1, "contexts", "at least one example per member", tuple(contexts.shape))
    require(C >= 1, "contexts", "at least one context token per example (C >= 1)", tuple(contexts.shape))
    model.check_token_ids(contexts, "contexts", 3, "(M, n, C) tensor")  # once here: the steps trust them
    model.check_token_ids(centers, "centers", 2, "(M, n) tensor")
    batch_size = require_int(batch_size, "batch_size", lo=1, hi=n)
    per_epoch = n // batch_size
    total = epochs * per_epoch
    at = check_steps(checkpoints if checkpoints is not None else range(0, total + 1, per_epoch), "checkpoints", total)
    resolve_device(device)

    order = {s: torch.Generator().manual_seed(s) for s in sorted({m.seed for m in model.members})}
    perms = {s: torch.stack([torch.randperm(n, generator=g)[: per_epoch * batch_size] for _ in range(epochs)])
             for s, g in order.items()}
    schedule = torch.stack([perms[m.seed] for m in model.members]).reshape(M, total, batch_size).to(device)  # (M, steps, B)
    model.to(device)
    contexts, centers = contexts.to(device), centers.to(device)
    snapshots, losses = [], torch.zeros(epochs, M, device=device)  # on the device: no host sync per step

    def loss_at(step: int) -> torch.Tensor:  # (M,)
        idx = schedule[:, step - 1]  # (M, B)
        ctx = torch.gather(contexts, 1, idx[:, :, None].expand(-1, -1, contexts.shape[2]))
        loss = model.loss(ctx, torch.gather(centers, 1, idx), check=False)
        losses[(step - 1) // per_epoch] += loss.detach() / per_epoch
        return loss

    def record(step: int) -> None:
        snapshots.append(model.embeddings().detach().cpu().clone())
        check_finite(snapshots[-1].abs().amax(dim=(1, 2)).numpy(), step, "the embedding table")

    run_steps(total, _optimizers(model), loss_at, observe=record, observe_at=at)
    return CBOWLog(steps=at, snapshots=snapshots, epoch_loss=losses.cpu().numpy(), steps_per_epoch=per_epoch)
