"""CPU cost of the embedding engine (lab/embedding_engine.py) against the ways it replaces, one thread.

    python benchmarks/bench_engine.py [--skip-groups]

Prints CPU seconds (``time.process_time``: the machine is shared, wall time is not the cost) and ratios:

(a) "the notebook way" against the engine on source 001's D = 1 experiment (``experiments.unigram_d1``, its
    default config): every member trained alone as a researcher's notebook would (``EmbedUnembed``: nn.Embedding,
    torch.optim.Adam, autograd, the same steps, batches and exact evaluations), against ``unigram_d1.run``;
(b) one width against a 20-width sweep: source 000's N = 1..20 sweep (``experiments.bigram_scaling``: V = 100,
    exact full batch), one member of width 20 against the stack of all 20 widths, and against the widths in four
    stacks of their own size (width buckets, which the claims do not use: see lab/embedding_engine.py);
(c) one member against K members: D = 1, V = 10, batch 128, the D = 1 experiment's minibatch runs;
(d) the embedding claim groups, per module, trained by autograd + torch.optim (``train``'s path for what the engine
    does not mirror) and by the engine: the claims' cost before and after the engine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import torch

from timing import pin_one_thread, time_claim_modules

from toy_claims.experiments import unigram_d1
from toy_claims.experiments.bigram_scaling import ScalingConfig
from toy_claims.experiments.bigram_sweep import MAIN, STREAMS, Arm, train_sweep
from toy_claims.lab.embedding_engine import EmbeddingEngine
from toy_claims.lab.optim import OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.training import log_spaced_steps, train
from toy_claims.models.datasets import LowRankBigram, ZipfUnigram
from toy_claims.models.embedding import EmbedUnembed, EmbedUnembedStack, Member

GROUPS = [f"claims.test_000_bigram_{p}" for p in ("critical", "language", "logit_scale", "scaling")] + [
    f"claims.test_001_{p}" for p in ("sticky_plateau", "unigram_collapse", "unigram_d1", "unigram_decay",
                                      "unigram_language", "unigram_scaling")]


def cpu_seconds(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def notebook_member(data: ZipfUnigram, member: Member, tied: bool, layernorm: str, lr: float, steps: int,
                    batch: int | None, data_seed: int) -> list[float]:
    """One member trained alone, the textbook way; its exact gaps at the experiment's evaluation steps."""
    model = EmbedUnembed(data.V, member, tied=tied, layernorm=layernorm)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    stream = torch.Generator().manual_seed(data_seed)
    at, gaps = set(log_spaced_steps(steps, per_decade=unigram_d1.D1Config().evals_per_decade)), []
    for step in range(steps + 1):
        if step in at:
            with torch.no_grad():
                gaps.append(float(data.loss_gap(model.logit_table())))
        if step == steps:
            return gaps
        opt.zero_grad()
        if batch is None:
            loss = data.expected_cross_entropy(model.logit_table())
        else:
            x, y = data.sample(batch, stream)
            loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()


def notebook_d1(config: unigram_d1.D1Config, seeds: Seeds) -> None:
    """Every member of the D = 1 experiment, one at a time."""
    n_order = max(config.n_seeds, config.order_seeds)
    init, data_seeds = seeds("init", n_order), seeds("data", n_order)
    for name, tied, layernorm in config.variants:
        for regime, batch in ((unigram_d1.MINIBATCH, config.batch), (unigram_d1.FULL_BATCH, None)):
            n = n_order if (name, regime) == ("tied", unigram_d1.MINIBATCH) else config.n_seeds
            for k in range(n):
                notebook_member(config.data, Member(1, seed=init[k]), tied, layernorm, config.lr,
                                config.steps_of(layernorm), batch, data_seeds[k])


def ratio_notebook() -> None:
    config, seeds = unigram_d1.D1Config(), Seeds(unigram_d1.STREAMS)
    engine = cpu_seconds(lambda: unigram_d1.run.__wrapped__(config, seeds))
    notebook = cpu_seconds(lambda: notebook_d1(config, seeds))
    print(f"(a) D = 1 experiment (V = {config.V}): notebook way {notebook:.1f} s, engine {engine:.2f} s: "
          f"{notebook / engine:.0f}x")


def ratio_widths(steps: int = 300) -> None:
    config, seeds = ScalingConfig(steps=steps), Seeds(STREAMS)
    data = LowRankBigram(V=config.V, R=config.R, seed=seeds("dataset", 1)[0])
    init = seeds("init", 1)[0]

    def sweep(widths):
        return lambda: train_sweep(data, [Arm(MAIN, n, init) for n in widths], steps, config.recipe, "cpu")

    sweep([1])()  # warm up
    one, every = cpu_seconds(sweep([max(config.widths)])), cpu_seconds(sweep(config.widths))
    print(f"(b) V = {config.V}, {steps} exact steps: one width (N = {max(config.widths)}) {one:.3f} s, "
          f"{len(config.widths)} widths {every:.3f} s: {every / one:.1f}x")
    # What width buckets would give (each bucket padded to its own widest width): not what the claims train, since a
    # narrower bmm sums in another order and moves a member's numbers at float32 rounding (lab/embedding_engine.py).
    widths = sorted(config.widths)
    buckets = [widths[i: i + len(widths) // 4] for i in range(0, len(widths), len(widths) // 4)]
    bucketed = sum(cpu_seconds(sweep(b)) for b in buckets)
    print(f"(b) the same widths in {len(buckets)} buckets of their own size (not what the claims train): "
          f"{bucketed:.3f} s: {bucketed / one:.1f}x one width")


def ratio_members(K: int = 10, steps: int = 3000) -> None:
    data = ZipfUnigram(V=10, alpha=1.0)

    def stack(k):
        return lambda: train(EmbedUnembedStack(data.V, [Member(1, seed=s) for s in range(k)]), data, steps=steps,
                             optim=OptimizerSpec("adam", 0.01), batch_size=128, data_seeds=list(range(k)))

    one, many = cpu_seconds(stack(1)), cpu_seconds(stack(K))
    print(f"(c) D = 1, V = 10, batch 128, {steps} steps: one member {one:.2f} s, {K} members {many:.2f} s: "
          f"{many / one:.1f}x")


def groups(path: str) -> float:
    """(d): the claim groups' CPU seconds in a fresh process (the experiments are memoised per process), trained by
    ``path`` ('engine', or 'autograd': the engine declines every stack, as it does what it does not mirror)."""
    out = subprocess.run([sys.executable, __file__, "--groups-by", path], check=True, capture_output=True, text=True)
    print(out.stdout, end="")
    return float(out.stdout.split()[-1])


def time_groups(path: str) -> None:
    if path == "autograd":
        EmbeddingEngine.for_training = classmethod(lambda cls, *args: None)
    totals = time_claim_modules(GROUPS, cpu=True)
    print(f"  {path}: {sum(totals.values()):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-groups", action="store_true", help="skip (d), the claim groups (minutes)")
    parser.add_argument("--groups-by", choices=("engine", "autograd"), help="only (d), in this process, by one path")
    args = parser.parse_args()
    pin_one_thread()
    if args.groups_by:
        return time_groups(args.groups_by)
    ratio_notebook()
    ratio_widths()
    ratio_members()
    if not args.skip_groups:
        print("(d) the embedding claim groups by autograd + torch.optim (before the engine):")
        before = groups("autograd")
        print("(d) the same groups by the engine:")
        after = groups("engine")
        print(f"(d) embedding groups: {before:.1f} CPU-s before, {after:.1f} after: {before / after:.2f}x")


if __name__ == "__main__":
    main()
