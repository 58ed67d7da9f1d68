"""Source 003's experiments (experiments/rank_collapse*.py) at tiny sizes: memoised, deterministic, seeded by stream."""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pytest

from toy_claims.experiments import rank_collapse as rc
from toy_claims.experiments import rank_collapse_analytic as rca
from toy_claims.lab.metrics import effective_rank
from toy_claims.lab.seeds import Seeds

matplotlib.use("Agg")

TINY = rc.TrainingConfig(seeds=2, V=32, d=8, epochs=2, used=20, length=160, window=1, batch_size=32, heldout=40, penalty_seeds=3)


def test_run_is_memoised_and_deterministic():
    seeds = Seeds(rc.STREAMS)
    first = rc.run(TINY, seeds, "cpu")
    assert rc.run(TINY, seeds, "cpu") is first  # claims of one group share one run
    rc.run.cache_clear()
    again = rc.run(TINY, seeds, "cpu")
    assert again is not first
    np.testing.assert_array_equal(again.sv, first.sv)
    np.testing.assert_array_equal(again.heldout_kl, first.heldout_kl)


def test_run_members_settings_and_seed_offset():
    result = rc.run(TINY, Seeds(rc.STREAMS), "cpu")
    assert result.sv.shape == (TINY.epochs + 1, len(result.runs), TINY.d)
    assert result.settings == [*rc.settings(TINY), *rc.alternatives(TINY)]
    assert all(len(result.members(name)) == (TINY.penalty_seeds if name in rc.PENALTY_SETTINGS else TINY.seeds)
               for name in result.settings)  # alternatives too: judged over seeds
    # a setting's seeds are the same members in the same order, so zipping two settings pairs seeds
    assert [result.runs[k][1] for k in result.members("tied")][:TINY.seeds] == [
        result.runs[k][1] for k in result.members("tied+wd")]
    # a member's r_eff at init does not depend on its setting's init scale (same seed = same init up to scale)
    at_init = [result.per_seed(name, rc.r_eff, 0)[:TINY.seeds] for name in ("untied", "init×4", "init GPT-std")]
    np.testing.assert_allclose(at_init[0], at_init[1], rtol=1e-6)
    np.testing.assert_allclose(at_init[0], at_init[2], rtol=1e-6)
    shifted = rc.run(TINY, Seeds(rc.STREAMS, offset=5), "cpu")
    assert not np.array_equal(shifted.sv[0], result.sv[0])


def test_progress_goes_from_zero_to_one():
    result = rc.run(TINY, Seeds(rc.STREAMS), "cpu")
    np.testing.assert_allclose(result.progress[0], 0.0, atol=1e-6)
    np.testing.assert_allclose(result.progress[-1], 1.0, atol=1e-6)


def test_figures_are_figures():
    from matplotlib.figure import Figure

    result = rc.run(TINY, Seeds(rc.STREAMS), "cpu")
    for figure in (rc.figure_r_eff_over_epochs, rc.figure_spectra, rc.figure_spectral_progress):
        assert isinstance(figure(result, TINY), Figure)


def test_setup_derives_from_the_config():
    assert "990 steps" in rc.setup(rc.CONFIGS["ci"])["sizes"]  # 10 epochs of (6400 − 4) // 64 batches
    assert "batch 256" in rc.setup(dataclasses.replace(rc.CONFIGS["ci"], batch_size=256))["sizes"]
    assert rc.collapse_threshold(rc.CONFIGS["ci"]) == pytest.approx(38.4)


def test_snippet_seeds_start_at_the_notes_seed():
    config = dataclasses.replace(rca.CONFIGS["ci"], snippet_seeds=2)
    assert rca.run_snippet(config, Seeds(rca.STREAMS)).seeds == (42, 43)
    assert rca.run_snippet(config, Seeds(rca.STREAMS, offset=3)).seeds == (45, 46)


@pytest.mark.parametrize("k", [1, 8, 64])
def test_built_spectra(k):
    sigma = rca.k_dominant_spectrum(k, 0.01)
    assert np.sum(sigma[k:] ** 2) / np.sum(sigma ** 2) == pytest.approx(0.01)
    table = rca.table_with_spectrum(sigma, seed=0)
    np.testing.assert_allclose(np.linalg.svd(table, compute_uv=False), np.sort(sigma)[::-1], atol=1e-12)
    assert effective_rank(rca.table_with_spectrum(np.full(128, 0.3), seed=0)) == pytest.approx(128)


def test_penalty_runs_tied_and_untied():
    fields = rc.settings(TINY)
    assert fields["tied+‖E‖²"] == {**fields["untied+‖E‖²"], "tied": True}


def test_used_rows_health_reads_the_init_and_truncates():
    result = rc.run(TINY, Seeds(rc.STREAMS), "cpu")
    k = result.members("untied")[0]
    seen = int((result.counts[result.runs[k][1]] > 0).sum())
    ceiling = min(seen, TINY.d)
    assert rc.used_rows_health(result, k, rank=1) == pytest.approx(1 / ceiling)  # one singular value: r_eff = 1
    at_init = rc.used_rows_health(result, k, result.E0)
    assert at_init == pytest.approx(rc.used_rows_health(result, result.members("init×4")[0], result.E0), rel=1e-5)
    assert 0 < rc.used_rows_health(result, k, rank=2) <= 2 / ceiling + 1e-9


def test_the_claims_read_one_experiment_per_run():
    # the training claims' group is the experiment's name: the committed rows were measured in "rank-collapse-cbow"
    assert rc.RANK_COLLAPSE.name == "rank-collapse-cbow" and rc.RANK_COLLAPSE.run is rc.run
    assert rc.RANK_COLLAPSE.setup(rc.CONFIGS["ci"]) == rc.setup(rc.CONFIGS["ci"])
    assert len({e.name for e in (rc.RANK_COLLAPSE, rca.SNIPPET, rca.INIT, rca.SPECTRA)}) == 4
    config = rca.CONFIGS["ci"]
    # the analytic runs take no device: any device reads the same memoised numpy run
    assert rca.SNIPPET.result("ci", 3, "cuda") is rca.run_snippet(config, Seeds(rca.STREAMS, offset=3))
    assert rca.SNIPPET.result("ci", 3, "cpu") is rca.SNIPPET.result("ci", 3, "cuda")
    assert rca.snippet_setup(config)["seeds"] == "42 (as written) and the next 4"
    assert rca.INIT.setup(config) == rca.SPECTRA.setup(config) == {}  # their claims each describe the part they read
