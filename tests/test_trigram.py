"""CMU's en-us trigram model shipped in pocketsphinx (models.trigram): its vocabulary, the base and argument order of
``NGramModel.prob``, and next-word distributions that sum to one. Skipped without the 'pretrained' extra."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toy_claims.models.trigram import LN_BASE, TrigramLM, load_trigram

# Histories of every kind the back-off meets: none (the unigram), one word (a bigram), listed trigram contexts, a
# sentence start, and pairs of rare words whose bigram is not listed (back-off down to the unigram).
HISTORIES = [(), ("the",), ("one", "of"), ("<s>", "the"), ("of", "the"), ("new", "york"), ("the", "the"),
             ("<s>", "<s>"), ("united", "states"), ("arithmetic", "ashen"), ("accessory", "amphitheaters")]
# Measured |sum - 1| up to 3.3e-4 (('one', 'of'), ('new', 'york')) over these and ten random pairs. The model's own
# rounding allows that much: its ARPA values carry 4 decimals of log10 (1.2e-4 relative on a probability and on each of
# up to two back-off weights), the binary quantises bigram and trigram values to 16 bits, and the integer logarithm
# rounds by 5e-5. Another base is off by orders of magnitude: read in base 1.0003 (LogMath's other usual base) the
# sums of these histories are 2e-5 to 0.12, in base 1.00005 they are 21 to 102.
SUM_TOLERANCE = 1e-3


@pytest.fixture(scope="module")
def lm() -> TrigramLM:
    try:
        return load_trigram()
    except ModuleNotFoundError as exc:
        pytest.skip(str(exc))


def test_the_vocabulary_is_the_models_words_in_id_order(lm):
    assert len(lm.vocab) == len(set(lm.vocab)) == 72_547
    assert lm.vocab[:3] == ("'bout", "'cause", "'em") and lm.vocab[-1] == "zyuganov's"  # the model's ARPA listing
    assert {"<s>", "</s>", "the"} <= set(lm.vocab) and all(w == w.lower() for w in lm.vocab)
    assert all(lm.index[w] == i for i, w in enumerate(lm.vocab))


@pytest.mark.parametrize("history", HISTORIES, ids=[" ".join(h) or "unigram" for h in HISTORIES])
def test_next_word_probabilities_sum_to_one(lm, history):
    log_probs = lm.next_word_log_probs([history])[0]
    assert np.isfinite(log_probs).all()  # every vocabulary word is the model's (prob never returned LogMath's zero)
    assert abs(float(np.exp(log_probs).sum()) - 1) < SUM_TOLERANCE


def test_prob_is_an_integer_log_base_1_0001_of_the_word_given_the_most_recent_words_first(lm):
    # The model's own ARPA listing: log10 P(the) = -1.3895, log10 P(of | the) = -3.7471 ('the of'); P(the | one of)
    # is the trigram's. The integers pocketsphinx returns for them:
    for word, history, integer in (("the", (), -31995), ("of", ("the",), -86284), ("the", ("one", "of"), -7041)):
        assert lm.log_prob(word, history) == pytest.approx(integer * LN_BASE, rel=1e-12)
    assert -31995 * math.log10(1.0001) == pytest.approx(-1.3895, abs=5e-5)
    assert -86284 * math.log10(1.0001) == pytest.approx(-3.7471, abs=5e-5)
    assert lm.log_prob("of", ("the",)) != lm.log_prob("the", ("of",))  # the order matters


def test_a_trigram_reads_the_last_two_words_of_a_longer_history(lm):
    assert lm.log_prob("the", ("i", "think", "one", "of")) == lm.log_prob("the", ("one", "of"))
    rows = lm.next_word_log_probs([("i", "think", "one", "of"), ("one", "of")])
    assert np.array_equal(rows[0], rows[1])


def test_a_row_holds_log_prob_of_each_word(lm):
    row = lm.next_word_log_probs([("new", "york")])[0]
    for word in ("city", "times", "the", "</s>", "zyuganov's"):
        assert row[lm.index[word]] == lm.log_prob(word, ("new", "york"))
    top = [lm.vocab[i] for i in np.argsort(-row)[:3]]
    assert top == ["</s>", "city", "and"]
    assert lm.vocab[int(np.argmax(lm.next_word_log_probs([("one", "of")])[0]))] == "the"
