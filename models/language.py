"""Real English counts: the frequency lists bundled with symspellpy, and a bigram dataset built from them.

symspellpy (MIT licence) ships ``frequency_dictionary_en_82_765.txt`` (word, count:
Google Books n-gram counts of 82,765 words) and
``frequency_bigramdictionary_en_243_342.txt`` (first word, second word, count).
symspellpy is an optional extra: without it every loader here raises
``ModuleNotFoundError``, so a claim that starts with ``pytest.importorskip("symspellpy")``
is ``skipped`` and nothing else needs the package.

``EnglishBigram`` -- source 000's real-language matrix:

* vocabulary: the V most frequent words of the unigram list;
* counts c(x, y): the bigram list restricted to pairs of vocabulary words; the
  list omits every pair rarer than its smallest count c_min, so an absent pair is
  given the pseudo-count ``absent_fraction`` · c_min;
* P[x] = c(x, ·) / Σ_y c(x, y) over the vocabulary, and π_x ∝ Σ_y c(x, y), the
  frequency of x as the first word of a counted pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np
import torch

from toy_claims.models.datasets import TokenPairDataset
from toy_claims.models.validation import require_choice, require_int, require_real

__all__ = ["UNIGRAM_LIST", "BIGRAM_LIST", "UNIGRAM_WORDS", "symspell_lines", "english_bigram_counts", "EnglishBigram"]

UNIGRAM_LIST = "frequency_dictionary_en_82_765.txt"  # lines "word count", most frequent first
BIGRAM_LIST = "frequency_bigramdictionary_en_243_342.txt"  # lines "first second count"
UNIGRAM_WORDS = 82_834  # distinct words (lines) of UNIGRAM_LIST: the largest vocabulary (tests/test_language.py)


def symspell_lines(name: str) -> list[list[str]]:
    """The whitespace-split non-empty lines of a frequency list bundled with symspellpy.

    Raises ``ModuleNotFoundError`` when symspellpy is not installed.
    """
    require_choice(name, "name", (UNIGRAM_LIST, BIGRAM_LIST))
    text = resources.files("symspellpy").joinpath(name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip()]


def english_bigram_counts(vocab_size: int) -> tuple[tuple[str, ...], np.ndarray, float]:
    """(the vocabulary, its bigram count matrix with 0 for absent pairs, the bigram list's smallest count c_min).

    ``vocab_size`` is in [1, UNIGRAM_WORDS]: the list has no more words (beyond, rows of no word would be counted).
    """
    return _english_bigram_counts(require_int(vocab_size, "vocab_size", lo=1, hi=UNIGRAM_WORDS))


@cache
def _english_bigram_counts(vocab_size: int) -> tuple[tuple[str, ...], np.ndarray, float]:
    words = tuple(w for w, _ in symspell_lines(UNIGRAM_LIST)[:vocab_size])
    index = {w: i for i, w in enumerate(words)}
    counts = np.zeros((vocab_size, vocab_size))
    smallest = np.inf
    for first, second, count in symspell_lines(BIGRAM_LIST):
        smallest = min(smallest, float(count))
        if first in index and second in index:
            counts[index[first], index[second]] += float(count)
    return words, counts, smallest


@dataclass(frozen=True)
class EnglishBigram(TokenPairDataset):
    """English bigrams over the top-V words, smoothed as the module docstring says; exact losses as for the toys."""

    V: int = 100  # vocabulary size (source 000's V in Observation 2), at most UNIGRAM_WORDS
    absent_fraction: float = 0.5  # pseudo-count of an absent pair, in units of c_min (the middle of [0, c_min))

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", require_int(self.V, "V", lo=2, hi=UNIGRAM_WORDS))
        # 0 would give log 0 = -inf logits; an absent pair is rarer than c_min, so its pseudo-count is below it
        require_real(self.absent_fraction, "absent_fraction", lo=0, hi=1, lo_open=True, hi_open=True)

    @cached_property
    def _smoothed_counts(self) -> torch.Tensor:
        _, counts, smallest = english_bigram_counts(self.V)
        return torch.tensor(np.where(counts > 0, counts, self.absent_fraction * smallest), dtype=torch.float64)

    @cached_property
    def transition(self) -> torch.Tensor:  # (V, V) P, rows sum to 1
        c = self._smoothed_counts
        return c / c.sum(dim=1, keepdim=True)

    @cached_property
    def input_probs(self) -> torch.Tensor:  # (V,) π
        totals = self._smoothed_counts.sum(dim=1)
        return totals / totals.sum()

    def row_probs(self, x: torch.Tensor) -> torch.Tensor:
        return self.transition[x]

    @property
    def _transition_for_loss(self) -> torch.Tensor:
        return self.transition

    @property
    def optimal_loss(self) -> float:
        P = self.transition
        return float(self.input_probs @ -torch.xlogy(P, P).sum(dim=1))

    @cached_property
    def centred_logits(self) -> torch.Tensor:
        """Row-centred log P: the logits up to softmax's per-row constant, so of the same rank."""
        log_p = torch.log(self.transition)
        return log_p - log_p.mean(dim=1, keepdim=True)
