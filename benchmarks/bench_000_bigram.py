"""Wall time of source 000's claim files, and of its N-sweep trained batched vs one model per N.

Run: ``python benchmarks/bench_000_bigram.py [--steps 300] [--skip-claims]``.

* The claim files run in a subprocess ``pytest -n 0`` (one core, as the budget is
  stated), with the report written to a temporary directory.
* The sweep is Observation 2's: V = 100, R = 20, N = 1..20, exact full-batch Adam
  with the claim file's optimizer and schedule, trained (a) as one
  ``EmbedUnembedStack`` of 20 members and (b) as 20 one-member stacks in a loop.
  Both must end at the same gaps (the members are independent).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from lab.optim import LRSchedule, OptimizerSpec
from lab.training import train
from models.datasets import LowRankBigram
from models.embedding import EmbedUnembedStack, Member

ROOT = Path(__file__).resolve().parents[1]
CLAIM_FILES = ("claims/test_000_bigram.py", "claims/test_000_bigram_language.py")
OPTIM = OptimizerSpec("adam", lr=0.03)  # as claims/test_000_bigram.py's main variant


def time_claim_file(path: str) -> tuple[float, str]:
    """Wall seconds of ``pytest <path> -n 0`` and its last output line."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pytest", path, "-n", "0", "-q", "-p", "no:randomly",
               "--claims-report", str(Path(tmp) / "CLAIMS.md")]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    return seconds, (done.stdout.strip().splitlines() or ["(no output)"])[-1]


def _train(data: LowRankBigram, widths: list[int], steps: int) -> np.ndarray:
    model = EmbedUnembedStack(data.V, [Member(n, seed=1000) for n in widths], tied=False)
    log = train(model, data, steps=steps, optim=OPTIM, schedule=LRSchedule(decay_steps=steps // 2, final_factor=0.01),
                eval_steps=[steps])
    return log.final_gap


def time_sweep(steps: int) -> dict[str, float]:
    """Seconds for the N = 1..20 sweep batched and looped, and the largest relative difference of their gaps."""
    data = LowRankBigram(V=100, R=20, seed=0)
    widths = list(range(1, 21))
    _train(data, [1], 5)  # warm up torch before timing
    start = time.perf_counter()
    batched = _train(data, widths, steps)
    t_batched = time.perf_counter() - start
    start = time.perf_counter()
    looped = np.concatenate([_train(data, [n], steps) for n in widths])
    t_loop = time.perf_counter() - start
    rel = np.abs(batched - looped)[:-1] / looped[:-1]  # N = R sits at the float32 floor; compare N < R
    return {"batched_s": t_batched, "loop_s": t_loop, "max_rel_gap_diff_N<R": float(rel.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps of the sweep comparison")
    parser.add_argument("--skip-claims", action="store_true", help="only time the sweep")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not args.skip_claims:
        for path in CLAIM_FILES:
            seconds, last = time_claim_file(path)
            print(f"{path}: {seconds:.1f} s wall with -n 0  ({last})")
    r = time_sweep(args.steps)
    print(f"N-sweep V=100 R=20 N=1..20, {args.steps} exact Adam steps: batched {r['batched_s']:.2f} s, "
          f"loop over N {r['loop_s']:.2f} s (×{r['loop_s'] / r['batched_s']:.1f}); "
          f"max relative gap difference for N < R: {r['max_rel_gap_diff_N<R']:.1e}")


if __name__ == "__main__":
    main()
