"""Fast checks of experiments.isan_rank: the ISANs' seeds, and the rank bound on a tiny ISAN."""

from __future__ import annotations

from toy_claims.experiments import logit_rank
from toy_claims.experiments.isan_rank import CONFIGS, ISAN_RANK, STREAMS, IsanConfig, isan_seeds, run
from toy_claims.lab.seeds import STREAM_SPACING, Seeds


def test_isan_seeds_are_the_isan_stream_sliced_per_width():
    seeds = Seeds(STREAMS, 3)
    base = STREAMS.index("isan") * STREAM_SPACING + 3
    assert isan_seeds(IsanConfig(), seeds, 4) == (base + 40, base + 41)
    assert CONFIGS["ci"] == CONFIGS["paper"]


def test_the_isan_stream_keeps_its_place_among_source_002s_streams():
    """The ISANs draw the seeds they drew when they shared experiments.logit_rank's streams."""
    assert STREAMS == logit_rank.STREAMS[: len(STREAMS)]
    assert isan_seeds(IsanConfig(), Seeds(STREAMS, 2), 8) == isan_seeds(IsanConfig(), Seeds(logit_rank.STREAMS, 2), 8)


def test_run_isan_bound_holds_on_a_tiny_isan():
    result = run(IsanConfig(dims=(2,), per_dim=1, n_histories=16, n_futures=4), Seeds(STREAMS))
    assert result.dims == (2,) and max(result.beyond_bound) < 1e-12 < min(result.at_bound)


def test_the_experiment_is_its_own_group():
    assert ISAN_RANK.name != logit_rank.LOGIT_RANK.name and ISAN_RANK.config("ci") == CONFIGS["ci"]
