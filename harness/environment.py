"""The facts of the machine a claim was measured on (information for the reader, not part of the drift rule), and
the commit a run ran at."""

from __future__ import annotations

import importlib.metadata
import os
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
    that make another CPU's last bits differ. They are read where a claim was measured (torch loaded), None where
    the library was never loaded.
    """
    return {"python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
            "torch": importlib.metadata.version("torch"), "numpy": importlib.metadata.version("numpy"),
            "scipy": importlib.metadata.version("scipy"), "torch_threads": THREADS,
            "cpu_capability": _cpu_capability(), "blas_core": _blas_core()}


def _cpu_capability() -> str | None:
    torch = sys.modules.get("torch")
    if torch is None:
        return os.environ.get("ATEN_CPU_CAPABILITY")
    return torch.backends.cpu.get_cpu_capability()


def _blas_core() -> str | None:
    if "numpy" not in sys.modules:
        return None
    from threadpoolctl import threadpool_info

    return next((i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"), None)


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
