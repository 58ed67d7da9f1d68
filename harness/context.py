"""What a claim's measurement may use: the seed policy, where to compute, how big, and the report's notes and figures.

``device`` says where to compute (cpu or cuda); ``scale`` says how big (``ci``:
the sizes the CI machine runs; ``paper``: the sources' own sizes, meant for a
GPU). They are separate options: a cuda run at the ci scale measures what a
cpu run does.
"""

from __future__ import annotations

import base64
import io

from toy_claims.harness.registry import NAME
from toy_claims.lab.seeds import Seeds
from toy_claims.models.validation import SEED_MAX, require, require_choice, require_seed, require_type

__all__ = ["DEVICES", "SCALES", "ClaimContext"]

DEVICES = ("cpu", "cuda")
SCALES = ("ci", "paper")


class ClaimContext:
    """Seeds (shifted by ``--claims-seed``), device, scale, and the notes and figures a claim attaches."""

    def __init__(self, seed_offset: int = 0, device: str = "cpu", scale: str = "ci") -> None:
        self.seed_offset = require_seed(seed_offset, "seed offset")
        require_choice(device, "device", DEVICES)
        require_choice(scale, "scale", SCALES)
        self.device, self.scale = device, scale
        self.notes: list[str] = []
        self.figures: list[dict[str, str]] = []

    def seed_streams(self, *streams: str) -> Seeds:
        """The named seed streams of an experiment at this run's offset (``lab.seeds``)."""
        return Seeds(streams, self.seed_offset)

    def seeds(self, n: int, first: int = 0) -> list[int]:
        """n seeds for a claim that needs one stream: first + offset + i. ``first`` is a seed the source states (42)."""
        first = require_seed(first, "first")
        seeds = [first + s for s in Seeds(("claim",), self.seed_offset)("claim", n)]
        n = len(seeds)
        require(seeds[-1] <= SEED_MAX, "first", f"small enough that first + seed offset + {n} - 1 <= 2**64 - 1 "
                f"(first <= {SEED_MAX - self.seed_offset - n + 1})", first)
        return seeds

    def note(self, markdown: str) -> None:
        """A paragraph or table for the claim's section of the report."""
        require_type(markdown, "markdown", str, "a str")
        self.notes.append(markdown)

    def figure(self, fig, name: str, caption: str) -> None:
        """Attach a matplotlib figure; it travels as PNG bytes and the controller writes it.

        ``name`` is the file name (``claims_figures/<claim>/<name>.png``): a ``registry.NAME``, distinct within the
        claim, or one figure would overwrite another.
        """
        if not callable(getattr(fig, "savefig", None)):
            raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__} {fig!r:.60}")
        require_type(name, "name", str, "a str (the figure's file name)")
        require_type(caption, "caption", str, "a str")
        require(NAME.fullmatch(name) is not None and name not in {f["name"] for f in self.figures}, "name",
                "letters, digits, '.', '_' and '-', starting with a letter or digit, and distinct from this claim's "
                f"other figures ({sorted(f['name'] for f in self.figures)}): it names the figure's file", name)
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        self.figures.append({"name": name, "caption": caption, "png_base64": base64.b64encode(buf.getvalue()).decode()})
