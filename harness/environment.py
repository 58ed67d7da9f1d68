"""The facts of a run that decide whether two measurements must agree bit for bit, and the commit it ran at."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path

from lab.runtime import THREADS

__all__ = ["environment", "git_commit"]


def environment() -> dict:
    """Python, platform, library versions and the pinned thread count: equal environments give equal numbers.

    Read from package metadata, so the controller (which imports no torch under xdist) and the workers agree.
    """
    return {"python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
            "torch": importlib.metadata.version("torch"), "numpy": importlib.metadata.version("numpy"),
            "scipy": importlib.metadata.version("scipy"), "torch_threads": THREADS}


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
