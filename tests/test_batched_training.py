"""A stacked sweep trains every member exactly as if it were alone.

The reference is the textbook single model (nn.Embedding, tied in one line,
nn.LayerNorm) trained by a plain torch.optim loop, so the stack's width masks,
masked LayerNorm, parameter blocks and per-block optimizer groups are all checked.
"""

from __future__ import annotations

import pytest
import torch

from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.training import train
from toy_claims.models.datasets import LowRankBigram, ZipfUnigram
from toy_claims.models.embedding import EmbedUnembed, EmbedUnembedStack, Member

STEPS = 30
DATA = {"bigram": LowRankBigram(V=12, R=3, seed=1), "zipf": ZipfUnigram(V=12, alpha=1.0)}
SCHEDULE = LRSchedule(warmup_steps=5, decay_steps=10, final_factor=0.1)


def _train_alone(data, member, spec, tied, layernorm, batch_size, data_seed):
    """The reference loop: one textbook model, torch.optim, the same schedule and data stream."""
    model = EmbedUnembed(data.V, member, tied=tied, layernorm=layernorm)
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[spec.name]
    opt = cls(model.parameters(), lr=spec.lr, weight_decay=spec.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: SCHEDULE.factor(s, STEPS))
    stream = torch.Generator().manual_seed(data_seed)
    for _ in range(STEPS):
        opt.zero_grad()
        if batch_size is None:
            loss = data.expected_cross_entropy(model.logit_table())
        else:
            x, y = data.sample(batch_size, stream)
            loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
    return float(data.loss_gap(model.logit_table()))


MEMBERS = [Member(1, seed=0), Member(3, seed=1), Member(5, seed=2, init_std=0.5), Member(3, seed=3)]
SPECS = {
    "adam": [OptimizerSpec("adam", 0.05), OptimizerSpec("adam", 0.01), OptimizerSpec("adam", 0.05), OptimizerSpec("adam", 0.01, 0.1)],
    "adamw": [OptimizerSpec("adamw", 0.05, 0.0), OptimizerSpec("adamw", 0.02, 0.5)] * 2,
    "sgd": [OptimizerSpec("sgd", 0.5), OptimizerSpec("sgd", 0.2, 0.01)] * 2,
}


STRUCTURES = [(False, "none"), (True, "none"), (True, "plain"), (True, "affine")]
CASES = (
    [("bigram", "adam", tied, ln, batch) for tied, ln in STRUCTURES for batch in (None, 16)]
    + [("zipf", opt, tied, ln, batch) for opt in ("adamw", "sgd") for tied, ln in STRUCTURES[::3] for batch in (None, 16)]
)


@pytest.mark.parametrize("dataset, optimizer, tied, layernorm, batch_size", CASES)
def test_stack_equals_members_trained_alone(dataset, optimizer, tied, layernorm, batch_size):
    data, specs = DATA[dataset], SPECS[optimizer]
    data_seeds = [0, 1, 0, 2]
    stack = EmbedUnembedStack(data.V, MEMBERS, tied=tied, layernorm=layernorm)
    log = train(stack, data, steps=STEPS, optim=specs, schedule=SCHEDULE, batch_size=batch_size,
                data_seeds=data_seeds, eval_steps=[STEPS])
    alone = [_train_alone(data, m, s, tied, layernorm, batch_size, d) for m, s, d in zip(MEMBERS, specs, data_seeds)]
    assert log.final_gap == pytest.approx(alone, rel=2e-4, abs=1e-6)


def test_stack_starts_where_the_single_model_starts():
    data = DATA["bigram"]
    stack = EmbedUnembedStack(data.V, MEMBERS, tied=False, layernorm="affine")
    tables = stack.logit_table()
    for k, m in enumerate(MEMBERS):
        single = EmbedUnembed(data.V, m, tied=False, layernorm="affine")
        assert torch.allclose(tables[k], single.logit_table(), atol=1e-6)
        assert torch.equal(stack.embedding(k), single.embed.weight.detach())
