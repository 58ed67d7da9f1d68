"""The facts of a run that decide whether two measurements must agree bit for bit, and the commit it ran at."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

__all__ = ["environment", "git_commit"]


def environment() -> dict:
    """Python, platform, library versions and torch threads: equal environments give equal numbers."""
    import numpy
    import scipy
    import torch

    return {"python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
            "torch": torch.__version__, "numpy": numpy.__version__, "scipy": scipy.__version__,
            "torch_threads": torch.get_num_threads()}


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
