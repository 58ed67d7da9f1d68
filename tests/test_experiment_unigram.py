"""The experiments behind source 001's claims (``experiments.unigram_*``: d1, collapse, scaling, decay, language).

Their measuring helpers against properties a wrong implementation would break,
and each ``run`` at a tiny config: deterministic, memoised, its result shaped
as the claims read it, its figures pure.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toy_claims.experiments import unigram_collapse as collapse
from toy_claims.experiments import unigram_d1 as d1
from toy_claims.experiments import unigram_decay as decay
from toy_claims.experiments import unigram_scaling as scaling
from toy_claims.experiments.unigram_common import STREAMS
from toy_claims.experiments.unigram_language import planted_laws, rank_frequency_fits
from toy_claims.lab.seeds import Seeds
from tests.strategies import seeds

matplotlib.use("Agg")

TINY = {
    "d1": d1.D1Config(steps=20, plain_steps=5, n_seeds=2, evals_per_decade=5),
    "collapse": collapse.CollapseConfig(V=8, D=4, lrs=(1e-2, 1e-1), steps=10, variants=(
        collapse.CollapseVariant("main", None, False, 2), collapse.CollapseVariant("N(0, 1)", 1.0, False, 1),
        collapse.CollapseVariant("full batch", None, True, 1))),
    "scaling": scaling.ScalingConfig(D=4, steps=40, window=(10, 40), early_window=(5, 20), V_sweep=(5, 10),
                                     alpha_sweep=(0.5, 1.0), alpha_sweep_V=10, full_batch_tasks=((5, 1.0),)),
    "decay": decay.DecayConfig(V=10, Ds=(1, 2), decay_steps=10, readings=(30, 20), n_seeds=2, eval_every=10),
}
MODULES = {"d1": d1, "collapse": collapse, "scaling": scaling, "decay": decay}
EXPERIMENTS = {"d1": d1.D1, "collapse": collapse.COLLAPSE, "scaling": scaling.SCALING, "decay": decay.DECAY}
SEEDS = Seeds(STREAMS, 0)


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20), st.floats(0.0, 1.0))
def test_first_step_at_or_below_is_the_first_hit(gaps, level):
    steps = np.arange(len(gaps)) * 10
    found = d1.first_step_at_or_below(steps, gaps, level)
    hits = [s for s, g in zip(steps, gaps) if g <= level]
    assert found == (hits[0] if hits else math.inf)


@given(st.lists(st.integers(-100, 100), min_size=2, max_size=12, unique=True), seeds())
def test_ordered_pair_fraction_counts_agreeing_pairs(values, seed):
    probs = np.random.default_rng(seed).permutation(len(values)) + 1.0  # distinct, in any order
    v = np.asarray(values, dtype=np.float64)
    f = d1.ordered_pair_fraction(v, probs)
    assert d1.ordered_pair_fraction(np.exp(v / 50) * 3 + 1, probs) == f  # only the order of values matters
    assert math.isclose(f + d1.ordered_pair_fraction(-v, probs), 1.0)  # no ties: each pair agrees one way
    assert d1.ordered_pair_fraction(probs**2, probs) == 1.0


def test_ordered_pair_fraction_counts_value_ties_as_unordered():
    assert d1.ordered_pair_fraction([1.0, 1.0, 0.0], [0.5, 0.3, 0.2]) == 2 / 3


@given(st.lists(st.integers(-100, 100), min_size=3, max_size=12, unique=True), seeds())
def test_rank_correlation_depends_only_on_the_order(values, seed):
    probs = np.random.default_rng(seed).permutation(len(values)) + 1.0
    v = np.asarray(values, dtype=np.float64)
    rho = d1.rank_correlation(v, probs)
    assert math.isclose(d1.rank_correlation(np.exp(v / 50) * 3 + 1, probs), rho, abs_tol=1e-12)
    assert math.isclose(d1.rank_correlation(-v, probs), -rho, abs_tol=1e-12)
    assert math.isclose(d1.rank_correlation(probs**2, probs), 1.0)


@given(st.floats(0.1, 30.0), st.floats(0.3, 2.5))
def test_tied_optimum_form_is_ordered_by_frequency(scale, alpha):
    p = np.arange(1, 11, dtype=np.float64) ** -alpha
    e = d1.tied_optimum_form(scale, p / p.sum())
    assert d1.ordered_pair_fraction(e, p) == 1.0 and math.isclose(d1.rank_correlation(e, p), 1.0)


def test_planted_laws_meet_the_fit_at_both_ends_and_have_their_form():
    fit = {"alpha": 1.2, "prefactor": 1e9}
    laws = planted_laws(fit, 10_000, (10, 10_000))
    for name in ("power_law", "exponential"):
        np.testing.assert_allclose(laws[name][[9, 9_999]], 1e9 * np.array([10.0, 10_000.0]) ** -1.2, rtol=1e-9)
    fits = {name: rank_frequency_fits(c, (10, 10_000)) for name, c in laws.items()}
    assert math.isclose(fits["power_law"]["alpha"], 1.2, rel_tol=1e-9) and math.isclose(fits["zipf_alpha_1"]["alpha"], 1.0)
    assert fits["exponential"]["r2_exponential"] > 1 - 1e-9 > fits["exponential"]["r2_power_law"]


def test_misordered_neighbours_names_the_upper_rank_of_each_swap():
    assert d1.misordered_neighbours([5.0, 4.0, 3.0]) == []
    assert d1.misordered_neighbours([5.0, 3.0, 4.0, 4.0, 1.0]) == [2, 3]  # a tie counts as misordered


@given(st.floats(0.1, 3.0), st.floats(1e-3, 1e3), seeds())
def test_window_fits_recover_the_exponent_and_ignore_points_outside(beta, scale, seed):
    steps = np.unique(np.round(np.logspace(0, 4, 60)).astype(int))
    inside = (steps >= 100) & (steps <= 1000)
    gaps = scale * steps.astype(float) ** -beta
    gaps = np.stack([gaps, gaps * 2.0], axis=1)
    gaps[~inside] = np.random.default_rng(seed).uniform(1e-6, 1e6, size=(int((~inside).sum()), 2))
    for fit in scaling.window_fits(steps, gaps, (100, 1000)):
        assert math.isclose(fit.exponent, -beta, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(scaling.beta(fit)[0], beta, rel_tol=1e-9)
        assert fit.n_points == int(inside.sum()) and fit.r2 > 1 - 1e-9


@given(st.floats(0.5, 2.5), seeds())
def test_rank_frequency_fits_recover_alpha_in_any_input_order(alpha, seed):
    counts = 1e9 * np.arange(1, 20_001, dtype=float) ** -alpha
    fits = rank_frequency_fits(np.random.default_rng(seed).permutation(counts), (10, 10_000))
    assert math.isclose(fits["alpha"], alpha, rel_tol=1e-9)
    assert fits["r2_power_law"] > 1 - 1e-9 > fits["r2_exponential"]


def test_rank_frequency_fits_prefer_the_exponential_for_a_light_tail():
    counts = np.exp(-np.arange(1, 20_001) / 3000.0)
    fits = rank_frequency_fits(counts, (10, 10_000))
    assert fits["r2_exponential"] > 1 - 1e-9 > fits["r2_power_law"]


def test_layernorm_construction_is_exact_and_its_layernorm_output_constant():
    gaps, spread = d1.layernorm_construction_gaps(((10, 1.0), (50, 2.0)))
    assert max(gaps) < 1e-12 and max(spread) == 0.0


@pytest.mark.parametrize("name", sorted(TINY))
def test_run_is_memoised_and_deterministic(name):
    config, run = TINY[name], MODULES[name].run
    result = run(config, SEEDS)
    assert run(config, SEEDS) is result
    again = run.__wrapped__(config, SEEDS, "cpu")  # a fresh computation, past the memo
    stacks = lambda r: {  # noqa: E731 -- every trained stack of a result, by a key
        "d1": lambda: r.runs, "collapse": lambda: {k: v.stack for k, v in r.runs.items()},
        "scaling": lambda: {**{("b", k): t.stack for k, t in r.tasks.items()}, **{("f", k): t.stack for k, t in r.full_batch.items()}},
        "decay": lambda: r.runs}[name]()
    first, second = stacks(result), stacks(again)
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key].log.gaps, second[key].log.gaps)
        assert all(np.array_equal(a, b) for a, b in zip(first[key].embeddings, second[key].embeddings))
    shifted = stacks(run(config, Seeds(STREAMS, 1)))
    assert any(not np.array_equal(first[k].log.gaps, shifted[k].log.gaps) for k in first)  # the offset redraws the seeds


@pytest.mark.parametrize("name", sorted(TINY))
def test_figures_are_pure_functions_of_a_result(name):
    import matplotlib.pyplot as plt

    config = TINY[name]
    figure = {"d1": d1.figure_d1_curves, "collapse": collapse.figure_collapse, "scaling": scaling.figure_scaling,
              "decay": decay.figure_decay}[name]
    fig = figure(MODULES[name].run(config, SEEDS), config)
    assert isinstance(fig, matplotlib.figure.Figure)
    plt.close(fig)


def test_d1_pairs_seeds_across_variants_and_reads_the_tied_sign():
    config = TINY["d1"]
    result = d1.run(config, SEEDS)
    for name, _, layernorm in config.variants:
        for regime in d1.REGIMES:
            log = result.runs[name, regime].log
            assert log.steps[-1] == config.steps_of(layernorm) and log.gaps.shape[1] == config.n_seeds
    assert all(e.sum() >= 0 for e in result.signed_embeddings(d1.MINIBATCH))
    init = result.signed_initial_embeddings()
    assert len(init) == config.n_seeds and all(e.shape == (config.V,) and e.sum() >= 0 for e in init)
    # a LayerNorm without affine has zero gradients at D = 1: its embedding never leaves the shared init
    plain = result.runs["tied + LayerNorm without affine", d1.MINIBATCH].embeddings
    assert all(np.array_equal(a, b) for a, b in zip(plain, result.initial_embeddings))


def test_d1_ordering_seeds_extend_the_tied_batch_runs():
    config = d1.D1Config(steps=20, plain_steps=5, n_seeds=2, order_seeds=4, evals_per_decade=5)
    result = d1.run(config, SEEDS)
    tied = result.runs["tied", d1.MINIBATCH]
    assert len(result.ordering.embeddings) == len(result.ordering_initial_embeddings) == config.order_seeds
    assert tied.log.gaps.shape[1] == len(tied.embeddings) == len(result.initial_embeddings) == config.n_seeds
    # the first members of the ordering stack are the tied runs themselves (members train independently)
    np.testing.assert_array_equal(result.ordering.log.gaps[:, :config.n_seeds], tied.log.gaps)
    assert all(np.array_equal(a, b) for a, b in zip(result.ordering.embeddings, tied.embeddings))
    assert len(result.signed_ordering_embeddings(initial=True)) == config.order_seeds


def test_d1_controls_of_the_speed_up_are_exact():
    result = d1.run(TINY["d1"], SEEDS)
    tied = result.runs["tied", d1.MINIBATCH]
    np.testing.assert_array_equal(d1.speedup(tied, tied), 1.0)
    np.testing.assert_array_equal(d1.speedup_of_compressed(tied, 2.0), 2.0)


def test_collapse_records_n_eff_per_lr_and_seed():
    config = TINY["collapse"]
    result = collapse.run(config, SEEDS)
    for variant in config.variants:
        by_lr = result.runs[variant.name].n_eff_by_lr()
        assert list(by_lr) == list(config.lrs)
        assert all(n.shape == (len(result.runs[variant.name].stack.log.steps), variant.n_seeds) for n in by_lr.values())
        assert all(1.0 <= n.min() and n.max() <= config.D for n in by_lr.values())
    assert collapse.largest_rise_with_lr(result.runs["main"]).shape == (2,)
    np.testing.assert_array_equal(collapse.largest_rise_with_lr(result.runs["main"], at=0), 0.0)  # one init for every lr


def test_decay_improvement_is_constant_minus_decayed_at_each_reading():
    config = TINY["decay"]
    result = decay.run(config, SEEDS)
    for steps in config.readings:
        gain = result.improvement(steps)
        assert gain.shape == (len(config.Ds), config.n_seeds)
        decayed = result.runs[f"decay {steps}"].log
        np.testing.assert_allclose(result.constant_gap(steps) - gain, decayed.gaps[-1].reshape(len(config.Ds), -1))
    assert result.improvement(config.readings[0], full_batch=True).shape == (len(config.Ds), config.n_seeds)
    for steps in config.readings:  # where the decay starts both runs are still the same model
        np.testing.assert_array_equal(result.improvement(steps, at=steps - config.decay_steps), 0.0)


def test_scaling_unresolved_step_is_below_zero_only_for_a_resolved_trend():
    config = TINY["scaling"]
    result = scaling.run(config, SEEDS)
    down = scaling.largest_unresolved_step(result, config.V_tasks, -1, config.window)
    up = scaling.largest_unresolved_step(result, config.V_tasks, +1, config.window)
    assert down.shape == up.shape == (config.n_seeds,)
    assert not (down <= 0).any() or not (up <= 0).any()  # β cannot fall and rise beyond both intervals at once


def test_planted_trend_is_read_back_with_the_measured_interval_widths():
    config = TINY["scaling"]
    result = scaling.run(config, SEEDS)
    for tasks, sign in ((config.V_tasks, -1), (config.alpha_tasks, +1)):
        half = np.array([(b[:, 2] - b[:, 1]) / 2 for b in (result.tasks[t].betas(config.window) for t in tasks)])
        for step in (0.0, 0.5):
            planted = scaling.planted_unresolved_step(result, tasks, sign, config.window, step)
            # a tilted curve refits to the planted β with its own residuals: step k → k+1 is −step + both half-widths
            np.testing.assert_allclose(planted, np.max(half[1:] + half[:-1], axis=0) - step, atol=1e-9)


def test_setup_is_derived_from_the_config():
    assert d1.setup(d1.D1Config(V=7, steps=123))["V"] == 7
    assert d1.setup(d1.D1Config(V=7, steps=123))["steps"] == 123
    assert collapse.setup(collapse.CollapseConfig(lrs=(0.5,)))["learning rates"] == [0.5]
    assert decay.setup(decay.DecayConfig(Ds=(2, 3)))["D"] == [2, 3]
    assert "300..3000" in scaling.setup(scaling.ScalingConfig())["fit window"]


@pytest.mark.parametrize("name", sorted(TINY))
def test_each_experiment_is_its_module_run_and_setup_under_its_claims_group(name):
    experiment, module = EXPERIMENTS[name], MODULES[name]
    assert experiment.name == f"unigram-{name}" and experiment.streams == STREAMS
    assert experiment.run is module.run and experiment.setup is module.setup
    assert all(type(c) is type(TINY[name]) for c in experiment.configs.values())


def test_language_run_is_the_fit_of_its_config_at_any_seed_offset_and_device():
    from toy_claims.experiments import unigram_language as language

    pytest.importorskip("symspellpy")
    config = language.LanguageConfig()
    result = language.run(config, Seeds(language.STREAMS, 0))
    assert result is language.fit_corpora(config) is language.run(config, Seeds(language.STREAMS, 3), "cuda")
    assert language.LANGUAGE.name == "unigram-language" and language.LANGUAGE.run is language.run
