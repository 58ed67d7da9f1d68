"""Source 003's claim files: their wall time, batched vs looped CBOW training, and a robustness sweep.

    python benchmarks/bench_003_rank_collapse.py                 # wall/CPU time of both claim files (pytest -n 0)
                                                                 # and one epoch of the batched run vs a member loop
    python benchmarks/bench_003_rank_collapse.py --robustness [--device cuda]
        # every training claim re-judged under alternative recipes (window, corpus length, batch, learning rates)

The robustness sweep is how the training claims' "the verdict does not hinge on
our choice" statements were checked; it takes minutes on a CPU, seconds on a GPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
FILES = ["claims/test_003_rank_collapse.py", "claims/test_003_rank_collapse_training.py"]


def _load_training_claims():
    return importlib.import_module("claims.test_003_rank_collapse_training")


def wall_time() -> None:
    """Run both claim files as the suite does (one process, -n 0) and print wall and CPU seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", *FILES, "-p", "no:randomly", "-n", "0", "-q",
                               "--claims-report", f"{tmp}/CLAIMS.md"], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(proc.stdout.strip().splitlines()[-1])
    print(f"claim files of source 003 (-n 0): wall {wall:.1f} s, CPU {cpu:.1f} s")


def batched_vs_loop(claims) -> None:
    """One epoch of the claims' member list: one CBOWStack for all members vs one stack per member."""
    from models.cbow import CBOWMember, CBOWStack, TopicCorpus, cbow_examples
    from lab.cbow_training import train_cbow

    recipe = claims.RECIPE
    fields = {**claims._settings(recipe), **claims._alternatives(recipe)}
    members = [CBOWMember(seed=s, **fields[name]) for name in claims.SETTINGS for s in range(claims.SEEDS)]
    members += [CBOWMember(seed=0, **fields[name]) for name in claims.ALTERNATIVES]
    ctx, cen = cbow_examples(TopicCorpus(seed=0).sample(recipe.length, seed=1000), recipe.window)

    def epoch(ms) -> float:
        start = time.perf_counter()
        train_cbow(CBOWStack(claims.V, claims.D, ms), ctx.expand(len(ms), -1, -1), cen.expand(len(ms), -1),
                   epochs=1, batch_size=recipe.batch_size)
        return time.perf_counter() - start

    batched = epoch(members)
    looped = sum(epoch([m]) for m in members)
    print(f"one epoch, {len(members)} members, CPU 1 thread: batched {batched:.1f} s, loop {looped:.1f} s "
          f"(×{looped / batched:.1f})")


ROBUSTNESS = {  # name -> Recipe changes
    "as in the claims": {},
    "window 5": {"window": 5},
    "corpus 25600 tokens": {"length": 25600},
    "batch 256": {"batch_size": 256},
    "AdamW lr 3e-3": {"lr": 3e-3},
    "AdamW lr 1e-2, batch 16": {"lr": 1e-2, "batch_size": 16, "alt_lr": 1e-3},
    "SGD lr 1": {"sgd_lr": 1.0},
}


def robustness(claims, device: str) -> None:
    """Re-judge every training claim under each alternative recipe; print verdicts and the r_eff of every setting."""
    from harness.claims import ClaimContext, run_claim
    from harness.registry import all_claims

    ids = [c.id for c in all_claims() if c.measure.__module__ == claims.__name__]
    experiment = claims._experiment
    verdicts, reffs = {}, {}
    for name, change in ROBUSTNESS.items():
        recipe = dataclasses.replace(claims.RECIPE, **change)
        claims._experiment = functools.partial(experiment, recipe=recipe)
        start = time.perf_counter()
        records = {i: run_claim(next(c for c in all_claims() if c.id == i), ClaimContext(0, device)) for i in ids}
        run = claims._experiment(0, device)
        verdicts[name] = {i: f"{r['verdict']} ({r['headline'].split(' vs ')[0].split(' = ')[-1]})" for i, r in records.items()}
        reffs[name] = {s: np.mean(run.per_seed(s, claims.r_eff)) for s in list(claims.SETTINGS) + list(claims.ALTERNATIVES)}
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    claims._experiment = experiment
    print(tabulate([[i.removeprefix("rank-collapse."), *(verdicts[n][i] for n in ROBUSTNESS)] for i in ids],
                   headers=["claim", *ROBUSTNESS], tablefmt="github"))
    print()
    print(tabulate([[s, *(f"{reffs[n][s]:.1f}" for n in ROBUSTNESS)] for s in next(iter(reffs.values()))],
                   headers=["r_eff after 10 epochs (mean of seeds)", *ROBUSTNESS], tablefmt="github"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--robustness", action="store_true", help="re-judge the training claims under alternative recipes")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the claims plugin does: bitwise-repeatable CPU runs, no oversubscription
    sys.path.insert(0, str(ROOT))  # run as a script: make the claims package importable
    claims = _load_training_claims()
    if args.robustness:
        robustness(claims, args.device)
        return
    wall_time()
    batched_vs_loop(claims)


if __name__ == "__main__":
    main()
