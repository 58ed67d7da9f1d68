"""What source 001's training experiments share: how the post trains, and a trained stack.

Trained the way the post trains: "Training uses batch size 128 ... All data are
drawn online" (fresh pairs every step), evaluated on the exact expected loss
instead of the post's 2,000,000-sample estimate. The post does not name its
optimizer; "each update is normalized" points to Adam, which every experiment
uses. Where a verdict could hinge on a silent choice (exact full-batch gradients
vs minibatch noise, the init scale), the alternative is trained too.

Every member of a stack draws its init from the ``init`` stream and its
minibatches from the ``data`` stream; seed k of both streams pairs runs across
variants (same init E, same batches). The experiments, one module each:
``unigram_d1`` (1D embedding is sufficient), ``unigram_collapse`` (representation
collapse), ``unigram_scaling`` (loss scaling laws), ``unigram_decay`` (learning
rate decay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toy_claims.lab.training import TrainLog, train
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import EmbedUnembedStack, Member

__all__ = ["STREAMS", "BATCH", "TrainedStack", "train_stack"]

STREAMS = ("init", "data")  # lab.seeds: init E and the minibatch stream draw from disjoint seeds
BATCH = 128  # "Training uses batch size 128"


@dataclass(frozen=True)
class TrainedStack:
    """One trained stack: its exact-gap log and each member's final embedding table."""

    log: TrainLog
    embeddings: tuple[np.ndarray, ...]  # (V, D) per member

    @property
    def final_gap(self) -> np.ndarray:
        """Each member's last exact gap (a diverged run never gets here: the engine raises ``lab.loop.Diverged``)."""
        return self.log.final_gap



def train_stack(data: ZipfUnigram, members: list[Member], *, device: str, tied: bool = True, layernorm: str = "none",
                **train_kwargs) -> TrainedStack:
    """Train ``members`` as one stack on ``data`` (``lab.training.train``'s keywords) and keep their final tables."""
    model = EmbedUnembedStack(data.V, members, tied=tied, layernorm=layernorm)
    log = train(model, data, device=device, **train_kwargs)
    return TrainedStack(log, tuple(model.embedding(k).cpu().numpy() for k in range(len(members))))
