"""Per-claim cost of the whole suite: every claim module measured in-process, one thread, as a pytest worker runs it.

The first claim of a group pays for its shared experiment (its controls and alternatives included: they train in
the same batched stack). Prints wall and CPU seconds per claim and per module, and the total.

    python benchmarks/bench_claims.py [claims.test_002_logit_rank_lingen …]
"""

from __future__ import annotations

import sys

from timing import ROOT, pin_one_thread, time_claim_modules


def main() -> None:
    modules = sys.argv[1:] or sorted(f"claims.{p.stem}" for p in (ROOT / "claims").glob("test_*.py"))
    pin_one_thread()
    totals = time_claim_modules(modules)
    print(f"\nall modules: wall {sum(totals.values()):.1f} s (one process, one thread; under -n 2 the suite's wall "
          "time is about half, bounded by its largest group)")


if __name__ == "__main__":
    main()
