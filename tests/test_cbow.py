"""models.cbow: the stand-in corpus (its exact CBOW conditional, sampler, support) and the batched CBOW stack."""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from toy_claims.models.cbow import CBOWMember, CBOWStack, TopicCorpus, cbow_examples
from toy_claims.lab.cbow_training import train_cbow



@st.composite
def topic_corpora(draw: st.DrawFn, max_V: int = 6, max_topics: int = 3) -> TopicCorpus:
    V = draw(st.integers(2, max_V))
    return TopicCorpus(V=V, used=draw(st.integers(1, V)), topics=draw(st.integers(1, max_topics)),
                       zipf_alpha=draw(st.floats(0.0, 2.0)), stay=draw(st.floats(0.0, 1.0)),
                       peakiness=draw(st.floats(0.1, 3.0)), seed=draw(st.integers(0, 2**31 - 1)))


def _brute_force_window_prob(corpus: TopicCorpus, window: tuple[int, ...]) -> float:
    """Pr[x_1..x_n] of a stationary stream, by summing over all topic paths."""
    e, T, K = corpus.emission, corpus.transition, corpus.topics
    total = 0.0
    for path in itertools.product(range(K), repeat=len(window)):
        p = e[path[0], window[0]] / K
        for prev, z, x in zip(path, path[1:], window[1:]):
            p *= T[prev, z] * e[z, x]
        total += p
    return total


@settings(max_examples=30, deadline=None)
@given(topic_corpora(), st.integers(1, 2), st.data())
def test_cbow_conditional_equals_enumeration_over_topic_paths(corpus, w, data):
    """p(center | context) from forward/backward messages equals Pr[window with center v] / Σ_v over all paths."""
    used = corpus.slots.tolist()
    ctx = tuple(data.draw(st.lists(st.sampled_from(used), min_size=2 * w, max_size=2 * w)))
    joint = torch.tensor([_brute_force_window_prob(corpus, ctx[:w] + (v,) + ctx[w:]) for v in range(corpus.V)],
                         dtype=torch.float64)
    got = corpus.cbow_conditional(torch.tensor([ctx]))[0]
    torch.testing.assert_close(got, joint / joint.sum(), rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(topic_corpora())
def test_emission_is_a_distribution_on_the_used_slots_only(corpus):
    """Each topic's emission sums to 1, is positive exactly on the ``used`` slots, and the slots are distinct."""
    e = corpus.emission
    assert (abs(e.sum(axis=1) - 1) < 1e-12).all()
    assert sorted(set(corpus.slots.tolist())) == sorted(corpus.slots.tolist()) and len(corpus.slots) == corpus.used
    assert set((e > 0).any(axis=0).nonzero()[0].tolist()) == set(corpus.slots.tolist())


def test_sample_uses_only_used_slots_is_seeded_and_matches_the_stationary_unigram():
    corpus = TopicCorpus(V=40, used=12, topics=3, stay=0.8, seed=5)
    tokens = corpus.sample(60_000, seed=1)
    assert torch.equal(tokens, corpus.sample(60_000, seed=1))
    assert not torch.equal(tokens, corpus.sample(60_000, seed=2))
    assert set(tokens.unique().tolist()) <= set(corpus.slots.tolist())
    freq = torch.bincount(tokens, minlength=40).double() / len(tokens)
    p = torch.from_numpy(corpus.unigram)
    # sticky topics correlate neighbours; 6 iid standard errors × √(1 + 2·stay/(1−stay)) still bounds a correct sampler
    se = torch.sqrt(p * (1 - p) / len(tokens)) * (1 + 2 * 0.8 / 0.2) ** 0.5
    assert ((freq - p).abs() <= 6 * se + 1e-12).all()


def test_zipf_law_among_used_slots_in_expectation():
    """With one topic of flat weights (huge Gamma shape) the unigram is exactly ∝ rank^-alpha over the used slots."""
    corpus = TopicCorpus(V=50, used=20, topics=1, zipf_alpha=1.0, peakiness=1e9, seed=3)
    p = torch.from_numpy(corpus.unigram[corpus.slots])
    expected = 1.0 / torch.arange(1, 21, dtype=torch.float64)
    torch.testing.assert_close(p, expected / expected.sum(), rtol=1e-3, atol=0)


@given(st.integers(1, 3), st.integers(0, 10))
def test_cbow_examples_align_contexts_and_centers(window, extra):
    tokens = torch.arange(2 * window + 1 + extra)
    contexts, centers = cbow_examples(tokens, window)
    assert len(centers) == len(tokens) - 2 * window
    for i, c in enumerate(centers.tolist()):
        assert contexts[i].tolist() == list(range(c - window, c)) + list(range(c + 1, c + window + 1))


def _train(members, steps=6, V=20, d=8, seed=0):
    corpus = TopicCorpus(V=V, used=12, topics=2, seed=seed)
    ctx, cen = cbow_examples(corpus.sample(8 * steps + 4, seed=seed), 2)
    M = len(members)
    model = CBOWStack(V, d, members)
    log = train_cbow(model, ctx.expand(M, -1, -1), cen.expand(M, -1), epochs=1, batch_size=8, checkpoints=[0, steps])
    return model, log, torch.bincount(corpus.sample(8 * steps + 4, seed=seed), minlength=V)


MIXED = [CBOWMember(seed=1), CBOWMember(seed=2, tied=True, weight_decay=0.1), CBOWMember(seed=3, init_scale=4.0, l2=1e-3),
         CBOWMember(seed=4, optimizer="sgd", lr=0.5, weight_decay=0.01), CBOWMember(seed=5, lr=1e-2)]


def test_batched_members_train_exactly_as_alone():
    """Each member's loss depends on its own tables only: the stack gives every member the E it gets alone."""
    _, together, _ = _train(MIXED)
    for k, m in enumerate(MIXED):
        _, alone, _ = _train([m])
        torch.testing.assert_close(together.snapshots[-1][k], alone.snapshots[-1][0], rtol=1e-5, atol=1e-6)


def test_same_seed_gives_same_init_up_to_scale():
    model = CBOWStack(30, 6, [CBOWMember(seed=7), CBOWMember(seed=7, init_scale=4.0, tied=True), CBOWMember(seed=8)])
    E = model.embeddings().detach()
    torch.testing.assert_close(E[1], 4 * E[0])
    assert not torch.allclose(E[2], E[0])
    assert E[0].abs().max() <= 1 / 6**0.5


def test_tied_logits_use_the_embedding_and_untied_their_own_table():
    model = CBOWStack(10, 4, [CBOWMember(seed=0, tied=True), CBOWMember(seed=0)])
    ctx = torch.randint(0, 10, (2, 3, 4), generator=torch.Generator().manual_seed(0))
    logits = model(ctx)
    E = model.embeddings()
    hidden = torch.stack([E[k][ctx[k]].mean(dim=1) for k in range(2)])  # (M, B, d)
    torch.testing.assert_close(logits[0], hidden[0] @ E[0].T)
    torch.testing.assert_close(logits[1], hidden[1] @ model.U_T[0][0])


def test_unseen_rows_stay_put_without_decay_and_shrink_geometrically_with_adamw_decay():
    """A row that never gets a gradient (untied) is untouched without decay, × (1 − lr·wd)^steps with AdamW decay."""
    lr, wd, steps = 1e-2, 0.1, 6
    _, log, counts = _train([CBOWMember(seed=1, lr=lr), CBOWMember(seed=1, lr=lr, weight_decay=wd)], steps=steps)
    unseen = counts == 0
    assert unseen.any()
    E0, ET = log.snapshots[0], log.snapshots[-1]
    assert torch.equal(ET[0][unseen], E0[0][unseen])
    torch.testing.assert_close(ET[1][unseen], E0[1][unseen] * (1 - lr * wd) ** steps)


def test_l2_penalty_is_added_to_the_loss():
    members = [CBOWMember(seed=0), CBOWMember(seed=0, l2=0.3)]
    model = CBOWStack(10, 4, members)
    assert model.block_members == [[0], [1]]  # an unpenalised block never computes the penalty
    ctx = torch.randint(0, 10, (2, 5, 2), generator=torch.Generator().manual_seed(1))
    ctx[1] = ctx[0]
    cen = torch.randint(0, 10, (1, 5), generator=torch.Generator().manual_seed(2)).expand(2, -1)
    loss = model.loss(ctx, cen)
    E = model.embeddings()
    torch.testing.assert_close(loss[1] - loss[0], 0.3 * E[1].pow(2).sum())


@pytest.mark.parametrize("bad", [dict(used=0), dict(used=600), dict(stay=1.5), dict(peakiness=0.0), dict(topics=0)])
def test_corpus_rejects_bad_parameters(bad):
    with pytest.raises(ValueError):
        TopicCorpus(**bad)


@pytest.mark.parametrize("bad", [dict(optimizer="adam"), dict(lr=0.0), dict(weight_decay=-1.0), dict(init_scale=0.0)])
def test_member_rejects_bad_parameters(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        CBOWMember(**bad)
