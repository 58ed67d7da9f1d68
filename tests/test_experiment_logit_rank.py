"""Fast checks of experiments.logit_rank: config validation, seeds, memoised deterministic runs, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from dataclasses import replace

import numpy as np
import pytest
from matplotlib.figure import Figure

import torch

from toy_claims.experiments.logit_rank import (
    CONFIGS, GROWN, LOGIT_RANK, STREAMS, LogitRankConfig, figure_lingen, figure_spectra, fit_range, PANEL_COSINES, run,
    run_panel, setup, shown_setup, sub_matrix,
)
from toy_claims.lab.logit_matrix import extended_logit_matrix, sample_sequences
from toy_claims.lab.seeds import STREAM_SPACING, Seeds
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.sequence import TransformerConfig

TINY = LogitRankConfig(seeds=1, steps=6, warmup=2, n_histories=32, n_futures=8, basis=16, basis_sweep=(8,), targets=2,
                       samples=2, random_draws=4, hidden_states=4, angle_rank=4, batch_size=8, eval_sequences=8,
                       model=TransformerConfig(vocab_size=8, block_size=16, n_layer=1, n_head=1, d_model=8))


def test_config_rejects_a_basis_that_leaves_no_targets():
    with pytest.raises(ValueError):
        LogitRankConfig(seeds=1, steps=250, n_histories=32, n_futures=8, basis=32, basis_sweep=(8,), targets=2,
                        samples=2, random_draws=4)


def test_config_rejects_sequences_longer_than_the_context():
    with pytest.raises(ValueError):
        LogitRankConfig(seeds=1, steps=250, n_histories=32, n_futures=8, basis=16, basis_sweep=(8,), targets=2,
                        samples=2, random_draws=4, history_len=12)


def test_run_is_memoised_and_deterministic():
    seeds = Seeds(STREAMS)
    first = run(TINY, seeds)
    assert run(TINY, Seeds(STREAMS)) is first  # equal config and seeds hit the memo
    run.cache_clear()
    again = run(TINY, seeds)
    assert again is not first
    for a, b in zip(first.runs, again.runs):
        np.testing.assert_array_equal(a.spectra["final"], b.spectra["final"])
        assert a.lingen.keys() == b.lingen.keys()
        for k in a.lingen:
            np.testing.assert_array_equal(a.lingen[k], b.lingen[k])
    assert len(first.runs) == TINY.seeds
    assert first.runs[0].spectra["final"].shape == (min(TINY.n_histories, TINY.n_futures * TINY.vocab_size),)


def test_figures_are_figures():
    result = run(TINY, Seeds(STREAMS))
    for figure in (figure_spectra, figure_lingen):
        fig = figure(result, TINY)
        assert isinstance(fig, Figure)
        matplotlib.pyplot.close(fig)


def test_setup_comes_from_the_config():
    ci, paper = setup(CONFIGS["ci"]), setup(CONFIGS["paper"])
    assert ci.keys() == paper.keys()
    assert f"|H| = {CONFIGS['paper'].n_histories}" in paper["sizes"] and str(CONFIGS["ci"].steps) in ci["steps"]


def test_paper_config_is_the_sources_first_experiment_size():
    paper = CONFIGS["paper"]
    assert (paper.n_histories, paper.n_futures) == (1000, 1000) and paper.half_size == (500, 500)
    assert fit_range(paper.half_size[0]) == (2, 125) and paper.fit_range == (2, 250)


def test_sub_matrix_is_the_matrix_of_the_first_histories_and_futures():
    language = HiddenMarkovLanguage(8, hidden_states=3, seed=0)
    g = torch.Generator().manual_seed(0)
    fn = language.next_token_log_probs
    H, Fu = sample_sequences(fn, 12, 3, g), sample_sequences(fn, 6, 2, g)
    full, small = extended_logit_matrix(fn, H, Fu).values, extended_logit_matrix(fn, H[:5], Fu[:3]).values
    torch.testing.assert_close(sub_matrix(full, 5, 3, 8), small)
    with pytest.raises(ValueError):
        sub_matrix(full, 13, 3, 8)


def test_growth_check_fits_every_grown_matrix_at_half_size():
    r = run(TINY, Seeds(STREAMS)).runs[0]
    assert r.half_fits.keys() == set(GROWN)
    assert all(np.isfinite(r.half_fits[n]["alpha"]) for n in GROWN)


def test_rank_and_random_matrix_controls_are_measured_beside_each_run():
    run_ = run(TINY, Seeds(STREAMS)).runs[0]
    n_futures = TINY.n_futures // 4
    assert run_.isan_rank64 <= TINY.model.d_model + 1  # an ISAN of the residual width: bounded by construction
    assert run_.gaussian_rank64 == min(TINY.n_histories, n_futures * TINY.vocab_size)  # full rank
    assert len(run_.random_matrix_cos) == TINY.random_matrices
    assert run_.random_matrix_cos[0] == run_.random_cosines.mean()  # the first draw is the fitted Gaussian matrix
    jb = TINY.judged_basis
    # With two targets, "every other target" is the next one: the average is the wrong-target candidate itself.
    np.testing.assert_array_equal(run_.lingen[f"lingen other targets B={jb}"], run_.lingen[f"lingen wrong target B={jb}"])


def test_config_rejects_no_random_matrices():
    with pytest.raises(ValueError):
        LogitRankConfig(seeds=1, steps=250, n_histories=32, n_futures=8, basis=16, basis_sweep=(8,), targets=2,
                        samples=2, random_draws=4, random_matrices=0)


def test_the_seed_panel_measures_its_extra_runs_as_the_full_run_would():
    """Run 2 of a panel (trained and measured by the panel alone) equals run 2 of an experiment with 2 seeds: same
    streams, probes and continuations, so the judged quantities do not depend on which path measured them."""
    seeds = Seeds(STREAMS, 1)
    full = run(replace(TINY, seeds=2), seeds).runs
    panel = run_panel(replace(TINY, panel_seeds=2), seeds)
    assert len(panel) == 2 and len(run_panel(TINY, seeds)) == TINY.seeds  # panel_seeds <= seeds: the own runs only
    b = TINY.judged_basis  # rel 1e-6: float32 logits evaluated in batches of another composition (measured: ~1e-15)
    for r, p in zip(full, panel):
        for kind in PANEL_COSINES:
            np.testing.assert_allclose(p.cosines[kind], r.cosines[kind], rtol=1e-6)
        for name in (f"lingen B={b}", f"lingen wrong target B={b}", "checkpoint mid"):
            assert p.lingen[name] == pytest.approx(float(r.lingen[name].mean()), rel=1e-6)


def test_panel_seeds_must_be_a_count():
    with pytest.raises(ValueError, match="panel_seeds"):
        replace(TINY, panel_seeds=-1)


def test_a_result_gives_its_seed_panel_at_its_own_seeds_and_device():
    config, seeds = replace(TINY, panel_seeds=2), Seeds(STREAMS, 1)
    assert run(config, seeds).panel() is run_panel(config, seeds, "cpu")


def test_the_shown_setup_puts_the_paper_value_beside_a_ci_row_only():
    ci, paper = shown_setup(CONFIGS["ci"]), shown_setup(CONFIGS["paper"])
    assert paper == setup(CONFIGS["paper"]) and list(ci) == list(setup(CONFIGS["ci"]))
    assert ci["steps"].endswith(f"(paper scale: {setup(CONFIGS['paper'])['steps']})")
    assert LOGIT_RANK.setup is shown_setup and LOGIT_RANK.config("paper") is CONFIGS["paper"]
