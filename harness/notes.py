"""Text helpers for the notes a claim attaches: one table format and one way to write mean ± sd.

Notes quote measured numbers only through these, from the result they describe,
so no number is typed into prose.
"""

from __future__ import annotations

import numpy as np
from tabulate import tabulate

__all__ = ["table", "mean_sd"]


def table(rows: list[list], headers: list[str], floatfmt: str = ".4g") -> str:
    """A GitHub-flavoured Markdown table."""
    return tabulate(rows, headers=headers, tablefmt="github", floatfmt=floatfmt)


def mean_sd(values) -> str:
    """'mean ± sd' over seeds (sample sd), or the one value."""
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.4g} ± {v.std(ddof=1):.2g}" if v.size > 1 else f"{v[0]:.4g}"
