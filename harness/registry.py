"""Claim definitions and the registry keyed by stable ids (refuses duplicates, suggests on typos).

A ``Claim`` is what a claim means: source quote, statement, setup, criterion and
pinned verdict, plus the function that measures it. Pure: no pytest.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from toy_claims.harness.readings import Reading
from toy_claims.harness.verdicts import Control, Criterion

__all__ = ["NAME", "Source", "name_sources", "Claim", "register", "get_claim", "all_claims", "claim_head", "registered_by_module", "row_key", "to_builtin"]


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: a file in shared/seeds, its section, the verbatim sentence, and the document's title
    (by default the one ``name_sources`` gave its file: the report shows each source by its title)."""

    file: str
    section: str
    quote: str
    title: str = ""

    def __post_init__(self) -> None:
        for name in ("file", "section", "quote"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"Source {name} must be a str, got {type(value).__name__} {value!r:.60}")
            if not value.strip():
                raise ValueError(f"Source {name} must be a non-empty str, got {value!r}")
        if not isinstance(self.title, str):
            raise TypeError(f"Source title must be a str, got {type(self.title).__name__} {self.title!r:.60}")
        object.__setattr__(self, "title", self.title or _TITLES.get(self.file, ""))


_TITLES: dict[str, str] = {}  # source file -> the document's title (name_sources)


def name_sources(titles: dict[str, str]) -> None:
    """Give source files their documents' titles, once for every claim that cites them (claims/__init__.py)."""
    if not isinstance(titles, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                               for k, v in titles.items()):
        raise TypeError(f"titles must be a dict source file -> non-empty title (str), got {titles!r:.80}")
    _TITLES.update(titles)


@dataclass(frozen=True)
class Claim:
    """One atomic claim: its meaning, its criterion, its pinned verdict, and how to measure it."""

    id: str
    version: int
    source: Source
    statement: str
    setup: dict[str, Any]
    criterion: Criterion | None
    expected: str  # the pin at the ci scale
    reason: str  # why the expected verdict is what it is when it is not "reproduced"
    measure: Callable[..., dict[str, Any]] = field(compare=False, repr=False)
    expected_at: dict[str, str] = field(default_factory=dict)  # scale -> pin, where that scale measures otherwise
    scope: str = ""  # what the verdict is about: source, analog, stand-in, extension or pretrained (harness.verdicts.SCOPES)
    evidence: str = "empirical"  # empirical (a measurement) or identity (algebra / exact computation)
    controls: tuple[Control, ...] = ()  # settings judged by the same criterion in the same run
    setup_at: Callable[[str], dict[str, Any]] | None = field(default=None, compare=False, repr=False)  # the setup
    # table of a run at a scale, for a claim bound to an experiment (``setup`` is the ci scale's)
    readings: tuple[Reading, ...] = ()  # other defensible readings, judged beside the criterion (harness.readings)
    single_reading: str = ""  # or: why the sentence admits only the criterion's reading
    no_negative_control: str = ""  # why no negative control class (untrained, init, exact language) applies
    unseeded: str = ""  # why the judged value is one number, not one per seed (one pretrained model, one corpus)
    form: str = ""  # the functional form the sentence claims ("power law"): every reading faces an OtherForm control
    # for a claim bound to an experiment: its measurement on another config, remeasure(ctx, config_of) (readings)
    remeasure: Callable[..., dict[str, Any]] | None = field(default=None, compare=False, repr=False)

    def pinned(self, scale: str) -> str:
        """The expected verdict of a run at ``scale``."""
        return self.expected_at.get(scale, self.expected)

    def setup_of(self, scale: str) -> dict[str, Any]:
        """The setup table of a run at ``scale``."""
        return self.setup if self.setup_at is None else to_builtin(self.setup_at(scale))


_REGISTRY: dict[str, Claim] = {}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # what a claim id and a figure name are made of: each names a file


def get_claim(claim_id: str) -> Claim:
    """The registered claim ``claim_id``; a KeyError that suggests the closest id on a typo."""
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        close = difflib.get_close_matches(claim_id, list(_REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"Unknown claim {claim_id!r}.{hint}") from None


def all_claims() -> list[Claim]:
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def register(c: Claim) -> None:
    """Add ``c``; re-registering the same function (a re-import) is allowed, another function's id is not."""
    if not isinstance(c.id, str) or not NAME.fullmatch(c.id):
        raise ValueError(f"claim id must be a str of letters, digits, '.', '_' and '-' (starting with a letter or "
                         f"digit): it names the claim's figure folder; got {c.id!r}")
    old = _REGISTRY.get(c.id)
    same_origin = old is not None and (old.measure.__module__, old.measure.__qualname__) == (
        c.measure.__module__, c.measure.__qualname__)
    if old is not None and not same_origin:
        raise ValueError(f"claim id {c.id!r} is already registered by {old.measure.__module__}.{old.measure.__qualname__}")
    _REGISTRY[c.id] = c


def claim_head(c: Claim) -> dict[str, Any]:
    """The claim's definition as builtins: what every record of it starts with (and the module that defines it)."""
    head = {k: v for k, v in asdict(c).items() if k not in ("measure", "setup_at", "readings", "remeasure")}
    return {**head, "readings": [], "module": c.measure.__module__}  # a record's readings are judged ones


def row_key(row: dict[str, Any]) -> str:
    """A report row's key: the claim id at the ci scale, ``id@scale`` at another (paper rows sit beside ci rows)."""
    scale = row.get("scale") or "ci"
    return row["id"] if scale == "ci" else f"{row['id']}@{scale}"


def registered_by_module() -> dict[str, list[str]]:
    """module -> ids of the claims it registered (in this process): which claims still exist."""
    out: dict[str, list[str]] = {}
    for c in all_claims():
        out.setdefault(c.measure.__module__, []).append(c.id)
    return out


def to_builtin(obj: Any) -> Any:
    """Numbers, arrays and tensors as Python floats/ints/lists (only builtins cross xdist)."""
    if hasattr(obj, "detach"):
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return to_builtin(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): to_builtin(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_builtin(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot record a value of type {type(obj).__name__}: {obj!r}")
