"""The facts of the machine a claim was measured on (information for the reader, not part of the drift rule), and
the commit a run ran at."""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import subprocess
import sys
from pathlib import Path

from toy_claims.lab.runtime import THREADS

__all__ = ["environment", "git_commit"]


def environment() -> dict:
    """Python, platform, library versions, the pinned thread count, and the CPU kernels in use.

    ``cpu_capability`` is the instruction set torch dispatches its CPU kernels to (``ATEN_CPU_CAPABILITY``
    overrides it) and ``blas_core`` the core type numpy's OpenBLAS chose (``OPENBLAS_CORETYPE``): the two facts
    that make another CPU's last bits differ. ``cpu_capability`` is None where torch is not loaded; pytest collects
    (imports) every claim module before the first claim runs, so it is the same for every claim of a run.
    """
    return {"python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
            "torch": importlib.metadata.version("torch"), "numpy": importlib.metadata.version("numpy"),
            "scipy": importlib.metadata.version("scipy"), "torch_threads": THREADS,
            "cpu_capability": _cpu_capability(), "blas_core": _blas_core()}


def _cpu_capability() -> str | None:
    torch = sys.modules.get("torch")  # never imported here: a claim run that does not need torch does not pay for it
    return None if torch is None else torch.backends.cpu.get_cpu_capability()


@functools.cache
def _blas_core() -> str | None:
    import numpy  # noqa: F401 -- loads its OpenBLAS, so that threadpoolctl finds it
    from threadpoolctl import threadpool_info  # scans the loaded libraries: once a process

    return next((i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"), None)


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
