"""An experiment: the one run that several claims read, with its config at each scale.

Claims bind to an ``Experiment`` (``harness.claims.claim(reads=EXPERIMENT)``) instead of each picking a config,
seeding and memoising a run of their own: the experiment names the claims' group (one xdist worker, one run), picks
the config of the run's scale once, draws the seed streams at the run's seed offset (``lab.seeds``), runs once per
(scale, seed offset, device) and says what its setup table shows at that scale. No pytest here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Mapping, TypeVar

from toy_claims.lab.seeds import Seeds
from toy_claims.models.validation import require, require_choice, require_type

__all__ = ["Experiment"]

Config = TypeVar("Config")
Result = TypeVar("Result")


@dataclass(frozen=True, eq=False)
class Experiment(Generic[Config, Result]):
    """``run(config, seeds, device)`` at each scale's config, once; ``setup(config)`` its setup table."""

    name: str  # the group of the claims that read it
    configs: Mapping[str, Config]  # scale (ci, paper) -> config
    streams: tuple[str, ...]  # the seed streams the run draws (lab.seeds)
    run: Callable[[Config, Seeds, str], Result]
    setup: Callable[[Config], dict[str, Any]]
    # Optional packages the run needs (ModuleNotFoundError.name): without one, the claims that read it are skipped
    optional: tuple[str, ...] = ()
    _results: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        require_type(self.name, "name", str, "a str (the claims' group)")
        require(len(self.configs) > 0, "configs", "a mapping scale -> config with at least the ci scale", self.configs)
        require(all(callable(f) for f in (self.run, self.setup)), "run and setup", "callables", (self.run, self.setup))

    def config(self, scale: str) -> Config:
        """The config a run at ``scale`` uses."""
        require_choice(scale, "scale", tuple(self.configs))
        return self.configs[scale]

    def result(self, scale: str, seed_offset: int, device: str) -> Result:
        """The run at ``scale``'s config with the seed streams at ``seed_offset`` on ``device``, computed once."""
        return self.result_at(self.config(scale), seed_offset, device)

    def result_at(self, config: Config, seed_offset: int, device: str) -> Result:
        """The run at any ``config`` (a scale's, or one a reading of a claim sets: another budget, corpus, language),
        computed once per (config, seed offset, device). Configs are told apart by their repr (their fields)."""
        key = (repr(config), seed_offset, device)
        if key not in self._results:
            self._results[key] = self.run(config, Seeds(self.streams, seed_offset), device)
        return self._results[key]
