"""Benchmark of claims/test_002_logit_rank.py: its wall time, and shared-basis Lingen evaluation vs a loop.

Run: python benchmarks/bench_002_logit_rank.py   (one CPU thread, like the claims)

The claim file evaluates all Lingen weight vectors (several basis sizes, single-token,
nonsense futures) on one batch of basis-history log-probs per generated step; the loop
calls lab.lingen.lingen_kl once per weight vector, re-evaluating the basis each time.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from lab.lingen import lingen_kl
from models.hmm import HiddenMarkovLanguage
from models.sequence import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the claims package importable
from claims.test_002_logit_rank import MODEL, V, _continuation_kls  # noqa: E402


def claim_file() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "claims/test_002_logit_rank.py", "-p", "no:randomly",
                               "-n", "0", "-q", "--claims-report", f"{tmp}/CLAIMS.md"],
                              cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
    print(done.stdout.strip().splitlines()[-1])
    print(f"claims/test_002_logit_rank.py with -n 0: {wall:.1f} s wall")


def shared_basis_vs_loop() -> None:
    language = HiddenMarkovLanguage(V, seed=0)
    model = Transformer(MODEL, seed=0).eval()
    fn = model.next_token_log_probs
    g = torch.Generator().manual_seed(0)
    basis, target = language.sample(128, 8, g), language.sample(1, 8, g)[0]
    weights = {f"B={b} #{k}": torch.randn(b, generator=g, dtype=torch.float64) / b
               for b in (16, 32, 64, 128) for k in range(2)}

    start = time.perf_counter()
    _continuation_kls(fn, target, basis, weights, {}, 8, torch.Generator().manual_seed(1))
    shared = time.perf_counter() - start
    start = time.perf_counter()
    for w in weights.values():
        lingen_kl(fn, basis[: len(w)], w, target, length=6, n_samples=8, generator=torch.Generator().manual_seed(1))
    loop = time.perf_counter() - start
    print(f"{len(weights)} Lingen weight vectors, 6 steps x 8 continuations: shared basis batch {shared:.2f} s, "
          f"loop of lingen_kl {loop:.2f} s ({loop / shared:.1f}x)")


if __name__ == "__main__":
    torch.set_num_threads(1)
    shared_basis_vs_loop()
    claim_file()
