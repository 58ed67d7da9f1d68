"""Benchmark of source 002: its claims' time, and shared-basis Lingen evaluation against a loop.

Run: python benchmarks/bench_002_logit_rank.py [--skip-claims]   (one CPU thread, like the claims)

``experiments.logit_rank.continuation_kls`` evaluates all Lingen weight vectors
(several basis sizes, single-token, nonsense futures) on one batch of basis-history
log-probs per generated step; the loop calls lab.lingen.lingen_kl once per weight
vector, re-evaluating the basis each time.
"""

from __future__ import annotations

import argparse
import time

from timing import pin_one_thread, time_claim_modules

import torch

from toy_claims.experiments.logit_rank import CONFIGS, continuation_kls
from toy_claims.lab.lingen import lingen_kl
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.sequence import Transformer


def shared_basis_vs_loop() -> None:
    config = CONFIGS["ci"]
    language = HiddenMarkovLanguage(config.vocab_size, seed=0)
    model = Transformer(config.model, seed=0).eval()
    fn = model.next_token_log_probs
    g = torch.Generator().manual_seed(0)
    basis = language.sample(config.basis, config.history_len, g)
    target = language.sample(1, config.history_len, g)[0]
    weights = {f"B={b} #{k}": torch.randn(b, generator=g, dtype=torch.float64) / b
               for b in (*config.basis_sweep, config.basis) for k in range(2)}

    start = time.perf_counter()
    continuation_kls(fn, target, basis, weights, {}, config.samples, config.gen_steps, torch.Generator().manual_seed(1))
    shared = time.perf_counter() - start
    start = time.perf_counter()
    for w in weights.values():
        lingen_kl(fn, basis[: len(w)], w, target, length=config.gen_steps, n_samples=config.samples,
                  generator=torch.Generator().manual_seed(1))
    loop = time.perf_counter() - start
    print(f"{len(weights)} Lingen weight vectors, {config.gen_steps} steps x {config.samples} continuations: shared "
          f"basis batch {shared:.2f} s, loop of lingen_kl {loop:.2f} s ({loop / shared:.1f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-claims", action="store_true", help="only the Lingen comparison (the claims take minutes)")
    args = parser.parse_args()
    pin_one_thread()
    shared_basis_vs_loop()
    if not args.skip_claims:
        time_claim_modules([f"claims.test_002_logit_rank_{part}" for part in ("spectrum", "transfer", "lingen",
                                                                               "isan")])
