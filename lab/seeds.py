"""The one seed policy: every random choice of an experiment draws from a named seed stream.

An experiment lists its streams once, in a fixed order (append new ones at the
end, so old draws never move). Stream number k yields the seeds
``k · STREAM_SPACING + offset + i`` for i = 0 .. n−1, where ``offset`` is the
run's seed offset (``--claims-seed``): shifting it redraws every stream of every
experiment at once, and streams stay disjoint while n + offset < STREAM_SPACING.
"""

from __future__ import annotations

from dataclasses import dataclass

from toy_claims.models.validation import SEED_MAX, require, require_choice, require_int, require_seed, require_type

__all__ = ["STREAM_SPACING", "Seeds"]

STREAM_SPACING = 1000


@dataclass(frozen=True)
class Seeds:
    """The seed streams of one experiment at one seed offset (hashable: a memo key)."""

    streams: tuple[str, ...]  # the experiment's stream names, in their fixed order
    offset: int = 0  # --claims-seed

    def __post_init__(self) -> None:
        require_type(self.streams, "streams", (tuple, list), "a non-empty tuple of distinct names")
        require(len(self.streams) >= 1 and all(isinstance(s, str) for s in self.streams)
                and len(set(self.streams)) == len(self.streams), "streams",
                "a non-empty tuple of distinct names", self.streams)
        object.__setattr__(self, "streams", tuple(self.streams))
        object.__setattr__(self, "offset", require_seed(self.offset, "seed offset"))

    def __call__(self, stream: str, n: int) -> tuple[int, ...]:
        """The first ``n`` seeds of ``stream``."""
        require_choice(stream, "seed stream", self.streams)
        n = require_int(n, "n", lo=1, hi=STREAM_SPACING)
        base = self.streams.index(stream) * STREAM_SPACING + self.offset
        require(base + n - 1 <= SEED_MAX, "seed offset", f"small enough that the {n} seeds of stream {stream!r} stay "
                f"<= 2**64 - 1 (offset <= {SEED_MAX - (base - self.offset) - n + 1})", self.offset)
        return tuple(base + i for i in range(n))
