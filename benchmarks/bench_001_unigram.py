"""Benchmark of source 001's training and language claims.

Prints the wall and CPU time of every claim of claims/test_001_unigram_training.py
and claims/test_001_unigram_language.py measured in-process (one thread, as a
pytest worker runs them; the first claim of a group pays for its cached
experiment), the total per file, and batched against looped training of one sweep:
the representation-collapse sweep (9 members, V = D = 100, batch 128) as one
``EmbedUnembedStack`` against 9 single-member stacks.

    python benchmarks/bench_001_unigram.py [--loop-steps 200]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import torch

from harness.claims import ClaimContext, run_claim
from harness.registry import all_claims
from lab.optim import OptimizerSpec
from lab.training import train
from models.embedding import EmbedUnembedStack, Member

CLAIM_FILES = ("claims.test_001_unigram_training", "claims.test_001_unigram_language")


def _time_claim_files() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make the claims package importable
    modules = {name: importlib.import_module(name) for name in CLAIM_FILES}
    for name in modules:
        wall_total = cpu_total = 0.0
        print(f"\n{name.replace('.', '/')}.py")
        for c in (c for c in all_claims() if c.measure.__module__ == name):
            wall, cpu = time.perf_counter(), time.process_time()
            record = run_claim(c, ClaimContext())
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            wall_total, cpu_total = wall_total + wall, cpu_total + cpu
            print(f"  {c.id:<50} {record['verdict']:<13} wall {wall:6.1f} s  cpu {cpu:6.1f} s")
        print(f"  {'total':<50} {'':<13} wall {wall_total:6.1f} s  cpu {cpu_total:6.1f} s")


def _time_batched_vs_loop(steps: int) -> None:
    training = sys.modules["test_001_unigram_training"]
    data, lrs = training.COLLAPSE_DATA, training.COLLAPSE_LRS
    members = [Member(training.COLLAPSE_D, seed=s) for _ in lrs for s in range(training.N_SEEDS)]
    specs = [OptimizerSpec("adam", lr) for lr in lrs for _ in range(training.N_SEEDS)]
    data_seeds = [s for _ in lrs for s in range(training.N_SEEDS)]

    def run(group: list[int]) -> None:
        train(EmbedUnembedStack(data.V, [members[k] for k in group]), data, steps=steps, optim=[specs[k] for k in group],
              batch_size=training.BATCH, data_seeds=[data_seeds[k] for k in group], eval_steps=[steps])

    start = time.perf_counter()
    run(list(range(len(members))))
    batched = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(len(members)):
        run([k])
    looped = time.perf_counter() - start
    print(f"\ncollapse sweep, {len(members)} members × {steps} steps: one stack {batched:.2f} s, "
          f"a loop of single-member stacks {looped:.2f} s ({looped / batched:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop-steps", type=int, default=200, help="steps of the batched-vs-loop comparison")
    args = parser.parse_args()
    torch.set_num_threads(1)
    _time_claim_files()
    _time_batched_vs_loop(args.loop_steps)


if __name__ == "__main__":
    main()
