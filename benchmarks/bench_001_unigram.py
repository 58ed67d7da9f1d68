"""Benchmark of source 001's training and language claims.

Prints the wall and CPU time of every claim of the training files
claims/test_001_unigram_{d1,collapse,scaling,decay}.py and of
claims/test_001_unigram_language.py measured in-process (one thread, as a
pytest worker runs them; the first claim of a group pays for its memoised
experiment), the total per file, and batched against looped training of one sweep:
the representation-collapse sweep of ``experiments.unigram_collapse`` (its main variant:
lrs × seeds members, V = D = 100, batch 128) as one ``EmbedUnembedStack`` against
one single-member stack per member.

    python benchmarks/bench_001_unigram.py [--loop-steps 200] [--skip-claims]
"""

from __future__ import annotations

import argparse
import time

from timing import pin_one_thread, time_claim_modules  # first: makes the repository importable when run as a script

from toy_claims.experiments.unigram_collapse import CONFIGS
from toy_claims.experiments.unigram_common import BATCH, STREAMS
from toy_claims.lab.optim import OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.training import train
from toy_claims.models.embedding import EmbedUnembedStack, Member

CLAIM_MODULES = [f"claims.test_001_unigram_{name}" for name in ("d1", "collapse", "scaling", "decay", "language")]


def time_batched_vs_loop(steps: int) -> None:
    """The collapse sweep's main variant for ``steps`` steps: one stack of every member, then a loop of one-member stacks."""
    cfg = CONFIGS["ci"]
    variant, seeds = cfg.variants[0], Seeds(STREAMS)
    init, data_seeds = seeds("init", variant.n_seeds), seeds("data", variant.n_seeds)
    members = [Member(cfg.D, seed=s, init_std=variant.init_std) for _ in cfg.lrs for s in init]
    specs = [OptimizerSpec("adam", lr) for lr in cfg.lrs for _ in init]
    member_data_seeds = [s for _ in cfg.lrs for s in data_seeds]

    def run(group: list[int]) -> None:
        train(EmbedUnembedStack(cfg.V, [members[k] for k in group]), cfg.data, steps=steps,
              optim=[specs[k] for k in group], batch_size=BATCH, data_seeds=[member_data_seeds[k] for k in group],
              eval_steps=[steps])

    train(EmbedUnembedStack(cfg.V, members[:1]), cfg.data, steps=1, optim=specs[0], eval_steps=[1])  # warm-up: first-call costs
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
    parser.add_argument("--skip-claims", action="store_true", help="only the batched-vs-loop comparison")
    args = parser.parse_args()
    pin_one_thread()
    if not args.skip_claims:
        time_claim_modules(CLAIM_MODULES)
    time_batched_vs_loop(args.loop_steps)


if __name__ == "__main__":
    main()
