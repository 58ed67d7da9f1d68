"""The warmup study (``experiments.plateau``): its band measures on curves built by hand, and ``run`` at a tiny
config: paired arms, deterministic, memoised, shaped as the claims read it, its figure pure."""

from __future__ import annotations

import dataclasses
import math

import matplotlib
import numpy as np
import pytest

from toy_claims.experiments import plateau as exp
from toy_claims.lab.seeds import Seeds

matplotlib.use("Agg")

TINY = exp.PlateauConfig(V=8, R=2, D=4, alphas=(0.8, 1.0), lrs=(1e-2, 1e-1), warmup_steps=10, steps=20, batch=16,
                         n_seeds=2, eval_every=2, judged_seeds=4)
SEEDS = Seeds(exp.STREAMS, 0)
LANG = exp.Language("test", 1.0, True, unigram_entropy=4.0, optimum=3.0, mutual_information=1.0, scale=1.0,
                    band_half_width=0.1)
CFG = exp.PlateauConfig(eval_every=5, steps=50, warmup_steps=10, level_bin_fraction=0.05)


def _curves(loss, xdep=None):
    loss = np.asarray(loss, dtype=float)[:, None]
    steps = np.arange(len(loss)) * CFG.eval_every
    return exp.Curves(steps, loss, np.zeros_like(loss) if xdep is None else np.asarray(xdep, dtype=float)[:, None])


def test_band_stats_count_steps_in_the_band_and_below():
    # init above, 3 evaluations in the band, 2 in the band below, then under it
    s = exp.band_stats(_curves([5.0, 4.05, 4.0, 3.95, 3.85, 3.8, 3.5], [0, 0.1, 0.2, 0.3, 0.5, 0.5, 0.9]), LANG, CFG)
    assert s.steps_in_band.tolist() == [3 * CFG.eval_every]
    assert s.steps_below.tolist() == [2 * CFG.eval_every]
    assert s.leave_step.tolist() == [4 * CFG.eval_every]
    assert s.x_dependence_in_band[0] == pytest.approx(0.2)
    assert s.final_gap[0] == pytest.approx(0.5)


def test_band_stats_of_a_run_that_never_enters_or_leaves():
    s = exp.band_stats(_curves([5.0, 4.6, 4.5, 4.5]), LANG, CFG)
    assert s.steps_in_band[0] == 0 and math.isnan(s.leave_step[0]) and math.isnan(s.x_dependence_in_band[0])


def test_sticky_level_is_the_most_visited_bin_centred_on_h():
    # most evaluations at H(π) − 0.3 (bin −6 of width 0.05); step 0 is left out even when repeated
    s = exp.band_stats(_curves([4.0, 3.9, 3.7, 3.7, 3.7, 3.61]), LANG, CFG)
    assert s.sticky_offset[0] == pytest.approx(-0.3)


def test_config_rejects_a_control_alpha_outside_alphas():
    with pytest.raises(ValueError, match="control_alpha"):
        exp.PlateauConfig(alphas=(0.8,), control_alpha=1.0)


def test_paper_config_is_valid_and_larger():
    paper = exp.CONFIGS["paper"]
    assert paper.V == 50304 and paper.lrs and paper.steps % paper.eval_every == 0


@pytest.fixture(scope="module")
def tiny():
    return exp.run(TINY, SEEDS, "cpu")


def test_run_shapes_and_languages(tiny):
    n_eval = TINY.steps // TINY.eval_every + 1
    assert set(tiny.languages) == {(0.8, True), (1.0, True), (1.0, False)}
    assert len(tiny.curves) == 3 * len(exp.ARMS) * len(TINY.lrs)
    for c in tiny.curves.values():
        assert c.loss.shape == c.x_dependence.shape == (n_eval, TINY.n_seeds)
    control, structured = tiny.languages[1.0, False], tiny.languages[1.0, True]
    assert control.optimum == pytest.approx(control.unigram_entropy, abs=1e-12)
    assert control.scale == structured.scale == pytest.approx(structured.mutual_information)
    assert (tiny.curves[(1.0, True), exp.NO_WARMUP, 0.1].loss >= structured.optimum - 1e-9).all()


def test_judged_settings_extend_the_main_seeds(tiny):
    n, judged_key = TINY.n_seeds, (TINY.judged_alpha, True)
    settings = exp.judged_settings(TINY)
    assert set(settings) == {(judged_key, arm, TINY.lrs[-1]) for arm in exp.ARMS} | {
        ((TINY.control_alpha, False), exp.NO_WARMUP, TINY.lrs[-1]), (judged_key, exp.NO_WARMUP, TINY.lrs[0])}
    assert set(tiny.judged) == set(tiny.judged_stats) == set(settings)
    for setting in settings:
        judged = tiny.judged[setting]
        assert judged.loss.shape == judged.x_dependence.shape == (len(TINY.eval_steps), TINY.judged_seeds)
        np.testing.assert_array_equal(judged.loss[:, :n], tiny.curves[setting].loss)
        assert tiny.judged_stats[setting].steps_in_band.shape == (TINY.judged_seeds,)


def test_extra_judged_seeds_train_as_they_would_in_a_larger_stack(tiny):
    bigger = exp.run(dataclasses.replace(TINY, n_seeds=TINY.judged_seeds), SEEDS, "cpu")
    for setting in exp.judged_settings(TINY):
        np.testing.assert_allclose(tiny.judged[setting].loss, bigger.curves[setting].loss, rtol=1e-6)


def test_config_rejects_fewer_judged_seeds_than_seeds():
    with pytest.raises(ValueError, match="judged_seeds"):
        exp.PlateauConfig(n_seeds=3, judged_seeds=2)


def test_arms_are_paired_and_differ_only_by_warmup(tiny):
    for lr in TINY.lrs:
        a, b = (tiny.curves[(1.0, True), arm, lr] for arm in exp.ARMS)
        np.testing.assert_array_equal(a.loss[0], b.loss[0])  # same init per seed
        assert not np.array_equal(a.loss[-1], b.loss[-1])
    assert not np.array_equal(*(tiny.curves[(1.0, True), exp.NO_WARMUP, 0.1].loss[0, k] for k in range(2)))


def test_run_is_memoised_and_deterministic(tiny):
    assert exp.run(TINY, SEEDS, "cpu") is tiny
    again = exp.run.__wrapped__(TINY, SEEDS, "cpu")
    for key, c in tiny.curves.items():
        np.testing.assert_array_equal(c.loss, again.curves[key].loss)


def test_figure_is_pure(tiny):
    import matplotlib.pyplot as plt

    before = {k: c.loss.copy() for k, c in tiny.curves.items()}
    fig = exp.figure_loss_curves(tiny)
    assert len(fig.axes) == len(TINY.language_keys) * len(TINY.lrs)
    plt.close(fig)
    assert all(np.array_equal(before[k], c.loss) for k, c in tiny.curves.items())


def test_setup_is_derived_from_the_config():
    table = exp.setup(TINY)
    assert table["steps"] == TINY.steps and table["peak lrs"] == list(TINY.lrs)
