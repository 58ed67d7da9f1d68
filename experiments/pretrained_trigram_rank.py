"""A positive control for logit-rank measurements on a real trained language model: CMU's en-us word trigram model.

A trigram model's next-word distribution depends on the last two words of the history only (``models.trigram``: a
Katz back-off model read through pocketsphinx), so its logit matrix over any histories has at most as many distinct
rows, hence at most that rank, as there are distinct last-two-word states among them. This holds by construction
for a real trained model: the logit-rank estimator must see it.

**Histories.** Per seed (stream ``probes``), from the words of ``pretrained_logit_rank.CORPUS`` (lower-cased, those in
the model's vocabulary): ``states`` distinct consecutive word pairs (u, v) at uniformly drawn positions, and for each
``per_state`` histories x y u v whose two leading words x, y are drawn uniformly from the text's words (|H| = states ·
per_state). The control histories have |H| distinct states: |H| distinct consecutive pairs, each behind its own two
drawn words.

**Logit matrix.** Columns: the ``columns`` words of largest unigram probability (one full distribution, the model's
42 ms a row being too slow for every history); entry (h, w) = ln P(w | h) minus its mean over these columns (the
trigram's ``log_prob``, exact up to the model's stored rounding). **Estimator**: the numerical rank (singular values
above 1e-9 σ_1, ``lab.logit_matrix.numerical_rank``), the gap σ_{m+1}/σ_1 just past m = ``states`` (above the tolerance exactly when the
rank exceeds m), the number of distinct rows, and the power-law
exponent over pretrained-logit-rank's window i = 2..|H|/4. A planted matrix with ``states`` distinct Gaussian rows
(stream ``random``), each repeated ``per_state`` times, is what the estimator returns on a rank the construction fixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from toy_claims.experiments.pretrained_logit_rank import CORPUS, fit_window
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.logit_matrix import numerical_rank, singular_values
from toy_claims.lab.metrics import power_law_fit
from toy_claims.lab.seeds import Seeds
from toy_claims.models.trigram import TrigramLM, load_trigram
from toy_claims.models.validation import require, require_int

__all__ = ["STREAMS", "RANK_RTOL", "TrigramRankConfig", "CONFIGS", "TrigramRankResult", "run", "setup",
           "PRETRAINED_TRIGRAM_RANK"]

STREAMS = ("probes", "random")  # lab.seeds: histories; the planted matrix
RANK_RTOL = 1e-9  # numerical rank: singular values above this fraction of σ_1 (lab.logit_matrix's default)


@dataclass(frozen=True)
class TrigramRankConfig:
    n_seeds: int = 3  # draws of the histories
    states: int = 16  # m: distinct last-two-word states
    per_state: int = 8  # histories per state (|H| = states · per_state)
    columns: int = 256  # next words: those of largest unigram probability

    def __post_init__(self) -> None:
        for name in ("n_seeds", "states", "per_state", "columns"):
            require_int(getattr(self, name), name, lo=1)
        require(self.per_state >= 2, "per_state", ">= 2 (histories that share a state)", self.per_state)
        n = self.states * self.per_state
        require(fit_window(n)[1] >= 4, "states · per_state", ">= 16 (a fit window of 3 points)", n)
        require(self.states < min(n, self.columns), "states", "fewer than |H| and the columns (a rank it can bound)",
                self.states)

    @property
    def n_histories(self) -> int:
        return self.states * self.per_state


CONFIGS = {
    # ~1 CPU-s: 2 × 128 rows of 256 log_prob calls per draw
    "ci": TrigramRankConfig(),
    # the same at the paper's |H| = 1000 (125 × 8) and 1000 columns (~15 s on a CPU: no accelerator needed)
    "paper": TrigramRankConfig(states=125, columns=1000),
}


@dataclass(frozen=True)
class TrigramRankResult:
    # per draw: matrix ("shared states", "distinct states", "planted") -> {"rank", "gap", "alpha", "distinct rows"}
    measures: tuple[dict[str, dict[str, float]], ...]

    def per_seed(self, matrix: str, key: str) -> list[float]:
        return [d[matrix][key] for d in self.measures]


def _words(model: TrigramLM) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", CORPUS.lower()) if w in model.index]


def _matrix(model: TrigramLM, histories: list[list[str]], columns: list[str]) -> torch.Tensor:
    rows = np.array([[model.log_prob(w, h) for w in columns] for h in histories])
    return torch.from_numpy(rows - rows.mean(axis=1, keepdims=True))


def _measure(matrix: torch.Tensor, m: int) -> dict[str, float]:
    sv = singular_values(matrix).numpy()
    lo, hi = fit_window(matrix.shape[0])
    i = np.arange(lo, hi + 1)
    alpha = -power_law_fit(i, np.maximum(sv[lo - 1: hi], 1e-300)).exponent
    return {"rank": float(numerical_rank(matrix, RANK_RTOL)), "gap": float(sv[m] / sv[0]), "alpha": float(alpha),
            "distinct rows": float(len(torch.unique(matrix, dim=0)))}


@cache
def run(config: TrigramRankConfig, seeds: Seeds, device: str = "cpu") -> TrigramRankResult:
    """Every draw's estimates (memoised; CPU only: the model is a C library). Raises ModuleNotFoundError without
    pocketsphinx."""
    model = load_trigram()
    unigram = model.next_word_log_probs([[]])[0]
    columns = [model.vocab[i] for i in np.argsort(-unigram, kind="stable")[: config.columns]]
    words = _words(model)
    pairs = list(dict.fromkeys(zip(words, words[1:])))  # distinct consecutive pairs, in text order
    m, n = config.states, config.n_histories
    out = []
    for probe, random in zip(seeds("probes", config.n_seeds), seeds("random", config.n_seeds)):
        g = torch.Generator().manual_seed(probe)
        chosen = [pairs[i] for i in torch.randperm(len(pairs), generator=g)[:n].tolist()]
        lead = torch.randint(len(words), (n, 2), generator=g).tolist()
        shared = [[words[a], words[b], *chosen[k // config.per_state]] for k, (a, b) in enumerate(lead)]
        distinct = [[words[a], words[b], *chosen[k]] for k, (a, b) in enumerate(lead)]
        rows = torch.randn(m, config.columns, generator=torch.Generator().manual_seed(random), dtype=torch.float64)
        out.append({"shared states": _measure(_matrix(model, shared, columns), m),
                    "distinct states": _measure(_matrix(model, distinct, columns), m),
                    "planted": _measure(rows.repeat_interleave(config.per_state, dim=0), m)})
    return TrigramRankResult(tuple(out))


def setup(config: TrigramRankConfig) -> dict[str, str]:
    lo, hi = fit_window(config.n_histories)
    return {
        "model": "CMU's en-us word trigram model (pocketsphinx 5.1.1, Katz back-off, 72,547 words)",
        "histories": f"|H| = {config.n_histories}: {config.states} distinct consecutive word pairs of "
                     "pretrained-logit-rank's English text as last two words, each behind "
                     f"{config.per_state} pairs of uniformly drawn words of the text; control: {config.n_histories} "
                     "distinct last pairs",
        "columns": f"the {config.columns} words of largest unigram probability; ln P(w | h) centred over them",
        "estimator": f"numerical rank (σ_i > {RANK_RTOL:g} σ_1), σ_{{m+1}}/σ_1 at m = {config.states}, power-law α "
                     f"over i = {lo}..{hi}; planted: {config.states} Gaussian rows, each {config.per_state} times",
        "seeds": f"{config.n_seeds} draws of the histories and the planted rows; the model is one fixed model",
    }


PRETRAINED_TRIGRAM_RANK = Experiment("002-pretrained-trigram-rank", CONFIGS, STREAMS, run, setup,
                                     optional=("pocketsphinx",))
