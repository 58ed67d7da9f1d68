"""Hypothesis strategies for the sequence-language models: named nouns, one per kind of input.

Hypothesis does not seed torch, so tensors are built from drawn integer seeds.
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.isan import ISAN

__all__ = ["bigram_configs", "hmm_languages", "isans", "matrices", "seeds", "token_batches", "zipf_bigrams", "zipf_configs"]


def seeds() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=2**31 - 1)


def hmm_languages(max_V: int = 6, max_states: int = 4) -> st.SearchStrategy[HiddenMarkovLanguage]:
    return st.builds(
        HiddenMarkovLanguage,
        V=st.integers(2, max_V),
        hidden_states=st.integers(1, max_states),
        zipf_alpha=st.floats(0.0, 3.0),
        concentration=st.floats(0.05, 10.0),
        seed=seeds(),
    )


def isans(max_V: int = 6, max_d: int = 6) -> st.SearchStrategy[ISAN]:
    return st.builds(
        ISAN,
        V=st.integers(2, max_V),
        d=st.integers(1, max_d),
        contraction=st.floats(0.0, 1.0),
        logit_scale=st.floats(0.1, 3.0),
        seed=seeds(),
    )


@st.composite
def token_batches(draw: st.DrawFn, V: int, max_n: int = 5, max_length: int = 6) -> torch.Tensor:
    """An (n, t) int64 batch of tokens in [0, V), t possibly 0."""
    n, length = draw(st.integers(1, max_n)), draw(st.integers(0, max_length))
    generator = torch.Generator().manual_seed(draw(seeds()))
    return torch.randint(0, V, (n, length), generator=generator)


# --- token-pair datasets and matrices (models/datasets.py, harness/metrics.py) ---

def zipf_configs(max_V: int = 200):
    from toy_claims.models.datasets import ZipfUnigram

    return st.builds(ZipfUnigram, V=st.integers(2, max_V), alpha=st.floats(0.0, 3.0))


@st.composite
def bigram_configs(draw: st.DrawFn, max_V: int = 40, max_scale: float = 4.0):
    from toy_claims.models.datasets import LowRankBigram

    V = draw(st.integers(2, max_V))
    R = draw(st.integers(1, V))
    weights = draw(st.none() | st.lists(st.floats(0.0, 2.0), min_size=R, max_size=R).map(tuple))
    return LowRankBigram(V=V, R=R, rank_weights=weights, logit_scale=draw(st.floats(0.0, max_scale)), seed=draw(seeds()))


@st.composite
def matrices(draw: st.DrawFn, max_rows: int = 12, max_cols: int = 12):
    """A random float64 matrix with at least one non-zero singular value."""
    import numpy as np

    n, m = draw(st.integers(1, max_rows)), draw(st.integers(1, max_cols))
    a = np.random.default_rng(draw(seeds())).standard_normal((n, m))
    return a


@st.composite
def zipf_bigrams(draw: st.DrawFn, max_V: int = 24, max_mi_fraction: float = 0.5):
    """A small ``ZipfBigram``: the structureless language (mi_fraction 0) about one draw in five, always when
    ``max_mi_fraction`` is 0.

    A tiny vocabulary cannot always reach a large mi_fraction (the potential may favour an off-diagonal
    coupling, whose information is capped); such draws are rejected.
    """
    from hypothesis import assume

    from toy_claims.models.zipf_bigram import ZipfBigram

    V = draw(st.integers(2, max_V))
    structured = st.floats(0.01, max_mi_fraction) if max_mi_fraction >= 0.01 else st.nothing()
    mi_fraction = draw(st.one_of(st.just(0.0), *[structured] * 4))
    data = ZipfBigram(V=V, alpha=draw(st.floats(0.0, 2.0)), R=draw(st.integers(1, min(V, 6))),
                      mi_fraction=mi_fraction, seed=draw(seeds()))
    try:
        data.beta
    except ValueError as exc:
        assume("reachable" not in str(exc))
        raise
    return data
