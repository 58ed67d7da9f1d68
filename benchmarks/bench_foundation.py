"""Benchmark of the foundation: exact vs sampled evaluation, and a batched sweep vs a loop of single runs.

Run: python benchmarks/bench_foundation.py   (prints numbers; one CPU thread, like the claims)
"""

from __future__ import annotations

import time

import torch
from timing import pin_one_thread

from toy_claims.lab.optim import OptimizerSpec
from toy_claims.lab.training import train
from toy_claims.models.datasets import LowRankBigram
from toy_claims.models.embedding import EmbedUnembedStack, Member

SAMPLES = 2_000_000  # the sources' evaluation batch
STEPS = 500


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def evaluation() -> None:
    data = LowRankBigram(V=100, R=20, seed=0)
    logits = torch.randn(100, 100, generator=torch.Generator().manual_seed(0))
    data.stationary  # solve once, outside the timings

    exact, t_exact = _timed(lambda: float(data.expected_cross_entropy(logits.double())))

    def sampled():
        x, y = data.sample(SAMPLES, torch.Generator().manual_seed(1))
        losses = torch.nn.functional.cross_entropy(logits[x], y, reduction="none").double()
        return float(losses.mean()), float(losses.std() / SAMPLES**0.5)

    (mean, stderr), t_sampled = _timed(sampled)
    print(f"exact evaluation      {t_exact * 1e3:9.2f} ms   loss {exact:.6f} (no sampling error)")
    print(f"2,000,000-sample eval {t_sampled * 1e3:9.2f} ms   loss {mean:.6f} ± {stderr:.6f} (1 s.e.)")
    print(f"speed-up {t_sampled / t_exact:.0f}x")


def sweep() -> None:
    data = LowRankBigram(V=100, R=20, seed=0)
    members = [Member(n, seed=0) for n in range(1, 21)]
    spec = OptimizerSpec("adam", 0.01)
    stacked, t_stack = _timed(lambda: train(EmbedUnembedStack(100, members, tied=False), data, steps=STEPS, optim=spec,
                                            eval_steps=[STEPS]).final_gap)
    singles, t_loop = _timed(lambda: [train(EmbedUnembedStack(100, [m], tied=False), data, steps=STEPS, optim=spec,
                                            eval_steps=[STEPS]).final_gap[0] for m in members])
    same = max(abs(a - b) for a, b in zip(stacked, singles))
    print(f"N = 1..20 sweep, {STEPS} exact Adam steps: batched {t_stack:.2f} s, loop of 20 single runs {t_loop:.2f} s "
          f"({t_loop / t_stack:.1f}x); max |gap difference| {same:.1e}")


if __name__ == "__main__":
    pin_one_thread()
    evaluation()
    sweep()
