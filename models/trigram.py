"""CMU's US-English word trigram model, shipped inside pocketsphinx, as next-word distributions over its vocabulary.

pocketsphinx 5.1.1 (BSD-style licence; a wheel on the package registry, in the ``pretrained`` extra) ships
``model/en-us/en-us.lm.bin``: a Katz back-off trigram model of 72,547 words (2,051,547 bigrams, 1,669,625
trigrams) in sphinxbase's "Trie Language Model" format, queried here through ``pocketsphinx.NGramModel``. Its
finite-state structure is known exactly -- the next word depends on the last two words only -- which makes it a
positive control for logit-rank measurements on a real trained language model. Nothing is fetched at run time; without
pocketsphinx ``load_trigram`` raises ``ModuleNotFoundError`` saying what to install, which a claim turns into
``skipped``.

**What NGramModel gives.** ``NGramModel.prob(words)`` takes the predicted word first and then the history, most recent
word first (``prob(['of', 'the'])`` is P(of | the)), and returns the raw back-off log-probability (no language weight,
no insertion penalty) as an integer logarithm in base 1.0001, pocketsphinx's ``LogMath`` base:
ln P = prob x ln(1.0001). Checked three ways: -31995 for P(the) is the model's own ARPA listing of log10 P = -1.3895
(-31995 x log10(1.0001) = -1.38946); the distributions sum to one in that base and in no other
(``tests/test_trigram.py``); passing another ``LogMath`` base to the constructor does not change the integers (they are
stored in the file's units). A word outside the vocabulary gets -536870912, LogMath's zero, and an unknown history
word silently shortens the history; both are refused here instead. ``NGramModel`` has no way to list its vocabulary
(and its ``write`` to ARPA text crashes the interpreter in this release), so the vocabulary is read from the model
file itself: the trie format ends with its word strings, in word-id order, after their total length
(``read_word_str`` in sphinxbase's ngram_model_trie.c).

**Back-off.** P(w | u v) is the listed trigram probability when (u, v, w) is listed, else bo(u v) P(w | v); P(w | v)
is the listed bigram probability when (v, w) is listed, else bo(v) P(w); the back-off weights bo are set so that each
conditional sums to one over the vocabulary. A shorter history is a bigram (one word) or the unigram (none); a longer
one is read by its last two words, which is all a trigram model conditions on. The sums are one to within the model's
rounding: the ARPA values are stored to 4 decimals of log10 (a relative 1.2e-4 on each probability and back-off
weight), the binary quantises bigram and trigram values to 16 bits, and the integer logarithm rounds by up to 5e-5.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from functools import cache

import numpy as np

from toy_claims.models.validation import require, require_type

__all__ = ["LN_BASE", "TrigramLM", "load_trigram"]

VERSION = "5.1.1"
INSTALL = f"pip install -e '.[pretrained]' (pocketsphinx=={VERSION})"  # the README's command
MODEL_FILE = "model/en-us/en-us.lm.bin"  # inside the pocketsphinx package
LN_BASE = math.log(1.0001)  # ln of the base of NGramModel.prob's integer logarithms
LOG_ZERO = -536870912  # LogMath's zero: what prob returns for a word outside the vocabulary
_HEADER = b"Trie Language Model"


def _read_vocabulary(data: bytes) -> tuple[str, ...]:
    """The word strings at the end of a trie-format model, in word-id order (sphinxbase's ``read_word_str``: an int32
    total length k, then k bytes of NUL-terminated words, one per unigram)."""
    require(data.startswith(_HEADER), MODEL_FILE, f"a '{_HEADER.decode()}' file", data[: len(_HEADER)])
    order = data[len(_HEADER)]
    n_words = struct.unpack_from("<I", data, len(_HEADER) + 1)[0]
    require(order == 3, MODEL_FILE, "a trigram model", f"order {order}")
    nuls, end = [], len(data)
    while len(nuls) <= n_words:  # the NULs ending the words, from the last; one more lies before the first word
        end = data.rfind(b"\0", 0, end)
        require(end >= 0, MODEL_FILE, f"a file ending with {n_words} words", "fewer")
        nuls.append(end)
    for start in range(nuls[n_words] + 1, nuls[n_words - 1] + 1):  # the first word starts in between
        if start >= 4 and struct.unpack_from("<i", data, start - 4)[0] == len(data) - start:
            words = tuple(w.decode("utf-8") for w in data[start:-1].split(b"\0"))
            require(len(words) == n_words, MODEL_FILE, f"{n_words} words (its unigram count)", len(words))
            return words
    raise ValueError(f"{MODEL_FILE} must end with its word strings after their length, got no such block")


class TrigramLM:
    """The en-us trigram model: ``vocab`` (word by id), ``index`` (id by word), log-probabilities in nats."""

    def __init__(self) -> None:
        try:
            from importlib import resources

            import pocketsphinx
        except ModuleNotFoundError:
            raise ModuleNotFoundError(f"the en-us trigram model needs pocketsphinx {VERSION}, not installed: {INSTALL}",
                                      name="pocketsphinx") from None
        from importlib import metadata

        version = metadata.version("pocketsphinx")
        require(version == VERSION, "pocketsphinx", f"version {VERSION} (its model is pinned): {INSTALL}", version)
        path = resources.files("pocketsphinx").joinpath(MODEL_FILE)
        self.vocab: tuple[str, ...] = _read_vocabulary(path.read_bytes())
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.vocab)}
        self._model = pocketsphinx.NGramModel.readfile(str(path))

    def _word(self, word: object, name: str) -> str:
        require_type(word, name, str, "a word (a string)")
        hint = f" (the vocabulary is lowercase: {word.lower()!r} is in it)" if word.lower() in self.index else ""
        require(word in self.index, name, f"a word of the model's vocabulary of {len(self.vocab)} words{hint}", word)
        return word

    def _history(self, history: object, name: str) -> list[str]:
        """The last two words of ``history``, most recent first: NGramModel.prob's order."""
        require_type(history, name, (list, tuple), "a list or tuple of words (a lone string is not a history)")
        return [self._word(w, f"{name}[{k}]") for k, w in enumerate(history)][-2:][::-1]

    def log_prob(self, word: str, history: Sequence[str] = ()) -> float:
        """ln P(word | history): the back-off probability given the last two words of ``history`` (fewer: a bigram
        or the unigram)."""
        return self._model.prob([self._word(word, "word"), *self._history(history, "history")]) * LN_BASE

    def next_word_log_probs(self, histories: Sequence[Sequence[str]]) -> np.ndarray:
        """ln P(w | history) for every vocabulary word w, one row per history -> (n, V) float64 (one NGramModel.prob
        call per word: tens of milliseconds a row, ``benchmarks/bench_pretrained.py``)."""
        require_type(histories, "histories", (list, tuple), "a list or tuple of histories (lists of words)")
        require(len(histories) >= 1, "histories", "a non-empty list of histories", histories)
        rows = [self._history(h, f"histories[{k}]") for k, h in enumerate(histories)]
        prob, out = self._model.prob, np.empty((len(rows), len(self.vocab)))
        for r, recent_first in enumerate(rows):
            query = [None, *recent_first]
            for i, word in enumerate(self.vocab):
                query[0] = word
                out[r, i] = prob(query)
        return out * LN_BASE


@cache
def load_trigram() -> TrigramLM:
    """The en-us trigram model (loaded once: it is read-only). Raises ``ModuleNotFoundError`` without pocketsphinx."""
    return TrigramLM()
