"""The specification curve of a reading-dependent claim: every reading's interval against its own region, sorted.

Readings judge different quantities (another window, another threshold, another grid), so each is placed by
``readings.margin``: the distance of its estimate inside its region in half-widths of its interval. On that axis
the verdict rule is read off directly: a bar wholly right of 0 is reproduced, wholly left refuted, across 0
inconclusive. Matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import math
from typing import Any

from toy_claims.harness.verdicts import INCONCLUSIVE, LEVEL, REFUTED, REPRODUCED

__all__ = ["specification_curve", "specification_caption"]

_COLOURS = {REPRODUCED: "tab:green", REFUTED: "tab:red", INCONCLUSIVE: "tab:gray"}
_SHOWN = 6.0  # margins beyond ±this (zero-width intervals: ±inf) are drawn at the edge, as arrows


def specification_caption(claim_id: str) -> str:
    return (f"Specification curve of {claim_id}: each defensible reading's estimate (dot) and interval (bar, each end "
            f"a one-sided {LEVEL:.0%} bound), "
            "in half-widths of that interval from its criterion's nearest bound (0, dashed): a bar wholly right of "
            "0 is reproduced, wholly left refuted, across 0 inconclusive; a zero-width interval is an arrow at the "
            "edge. Sorted by margin; colour is the verdict.")


def specification_curve(readings: list[dict[str, Any]]):
    """A matplotlib Figure: one row per judged reading (``readings.judge_readings``'s output), sorted by margin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    judged = sorted((r for r in readings if r["estimate"] is not None), key=lambda r: r["estimate"]["margin"])
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(judged) + 1.2))
    for y, r in enumerate(judged):
        m, colour = r["estimate"]["margin"], _COLOURS.get(r["verdict"], "tab:purple")
        if math.isinf(m):
            ax.annotate("", xy=(math.copysign(_SHOWN, m), y), xytext=(math.copysign(_SHOWN - 1.5, m), y),
                        arrowprops={"arrowstyle": "->", "color": colour})
            continue
        shown = max(-_SHOWN, min(_SHOWN, m))
        ax.plot([max(-_SHOWN, m - 1), min(_SHOWN, m + 1)], [y, y], color=colour, lw=3, alpha=0.6)
        ax.plot([shown], [y], "o", color=colour)
    ax.axvline(0, color="black", ls="--", lw=1)
    ax.set_yticks(range(len(judged)), [f"{r['name']} ({r['verdict']})" for r in judged])
    ax.set_xlim(-_SHOWN - 0.5, _SHOWN + 0.5)
    ax.set_xlabel("estimate inside the criterion's region, in half-widths of its interval")
    fig.tight_layout()
    return fig
