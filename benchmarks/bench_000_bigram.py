"""Wall time of source 000's claims, and of its N-sweep trained batched vs one model per N.

Run: ``python benchmarks/bench_000_bigram.py [--steps 300] [--skip-claims]``  (one CPU thread, like the claims).

* The claims are measured in-process, claim by claim, as a pytest worker does
  (``timing.time_claim_modules``); the first claim of a group pays for its experiment.
* The sweep is Observation 2's (``experiments.bigram_scaling.ScalingConfig``: V = 100, R = 20,
  N = 1..20, the claims' recipe) trained (a) as one stack of 20 members with
  ``experiments.bigram_sweep.train_sweep`` and (b) as 20 one-member stacks in a loop.
  Both must end at the same gaps (the members are independent).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from timing import pin_one_thread, time_claim_modules

from toy_claims.experiments.bigram_scaling import ScalingConfig
from toy_claims.experiments.bigram_sweep import MAIN, STREAMS, Arm, train_sweep
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import LowRankBigram

CLAIM_MODULES = [f"claims.test_000_bigram_{part}" for part in ("critical", "scaling", "logit_scale", "language")]


def time_sweep(steps: int) -> dict[str, float]:
    """Seconds for the N = 1..R sweep batched and looped, and the largest relative difference of their gaps."""
    config = ScalingConfig(steps=steps)
    seeds = Seeds(STREAMS)
    data = LowRankBigram(V=config.V, R=config.R, seed=seeds("dataset", 1)[0])
    init = seeds("init", 1)[0]

    def final_gaps(widths) -> np.ndarray:
        return train_sweep(data, [Arm(MAIN, n, init) for n in widths], steps, config.recipe, "cpu").gaps[-1]

    train_sweep(data, [Arm(MAIN, 1, init)], 5, config.recipe, "cpu")  # warm up torch before timing
    start = time.perf_counter()
    batched = final_gaps(config.widths)
    t_batched = time.perf_counter() - start
    start = time.perf_counter()
    looped = np.concatenate([final_gaps([n]) for n in config.widths])
    t_loop = time.perf_counter() - start
    rel = np.abs(batched - looped)[:-1] / looped[:-1]  # N = R sits at the float32 floor; compare N < R
    return {"batched_s": t_batched, "loop_s": t_loop, "max_rel_gap_diff_N<R": float(rel.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps of the sweep comparison")
    parser.add_argument("--skip-claims", action="store_true", help="only time the sweep")
    args = parser.parse_args()
    pin_one_thread()
    if not args.skip_claims:
        time_claim_modules(CLAIM_MODULES)
    r = time_sweep(args.steps)
    print(f"\nN-sweep V=100 R=20 N=1..20, {args.steps} exact Adam steps: batched {r['batched_s']:.2f} s, "
          f"loop over N {r['loop_s']:.2f} s (×{r['loop_s'] / r['batched_s']:.1f}); "
          f"max relative gap difference for N < R: {r['max_rel_gap_diff_N<R']:.1e}")


if __name__ == "__main__":
    main()
