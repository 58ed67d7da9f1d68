"""Invariants of source 000's experiments (``experiments.bigram_*``: sweep, critical, scaling, logit scale, language).

Properties a wrong implementation would break: the analyses of a sweep, the
seed streams that reproduce the claims' seeds, and ``run`` being deterministic,
memoised and cheap to re-run at a tiny config.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from toy_claims.experiments import bigram_critical as critical
from toy_claims.experiments import bigram_language as language
from toy_claims.experiments import bigram_logit_scale as logit_scale
from toy_claims.experiments import bigram_scaling as scaling
from toy_claims.experiments import bigram_sweep as sweep
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.seeds import Seeds
from toy_claims.models.datasets import LowRankBigram


@settings(deadline=None, max_examples=20)
@given(V=st.integers(4, 30), R=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_residual_outside_top_subspace(V, R, seed):
    data = LowRankBigram(V=V, R=R, seed=seed)
    residuals = np.array([scaling.residual_outside_top_subspace(data, n) for n in range(0, R + 1)])
    assert (residuals >= 0).all()
    assert (np.diff(residuals, axis=0) <= 1e-9).all()  # a larger subspace never leaves a row further out
    centred = data.logits.numpy() - data.logits.numpy().mean(axis=1, keepdims=True)
    assert np.allclose(residuals[0], np.linalg.norm(centred, axis=1))  # width 0: the whole row
    assert residuals[R].max() <= 1e-9 * max(1.0, residuals[0].max())  # rank ≤ R: nothing left at width R


def _sweep(gaps: np.ndarray, arms) -> sweep.Sweep:
    steps = (0, 8, 10)
    return sweep.Sweep(LowRankBigram(V=4, R=2), tuple(arms), steps, gaps, np.zeros((len(arms), 4)))


def test_sweep_best_worst_and_plateau_select_by_variant_and_width():
    Arm = sweep.Arm
    arms = [Arm(sweep.MAIN, 1, 0), Arm(sweep.MAIN, 1, 1), Arm(sweep.MAIN, 2, 0), Arm(sweep.SLOW_LR, 1, 0)]
    gaps = np.array([[9.0, 9.0, 9.0, 9.0],
                     [4.0, 2.2, 1.0, 0.1],   # step 8 = 80% of 10
                     [3.0, 2.0, 0.5, 0.05]])
    sw = _sweep(gaps, arms)
    assert sw.best(1) == 2.0 and sw.worst(1) == 3.0  # the two main inits of width 1, not the lr-0.01 member
    assert sw.best(1, sweep.SLOW_LR) == 0.05
    assert sw.best(1, step=8) == 2.2
    assert sw.plateau(1) == pytest.approx((2.2 - 2.0) / 2.0)


def test_a_diverged_member_makes_the_judged_gap_nan():
    Arm = sweep.Arm
    arms = [Arm(sweep.MAIN, 1, 0), Arm(sweep.MAIN, 1, 1), Arm(sweep.MAIN, 2, 0)]
    gaps = np.array([[1.0, 1.0, 1.0], [0.5, 0.4, 0.1], [np.nan, 0.3, 0.1]])
    sw = _sweep(gaps, arms)
    for pick in (np.min, np.max):  # whatever the order, a NaN must reach the verdict (an 'error', never a pass)
        assert np.isnan(critical.relative_gaps([sw], (1, 2), pick)).all()
        assert np.isnan(critical.relative_gaps([sw], (2, 1), pick)).all()


@settings(deadline=None, max_examples=20)
@given(V=st.integers(2, 12), seed=st.integers(0, 2**31 - 1))
def test_truncations_are_the_best_low_rank_approximations(V, seed):
    M = torch.randn(V, V, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    ranks = tuple(range(1, V + 1))
    T = language.truncations(M, ranks)
    s = torch.linalg.svdvals(M)
    for r, Mr in zip(ranks, T):
        assert torch.linalg.matrix_rank(Mr) <= r
        # Eckart–Young: the Frobenius error of the best rank-r approximation is the tail of the spectrum
        assert torch.linalg.norm(M - Mr) == pytest.approx(float(s[r:].pow(2).sum().sqrt()), abs=1e-9)
    assert torch.allclose(T[-1], M, atol=1e-10)


def test_streams_give_the_seeds_the_claims_have_always_used():
    seeds = Seeds(sweep.STREAMS, 0)
    assert seeds("dataset", 5) == (0, 1, 2, 3, 4)  # dataset seeds 0..
    assert seeds("init", 4) == (1000, 1001, 1002, 1003)
    assert Seeds(logit_scale.STREAMS, 0)("dataset", 5) == seeds("dataset", 5)  # the logit-scale knob's datasets too
    assert critical.CRITICAL.streams == scaling.SCALING.streams == sweep.STREAMS
    assert Seeds(language.STREAMS, 0)("dataset", 1) == (0,)  # the language claims' toy is dataset seed 0


TINY = critical.CriticalConfig(V=5, R=2, widths=(1, 2, 3), steps=20, inits=2, dataset_seeds=2)
TINY_SCALING = scaling.ScalingConfig(V=6, R=4, steps=20, dataset_seeds=2, robust_widths=(1, 2), per_token_widths=(1, 2),
                                     per_token_figure_width=2, rank_weight_alphas=(1.0,))


def test_run_is_deterministic_and_memoised():
    seeds = Seeds(sweep.STREAMS, 0)
    tiny = Experiment("tiny-critical", {"ci": TINY}, sweep.STREAMS, critical.run, critical.setup)
    first = tiny.result("ci", 0, "cpu")
    assert tiny.result("ci", 0, "cpu") is first  # memoised: claims of one experiment share one run
    again = critical.run(TINY, seeds, "cpu")
    assert again is not first
    for a, b in zip(first.sweeps, again.sweeps):
        np.testing.assert_array_equal(a.gaps, b.gaps)  # bitwise: a fixed thread count repeats
    assert [sw.data.seed for sw in first.sweeps] == [0, 1]
    assert len(first.sweeps[0].arms) == 3 * len(TINY.widths) * TINY.inits  # main + two alternatives
    shifted = tiny.result("ci", 3, "cpu")
    assert [sw.data.seed for sw in shifted.sweeps] == [3, 4]  # --claims-seed redraws the datasets


def test_rank_weights_reuse_the_scaling_sweep_of_the_first_dataset():
    seeds = Seeds(sweep.STREAMS, 0)
    result = scaling.run(TINY_SCALING, seeds, "cpu")
    assert result.alphas == (0.0, 1.0) and result.rank_weight_sweeps[0] is result.sweeps[0]
    assert result.rank_weight_sweeps[1].data.seed == result.sweeps[0].data.seed  # the knob: the first dataset
    variants = {a.variant for a in result.sweeps[0].arms}
    assert variants == {sweep.MAIN, sweep.OTHER_INIT, sweep.SLOW_LR, sweep.SMALL_INIT}
    assert {a.variant for a in result.sweeps[1].arms} == {sweep.MAIN}  # alternatives: first dataset only
    assert {a.variant for a in result.rank_weight_sweeps[1].arms} == {sweep.MAIN}
    rho = scaling.per_token_spearman(result, TINY_SCALING)
    assert set(rho) == {(k, n) for k in ("residual", "pi", "entropy") for n in (1, 2)}
    assert all(len(v) == 2 for v in rho.values())


def test_figures_are_figures_of_a_result():
    from matplotlib.figure import Figure

    seeds = Seeds(sweep.STREAMS, 0)
    result = scaling.run(TINY_SCALING, seeds, "cpu")
    knob_config = logit_scale.LogitScaleConfig(V=6, R=2, scales=(0.5, 1.0), dataset_seeds=2)
    figures = [critical.figure_loss_curves(critical.run(TINY, seeds, "cpu"), TINY, reach=1e-5),
               scaling.figure_delta_vs_n(result, TINY_SCALING), scaling.figure_per_token_gap(result, TINY_SCALING),
               scaling.figure_delta_vs_n_lambda(result, TINY_SCALING),
               logit_scale.figure_l0_vs_scale(logit_scale.run(knob_config, Seeds(logit_scale.STREAMS, 0), "cpu"),
                                              knob_config)]
    assert all(isinstance(f, Figure) for f in figures)


def test_setup_is_derived_from_the_config():
    assert critical.setup(TINY)["N"] == [1, 2, 3] and critical.setup(TINY)["steps"] == 20
    assert scaling.setup(TINY_SCALING)["fit range (fixed in advance)"].startswith("N = 1..3,")
    assert "f = 0.5 (main) and 0.1" in language.setup(language.CONFIGS["ci"])["smoothing"]
    for experiment in (critical.CRITICAL, scaling.SCALING, logit_scale.LOGIT_SCALE, language.LANGUAGE):
        assert experiment.config("paper") == experiment.config("ci")  # the source has one size: paper runs it


def test_planted_laws_have_the_exponents_the_controls_rely_on():
    from toy_claims.lab.metrics import local_slopes, power_law_fit

    config = scaling.ScalingConfig()
    regime = config.regime_widths
    assert regime == tuple(range(1, config.R // 3 + 1))
    laws = scaling.planted_laws(regime, config.R)
    assert power_law_fit(regime, laws[scaling.EXACT_LAW]).exponent == pytest.approx(-1.0)
    # the truncated N^-1 law keeps every local slope within ±0.5 of −1 over N ≤ R/3 (why the range is R/3) ...
    assert np.abs(local_slopes(regime, laws[scaling.TRUNCATED_LAW]) + 1).max() <= 0.5
    # ... and a flat law (no power law) is far from −1 there
    assert power_law_fit(regime, laws[scaling.FLAT_LAW]).exponent > -0.5


@settings(deadline=None, max_examples=10)
@given(V=st.integers(5, 12), R=st.integers(2, 4), seed=st.integers(0, 2**31 - 1))
def test_a_rank_deficient_table_cannot_reach_l0_and_a_full_rank_one_does(V, R, seed):
    # R < V: row-centring drops one rank, so a rank-V table's centred logits have rank V − 1 and lose nothing at V − 1
    data = LowRankBigram(V=V, R=R, seed=seed)
    assert critical.truncated_table_relative_gap(data, R - 1) > 0
    assert critical.truncated_table_relative_gap(data, R) == pytest.approx(0.0, abs=1e-9)
