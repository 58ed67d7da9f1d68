"""Invariants of the English bigram dataset built from symspellpy's frequency lists (skipped without symspellpy)."""

from __future__ import annotations

import pytest
import torch

from toy_claims.models.language import (
    BIGRAM_LIST, UNIGRAM_LIST, UNIGRAM_WORDS, EnglishBigram, english_bigram_counts, symspell_lines,
)


@pytest.mark.parametrize("absent_fraction", [0.5, 0.1])
def test_english_bigram_is_a_proper_dataset(absent_fraction):
    pytest.importorskip("symspellpy")
    data = EnglishBigram(V=30, absent_fraction=absent_fraction)
    P, pi = data.transition, data.input_probs
    assert (P > 0).all() and torch.allclose(P.sum(dim=1), torch.ones(30, dtype=torch.float64))
    assert (pi > 0).all() and float(pi.sum()) == pytest.approx(1.0)
    # the exact losses of the shared base class agree with the dataset's own L0
    assert float(data.expected_cross_entropy(torch.log(P))) == pytest.approx(data.optimal_loss, rel=1e-12)
    assert abs(float(data.loss_gap(data.centred_logits))) < 1e-12  # row-centring changes no softmax


def test_english_smoothing_only_moves_absent_pairs():
    pytest.importorskip("symspellpy")
    _, counts, smallest = english_bigram_counts(30)
    assert smallest > 0 and (counts[counts > 0] >= smallest).all()  # every listed pair is at least c_min
    low, high = (EnglishBigram(V=30, absent_fraction=f).transition for f in (0.1, 0.5))
    absent = torch.tensor(counts == 0)
    assert (low[absent] < high[absent]).all()  # a smaller pseudo-count gives absent pairs less probability


def test_symspell_lists_hold_words_and_integer_counts():
    pytest.importorskip("symspellpy")
    assert all(len(line) == 2 and line[1].isdigit() for line in symspell_lines(UNIGRAM_LIST))
    assert all(len(line) == 3 and line[2].isdigit() for line in symspell_lines(BIGRAM_LIST))


def test_the_largest_vocabulary_is_the_unigram_lists_distinct_words():
    pytest.importorskip("symspellpy")
    words = [line[0] for line in symspell_lines(UNIGRAM_LIST)]
    assert len(words) == len(set(words)) == UNIGRAM_WORDS
