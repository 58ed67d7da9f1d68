"""What every benchmark shares: one thread per process, and the timing of claims measured in-process."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the repository's packages importable

from toy_claims.harness.claims import ClaimContext, run_claim  # noqa: E402
from toy_claims.harness.registry import all_claims  # noqa: E402
from toy_claims.lab.runtime import pin_one_thread  # noqa: E402

__all__ = ["ROOT", "pin_one_thread", "time_claim_modules"]


def time_claim_modules(modules: list[str], device: str = "cpu", *, cpu: bool = False) -> dict[str, float]:
    """Measure every claim of each claim module in-process, as a pytest worker does; print wall and CPU time.

    The first claim of a group pays for its shared experiment. Returns module -> wall seconds (CPU seconds when
    ``cpu``: on a shared machine the CPU time is the cost).
    """
    totals = {}
    for name in modules:
        importlib.import_module(name)
        wall_total = cpu_total = 0.0
        print(f"\n{name.replace('.', '/')}.py")
        for c in (c for c in all_claims() if c.measure.__module__ == name):
            wall, cpu = time.perf_counter(), time.process_time()
            record = run_claim(c, ClaimContext(device=device))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            wall_total, cpu_total = wall_total + wall, cpu_total + cpu
            print(f"  {c.id:<50} {record['verdict']:<13} wall {wall:6.1f} s  cpu {cpu:6.1f} s", flush=True)
        print(f"  {'total':<50} {'':<13} wall {wall_total:6.1f} s  cpu {cpu_total:6.1f} s")
        totals[name] = cpu_total if cpu else wall_total
    return totals
