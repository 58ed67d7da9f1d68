"""HiddenMarkovLanguage: exact conditionals, forward algorithm, sampler, validation."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from toy_claims.lab.logit_matrix import sample_sequences
from toy_claims.models.hmm import HiddenMarkovLanguage
from tests.strategies import hmm_languages, token_batches


# Sampler checks reject a correct sampler with probability FALSE_ALARM (fixed seeds, so
# in practice they either always pass or always fail).
FALSE_ALARM = 1e-3


def _brute_force_prob(lang: HiddenMarkovLanguage, tokens: tuple[int, ...]) -> float:
    """Pr[z_1..z_t] by summing over all k^t hidden paths."""
    if not tokens:
        return 1.0
    pi, T, E = lang.initial.tolist(), lang.transition.tolist(), lang.emission.tolist()
    total = 0.0
    for path in itertools.product(range(lang.hidden_states), repeat=len(tokens)):
        p = pi[path[0]] * E[path[0]][tokens[0]]
        for prev, state, z in zip(path, path[1:], tokens[1:]):
            p *= T[prev][state] * E[state][z]
        total += p
    return total


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_next_token_probabilities_sum_to_one(data):
    """Every conditional Pr[· | prefix] is a distribution with full support, empty prefix included."""
    lang = data.draw(hmm_languages())
    probs = lang.next_token_log_probs(data.draw(token_batches(lang.V))).exp()
    assert probs.dtype == torch.float64
    assert (probs > 0).all()
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(len(probs), dtype=torch.float64),
                               rtol=0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_forward_algorithm_equals_enumeration_over_hidden_paths(data):
    """Normalised forward messages give the same Pr[prefix] and Pr[z | prefix] as summing k^t paths."""
    lang = data.draw(hmm_languages(max_V=4, max_states=3))
    prefix = tuple(data.draw(st.lists(st.integers(0, lang.V - 1), max_size=3)))
    p_prefix = _brute_force_prob(lang, prefix)
    expected = torch.tensor([_brute_force_prob(lang, prefix + (z,)) / p_prefix for z in range(lang.V)],
                            dtype=torch.float64)
    tokens = torch.tensor([prefix], dtype=torch.long).reshape(1, len(prefix))
    torch.testing.assert_close(lang.next_token_log_probs(tokens)[0].exp(), expected, rtol=1e-10, atol=0)
    assert math.isclose(lang.sequence_log_prob(tokens).item(), math.log(p_prefix), rel_tol=1e-10, abs_tol=1e-12)


def _hmm_sample(lang, n, length, generator):
    return lang.sample(n, length, generator)


def _generic_sample(lang, n, length, generator):
    return sample_sequences(lang.next_token_log_probs, n, length, generator)


@pytest.mark.parametrize("sampler", [_hmm_sample, _generic_sample], ids=["hmm.sample", "sample_sequences"])
def test_sampler_frequencies_match_exact_probabilities(sampler):
    """Empirical frequencies of all V^3 length-3 sequences pass a chi-square test (rate FALSE_ALARM)
    against the exact joint (= product of exact conditionals), and the same counts reject the
    product of exact marginals, so the test can see a sampler that ignores the hidden state."""
    lang = HiddenMarkovLanguage(V=3, hidden_states=3, zipf_alpha=2.0, concentration=0.3, seed=1)
    n, length = 20_000, 3
    samples = sampler(lang, n, length, torch.Generator().manual_seed(11))
    cells = torch.tensor(list(itertools.product(range(lang.V), repeat=length)))  # (V^3, 3)
    exact = lang.sequence_log_prob(cells).exp()
    assert math.isclose(exact.sum().item(), 1.0, rel_tol=1e-12)
    index = (samples * torch.tensor([lang.V**2, lang.V, 1])).sum(dim=1)
    observed = torch.bincount(index, minlength=len(cells)).double()
    assert stats.chisquare(observed.numpy(), (n * exact).numpy()).pvalue > FALSE_ALARM

    marginal = lang.next_token_log_probs(cells[:1, :0]).exp()[0]  # stationary: same at every position
    independent = marginal[cells].prod(dim=1)
    assert stats.chisquare(observed.numpy(), (n * independent).numpy()).pvalue < FALSE_ALARM


@settings(max_examples=30, deadline=None)
@given(hmm_languages())
def test_parameters_are_stochastic_and_the_start_is_stationary(lang):
    """Rows of transition and emission are distributions, and initial @ transition = initial."""
    for matrix in (lang.transition, lang.emission):
        assert (matrix >= 0).all()
        torch.testing.assert_close(matrix.sum(dim=1), torch.ones(len(matrix), dtype=torch.float64))
    torch.testing.assert_close(lang.initial @ lang.transition, lang.initial, rtol=0, atol=1e-10)
    assert math.isclose(lang.initial.sum().item(), 1.0, rel_tol=1e-12)


@settings(max_examples=20, deadline=None)
@given(hmm_languages())
def test_every_state_emits_a_permutation_of_one_zipf_law(lang):
    """The documented emission model: sorted rows are all p(r) ∝ r^-alpha."""
    zipf = torch.arange(1, lang.V + 1, dtype=torch.float64) ** -lang.zipf_alpha
    sorted_rows = lang.emission.sort(dim=1, descending=True).values
    torch.testing.assert_close(sorted_rows, (zipf / zipf.sum()).expand_as(sorted_rows))


def test_seed_determines_the_language_and_the_generator_the_samples():
    a, b = HiddenMarkovLanguage(V=5, seed=3), HiddenMarkovLanguage(V=5, seed=3)
    assert torch.equal(a.transition, b.transition) and torch.equal(a.emission, b.emission)
    assert not torch.equal(a.transition, HiddenMarkovLanguage(V=5, seed=4).transition)
    draw = [a.sample(4, 6, torch.Generator().manual_seed(1)) for _ in range(2)]
    assert torch.equal(draw[0], draw[1])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"V": 1}, "V"),
        ({"V": 2.5}, "V"),
        ({"hidden_states": 0}, "hidden_states"),
        ({"zipf_alpha": -0.1}, "zipf_alpha"),
        ({"zipf_alpha": math.nan}, "zipf_alpha"),
        ({"zipf_alpha": math.inf}, "zipf_alpha"),
        ({"zipf_alpha": 1000.0}, "zipf_alpha"),  # V**-alpha underflows float64
        ({"concentration": 0.0}, "concentration"),
        ({"concentration": math.inf}, "concentration"),
        ({"concentration": math.nan}, "concentration"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_raise_value_error_naming_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        HiddenMarkovLanguage(**{"V": 8, **kwargs})


def test_out_of_range_tokens_are_rejected():
    lang = HiddenMarkovLanguage(V=4)
    with pytest.raises(ValueError, match=r"^prefixes must be token ids in \[0, V=4\)"):
        lang.next_token_log_probs(torch.tensor([[0, 4]]))
