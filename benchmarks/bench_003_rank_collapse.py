"""Source 003's claims: their wall time, batched vs looped CBOW training, and a robustness sweep.

    python benchmarks/bench_003_rank_collapse.py                 # wall/CPU time of every claim of both files (in-process)
                                                                 # and one epoch of the batched run vs a member loop
    python benchmarks/bench_003_rank_collapse.py --robustness [--device cuda] [--recipes NAME ...]
        # every training claim re-judged on runs at alternative recipes (window, corpus length, batch, learning rates)

The robustness sweep is how the training claims' "the verdict does not hinge on
our choice" statements were checked: a recipe is an ``experiments.rank_collapse.TrainingConfig``,
each claim is judged on ``JUDGED[claim id](result)``, the function its claim uses.
It takes minutes on a CPU, seconds on a GPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
from timing import pin_one_thread, time_claim_modules
from tabulate import tabulate

from toy_claims.experiments.rank_collapse import CONFIGS, STREAMS, alternatives, r_eff, run, settings
from toy_claims.harness.registry import get_claim, to_builtin
from toy_claims.harness.verdicts import judge
from toy_claims.lab.seeds import Seeds

CLAIM_MODULES = ["claims.test_003_rank_collapse", "claims.test_003_rank_collapse_training"]


def batched_vs_loop() -> None:
    """One epoch of the run's member list: one CBOWStack for all members vs one stack per member."""
    from toy_claims.lab.cbow_training import train_cbow
    from toy_claims.models.cbow import CBOWMember, CBOWStack, TopicCorpus, cbow_examples

    config = CONFIGS["ci"]
    fields = {**settings(config), **alternatives(config)}
    members = [CBOWMember(seed=s, **fields[name]) for name in settings(config) for s in range(config.seeds)]
    members += [CBOWMember(seed=0, **fields[name]) for name in alternatives(config)]
    ctx, cen = cbow_examples(TopicCorpus(V=config.V, used=config.used, seed=0).sample(config.length, seed=1000), config.window)

    def epoch(ms) -> float:
        start = time.perf_counter()
        train_cbow(CBOWStack(config.V, config.d, ms), ctx.expand(len(ms), -1, -1), cen.expand(len(ms), -1),
                   epochs=1, batch_size=config.batch_size)
        return time.perf_counter() - start

    batched = epoch(members)
    looped = sum(epoch([m]) for m in members)
    print(f"one epoch, {len(members)} members, CPU 1 thread: batched {batched:.1f} s, loop {looped:.1f} s "
          f"(×{looped / batched:.1f})")


ROBUSTNESS = {  # name -> changes to the claims' TrainingConfig
    "as in the claims": {},
    "window 5": {"window": 5},
    "corpus 25600 tokens": {"length": 25600},
    "batch 256": {"batch_size": 256},
    "AdamW lr 3e-3": {"lr": 3e-3},
    "AdamW lr 1e-2, batch 16": {"lr": 1e-2, "batch_size": 16, "alt_lr": 1e-3},
    "SGD lr 1": {"sgd_lr": 1.0},
}


def robustness(device: str, names: list[str]) -> None:
    """Re-judge every training claim on a run at each alternative recipe; print verdicts and the r_eff of every setting."""
    from claims.test_003_rank_collapse_training import JUDGED

    verdicts, reffs = {}, {}
    for name in names:
        config = dataclasses.replace(CONFIGS["ci"], **ROBUSTNESS[name])
        start = time.perf_counter()
        result = run(config, Seeds(STREAMS), device)
        verdicts[name] = {}
        for claim_id, extract in JUDGED.items():
            criterion = get_claim(claim_id).criterion
            measured = to_builtin(extract(result))
            verdicts[name][claim_id] = f"{judge(criterion, measured)} ({np.mean(measured[criterion.quantity]):.3g})"
        reffs[name] = {s: np.mean(result.per_seed(s, r_eff)) for s in result.settings}
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    print(tabulate([[i.removeprefix("rank-collapse."), *(verdicts[n][i] for n in names)] for i in JUDGED],
                   headers=["claim (mean of the judged quantity)", *names], tablefmt="github"))
    print()
    print(tabulate([[s, *(f"{reffs[n][s]:.1f}" for n in names)] for s in next(iter(reffs.values()))],
                   headers=["r_eff after training (mean of seeds)", *names], tablefmt="github"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--robustness", action="store_true", help="re-judge the training claims under alternative recipes")
    parser.add_argument("--recipes", nargs="+", choices=list(ROBUSTNESS), default=list(ROBUSTNESS),
                        help="the recipes of the robustness sweep (default: all)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = parser.parse_args()
    pin_one_thread()  # as the claims plugin does: bitwise-repeatable CPU runs, no oversubscription
    if args.robustness:
        robustness(args.device, args.recipes)
        return
    time_claim_modules(CLAIM_MODULES, args.device)
    batched_vs_loop()


if __name__ == "__main__":
    main()
