"""Every public entry point refuses bad input with one clear error that names the parameter.

One row per entry point, parameter and failure kind: (call, exception type, regex the message
must match). The regex names the parameter; a value out of range or a number of the wrong
kind is a ValueError, an object of the wrong kind a TypeError (``models.validation``). The
kinds: wrong type, bool for int, float for int, NaN / inf, negative or zero sizes, integers
beyond int64 or float64, 1e308 scales that overflow, out-of-range or float token ids, empty
inputs, mismatched shapes or vocabularies, seeds outside [0, 2**64 - 1] (also once offset),
inconsistent settings (a schedule longer than its run, a criterion region of another kind),
and claim declarations refused at import. A row whose id says "was: ..." names what the input
used to do: a raw library error, a misattributed parameter, or a silently wrong result.
Sizes are tiny: every call fails before any real work. Inputs that are extreme but valid
must give the right value instead (``test_extreme_but_valid_inputs_...``).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import math
import types

import numpy as np
import pytest
import torch

from toy_claims.experiments import (
    bigram_critical, bigram_language, bigram_logit_scale, bigram_scaling, bigram_sweep, isan_rank, logit_rank, plateau,
    pretrained_lingen, pretrained_logit_rank, pretrained_rank, pretrained_trigram_rank, rank_collapse,
    rank_collapse_analytic, unigram_collapse, unigram_d1, unigram_decay, unigram_language, unigram_scaling,
)
from toy_claims.harness import drift
from toy_claims.harness.claims import (
    REFUTED, REPRODUCED, SOURCE, Source, claim, other_form_controls, other_form_quantity, run_claim,
)
from toy_claims.harness.context import ClaimContext
from toy_claims.harness.registry import name_sources
from toy_claims.harness.verdicts import (
    Approx, AtLeast, AtMost, Between, Control, Criterion, Negative, OtherForm, Positive, Quoted, calibrate, judge_calibrated, interval, judge,
    per_seed, seeds_needed,
)
from toy_claims.lab.cbow_training import train_cbow
from toy_claims.lab.embedding_engine import EmbeddingEngine
from toy_claims.lab.lingen import fit_lingen, fit_single_token, lingen_kl, lingen_log_prob_fn, regression_weights
from toy_claims.lab.logit_matrix import (
    batched_log_probs,
    centred_log_probs,
    pair_log_probs,
    extended_logit_matrix,
    logit_matrix_from_log_probs,
    nonsense_futures,
    numerical_rank,
    principal_angle_cosines,
    random_subspace_cosines,
    sample_sequences,
    singular_values,
)
from toy_claims.lab.loop import check_finite, check_steps, run_steps
from toy_claims.lab.metrics import (
    effective_rank,
    effective_rank_from_singular_values,
    exponential_fit_r2,
    local_slopes,
    other_decays,
    zipf_mle_exponent,
    pca_effective_dimension,
    pca_effective_dimension_batched,
    power_law_fit,
)
from toy_claims.lab.optim import LRSchedule, OptimizerSpec, build_optimizer
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.sequence_training import per_token_kl, train_sequence_model
from toy_claims.lab.training import log_spaced_steps, resolve_device, train
from toy_claims.models.cbow import CBOWMember, CBOWStack, TopicCorpus, cbow_examples
from toy_claims.models.char_lstm import CharLSTM, cudnn_lstm_to_lstm, load_char_lstm
from toy_claims.models.datasets import LowRankBigram, ZipfUnigram, power_law_rank_weights
from toy_claims.models.embedding import EmbedUnembed, EmbedUnembedStack, Member, init_table
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.isan import ISAN, isan_logit_rank_bound
from toy_claims.models.language import EnglishBigram, english_bigram_counts, symspell_lines
from toy_claims.models.markov import ReducibleChainError, stationary_distribution
from toy_claims.models.sequence import GRUConfig, GRULanguageModel, Transformer, TransformerConfig
from toy_claims.models.trigram import load_trigram
from toy_claims.models.zipf_bigram import ZipfBigram

NAN, INF = math.nan, math.inf
SEED_RANGE = r"an integer in \[0, 2\*\*64 - 1\]"


def _gen() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def _train(**kwargs):
    """``lab.training.train`` on a 2-member stack over V = 4; ``kwargs`` override one argument."""
    args = dict(model=EmbedUnembedStack(4, [Member(2), Member(3)]), dataset=ZipfUnigram(4), steps=2,
                optim=OptimizerSpec("adam", 1e-2))
    args.update(kwargs)
    return train(args.pop("model"), args.pop("dataset"), **args)


def _train_sequence(**kwargs):
    lang = HiddenMarkovLanguage(4, hidden_states=2)
    args = dict(model=GRULanguageModel(GRUConfig(vocab_size=4, d_embed=2, d_hidden=2)), language=lang, steps=2,
                optim=OptimizerSpec("adam", 1e-2), batch_size=2, seq_len=3, eval_sequences=lang.sample(2, 3, _gen()))
    args.update(kwargs)
    return train_sequence_model(args.pop("model"), args.pop("language"), **args)


def _train_cbow(**kwargs):
    model = CBOWStack(6, 2, [CBOWMember(seed=0)])
    contexts, centers = cbow_examples(torch.arange(12) % 6, 1)
    args = dict(epochs=1, batch_size=2)
    args.update(kwargs)
    return train_cbow(model, contexts[None], centers[None], **args)


def _train_cbow_two(context_id=None, center_id=None, dtype=torch.long, width=2):
    """``train_cbow`` on two members over V = 6; member 1's first example gets the given context / center id."""
    model = CBOWStack(6, 2, [CBOWMember(seed=0), CBOWMember(seed=1)])
    contexts, centers = cbow_examples(torch.arange(12) % 6, 1)
    contexts, centers = torch.stack([contexts, contexts])[:, :, :width].clone(), torch.stack([centers, centers]).clone()
    if context_id is not None:
        contexts[1, 0, 0] = context_id
    if center_id is not None:
        centers[1, 0] = center_id
    return train_cbow(model, contexts.to(dtype), centers, epochs=1, batch_size=2)


def _transformer() -> Transformer:
    return Transformer(TransformerConfig(vocab_size=4, block_size=4, n_layer=1, n_head=1, d_model=2))


def _logit_rank_config(**kwargs) -> logit_rank.LogitRankConfig:
    """A small valid LogitRankConfig (V = 32, |H| = 32, |F| = 1) with one field overridden."""
    args = dict(seeds=1, steps=6, warmup=2, n_histories=32, n_futures=1, basis=16, basis_sweep=(8,), targets=2, samples=2,
                random_draws=2)
    return logit_rank.LogitRankConfig(**{**args, **kwargs})


def _isan_fn():
    return ISAN(4, d=2).next_token_log_probs


def _lingen_kl(**kwargs):
    args = dict(target=torch.tensor([2]), length=2, n_samples=2, generator=_gen())
    args.update(kwargs)
    H = torch.tensor([[0], [1]])
    return lingen_kl(_isan_fn(), H, torch.tensor([0.5, 0.5], dtype=torch.float64), args.pop("target"), **args)


def _sgd() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def _run_steps(**kwargs):
    """``run_steps`` with no optimizer: every row fails on an earlier argument (building one costs seconds)."""
    args = dict(steps=1, optimizers=[], loss_at=lambda t: torch.zeros(()), observe=lambda t: None, observe_at=[1])
    args.update(kwargs)
    return run_steps(args.pop("steps"), args.pop("optimizers"), args.pop("loss_at"), **args)


CRIT = Approx("x", 0.5, 0.1, why="unit")
# A claim declaration that is refused before anything registers: every row overrides one argument with a bad value.
_DECLARATION = dict(id="bad-inputs.declared", source=Source("f.md", "§1", "q"), statement="s", setup={}, criterion=CRIT,
                    expected=REPRODUCED, scope=SOURCE)


def _declare(**kwargs):
    return claim(**{**_DECLARATION, **kwargs})(lambda ctx: {"x": 0.5})


def _record(**kwargs) -> dict:
    return {"verdict": "reproduced", "version": 1, "seed_offset": 0, "measured": {"x": 0.5}, **kwargs}


def _baseline(**kwargs) -> dict:
    return {"version": 1, "seed_offset": 0, "measured": {"x": 0.5}, **kwargs}


def _figure():
    from matplotlib.figure import Figure

    return Figure(figsize=(1, 1))


def _two_figures(first: str, second: str) -> None:
    ctx = ClaimContext()
    ctx.figure(_figure(), first, "c")
    ctx.figure(_figure(), second, "c")


# textgenrnn's vocabulary has this shape (PAD, 463 characters, META); the untrained network over it checks its inputs
# as the pretrained one does, without the package.
_STAND_IN_VOCAB = ("", *(chr(0x100 + i) for i in range(463)), "<s>")


@functools.cache
def _char_lstm() -> CharLSTM:
    return CharLSTM(_STAND_IN_VOCAB)


def _keras_arrays(**override: np.ndarray) -> dict[str, np.ndarray]:
    """Zero arrays of the shapes of textgenrnn's weights (CuDNN biases), keyed as textgenrnn_weights() keys them."""
    shapes = {"embedding/embeddings": (465, 100), "rnn_1/kernel": (100, 512), "rnn_1/recurrent_kernel": (128, 512),
              "rnn_1/bias": (1024,), "rnn_2/kernel": (128, 512), "rnn_2/recurrent_kernel": (128, 512),
              "rnn_2/bias": (1024,), "attention/attention_W": (356, 1), "output/kernel": (356, 465),
              "output/bias": (465,)}
    return {key: np.zeros(shape) for key, shape in shapes.items()} | {k.replace("__", "/"): v for k, v in override.items()}


def _trigram():
    """The en-us trigram model; the row is skipped without pocketsphinx (the 'pretrained' extra)."""
    try:
        return load_trigram()
    except ModuleNotFoundError as exc:
        pytest.skip(str(exc))

# (id, call, exception, regex naming the parameter)
ROWS = [
    # models.datasets
    ("ZipfUnigram V numpy int too small", lambda: ZipfUnigram(np.int64(1)), ValueError, r"^V must be an integer >= 2"),
    ("ZipfUnigram alpha string", lambda: ZipfUnigram(10, "1.0"), ValueError, r"^alpha must be a finite number >= 0"),
    ("ZipfUnigram alpha inf", lambda: ZipfUnigram(10, INF), ValueError, r"^alpha must be a finite number"),
    ("LowRankBigram R bool", lambda: LowRankBigram(10, True), ValueError, r"^R must be an integer in \[1, V=10\]"),
    ("LowRankBigram logit_scale NaN", lambda: LowRankBigram(10, 3, logit_scale=NAN), ValueError,
     r"^logit_scale must be a finite number >= 0"),
    ("LowRankBigram logit_scale too large (singular solve)", lambda: LowRankBigram(8, 2, logit_scale=1e4).stationary,
     ValueError, r"^logit_scale \(times the largest rank weight\) must be small enough"),
    ("LowRankBigram seed negative", lambda: LowRankBigram(10, 3, seed=-1), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("LowRankBigram seed float", lambda: LowRankBigram(10, 3, seed=1.5), ValueError, r"^seed must be an integer"),
    ("LowRankBigram rank_weights not a sequence", lambda: LowRankBigram(10, 3, rank_weights=5), ValueError,
     r"^rank_weights must be None or a sequence of numbers"),
    ("sample n numpy zero", lambda: ZipfUnigram(5).sample(np.int64(0), _gen()), ValueError, r"^n must be an integer >= 1"),
    ("sample generator int", lambda: ZipfUnigram(5).sample(3, 0), TypeError, r"^generator must be a torch.Generator"),
    ("loss_gap logits numpy", lambda: ZipfUnigram(5).loss_gap(np.zeros((5, 5))), TypeError, r"^logits must be a"),
    ("power_law_rank_weights alpha NaN", lambda: power_law_rank_weights(3, NAN), ValueError, r"^alpha must be a finite"),
    ("ZipfUnigram V beyond int64", lambda: ZipfUnigram(10**400), ValueError,
     r"^V must be an integer >= 2 that fits in int64 .*got an integer of 401 digits"),
    ("ZipfUnigram alpha an int beyond float", lambda: ZipfUnigram(10, 10**400), ValueError,
     r"^alpha must be a finite number >= 0, got an integer of 401 digits"),
    ("ZipfUnigram V None", lambda: ZipfUnigram(None), ValueError, r"^V must be an integer >= 2, got None"),
    ("LowRankBigram R above V", lambda: LowRankBigram(5, 6), ValueError, r"^R must be an integer in \[1, V=5\]"),
    ("LowRankBigram rank_weights wrong length", lambda: LowRankBigram(5, 2, rank_weights=(1.0,)), ValueError,
     r"^rank_weights must be a sequence of length R=2"),
    ("LowRankBigram rank_weights NaN", lambda: LowRankBigram(5, 2, rank_weights=(1.0, NAN)), ValueError,
     r"^rank_weights must be finite numbers >= 0"),
    ("LowRankBigram rank_weights 1e308 (overflowing logits)", lambda: LowRankBigram(5, 2, rank_weights=(1e308, 1e308)).stationary,
     ValueError, r"^logit_scale \(times the largest rank weight\) must be small enough .* got 1\.0 × 1e\+308"),
    ("LowRankBigram logit_scale 1e308", lambda: LowRankBigram(5, 2, logit_scale=1e308).optimal_loss, ValueError,
     r"^logit_scale \(times the largest rank weight\) must be small enough"),
    ("LowRankBigram seed 2**64", lambda: LowRankBigram(5, 2, seed=2**64), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("loss_gap logits of another V", lambda: ZipfUnigram(5).loss_gap(torch.zeros(4, 4)), ValueError,
     r"^logits must have shape \(\.\.\., 5, 5\)"),
    ("loss_gap logits 1-D", lambda: ZipfUnigram(5).loss_gap(torch.zeros(5)), ValueError, r"^logits must have shape"),
    ("expected_cross_entropy logits integer", lambda: ZipfUnigram(5).expected_cross_entropy(torch.zeros(5, 5, dtype=torch.long)),
     ValueError, r"^logits must be a floating-point \(\.\.\., 5, 5\) tensor"),
    ("per_input_loss_gap logits integer", lambda: LowRankBigram(5, 2).per_input_loss_gap(torch.zeros(5, 5, dtype=torch.long)),
     ValueError, r"^logits must be a floating-point"),
    ("sample n beyond int64", lambda: ZipfUnigram(5).sample(10**400, _gen()), ValueError, r"^n must be an integer >= 1 that fits in int64"),
    ("LowRankBigram.row_probs id V", lambda: LowRankBigram(5, 2).row_probs(torch.tensor([5])), ValueError,
     r"^x must be token ids in \[0, V=5\)"),
    ("ZipfUnigram.row_probs id out of range", lambda: ZipfUnigram(5).row_probs(torch.tensor([7])), ValueError,
     r"^x must be token ids in \[0, V=5\)"),
    ("ZipfUnigram.row_probs list", lambda: ZipfUnigram(5).row_probs([1]), TypeError, r"^x must be an integer \(n,\) tensor"),
    ("power_law_rank_weights R zero", lambda: power_law_rank_weights(0, 1.0), ValueError, r"^R must be an integer >= 1"),
    ("ZipfBigram.x_dependence logits of another V", lambda: ZipfBigram(5, R=2).x_dependence(torch.zeros(4, 4)), ValueError,
     r"^logits must have shape \(\.\.\., 5, 5\)"),
    ("ZipfBigram.x_dependence logits integer", lambda: ZipfBigram(5, R=2).x_dependence(torch.zeros(5, 5, dtype=torch.long)),
     ValueError, r"^logits must be a floating-point"),
    ("loss_gap_of a float32 table (raw logits, not log_probs)", lambda: ZipfUnigram(5).loss_gap_of(torch.zeros(5, 5)),
     ValueError, r"^log_q must be a float64 \(\.\.\., 5, 5\) tensor from log_probs, got \(\(5, 5\), torch.float32\)"),
    ("loss_gap_of a table of another V", lambda: ZipfUnigram(5).loss_gap_of(torch.zeros(4, 4, dtype=torch.float64)),
     ValueError, r"^log_q must be a float64 \(\.\.\., 5, 5\) tensor"),
    ("ZipfBigram.x_dependence_of a list", lambda: ZipfBigram(5, R=2).x_dependence_of([[0.0] * 5] * 5), TypeError,
     r"^log_q must be a float64 \(\.\.\., 5, 5\) tensor from log_probs"),
    # models.zipf_bigram, models.markov
    ("ZipfBigram V one", lambda: ZipfBigram(1), ValueError, r"^V must be an integer >= 2"),
    ("ZipfBigram R zero", lambda: ZipfBigram(5, R=0), ValueError, r"^R must be an integer in \[1, V=5\]"),
    ("ZipfBigram mi_fraction above the largest", lambda: ZipfBigram(5, R=2, mi_fraction=0.6), ValueError,
     r"^mi_fraction must be a finite number in \[0, 0\.5\]"),
    ("ZipfBigram alpha beyond float64's range for π", lambda: ZipfBigram(5, alpha=1000.0, R=2), ValueError,
     r"^alpha must be a finite number in \[0, 600 / ln V = 372\.8\]"),
    ("ZipfBigram seed float", lambda: ZipfBigram(5, R=2, seed=0.5), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("ZipfBigram.row_probs id out of range", lambda: ZipfBigram(5, R=2).row_probs(torch.tensor([9])), ValueError,
     r"^x must be token ids in \[0, V=5\)"),
    ("stationary_distribution list", lambda: stationary_distribution([[1.0]]), TypeError,
     r"^transition must be a \(k, k\) row-stochastic tensor"),
    ("stationary_distribution not square", lambda: stationary_distribution(torch.ones(2, 3) / 3), ValueError,
     r"^transition must be a \(k, k\) floating-point tensor"),
    ("stationary_distribution empty", lambda: stationary_distribution(torch.zeros(0, 0)), ValueError,
     r"^transition must be a \(k, k\) floating-point tensor, k >= 1"),
    ("stationary_distribution NaN", lambda: stationary_distribution(torch.full((2, 2), NAN)), ValueError,
     r"^transition must be finite probabilities >= 0"),
    ("stationary_distribution negative entry", lambda: stationary_distribution(torch.tensor([[1.5, -0.5], [0.5, 0.5]])),
     ValueError, r"^transition must be finite probabilities >= 0"),
    ("stationary_distribution rows not summing to 1", lambda: stationary_distribution(torch.tensor([[0.2, 0.2], [0.5, 0.5]])),
     ValueError, r"^transition must be row-stochastic"),
    ("stationary_distribution residual_tol NaN", lambda: stationary_distribution(torch.eye(2) * 0 + 0.5, NAN), ValueError,
     r"^residual_tol must be a finite number > 0"),
    ("stationary_distribution reducible", lambda: stationary_distribution(torch.eye(2, dtype=torch.float64)), ReducibleChainError,
     r"^transition must be irreducible"),
    # models.embedding
    ("Member width zero", lambda: Member(0), ValueError, r"^width must be an integer >= 1"),
    ("Member seed negative", lambda: Member(4, seed=-1), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("Member init_std NaN", lambda: Member(4, init_std=NAN), ValueError, r"^init_std must be a finite number > 0"),
    ("EmbedUnembed member int", lambda: EmbedUnembed(5, 4), TypeError, r"^member must be a Member, got int 4"),
    ("EmbedUnembedStack member int", lambda: EmbedUnembedStack(5, [Member(2), 3]), TypeError,
     r"^members\[1\] must be a Member"),
    ("EmbedUnembedStack members empty", lambda: EmbedUnembedStack(5, []), ValueError, r"^members must be a non-empty list"),
    ("EmbedUnembedStack tied string", lambda: EmbedUnembedStack(5, [Member(2)], tied="yes"), TypeError,
     r"^tied must be a bool"),
    ("EmbedUnembedStack layernorm typo", lambda: EmbedUnembedStack(5, [Member(2)], layernorm="afine"), ValueError,
     r"^layernorm must be one of .*Did you mean 'affine'"),
    ("EmbedUnembedStack.embedding k out of range", lambda: EmbedUnembedStack(5, [Member(2)]).embedding(3), ValueError,
     r"^k must be an integer in \[0, 0\]"),
    ("Member width bool", lambda: Member(True), ValueError, r"^width must be an integer >= 1, got True"),
    ("Member init_std 1e30 (float32 logits overflow)", lambda: EmbedUnembedStack(3, [Member(2, init_std=1e30)]), ValueError,
     r"^init_std must be small enough that the float32 logits at init are finite"),
    ("Member init_std bool", lambda: Member(2, init_std=True), ValueError, r"^init_std must be a finite number > 0"),
    ("init_table tied string", lambda: init_table(3, Member(2), "no"), TypeError, r"^tied must be a bool"),
    ("init_table V zero", lambda: init_table(0, Member(2), True), ValueError, r"^V must be an integer >= 1"),
    ("EmbedUnembed V one", lambda: EmbedUnembed(1, Member(2)), ValueError, r"^V must be an integer >= 2"),
    ("EmbedUnembed.forward id V", lambda: EmbedUnembed(3, Member(2))(torch.tensor([3])), ValueError,
     r"^x must be token ids in \[0, V=3\)"),
    ("EmbedUnembed.forward float ids", lambda: EmbedUnembed(3, Member(2))(torch.tensor([1.0])), ValueError,
     r"^x must be an integer \(n,\) tensor of token ids"),
    ("EmbedUnembedStack.forward id V", lambda: EmbedUnembedStack(3, [Member(2)])(torch.tensor([[3]])), ValueError,
     r"^x must be token ids in \[0, V=3\)"),
    ("EmbedUnembedStack.forward negative id", lambda: EmbedUnembedStack(3, [Member(2)])(torch.tensor([[-1]])), ValueError,
     r"^x must be token ids in \[0, V=3\)"),
    ("EmbedUnembedStack.forward rows not one per member", lambda: EmbedUnembedStack(3, [Member(2)])(torch.tensor([[1], [1]])),
     ValueError, r"^x must be one row per member \(K=1\)"),
    ("EmbedUnembedStack.forward 1-D", lambda: EmbedUnembedStack(3, [Member(2)])(torch.tensor([1])), ValueError,
     r"^x must be an integer \(K, n\) tensor"),
    ("EmbedUnembedStack.regroup one key short", lambda: EmbedUnembedStack(3, [Member(2)]).regroup([1, 2]), ValueError,
     r"^keys must be a sequence with one key per member \(1\)"),
    ("EmbedUnembedStack.regroup unhashable key", lambda: EmbedUnembedStack(3, [Member(2)]).regroup([[1]]), ValueError,
     r"^keys\[0\] must be hashable"),
    ("EmbedUnembedStack.block_parameters out of range", lambda: EmbedUnembedStack(3, [Member(2)]).block_parameters(5),
     ValueError, r"^b must be an integer in \[0, 0\]"),
    ("EmbedUnembedStack members a generator", lambda: EmbedUnembedStack(3, (m for m in [Member(2)])), TypeError,
     r"^members must be a non-empty list of Member"),
    ("EmbedUnembedStack.embedding k bool", lambda: EmbedUnembedStack(3, [Member(2)]).embedding(True), ValueError,
     r"^k must be an integer in \[0, 0\]"),
    # models.cbow
    ("TopicCorpus stay NaN", lambda: TopicCorpus(stay=NAN), ValueError, r"^stay must be a finite number in \[0, 1\]"),
    ("TopicCorpus seed negative", lambda: TopicCorpus(seed=-1), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("TopicCorpus.sample seed negative", lambda: TopicCorpus(V=20, used=5, topics=2).sample(10, seed=-1), ValueError,
     rf"^seed must be {SEED_RANGE}"),
    ("TopicCorpus.sample length float", lambda: TopicCorpus(V=20, used=5, topics=2).sample(10.0, seed=0), ValueError,
     r"^length must be an integer >= 1"),
    ("cbow_examples window zero", lambda: cbow_examples(torch.arange(10), 0), ValueError, r"^window must be an integer >= 1"),
    ("CBOWMember lr inf", lambda: CBOWMember(lr=INF), ValueError, r"^lr must be a finite number > 0"),
    ("CBOWMember tied int", lambda: CBOWMember(tied=1), TypeError, r"^tied must be a bool"),
    ("CBOWStack member string", lambda: CBOWStack(10, 4, [CBOWMember(), "x"]), TypeError,
     r"^members\[1\] must be a CBOWMember"),
    ("CBOWStack d zero", lambda: CBOWStack(10, 0, [CBOWMember()]), ValueError, r"^d must be an integer >= 1"),
    ("CBOWStack.forward context id V", lambda: CBOWStack(6, 2, [CBOWMember()])(torch.full((1, 2, 2), 6)), ValueError,
     r"^contexts\[0\] must be token ids in \[0, V=6\)"),
    ("CBOWStack.forward one row short of the members", lambda: CBOWStack(6, 2, [CBOWMember(), CBOWMember(seed=1)])(
        torch.zeros(1, 2, 2, dtype=torch.long)), ValueError, r"^contexts must be one row of examples per member \(M=2\)"),
    ("CBOWStack.loss centers id V", lambda: CBOWStack(6, 2, [CBOWMember()]).loss(torch.zeros(1, 2, 2, dtype=torch.long),
                                                                               torch.full((1, 2), 6)), ValueError,
     r"^centers\[0\] must be token ids in \[0, V=6\)"),
    ("CBOWStack.loss batch sizes differ", lambda: CBOWStack(6, 2, [CBOWMember()]).loss(torch.zeros(1, 2, 2, dtype=torch.long),
                                                                                     torch.zeros(1, 3, dtype=torch.long)),
     ValueError, r"^contexts, centers must be \(M, B, C\) and \(M, B\)"),
    ("cbow_examples tokens float", lambda: cbow_examples(torch.arange(10.0), 1), ValueError,
     r"^tokens must be a 1-D integer tensor of token ids"),
    ("TopicCorpus.cbow_conditional id out of range", lambda: TopicCorpus(V=20, used=5, topics=2).cbow_conditional([[0, 20]]),
     ValueError, r"^contexts must be token ids in \[0, V=20\)"),
    ("TopicCorpus.cbow_conditional float ids", lambda: TopicCorpus(V=20, used=5, topics=2).cbow_conditional(np.array([[0.5, 1.0]])),
     ValueError, r"^contexts must be an integer \(n, 2w\) tensor of token ids"),
    ("TopicCorpus.cbow_conditional ragged", lambda: TopicCorpus(V=20, used=5, topics=2).cbow_conditional([[0, 1], [2]]),
     ValueError, r"^contexts must be an \(n, 2w\) tensor of token ids"),
    ("TopicCorpus used above V", lambda: TopicCorpus(V=5, used=6), ValueError, r"^used must be an integer in \[1, 5\]"),
    ("TopicCorpus peakiness zero", lambda: TopicCorpus(peakiness=0.0), ValueError, r"^peakiness must be a finite number > 0"),
    ("TopicCorpus peakiness so small every weight underflows",
     lambda: TopicCorpus(V=20, used=5, topics=2, peakiness=1e-300).emission, ValueError,
     r"^peakiness must be large enough that every topic emits some token"),
    ("TopicCorpus topics beyond int64", lambda: TopicCorpus(topics=10**400), ValueError,
     r"^topics must be an integer >= 1 that fits in int64"),
    ("TopicCorpus zipf_alpha negative", lambda: TopicCorpus(zipf_alpha=-1.0), ValueError, r"^zipf_alpha must be a finite number >= 0"),
    ("cbow_examples tokens list", lambda: cbow_examples([1, 2, 3], 1), TypeError, r"^tokens must be a 1-D tensor of token ids"),
    ("cbow_examples stream too short", lambda: cbow_examples(torch.arange(4), 2), ValueError,
     r"^tokens must be a stream longer than 2·window = 4"),
    ("CBOWMember optimizer adam (not offered)", lambda: CBOWMember(optimizer="adam"), ValueError,
     r"^optimizer must be one of 'adamw', 'sgd'.*Did you mean 'adamw'"),
    ("CBOWMember init_scale 1e308 (float32 logits overflow)", lambda: CBOWMember(init_scale=1e308), ValueError,
     r"^init_scale must be a finite number in \(0, 1e\+18\]"),
    ("CBOWMember weight_decay negative", lambda: CBOWMember(weight_decay=-0.1), ValueError, r"^weight_decay must be a finite number >= 0"),
    ("CBOWMember l2 NaN", lambda: CBOWMember(l2=NAN), ValueError, r"^l2 must be a finite number >= 0"),
    ("CBOWStack V one", lambda: CBOWStack(1, 2, [CBOWMember()]), ValueError, r"^V must be an integer >= 2"),
    ("CBOWStack members empty", lambda: CBOWStack(4, 2, []), ValueError, r"^members must be a non-empty list of CBOWMember"),
    ("CBOWStack members string", lambda: CBOWStack(4, 2, "ab"), TypeError, r"^members must be a non-empty list of CBOWMember"),
    ("CBOWStack.check_token_ids 1-D", lambda: CBOWStack(6, 2, [CBOWMember()]).check_token_ids(torch.zeros(2, dtype=torch.long),
                                                                                            "centers", 2, "(M, B) tensor"),
     ValueError, r"^centers must be an integer \(M, B\) tensor of token ids"),
    # models.hmm, isan, language, sequence
    ("HMM hidden_states float", lambda: HiddenMarkovLanguage(8, hidden_states=2.0), ValueError,
     r"^hidden_states must be an integer >= 1"),
    ("HMM zipf_alpha string", lambda: HiddenMarkovLanguage(8, zipf_alpha="2"), ValueError, r"^zipf_alpha must be a finite"),
    ("HMM.sample length negative", lambda: HiddenMarkovLanguage(8, hidden_states=2).sample(2, -1, _gen()), ValueError,
     r"^length must be an integer >= 0"),
    ("HMM prefixes list", lambda: HiddenMarkovLanguage(8, hidden_states=2).next_token_log_probs([[0]]), TypeError,
     r"^prefixes must be an integer \(n, t\) tensor"),
    ("ISAN contraction NaN", lambda: ISAN(5, contraction=NAN), ValueError, r"^contraction must be a finite number in \[0, 1\]"),
    ("ISAN seed 2**64", lambda: ISAN(5, seed=2**64), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("EnglishBigram V", lambda: EnglishBigram(V=1), ValueError, r"^V must be an integer in \[2, 82834\]"),
    ("EnglishBigram absent_fraction zero", lambda: EnglishBigram(absent_fraction=0.0), ValueError,
     r"^absent_fraction must be a finite number in \(0, 1\)"),
    ("TransformerConfig n_head not a divisor", lambda: TransformerConfig(n_head=3), ValueError,
     r"^n_head must be a divisor of d_model=32"),
    ("TransformerConfig bias string", lambda: TransformerConfig(bias="no"), TypeError, r"^bias must be a bool"),
    ("Transformer config of a GRU", lambda: Transformer(GRUConfig()), TypeError, r"^config must be a TransformerConfig"),
    ("GRUConfig d_hidden zero", lambda: GRUConfig(d_hidden=0), ValueError, r"^d_hidden must be an integer >= 1"),
    ("GRULanguageModel seed negative", lambda: GRULanguageModel(GRUConfig(4, 2, 2), seed=-5), ValueError,
     rf"^seed must be {SEED_RANGE}"),
    ("HMM V one", lambda: HiddenMarkovLanguage(1), ValueError, r"^V must be an integer >= 2"),
    ("HMM concentration zero", lambda: HiddenMarkovLanguage(4, concentration=0.0), ValueError,
     r"^concentration must be a finite number > 0"),
    ("HMM concentration 1e-300 (one-hot rows: reducible)", lambda: HiddenMarkovLanguage(4, hidden_states=3, concentration=1e-300),
     ValueError, r"^concentration must draw \(with seed 0\) a transition matrix with a unique stationary distribution"),
    ("HMM concentration 1e308", lambda: HiddenMarkovLanguage(4, hidden_states=3, concentration=1e308), ValueError,
     r"^concentration must draw \(with seed 0\) a transition matrix"),
    ("HMM zipf_alpha beyond float64", lambda: HiddenMarkovLanguage(4, zipf_alpha=1000.0), ValueError,
     r"^zipf_alpha must be a finite number in \[0, 600 / ln V"),
    ("HMM.sample n_sequences negative", lambda: HiddenMarkovLanguage(4, 2).sample(-1, 2, _gen()), ValueError,
     r"^n_sequences must be an integer >= 0"),
    ("HMM.sample generator None", lambda: HiddenMarkovLanguage(4, 2).sample(1, 2, None), TypeError,
     r"^generator must be a torch.Generator"),
    ("HMM.next_token_log_probs id V", lambda: HiddenMarkovLanguage(4, 2).next_token_log_probs(torch.tensor([[4]])), ValueError,
     r"^prefixes must be token ids in \[0, V=4\)"),
    ("HMM.next_token_log_probs float ids", lambda: HiddenMarkovLanguage(4, 2).next_token_log_probs(torch.tensor([[1.0]])),
     ValueError, r"^prefixes must be an integer \(n, t\) tensor of token ids"),
    ("HMM.sequence_log_prob id V (was called 'tokens')", lambda: HiddenMarkovLanguage(4, 2).sequence_log_prob(torch.tensor([[4]])),
     ValueError, r"^sequences must be token ids in \[0, V=4\)"),
    ("ISAN d zero", lambda: ISAN(4, d=0), ValueError, r"^d must be an integer >= 1"),
    ("ISAN contraction above 1", lambda: ISAN(4, contraction=2.0), ValueError, r"^contraction must be a finite number in \[0, 1\]"),
    ("ISAN logit_scale 1e308 (-inf log-probs)", lambda: ISAN(4, logit_scale=1e308), ValueError,
     r"^logit_scale must be a finite number in \[0, 1e\+100\]"),
    ("ISAN.states id V", lambda: ISAN(4).states(torch.tensor([[4]])), ValueError, r"^prefixes must be token ids in \[0, V=4\)"),
    ("ISAN.states float ids", lambda: ISAN(4).states(torch.tensor([[1.5]])), ValueError,
     r"^prefixes must be an integer \(n, t\) tensor of token ids"),
    ("ISAN.sequence_log_prob list", lambda: ISAN(4).sequence_log_prob([[0]]), TypeError,
     r"^sequences must be an integer \(n, t\) tensor"),
    ("ISAN.sequence_log_prob id V", lambda: ISAN(4).sequence_log_prob(torch.tensor([[4]])), ValueError,
     r"^sequences must be token ids in \[0, V=4\)"),
    ("ISAN.sequence_log_prob 1-D", lambda: ISAN(4).sequence_log_prob(torch.tensor([1])), ValueError,
     r"^sequences must be an integer \(n, t\) tensor"),
    ("isan_logit_rank_bound not an ISAN", lambda: isan_logit_rank_bound(3), TypeError, r"^isan must be an ISAN"),
    ("EnglishBigram V beyond the word list", lambda: EnglishBigram(V=10**6), ValueError, r"^V must be an integer in \[2, 82834\]"),
    ("EnglishBigram absent_fraction above c_min", lambda: EnglishBigram(absent_fraction=1e308), ValueError,
     r"^absent_fraction must be a finite number in \(0, 1\)"),
    ("english_bigram_counts list (was: unhashable)", lambda: english_bigram_counts([5]), ValueError,
     r"^vocab_size must be an integer in \[1, 82834\]"),
    ("english_bigram_counts zero", lambda: english_bigram_counts(0), ValueError, r"^vocab_size must be an integer in \[1, 82834\]"),
    ("symspell_lines unknown list", lambda: symspell_lines("nope.txt"), ValueError,
     r"^name must be one of 'frequency_dictionary_en_82_765.txt'"),
    ("TransformerConfig vocab_size zero", lambda: TransformerConfig(vocab_size=0), ValueError, r"^vocab_size must be an integer >= 1"),
    ("TransformerConfig d_model beyond int64", lambda: TransformerConfig(d_model=10**400), ValueError,
     r"^d_model must be an integer >= 1 that fits in int64"),
    ("Transformer seed string", lambda: Transformer(TransformerConfig(), seed="0"), ValueError, rf"^seed must be {SEED_RANGE}"),
    # models.char_lstm, trigram
    ("CharLSTM vocab of another size", lambda: CharLSTM(("", "a", "<s>")), ValueError,
     r"^vocab must be textgenrnn's vocabulary: '', 463 characters, '<s>'"),
    ("CharLSTM vocab list", lambda: CharLSTM(list(_STAND_IN_VOCAB)), TypeError,
     r"^vocab must be textgenrnn's vocabulary: a tuple of 465 strings"),
    ("CharLSTM seed negative", lambda: CharLSTM(_STAND_IN_VOCAB, seed=-1), ValueError, rf"^seed must be {SEED_RANGE}"),
    ("CharLSTM dtype int64", lambda: CharLSTM(_STAND_IN_VOCAB, dtype=torch.int64), ValueError,
     r"^dtype must be torch.float32 or torch.float64"),
    ("load_char_lstm dtype string (before the package is looked for)", lambda: load_char_lstm(dtype="float64"),
     ValueError, r"^dtype must be torch.float32 or torch.float64"),
    ("CharLSTM.from_keras not a dict", lambda: CharLSTM.from_keras([], _STAND_IN_VOCAB), TypeError,
     r"^arrays must be a dict of Keras weight arrays"),
    ("CharLSTM.from_keras a layer missing", lambda: CharLSTM.from_keras({}, _STAND_IN_VOCAB), ValueError,
     r"^arrays must be textgenrnn's weights \(textgenrnn_weights\(\)\), got \"a dict lacking \['embedding/embeddings'"),
    ("CharLSTM.from_keras a list where an array belongs",
     lambda: CharLSTM.from_keras(_keras_arrays(output__bias=[0.0] * 465), _STAND_IN_VOCAB), TypeError,
     r"^arrays\['output/bias'\] must be a numpy array"),
    ("CharLSTM.from_keras an output of 464 classes",
     lambda: CharLSTM.from_keras(_keras_arrays(output__bias=np.zeros(464)), _STAND_IN_VOCAB), ValueError,
     r"^arrays\['output/bias'\] must be of shape \(465,\)"),
    ("CharLSTM.from_keras a bias of neither 4u nor 8u",
     lambda: CharLSTM.from_keras(_keras_arrays(rnn_1__bias=np.zeros(100)), _STAND_IN_VOCAB), ValueError,
     r"^arrays\['rnn_1/bias'\] must be of shape \(512,\)"),
    ("cudnn_lstm_to_lstm a CPU LSTM's bias", lambda: cudnn_lstm_to_lstm(np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)),
     ValueError, r"^bias must be a CuDNN bias of shape \(8u = 16,\)"),
    ("cudnn_lstm_to_lstm recurrent kernel square", lambda: cudnn_lstm_to_lstm(np.zeros((3, 8)), np.zeros((8, 8)),
                                                                               np.zeros(16)),
     ValueError, r"^recurrent_kernel must be a \(u, 4u\) array"),
    ("cudnn_lstm_to_lstm kernel of another width", lambda: cudnn_lstm_to_lstm(np.zeros((3, 6)), np.zeros((2, 8)),
                                                                              np.zeros(16)),
     ValueError, r"^kernel must be a \(d, 4u = 8\) array"),
    ("cudnn_lstm_to_lstm kernel list", lambda: cudnn_lstm_to_lstm([[0.0]], np.zeros((2, 8)), np.zeros(16)), TypeError,
     r"^kernel must be a numpy array"),
    ("CharLSTM.log_probs a lone string (it would be read as its characters)", lambda: _char_lstm().log_probs("\u0100"),
     TypeError, r"^contexts must be a list or tuple of strings"),
    ("CharLSTM.log_probs no contexts", lambda: _char_lstm().log_probs([]), ValueError,
     r"^contexts must be a non-empty list of strings"),
    ("CharLSTM.log_probs a character outside the vocabulary", lambda: _char_lstm().log_probs(["", "abc"]), ValueError,
     r"^contexts\[1\] must be characters of textgenrnn's vocabulary, got 'abc' with 'a', 'b', 'c' outside it"),
    ("CharLSTM.log_probs a context of 40 characters", lambda: _char_lstm().log_probs(["\u0100" * 40]), ValueError,
     r"^contexts\[0\] must be at most 39 characters \(the model reads 40 ids: '<s>' and the context\)"),
    ("CharLSTM.log_probs an int context", lambda: _char_lstm().log_probs([3]), TypeError,
     r"^contexts\[0\] must be a string"),
    ("CharLSTM.next_token_log_probs the padding id", lambda: _char_lstm().next_token_log_probs(torch.tensor([[5, 0]])),
     ValueError, r"^prefixes must be ids in \[1, 465\): 0 is the padding id"),
    ("CharLSTM.next_token_log_probs id 465", lambda: _char_lstm().next_token_log_probs(torch.tensor([[465]])),
     ValueError, r"^prefixes must be token ids in \[0, V=465\)"),
    ("CharLSTM.next_token_log_probs 40 ids ('<s>' would fall out of the window)",
     lambda: _char_lstm().next_token_log_probs(torch.ones(1, 40, dtype=torch.long)), ValueError,
     r"^prefixes length must be <= 39"),
    ("CharLSTM.next_token_log_probs float ids", lambda: _char_lstm().next_token_log_probs(torch.ones(1, 2)), ValueError,
     r"^prefixes must be an integer \(n, t\) tensor of token ids"),
    ("CharLSTM forward a window of 39", lambda: _char_lstm()(torch.ones(1, 39, dtype=torch.long)), ValueError,
     r"^ids must be a \(n, 40\) tensor"),
    ("CharLSTM.text_log_probs empty", lambda: _char_lstm().text_log_probs(""), ValueError,
     r"^text must be a non-empty string"),
    ("CharLSTM.text_log_probs bytes", lambda: _char_lstm().text_log_probs(b"\x01"), TypeError, r"^text must be a string"),
    ("CharLSTM.encode a character outside the vocabulary", lambda: _char_lstm().encode("\u0100x"), ValueError,
     r"^text must be characters of textgenrnn's vocabulary, got '\u0100x' with 'x' outside it"),
    ("CharLSTM.bits_per_character an empty text", lambda: _char_lstm().bits_per_character(["\u0100", ""]), ValueError,
     r"^texts\[1\] must be a non-empty string"),
    ("CharLSTM.bits_per_character a lone string", lambda: _char_lstm().bits_per_character("\u0100"), TypeError,
     r"^texts must be a list or tuple of strings"),
    ("TrigramLM.log_prob a capitalised word", lambda: _trigram().log_prob("The", ("one", "of")), ValueError,
     r"^word must be a word of the model's vocabulary of 72547 words \(the vocabulary is lowercase: 'the' is in it\)"),
    ("TrigramLM.log_prob an int word", lambda: _trigram().log_prob(3), TypeError, r"^word must be a word \(a string\)"),
    ("TrigramLM.log_prob a lone string history (it would be read as its letters)", lambda: _trigram().log_prob("the", "one of"),
     TypeError, r"^history must be a list or tuple of words \(a lone string is not a history\)"),
    ("TrigramLM.log_prob an unknown history word (pocketsphinx silently shortens the history)",
     lambda: _trigram().log_prob("the", ("one", "ofx")), ValueError, r"^history\[1\] must be a word of the model's"),
    ("TrigramLM.next_word_log_probs no histories", lambda: _trigram().next_word_log_probs([]), ValueError,
     r"^histories must be a non-empty list of histories"),
    ("TrigramLM.next_word_log_probs one history, not a list of them",
     lambda: _trigram().next_word_log_probs(("one", "of")), TypeError,
     r"^histories\[0\] must be a list or tuple of words"),
    ("TrigramLM.next_word_log_probs an unknown word", lambda: _trigram().next_word_log_probs([("xyzzyq", "of")]),
     ValueError, r"^histories\[0\]\[0\] must be a word of the model's vocabulary"),
    ("Transformer.next_token_log_probs prefix too long", lambda: _transformer().next_token_log_probs(torch.zeros(1, 4, dtype=torch.long)),
     ValueError, r"^prefixes length must be <= block_size - 1 = 3"),
    ("Transformer.next_token_log_probs BOS id inside a prefix", lambda: _transformer().next_token_log_probs(torch.tensor([[4]])),
     ValueError, r"^prefixes must be token ids in \[0, V=4\)"),
    ("Transformer.next_token_log_probs float ids", lambda: _transformer().next_token_log_probs(torch.tensor([[1.0]])),
     ValueError, r"^prefixes must be an integer \(n, t\) tensor of token ids"),
    ("Transformer.continuation_log_probs history + future too long",
     lambda: _transformer().continuation_log_probs(torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 2, dtype=torch.long)),
     ValueError, r"^history \+ future length must be <= block_size - 1 = 3"),
    ("Transformer.continuation_log_probs BOS id in a future",
     lambda: _transformer().continuation_log_probs(torch.zeros(1, 1, dtype=torch.long), torch.tensor([[4]])), ValueError,
     r"^futures must be token ids in \[0, V=4\)"),
    ("Transformer.continuation_log_probs no futures",
     lambda: _transformer().continuation_log_probs(torch.zeros(1, 1, dtype=torch.long), torch.zeros(0, 1, dtype=torch.long)),
     ValueError, r"^histories, futures must be at least one history and one future"),
    ("GRULanguageModel.continuation_log_probs float histories",
     lambda: GRULanguageModel(GRUConfig(4, 2, 2)).continuation_log_probs(torch.zeros(1, 1), torch.zeros(1, 1, dtype=torch.long)),
     ValueError, r"^histories must be an integer \(n, t\) tensor"),
    ("GRULanguageModel.continuation_log_probs batch_size zero",
     lambda: GRULanguageModel(GRUConfig(4, 2, 2)).continuation_log_probs(torch.zeros(1, 1, dtype=torch.long),
                                                                         torch.zeros(1, 1, dtype=torch.long), 0),
     ValueError, r"^batch_size must be an integer >= 1"),
    ("Transformer.forward too long", lambda: _transformer()(torch.zeros(1, 5, dtype=torch.long)), ValueError,
     r"^idx length must be <= block_size=4"),
    ("Transformer.forward id beyond BOS", lambda: _transformer()(torch.tensor([[5]])), ValueError,
     r"^idx must be token ids in \[0, V=5\)"),
    ("Transformer.forward list", lambda: _transformer()([[0]]), TypeError, r"^idx must be an integer \(B, T\) tensor"),
    ("Transformer.sequence_log_prob id V", lambda: _transformer().sequence_log_prob(torch.tensor([[4, 1]])), ValueError,
     r"^sequences must be token ids in \[0, V=4\)"),
    ("Transformer.sequence_log_prob too long", lambda: _transformer().sequence_log_prob(torch.zeros(1, 6, dtype=torch.long)),
     ValueError, r"^sequences length must be <= block_size = 4"),
    ("GRULanguageModel.next_token_log_probs BOS id inside a prefix",
     lambda: GRULanguageModel(GRUConfig(4, 2, 2)).next_token_log_probs(torch.tensor([[4]])), ValueError,
     r"^prefixes must be token ids in \[0, V=4\)"),
    ("GRULanguageModel.sequence_log_prob id out of range",
     lambda: GRULanguageModel(GRUConfig(4, 2, 2)).sequence_log_prob(torch.tensor([[9]])), ValueError,
     r"^sequences must be token ids in \[0, V=4\)"),
    ("GRULanguageModel.forward 1-D (read as one unbatched sequence)", lambda: GRULanguageModel(GRUConfig(4, 2, 2))(torch.tensor([1])),
     ValueError, r"^idx must be an integer \(B, T\) tensor"),
    ("GRULanguageModel config None", lambda: GRULanguageModel(None), TypeError, r"^config must be a GRUConfig"),
    # lab.optim, lab.loop
    ("OptimizerSpec lr NaN", lambda: OptimizerSpec(lr=NAN), ValueError, r"^lr must be a finite number > 0"),
    ("OptimizerSpec momentum 1", lambda: OptimizerSpec("sgd", momentum=1.0), ValueError,
     r"^momentum must be a finite number in \[0, 1\)"),
    ("OptimizerSpec name typo", lambda: OptimizerSpec("adamm"), ValueError, r"^optimizer must be one of .*Did you mean"),
    ("LRSchedule warmup_steps float", lambda: LRSchedule(warmup_steps=1.5), ValueError,
     r"^warmup_steps must be an integer >= 0"),
    ("LRSchedule final_factor inf", lambda: LRSchedule(final_factor=INF), ValueError, r"^final_factor must be a finite"),
    ("LRSchedule.factor step negative", lambda: LRSchedule().factor(-1, 10), ValueError,
     r"^step must be an integer in \[0, 10\]"),
    ("build_optimizer spec string", lambda: build_optimizer("adam", [{"params": []}]), TypeError,
     r"^spec must be an OptimizerSpec"),
    ("run_steps steps zero", lambda: _run_steps(steps=0), ValueError, r"^steps must be an integer >= 1"),
    ("run_steps schedule string", lambda: _run_steps(schedule="cosine"), TypeError, r"^schedule must be an LRSchedule"),
    ("run_steps observe_at beyond steps", lambda: _run_steps(observe_at=[2]), ValueError,
     r"^observe_at must be an integer in \[0, 1\]"),
    ("run_steps optimizers empty", lambda: _run_steps(), ValueError, r"^optimizers must be a non-empty sequence"),
    ("OptimizerSpec adam with momentum", lambda: OptimizerSpec("adam", momentum=0.9), ValueError,
     r"^momentum must be 0 for adam \(only sgd has a momentum"),
    ("OptimizerSpec adamw with momentum", lambda: OptimizerSpec("adamw", momentum=0.5), ValueError,
     r"^momentum must be 0 for adamw"),
    ("LRSchedule final_factor above 1 (a decay that never lowers the rate)", lambda: LRSchedule(final_factor=5), ValueError,
     r"^final_factor must be a finite number in \[0, 1\]"),
    ("LRSchedule.factor decay_steps longer than the run", lambda: LRSchedule(decay_steps=100, final_factor=0.1).factor(0, 10),
     ValueError, r"^decay_steps must be <= the run's 10 steps"),
    ("LRSchedule.factor warmup_steps longer than the run", lambda: LRSchedule(warmup_steps=11).factor(0, 10), ValueError,
     r"^warmup_steps must be <= the run's 10 steps"),
    ("LRSchedule.factor warmup and decay overlap", lambda: LRSchedule(warmup_steps=6, decay_steps=6).factor(0, 10),
     ValueError, r"^warmup_steps \+ decay_steps must be <= the run's 10 steps \(warmup and decay may not overlap"),
    ("LRSchedule.factor step beyond the run", lambda: LRSchedule(decay_steps=5, final_factor=0.1).factor(11, 10), ValueError,
     r"^step must be an integer in \[0, 10\]"),
    ("LRSchedule.factor total_steps zero", lambda: LRSchedule().factor(0, 0), ValueError, r"^total_steps must be an integer >= 1"),
    ("LRSchedule.check total_steps bool", lambda: LRSchedule().check(True), ValueError, r"^total_steps must be an integer >= 1"),
    ("build_optimizer group without params", lambda: build_optimizer(OptimizerSpec(), [{"lr": 0.1}]), ValueError,
     r"^groups must be a non-empty list of torch parameter groups \(dicts with 'params'\)"),
    ("build_optimizer group lr negative", lambda: build_optimizer(OptimizerSpec(), [{"params": [], "lr": -1.0}]), ValueError,
     r"^groups\[0\]\['lr'\] must be a finite number > 0"),
    ("build_optimizer group momentum for adam", lambda: build_optimizer(OptimizerSpec(), [{"params": [], "momentum": 0.9}]),
     ValueError, r"^groups\[0\]\['momentum'\] must be 0 for adam"),
    ("build_optimizer foreach string", lambda: build_optimizer(OptimizerSpec(), [{"params": []}], foreach="yes"), TypeError,
     r"^foreach must be a bool or None"),
    ("run_steps schedule longer than the run", lambda: _run_steps(schedule=LRSchedule(decay_steps=2)), ValueError,
     r"^decay_steps must be <= the run's 1 steps"),
    ("check_finite what not text", lambda: check_finite([1.0], 3, None), TypeError, r"^what must be a description"),
    ("check_finite step negative", lambda: check_finite([1.0], -1, "gap"), ValueError, r"^step must be an integer >= 0"),
    ("check_steps name not text", lambda: check_steps([1], 3, 5), TypeError, r"^name must be the parameter's name"),
    ("check_steps total negative", lambda: check_steps([1], "s", -1), ValueError, r"^total must be an integer >= 0"),
    ("check_steps nested list", lambda: check_steps([[1]], "s", 5), ValueError, r"^s must be an integer in \[0, 5\]"),
    ("run_steps loss_at not callable", lambda: _run_steps(loss_at=3, optimizers=[_sgd()]), ValueError,
     r"^loss_at must be a callable step -> loss"),
    ("run_steps observe None", lambda: _run_steps(observe=None, optimizers=[_sgd()]), ValueError,
     r"^observe must be a callable step -> None"),
    ("run_steps loss a float (was: raw AttributeError)", lambda: _run_steps(loss_at=lambda t: 3.0, optimizers=[_sgd()]),
     ValueError, r"^loss_at must be a callable returning a loss tensor that requires grad"),
    ("run_steps loss without grad (was: raw RuntimeError)", lambda: _run_steps(optimizers=[_sgd()]), ValueError,
     r"^loss_at must be a callable returning a loss tensor that requires grad, got 'a tensor without grad'"),
    ("run_steps optimizers not optimizers", lambda: _run_steps(optimizers=["adam"]), ValueError,
     r"^optimizers must be a non-empty sequence of torch optimizers"),
    ("schedule factors of a run shorter than its warmup", lambda: LRSchedule(warmup_steps=3).factors(2), ValueError,
     r"^warmup_steps must be <= the run's 2 steps"),
    ("sample_steps steps zero", lambda: ZipfUnigram(4).sample_steps(0, 2, _gen()), ValueError,
     r"^steps must be an integer >= 1"),
    ("sample_steps n zero", lambda: ZipfUnigram(4).sample_steps(2, 0, _gen()), ValueError,
     r"^n must be an integer >= 1"),
    ("sample_steps generator int", lambda: ZipfUnigram(4).sample_steps(2, 2, 0), TypeError,
     r"^generator must be a torch.Generator"),
    # lab.embedding_engine
    ("engine model not a stack",
     lambda: EmbeddingEngine.for_training(3, ZipfUnigram(4), [OptimizerSpec()], None, [0], {}), TypeError,
     r"^model must be an EmbedUnembedStack"),
    ("engine specs not one per member",
     lambda: EmbeddingEngine.for_training(EmbedUnembedStack(4, [Member(2)]), ZipfUnigram(4), [], None, [0], {}),
     ValueError, r"^specs must be one OptimizerSpec per member \(1\)"),
    # lab.training
    ("train model int", lambda: _train(model=3), TypeError, r"^model must be an EmbedUnembedStack"),
    ("train dataset string", lambda: _train(dataset="zipf"), TypeError, r"^dataset must be a TokenPairDataset"),
    ("train steps numpy float", lambda: _train(steps=np.float64(2)), ValueError, r"^steps must be an integer >= 1"),
    ("train optim string", lambda: _train(optim="adam"), TypeError, r"^optim must be an OptimizerSpec"),
    ("train optim one per member", lambda: _train(optim=[OptimizerSpec()]), ValueError,
     r"^optim must be one OptimizerSpec per member \(2\)"),
    ("train schedule string", lambda: _train(schedule="linear"), TypeError, r"^schedule must be an LRSchedule"),
    ("train batch_size zero", lambda: _train(batch_size=0), ValueError, r"^batch_size .*must be an integer >= 1"),
    ("train data_seeds negative", lambda: _train(data_seeds=-1), ValueError, rf"^data_seeds must be {SEED_RANGE}"),
    ("train eval_steps empty", lambda: _train(eval_steps=[]), ValueError, r"^eval_steps must be a non-empty list"),
    ("train eval_steps beyond steps", lambda: _train(eval_steps=[0, 5]), ValueError,
     r"^eval_steps must be an integer in \[0, 2\]"),
    ("train on_eval not callable", lambda: _train(on_eval=3), ValueError, r"^on_eval must be None or a callable"),
    ("train device unknown", lambda: _train(device="gpu"), ValueError, r"^device must be one of 'cpu', 'cuda'"),
    ("resolve_device int", lambda: resolve_device(0), ValueError, r"^device must be one of"),
    ("log_spaced_steps total zero", lambda: log_spaced_steps(0), ValueError, r"^steps must be an integer in \[1, 9007199254740992\]"),
    ("train schedule decay longer than steps (checked before training)",
     lambda: _train(schedule=LRSchedule(decay_steps=3, final_factor=0.1)), ValueError, r"^decay_steps must be <= the run's 2 steps"),
    ("train dataset of another V (was: misattributed to logits)", lambda: _train(dataset=ZipfUnigram(5)), ValueError,
     r"^model, dataset must be of one vocabulary \(model.V == dataset.V\), got \(4, 5\)"),
    ("train data_seeds one short", lambda: _train(data_seeds=[0]), ValueError, r"^data_seeds must be one seed per member \(2\)"),
    ("train data_seeds bool", lambda: _train(batch_size=2, data_seeds=True), ValueError, rf"^data_seeds must be {SEED_RANGE}"),
    ("train on_eval returns an int (was: raw AttributeError after training)", lambda: _train(on_eval=lambda m, log_q: 3), TypeError,
     r"^on_eval's result must be a dict name -> value"),
    ("train on_eval key not text", lambda: _train(on_eval=lambda m, log_q: {1: 2}), TypeError, r"^on_eval's result keys must be names"),
    ("train optim of two kinds (was: named optimizer)", lambda: _train(optim=[OptimizerSpec("adam"), OptimizerSpec("sgd")]),
     ValueError, r"^optim must be specs of one optimizer kind for every member of a stack"),
    ("train optim list holding a string", lambda: _train(optim=[OptimizerSpec(), "adam"]), TypeError,
     r"^optim must be an OptimizerSpec or a list of one per member"),
    ("train steps beyond int64", lambda: _train(steps=10**400), ValueError, r"^steps must be an integer >= 1 that fits in int64"),
    ("train eval_steps string", lambda: _train(eval_steps="0,1"), TypeError, r"^eval_steps must be a list of steps in \[0, 2\]"),
    ("train eval_steps float", lambda: _train(eval_steps=[0, 1.0]), ValueError, r"^eval_steps must be an integer in \[0, 2\]"),
    ("train batch_size bool", lambda: _train(batch_size=True), ValueError, r"^batch_size .*must be an integer >= 1, got True"),
    ("log_spaced_steps beyond float64's exact integers (last step went negative)", lambda: log_spaced_steps(2**63 - 1),
     ValueError, r"^steps must be an integer in \[1, 9007199254740992\]"),
    ("log_spaced_steps per_decade zero", lambda: log_spaced_steps(10, 0), ValueError, r"^per_decade must be an integer >= 1"),
    ("resolve_device None", lambda: resolve_device(None), ValueError, r"^device must be one of 'cpu', 'cuda', got None"),
    # lab.sequence_training
    ("train_sequence_model eval_steps empty", lambda: _train_sequence(eval_steps=[]), ValueError,
     r"^eval_steps must be a non-empty list"),
    ("train_sequence_model schedule string", lambda: _train_sequence(schedule="cosine"), TypeError,
     r"^schedule must be an LRSchedule"),
    ("train_sequence_model optim list", lambda: _train_sequence(optim=[OptimizerSpec()]), TypeError,
     r"^optim must be an OptimizerSpec"),
    ("train_sequence_model data_seed negative", lambda: _train_sequence(data_seed=-1), ValueError,
     rf"^data_seed must be {SEED_RANGE}"),
    ("train_sequence_model seq_len zero", lambda: _train_sequence(seq_len=0), ValueError, r"^seq_len must be an integer >= 1"),
    ("train_sequence_model device unknown", lambda: _train_sequence(device="tpu"), ValueError, r"^device must be one of"),
    ("per_token_kl sequences list", lambda: per_token_kl(HiddenMarkovLanguage(4, 2), HiddenMarkovLanguage(4, 2), [[0]]),
     TypeError, r"^sequences must be an integer \(n, T\) tensor"),
    ("train_sequence_model warmup longer than steps", lambda: _train_sequence(schedule=LRSchedule(warmup_steps=3)), ValueError,
     r"^warmup_steps must be <= the run's 2 steps"),
    ("train_sequence_model language None", lambda: _train_sequence(language=None), ValueError,
     r"^language must be a SequenceLanguage"),
    ("train_sequence_model language of another V", lambda: _train_sequence(language=HiddenMarkovLanguage(5, hidden_states=2)),
     ValueError, r"^model, language must be of one vocabulary \(model.vocab_size == language.V\), got \(4, 5\)"),
    ("train_sequence_model eval_sequences ids out of range (checked before training)",
     lambda: _train_sequence(eval_sequences=torch.full((2, 3), 7), eval_steps=[2]), ValueError,
     r"^eval_sequences must be token ids in \[0, V=4\)"),
    ("train_sequence_model eval_sequences 1-D", lambda: _train_sequence(eval_sequences=torch.zeros(3, dtype=torch.long)),
     ValueError, r"^eval_sequences must be an integer \(n, T\) tensor"),
    ("train_sequence_model eval_sequences float", lambda: _train_sequence(eval_sequences=torch.zeros(2, 3)), ValueError,
     r"^eval_sequences must be an integer \(n, T\) tensor of token ids \(int64\)"),
    ("train_sequence_model eval_sequences empty", lambda: _train_sequence(eval_sequences=torch.zeros(2, 0, dtype=torch.long)),
     ValueError, r"^eval_sequences must be an \(n, T\) tensor with n, T >= 1"),
    ("train_sequence_model seq_len beyond the transformer's block (was: named prefixes)",
     lambda: _train_sequence(model=_transformer(), seq_len=5), ValueError, r"^seq_len must be <= the model's block_size = 4"),
    ("train_sequence_model checkpoint_steps beyond steps", lambda: _train_sequence(checkpoint_steps=[5]), ValueError,
     r"^eval_steps, checkpoint_steps must be steps in \[0, 2\]"),
    ("train_sequence_model checkpoint_steps string", lambda: _train_sequence(checkpoint_steps="1"), TypeError,
     r"^checkpoint_steps must be a list of steps"),
    ("train_sequence_model model without sequence_log_prob", lambda: _train_sequence(model=ISAN(4)), TypeError,
     r"^model must be a torch nn.Module with sequence_log_prob"),
    ("per_token_kl model None", lambda: per_token_kl(None, HiddenMarkovLanguage(4, 2), torch.zeros(1, 2, dtype=torch.long)),
     ValueError, r"^model must be a model with next_token_log_probs"),
    ("per_token_kl language None", lambda: per_token_kl(HiddenMarkovLanguage(4, 2), None, torch.zeros(1, 2, dtype=torch.long)),
     ValueError, r"^language must be a language \(or model\) with next_token_log_probs"),
    ("per_token_kl vocabularies differ (was: raw RuntimeError)",
     lambda: per_token_kl(HiddenMarkovLanguage(5, 2), HiddenMarkovLanguage(4, 2), torch.zeros(1, 2, dtype=torch.long)),
     ValueError, r"^model, language must be of one vocabulary"),
    ("per_token_kl ids out of range (was: named prefixes)",
     lambda: per_token_kl(HiddenMarkovLanguage(4, 2), HiddenMarkovLanguage(4, 2), torch.full((1, 2), 9)), ValueError,
     r"^sequences must be token ids in \[0, V=4\)"),
    # lab.cbow_training
    ("train_cbow epochs zero", lambda: _train_cbow(epochs=0), ValueError, r"^epochs must be an integer >= 1"),
    ("train_cbow device unknown", lambda: _train_cbow(device="tpu"), ValueError, r"^device must be one of 'cpu', 'cuda'"),
    ("train_cbow checkpoints empty", lambda: _train_cbow(checkpoints=[]), ValueError, r"^checkpoints must be a non-empty list"),
    ("train_cbow batch_size above n", lambda: _train_cbow(batch_size=100), ValueError,
     r"^batch_size must be an integer in \[1, 10\]"),
    ("train_cbow context id V in one member (would read the next member's row)", lambda: _train_cbow_two(context_id=6),
     ValueError, r"^contexts\[1\] must be token ids in \[0, V=6\)"),
    ("train_cbow center id negative", lambda: _train_cbow_two(center_id=-1), ValueError,
     r"^centers\[1\] must be token ids in \[0, V=6\)"),
    ("train_cbow contexts float", lambda: _train_cbow_two(dtype=torch.float32), ValueError,
     r"^contexts must be an integer \(M, n, C\) tensor of token ids"),
    ("train_cbow no context tokens", lambda: _train_cbow_two(width=0), ValueError,
     r"^contexts must be at least one context token per example"),
    # lab.logit_matrix, lab.lingen
    ("logit_matrix_from_log_probs a 2-D table", lambda: logit_matrix_from_log_probs(torch.zeros(2, 3)), ValueError,
     r"^log_probs must be an \(\|H\|, \|F\|, V\) tensor, got \(2, 3\)"),
    ("logit_matrix_from_log_probs a list", lambda: logit_matrix_from_log_probs([[[0.0]]]), TypeError,
     r"^log_probs must be an \(\|H\|, \|F\|, V\) tensor"),
    ("extended_logit_matrix top_k zero", lambda: extended_logit_matrix(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                      torch.zeros(1, 0, dtype=torch.long), top_k=0),
     ValueError, r"^top_k must be an integer in \[1, 4\]"),
    ("extended_logit_matrix top_k float", lambda: extended_logit_matrix(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                       torch.zeros(1, 0, dtype=torch.long), top_k=2.0),
     ValueError, r"^top_k must be an integer"),
    ("extended_logit_matrix histories list", lambda: extended_logit_matrix(_isan_fn(), [[0]], torch.zeros(1, 0)),
     TypeError, r"^histories must be an integer \(n, t\) tensor"),
    ("batched_log_probs batch_size zero", lambda: batched_log_probs(_isan_fn(), torch.zeros(2, 1, dtype=torch.long), 0),
     ValueError, r"^batch_size must be an integer >= 1"),
    ("numerical_rank NaN matrix", lambda: numerical_rank(torch.full((2, 2), NAN)), ValueError, r"^matrix must be finite"),
    ("numerical_rank rtol NaN", lambda: numerical_rank(torch.eye(2), rtol=NAN), ValueError, r"^rtol must be a finite number"),
    ("principal_angle_cosines rank zero", lambda: principal_angle_cosines(torch.eye(3), torch.eye(3), 0), ValueError,
     r"^rank must be an integer in \[1, 3\]"),
    ("random_subspace_cosines rank above dim", lambda: random_subspace_cosines(3, 4, _gen()), ValueError,
     r"^rank must be an integer in \[1, 3\]"),
    ("sample_sequences n zero", lambda: sample_sequences(_isan_fn(), 0, 2, _gen()), ValueError, r"^n must be an integer >= 1"),
    ("regression_weights ridge NaN", lambda: regression_weights(torch.eye(2), torch.eye(2), ridge=NAN), ValueError,
     r"^ridge must be a finite number >= 0"),
    ("lingen_kl length negative", lambda: _lingen_kl(length=-1), ValueError, r"^length must be an integer >= 0"),
    ("lingen_kl n_samples zero", lambda: _lingen_kl(n_samples=0), ValueError, r"^n_samples must be an integer >= 1"),
    ("batched_log_probs float sequences (was: named prefixes)", lambda: batched_log_probs(_isan_fn(), torch.zeros(2, 1)),
     ValueError, r"^sequences must be an integer \(n, t\) tensor of token ids"),
    ("batched_log_probs log_prob_fn returns an int", lambda: batched_log_probs(lambda x: 3, torch.zeros(2, 1, dtype=torch.long)),
     ValueError, r"^log_prob_fn must be a callable returning \(n, V\) log-probs"),
    ("batched_log_probs log_prob_fn not callable", lambda: batched_log_probs(3, torch.zeros(2, 1, dtype=torch.long)), ValueError,
     r"^log_prob_fn must be a callable"),
    ("centred_log_probs no histories", lambda: centred_log_probs(_isan_fn(), torch.zeros(0, 1, dtype=torch.long),
                                                                 torch.zeros(1, 0, dtype=torch.long)), ValueError,
     r"^histories must be at least one history"),
    ("centred_log_probs batch_size zero", lambda: centred_log_probs(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                    torch.zeros(1, 0, dtype=torch.long), 0), ValueError,
     r"^batch_size must be an integer >= 1"),
    ("pair_log_probs no futures", lambda: pair_log_probs(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                         torch.zeros(0, 1, dtype=torch.long)), ValueError,
     r"^futures must be at least one future"),
    ("pair_log_probs float futures", lambda: pair_log_probs(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                            torch.zeros(1, 1)), ValueError,
     r"^futures must be an integer \(n, t\) tensor of token ids"),
    ("extended_logit_matrix tokens out of range (was: raw gather error)",
     lambda: extended_logit_matrix(_isan_fn(), torch.zeros(2, 1, dtype=torch.long), torch.zeros(1, 0, dtype=torch.long),
                                   tokens=torch.tensor([[9]])), ValueError, r"^tokens must be token ids in \[0, V=4\)"),
    ("extended_logit_matrix tokens float", lambda: extended_logit_matrix(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                        torch.zeros(1, 0, dtype=torch.long),
                                                                        tokens=torch.tensor([[1.0]])), ValueError,
     r"^tokens must be an integer \(\|F\|, k\) tensor"),
    ("extended_logit_matrix tokens of another |F|", lambda: extended_logit_matrix(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                                 torch.zeros(1, 0, dtype=torch.long),
                                                                                 tokens=torch.tensor([[1], [2]])),
     ValueError, r"^tokens must be of shape \(\|F\|=1, k\)"),
    ("extended_logit_matrix top_k with tokens", lambda: extended_logit_matrix(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                             torch.zeros(1, 0, dtype=torch.long), top_k=2,
                                                                             tokens=torch.tensor([[1]])), ValueError,
     r"^top_k must be None when tokens are given"),
    ("extended_logit_matrix history ids out of range (named, not the model's prefixes)",
     lambda: extended_logit_matrix(_isan_fn(), torch.full((2, 1), 9), torch.zeros(1, 0, dtype=torch.long)), ValueError,
     r"^histories, futures must be token sequences log_prob_fn accepts \(prefixes must be token ids in \[0, V=4\)"),
    ("sample_sequences prefixes of another n", lambda: sample_sequences(_isan_fn(), 2, 1, _gen(),
                                                                        prefixes=torch.zeros(3, 1, dtype=torch.long)),
     ValueError, r"^prefixes must be a tensor with n=2 rows"),
    ("nonsense_futures V zero", lambda: nonsense_futures(0, 2, 2, _gen()), ValueError, r"^V must be an integer >= 1"),
    ("nonsense_futures generator int", lambda: nonsense_futures(3, 2, 2, 0), TypeError, r"^generator must be a torch.Generator"),
    ("singular_values NaN (was: raw LinAlgError)", lambda: singular_values(torch.full((2, 2), NAN)), ValueError,
     r"^matrix must be finite entries"),
    ("singular_values 1-D", lambda: singular_values(torch.ones(3)), ValueError, r"^matrix must be a 2-D tensor"),
    ("singular_values list", lambda: singular_values([[1.0]]), TypeError, r"^matrix must be a 2-D tensor"),
    ("principal_angle_cosines NaN (was: raw LinAlgError)", lambda: principal_angle_cosines(torch.full((3, 2), NAN), torch.eye(3), 1),
     ValueError, r"^A must be a real matrix of finite entries"),
    ("principal_angle_cosines rows differ", lambda: principal_angle_cosines(torch.eye(3), torch.eye(2), 1), ValueError,
     r"^A, B must be matrices with the same number of rows"),
    ("random_subspace_cosines dim zero", lambda: random_subspace_cosines(0, 1, _gen()), ValueError, r"^dim must be an integer >= 1"),
    ("regression_weights NaN basis (was: an internal assert of LAPACK)", lambda: regression_weights(torch.full((2, 2), NAN),
                                                                                                   torch.eye(2)),
     ValueError, r"^basis must be real and finite"),
    ("regression_weights NaN targets", lambda: regression_weights(torch.eye(2), torch.full((2, 2), NAN)), ValueError,
     r"^targets must be real and finite"),
    ("regression_weights empty basis", lambda: regression_weights(torch.zeros(0, 2), torch.eye(2)), ValueError,
     r"^basis must be an \(\|H\|, C\) tensor with \|H\|, C >= 1"),
    ("regression_weights column counts differ", lambda: regression_weights(torch.eye(2), torch.eye(3)), ValueError,
     r"^basis, targets must be \(\|H\|, C\) and \(n_targets, C\) tensors"),
    ("fit_lingen ridge negative", lambda: fit_lingen(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                     torch.zeros(1, 0, dtype=torch.long), torch.zeros(1, 1, dtype=torch.long),
                                                     ridge=-1.0), ValueError, r"^ridge must be a finite number >= 0"),
    ("fit_lingen target ids out of range", lambda: fit_lingen(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                              torch.zeros(1, 0, dtype=torch.long), torch.full((1, 1), 9)),
     ValueError, r"^targets, futures must be token sequences log_prob_fn accepts"),
    ("fit_single_token ridge NaN", lambda: fit_single_token(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                            torch.zeros(1, 1, dtype=torch.long), ridge=NAN), ValueError,
     r"^ridge must be a finite number >= 0"),
    ("lingen_log_prob_fn weights of another |H|", lambda: lingen_log_prob_fn(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                             torch.ones(3)), ValueError,
     r"^weights must be a \(2,\) row, one weight per basis history"),
    ("lingen_log_prob_fn weights NaN (NaN log-probs)", lambda: lingen_log_prob_fn(_isan_fn(), torch.zeros(2, 1, dtype=torch.long),
                                                                                  torch.tensor([NAN, 1.0])), ValueError,
     r"^weights must be real and finite"),
    ("lingen_log_prob_fn basis_histories 1-D (was: named weights)",
     lambda: lingen_log_prob_fn(_isan_fn(), torch.zeros(2, dtype=torch.long), torch.ones(2)), ValueError,
     r"^basis_histories must be an integer \(\|H\|, t_h\) tensor"),
    ("lingen_kl target 2-D", lambda: _lingen_kl(target=torch.zeros(1, 1, dtype=torch.long)), ValueError,
     r"^target must be an integer \(t,\) tensor"),
    ("lingen_kl target ids out of range (was: named prefixes)", lambda: _lingen_kl(target=torch.tensor([9])), ValueError,
     r"^target must be token sequences log_prob_fn accepts"),
    ("lingen_kl generator None", lambda: _lingen_kl(generator=None), TypeError, r"^generator must be a torch.Generator"),
    # lab.metrics
    ("effective_rank_from_singular_values NaN", lambda: effective_rank_from_singular_values(np.array([NAN, 1.0])),
     ValueError, r"^s \(singular values\) must be finite"),
    ("effective_rank_from_singular_values inf (torch)",
     lambda: effective_rank_from_singular_values(torch.tensor([[1.0, INF]])), ValueError, r"^s \(singular values\) must be finite"),
    ("effective_rank_from_singular_values all zero", lambda: effective_rank_from_singular_values(np.zeros(3)), ValueError,
     r"^s \(singular values\) must be not all zero"),
    ("effective_rank_from_singular_values empty", lambda: effective_rank_from_singular_values(np.array([])), ValueError,
     r"^s \(singular values\) must be a non-empty array"),
    ("effective_rank_from_singular_values negative", lambda: effective_rank_from_singular_values(np.array([1.0, -1.0])),
     ValueError, r"^s \(singular values\) must be non-negative"),
    ("effective_rank empty", lambda: effective_rank(np.zeros((0, 3))), ValueError, r"^matrix must be a non-empty 2-D array"),
    ("effective_rank string", lambda: effective_rank("abc"), ValueError, r"^matrix must be an array of real numbers"),
    ("effective_rank all zero", lambda: effective_rank(np.zeros((3, 3))), ValueError, r"^matrix must be not all zero"),
    ("pca_effective_dimension inf", lambda: pca_effective_dimension(np.array([[INF, 1.0], [0.0, 1.0]])), ValueError,
     r"^matrix must be finite"),
    ("pca_effective_dimension identical rows", lambda: pca_effective_dimension(np.ones((3, 2))), ValueError,
     r"^matrix must be rows that are not all equal"),
    ("pca_effective_dimension_batched empty", lambda: pca_effective_dimension_batched(torch.zeros(2, 0, 3)), ValueError,
     r"^tables must be a non-empty array"),
    ("power_law_fit y inf", lambda: power_law_fit([1, 2, 3], [1, INF, 2]), ValueError, r"^y must be finite"),
    ("power_law_fit x NaN", lambda: power_law_fit([1, 2, NAN], [1, 2, 3]), ValueError, r"^x must be finite"),
    ("power_law_fit x all equal", lambda: power_law_fit([2, 2, 2], [1, 2, 3]), ValueError, r"^x must be at least two distinct"),
    ("power_law_fit confidence NaN", lambda: power_law_fit([1, 2, 3], [1, 2, 3], confidence=NAN), ValueError,
     r"^confidence must be a finite number in \(0, 1\)"),
    ("exponential_fit_r2 y NaN", lambda: exponential_fit_r2([1, 2, 3], [1, NAN, 2]), ValueError, r"^x, y must be finite"),
    ("pca_effective_dimension rows equal up to rounding", lambda: pca_effective_dimension(np.tile([0.1, 0.7, 0.3], (7, 1))),
     ValueError, r"^matrix must be rows that are not all equal \(up to rounding\)"),
    ("pca_effective_dimension_batched complex", lambda: pca_effective_dimension_batched(torch.ones(1, 2, 2, dtype=torch.cfloat)),
     ValueError, r"^tables must be a real array"),
    ("pca_effective_dimension_batched strings", lambda: pca_effective_dimension_batched([["a", "b"]]), ValueError,
     r"^tables must be an array of real numbers"),
    ("effective_rank_from_singular_values complex", lambda: effective_rank_from_singular_values(torch.ones(2, dtype=torch.cfloat)),
     ValueError, r"^s \(singular values\) must be real numbers"),
    ("power_law_fit x 2-D", lambda: power_law_fit([[1, 2, 3]], [[1, 2, 3]]), ValueError, r"^x, y must be 1-D arrays of equal length"),
    ("power_law_fit x string", lambda: power_law_fit("abc", [1, 2, 3]), ValueError, r"^x must be an array of real numbers"),
    ("power_law_fit y negative", lambda: power_law_fit([1, 2, 3], [1, -2, 3]), ValueError, r"^x, y must be strictly positive"),
    ("power_law_fit two points", lambda: power_law_fit([1, 2], [1, 2]), ValueError, r"^x must be at least 3 points"),
    ("power_law_fit prefactor beyond float64 (was: raw OverflowError)", lambda: power_law_fit([1, 2, 3], [1e308, 1e308, 1e300]),
     ValueError, r"^x, y must be points whose fitted prefactor .* is finite"),
    ("power_law_fit y constant (R² NaN)", lambda: power_law_fit([1, 2, 3], [2, 2, 2]), ValueError,
     r"^y must be at least two distinct values"),
    ("PowerLawFit.predict string (was: numpy's message)", lambda: power_law_fit([1, 2, 3], [1, 2, 4]).predict("a"), ValueError,
     r"^x must be an array of real numbers"),
    ("exponential_fit_r2 y zero", lambda: exponential_fit_r2([1, 2, 3], [1, 0, 2]), ValueError, r"^y must be strictly positive"),
    ("exponential_fit_r2 x all equal", lambda: exponential_fit_r2([1, 1, 1], [1, 2, 2]), ValueError,
     r"^x must be at least two distinct values"),
    ("exponential_fit_r2 y constant (R² NaN)", lambda: exponential_fit_r2([1, 2, 3], [2, 2, 2]), ValueError,
     r"^y must be at least two distinct values"),
    ("local_slopes consecutive x equal (slope inf)", lambda: local_slopes([1, 1, 2], [1, 2, 3]), ValueError,
     r"^x must be values with no two consecutive ones equal"),
    ("local_slopes x not positive", lambda: local_slopes([0, 1], [1, 2]), ValueError, r"^x must be finite and strictly positive"),
    ("local_slopes one point", lambda: local_slopes([1], [1]), ValueError, r"^x, y must be 1-D arrays of equal length >= 2"),
    ("effective_rank 1-D", lambda: effective_rank(np.ones(3)), ValueError, r"^matrix must be a non-empty 2-D array"),
    ("effective_rank NaN tensor", lambda: effective_rank(torch.full((2, 2), NAN)), ValueError, r"^matrix must be finite entries"),
    # lab.seeds
    ("Seeds offset negative", lambda: Seeds(("a",), -1), ValueError, rf"^seed offset must be {SEED_RANGE}"),
    ("Seeds streams string", lambda: Seeds("ab"), TypeError, r"^streams must be a non-empty tuple"),
    ("Seeds n zero", lambda: Seeds(("a",))("a", 0), ValueError, r"^n must be an integer in \[1, 1000\]"),
    ("Seeds unknown stream", lambda: Seeds(("init",))("iint", 1), ValueError, r"^seed stream must be one of 'init'"),
    ("Seeds offset so large the seeds pass 2**64 - 1", lambda: Seeds(("a", "b"), 2**64 - 1)("b", 2), ValueError,
     r"^seed offset must be small enough that the 2 seeds of stream 'b' stay <= 2\*\*64 - 1"),
    ("Seeds streams repeated", lambda: Seeds(("a", "a")), ValueError, r"^streams must be a non-empty tuple of distinct names"),
    ("Seeds streams not text", lambda: Seeds((1,)), ValueError, r"^streams must be a non-empty tuple of distinct names"),
    ("Seeds n bool", lambda: Seeds(("a",))("a", True), ValueError, r"^n must be an integer in \[1, 1000\]"),
    # harness.verdicts
    ("AtMost bound NaN", lambda: AtMost("x", NAN, why="w", claimed="c"), ValueError, r"^bound must be a finite number"),
    ("AtLeast bound inf", lambda: AtLeast("x", INF, why="w", claimed="c"), ValueError, r"^bound must be a finite number"),
    ("Between lo NaN", lambda: Between("x", NAN, 1.0, why="w", claimed="c"), ValueError, r"^lo must be a finite number"),
    ("Between log with a negative lo", lambda: Between("x", -1.0, 1.0, why="w", claimed="c", log=True), ValueError,
     r"^lo must be a number >= 0 \(or -inf\) on a log scale"),
    ("AtMost log not a bool", lambda: AtMost("x", 1.0, why="w", claimed="c", log="yes"), ValueError, r"^log must be a bool"),
    ("seeds_needed one value", lambda: seeds_needed([1.0]), ValueError, r"^values must be at least two seeds' values"),
    ("seeds_needed fraction 0", lambda: seeds_needed([1.0, 2.0], fraction_of_mean=0), ValueError, r"^fraction_of_mean must be"),
    ("Between lo above hi", lambda: Between("x", 2.0, 1.0, why="w", claimed="c"), ValueError, r"^lo, hi must be lo <= hi"),
    ("Approx target NaN", lambda: Approx("x", NAN, 0.1, why="w"), ValueError, r"^target must be a finite number"),
    ("Approx tol NaN", lambda: Approx("x", 1.0, NAN, why="w"), ValueError, r"^tol must be a finite number >= 0"),
    ("Approx quantity int", lambda: Approx(1, 1.0, 0.1, why="w"), TypeError, r"^quantity must be the measured key"),
    ("Quoted value NaN", lambda: Quoted("x", NAN, why="w"), ValueError, r"^value must be a finite number"),
    ("Quoted rel negative", lambda: Quoted("x", 1.0, why="w", rel=-0.1), ValueError, r"^rel must be a finite number >= 0"),
    ("Criterion lo NaN", lambda: Criterion("x", "between", NAN, 1.0, "c", "w"), ValueError, r"^lo must be a number"),
    ("Criterion kind unknown", lambda: Criterion("x", "about", 0.0, 1.0, "c", "w"), ValueError, r"^kind must be one of"),
    ("judge measured string", lambda: judge(CRIT, {"x": "0.5"}), TypeError, r"^measured 'x' must be a real number"),
    ("judge measured None", lambda: judge(CRIT, {"x": None}), TypeError, r"^measured 'x' must be a real number"),
    ("judge measured bool", lambda: judge(CRIT, {"x": True}), TypeError, r"^measured 'x' must be a real number"),
    ("judge measured nested list", lambda: judge(CRIT, {"x": [[0.5], [0.6]]}), TypeError,
     r"^measured 'x' must be a real number or a flat list"),
    ("judge criterion string", lambda: judge("x", {"x": 0.5}), TypeError, r"^criterion must be a Criterion or None"),
    ("seeds_needed NaN value", lambda: seeds_needed([NAN, 1.0, 2.0]), ValueError, r"^values must be finite"),
    ("seeds_needed inf value", lambda: seeds_needed([1.0, INF]), ValueError, r"^values must be finite"),
    ("seeds_needed most zero", lambda: seeds_needed([1.0, 2.0], most=0), ValueError, r"^most must be an integer in \[2, 100000\]"),
    ("seeds_needed most float", lambda: seeds_needed([1.0, 2.0], most=2.5), ValueError, r"^most must be an integer in \[2, 100000\]"),
    ("Approx target + tol overflows", lambda: Approx("x", 1e308, 1e308, why="w"), ValueError,
     r"^target, tol must be small enough that target ± tol is finite"),
    ("Criterion at_most with a finite lo", lambda: Criterion("x", "at_most", 0.0, 1.0, "c", "w"), ValueError,
     r"^lo, hi must be the region of kind 'at_most': lo = -inf"),
    ("Criterion between with an infinite hi", lambda: Criterion("x", "between", 0.0, INF, "c", "w"), ValueError,
     r"^lo, hi must be the region of kind 'between': both finite"),
    ("Criterion claimed not text", lambda: Criterion("x", "between", 0.0, 1.0, 3, "w"), TypeError, r"^claimed must be a str"),
    ("Criterion why None", lambda: Criterion("x", "between", 0.0, 1.0, "c", None), TypeError, r"^why must be a str"),
    ("judge measured an int beyond float64 (was: raw OverflowError)", lambda: judge(CRIT, {"x": 10**400}), ValueError,
     r"^measured 'x' must be real numbers within float64's range"),
    ("judge measured complex", lambda: judge(CRIT, {"x": 1j}), TypeError, r"^measured 'x' must be a real number"),
    ("judge measured 2-D array", lambda: judge(CRIT, {"x": np.ones((2, 2))}), TypeError, r"^measured 'x' must be a real number"),
    ("judge measured not a dict", lambda: judge(CRIT, [0.5]), TypeError, r"^measured must be a dict of measured quantities"),
    ("interval criterion None", lambda: interval(None, {"x": 1.0}), TypeError, r"^criterion must be a Criterion"),
    ("AtMost claimed None", lambda: AtMost("x", 1.0, why="w", claimed=None), TypeError, r"^claimed must be a str"),
    ("Between why int", lambda: Between("x", 0.0, 1.0, why=3, claimed="c"), TypeError, r"^why must be a str"),
    ("Approx tol an int beyond float64", lambda: Approx("x", 0.5, 10**400, why="w"), ValueError,
     r"^tol must be a finite number >= 0, got an integer of 401 digits"),
    ("seeds_needed fraction_of_mean inf", lambda: seeds_needed([1.0, 2.0], fraction_of_mean=INF), ValueError,
     r"^fraction_of_mean must be a finite number > 0"),
    ("seeds_needed values strings", lambda: seeds_needed(["1", "2"]), TypeError, r"^values must be a real number"),
    ("seeds_needed most 10**9 (a scan of hours)", lambda: seeds_needed([1.0, -1.0], most=10**9), ValueError,
     r"^most must be an integer in \[2, 100000\]"),
    ("Control quantity int", lambda: Positive(1, "w"), TypeError, r"^control quantity must be a measured key"),
    ("Control quantity empty", lambda: Negative("", "w"), ValueError, r"^control quantity must be a non-empty measured key"),
    ("other_form_quantity unknown form", lambda: other_form_quantity("q", "gaussian"), ValueError,
     r"^form must be one of 'exponential', 'stretched exponential'"),
    ("other_form_controls through not a str", lambda: other_form_controls("q", 3), TypeError, r"^through must be a str"),
    ("OtherForm what not a str", lambda: OtherForm("q", 3), TypeError, r"^control what must be a str"),
    ("zipf_mle_exponent no draws", lambda: zipf_mle_exponent([1, 2, 3], [0, 0, 0]), ValueError, r"^counts must be finite counts >= 0, not all 0"),
    ("zipf_mle_exponent rank 0", lambda: zipf_mle_exponent([0, 1, 2], [1, 1, 1]), ValueError, r"^ranks must be finite ranks >= 1"),
    ("zipf_mle_exponent counts rising with rank", lambda: zipf_mle_exponent([1, 2, 3], [1, 2, 3]), ValueError,
     r"^counts must be counts that fall with rank like r\^-s for some s in \(0, 10\)"),
    ("zipf_mle_exponent most 0", lambda: zipf_mle_exponent([1, 2, 3], [3, 2, 1], most=0), ValueError, r"^most must be a finite number > 0"),
    ("other_decays a rise", lambda: other_decays([1, 2, 3], 1.0, 2.0), ValueError, r"^start, end must be finite with start > end > 0"),
    ("other_decays x not increasing", lambda: other_decays([3, 2, 1], 2.0, 1.0), ValueError, r"^x must be a 1-D increasing array"),
    ("Control what not text", lambda: Positive("x", 3), TypeError, r"^control what must be a str"),
    ("Control kind unknown", lambda: Control("x", "neutral", "w"), ValueError, r"^control kind must be one of 'positive', 'negative'"),
    ("calibrate criterion None (was: dataclasses' message)", lambda: calibrate(None, (Positive("x", "w"),), {"x": 0.5}),
     TypeError, r"^criterion must be a Criterion"),
    ("judge_calibrated controls a string", lambda: judge_calibrated(CRIT, "ab", {"x": 0.5}), TypeError,
     r"^controls must be a tuple of Positive"),
    ("calibrate controls a string", lambda: calibrate(CRIT, "ab", {"x": 0.5}), TypeError,
     r"^controls must be a tuple of Positive\(\.\.\.\) / Negative\(\.\.\.\) controls"),
    ("calibrate a control not a Control", lambda: calibrate(CRIT, ("x",), {"x": 0.5}), TypeError,
     r"^controls\[0\] must be a Positive\(\.\.\.\) or Negative\(\.\.\.\) control"),
    ("calibrate measured a list", lambda: calibrate(CRIT, (Positive("x", "w"),), [1]), TypeError,
     r"^measured must be a dict of measured quantities"),
    ("calibrate control not measured", lambda: calibrate(CRIT, (Positive("y", "w"),), {"x": 0.5}), KeyError,
     r"control quantity 'y' not measured; measured: \['x'\]"),
    ("judge criterion quantity not measured", lambda: judge(CRIT, {"y": 0.5}), KeyError, r"criterion quantity 'x' not measured"),
    ("per_seed a string", lambda: per_seed("0.5", "measured 'x'"), TypeError, r"^measured 'x' must be a real number"),
    ("per_seed an int beyond float64", lambda: per_seed([1, 10**400]), ValueError,
     r"^measured value must be real numbers within float64's range"),
    # harness.context
    ("ClaimContext seed offset negative", lambda: ClaimContext(seed_offset=-1), ValueError, rf"^seed offset must be {SEED_RANGE}"),
    ("ClaimContext seed offset float", lambda: ClaimContext(seed_offset=1.0), ValueError, r"^seed offset must be an integer"),
    ("ClaimContext device unknown", lambda: ClaimContext(device="gpu"), ValueError, r"^device must be one of 'cpu', 'cuda'"),
    ("ClaimContext scale typo", lambda: ClaimContext(scale="papr"), ValueError, r"^scale must be one of .*Did you mean 'paper'"),
    ("ClaimContext.seeds n zero", lambda: ClaimContext().seeds(0), ValueError, r"^n must be an integer in \[1, 1000\]"),
    ("ClaimContext.seeds first negative", lambda: ClaimContext().seeds(2, first=-1), ValueError, rf"^first must be {SEED_RANGE}"),
    ("ClaimContext.note not text", lambda: ClaimContext().note(3), TypeError, r"^markdown must be a str"),
    ("ClaimContext seed offset beyond the seed range", lambda: ClaimContext(10**400), ValueError, rf"^seed offset must be {SEED_RANGE}"),
    ("ClaimContext seed offset numpy float", lambda: ClaimContext(np.float64(1)), ValueError, r"^seed offset must be an integer"),
    ("ClaimContext device None", lambda: ClaimContext(device=None), ValueError, r"^device must be one of 'cpu', 'cuda', got None"),
    ("ClaimContext.seeds first so large the seeds pass 2**64 - 1", lambda: ClaimContext(5).seeds(2, first=2**64 - 3), ValueError,
     r"^first must be small enough that first \+ seed offset \+ 2 - 1 <= 2\*\*64 - 1"),
    ("ClaimContext.seeds n 1001", lambda: ClaimContext().seeds(1001), ValueError, r"^n must be an integer in \[1, 1000\]"),
    ("ClaimContext.seed_streams none", lambda: ClaimContext().seed_streams(), ValueError,
     r"^streams must be a non-empty tuple of distinct names"),
    ("ClaimContext.seed_streams an int", lambda: ClaimContext().seed_streams(3), ValueError,
     r"^streams must be a non-empty tuple of distinct names"),
    ("ClaimContext.figure not a figure (was: raw AttributeError)", lambda: ClaimContext().figure(3, "a", "c"), TypeError,
     r"^fig must be a matplotlib Figure"),
    ("ClaimContext.figure name empty", lambda: ClaimContext().figure(_figure(), "", "c"), ValueError,
     r"^name must be letters, digits, '\.', '_' and '-', starting with a letter or digit"),
    ("ClaimContext.figure name with a slash", lambda: ClaimContext().figure(_figure(), "a/b", "c"), ValueError,
     r"^name must be letters, digits, .* it names the figure's file, got 'a/b'"),
    ("ClaimContext.figure name twice (one file would overwrite the other)", lambda: _two_figures("a-b", "a-b"), ValueError,
     r"^name must be .*distinct from this claim's other figures \(\['a-b'\]\)"),
    ("ClaimContext.figure caption None", lambda: ClaimContext().figure(_figure(), "a", None), TypeError, r"^caption must be a str"),
    # harness.claims
    ("claim id not text", lambda: _declare(id=3), TypeError, r"^id must be a str"),
    ("claim id empty", lambda: _declare(id=""), ValueError, r"^id must be a name of letters, digits"),
    ("claim id with the group separator", lambda: _declare(id="a@b"), ValueError, r"^id must be a name .*'@' separates"),
    ("claim id with a space", lambda: _declare(id="a b"), ValueError, r"^id must be a name of letters"),
    ("claim id starting with a dot", lambda: _declare(id=".a"), ValueError, r"^id must be a name of letters.*starting"),
    ("claim source a file name", lambda: _declare(source="f.md"), TypeError, r"^source must be a Source\(file, section, quote\)"),
    ("claim source a tuple", lambda: _declare(source=("f", "s", "q")), TypeError, r"^source must be a Source"),
    ("Source quote not text", lambda: Source("f.md", "§1", 3), TypeError, r"^Source quote must be a str"),
    ("Source section empty", lambda: Source("f.md", " ", "q"), ValueError, r"^Source section must be a non-empty str"),
    ("Source title not text", lambda: Source("f.md", "§1", "q", 3), TypeError, r"^Source title must be a str"),
    ("name_sources not a dict", lambda: name_sources(["a title"]), TypeError, r"^titles must be a dict source file"),
    ("name_sources empty title", lambda: name_sources({"f.md": " "}), TypeError, r"^titles must be a dict source file"),
    ("claim statement None", lambda: _declare(statement=None), TypeError, r"^statement must be a str"),
    ("claim statement empty", lambda: _declare(statement=""), ValueError, r"^statement must be a non-empty sentence"),
    ("claim setup a list", lambda: _declare(setup=[1]), TypeError, r"^setup must be a dict name -> builtin value"),
    ("claim setup value an object (was: to_builtin's message)", lambda: _declare(setup={"a": object()}), TypeError,
     r"^setup\['a'\] must be a number, str, bool, None or a list / dict of them"),
    ("claim setup key not text", lambda: _declare(setup={1: 2}), TypeError, r"^setup keys must be names \(str\)"),
    ("claim criterion a string", lambda: _declare(criterion="x"), TypeError, r"^criterion must be a Criterion"),
    ("claim expected typo", lambda: _declare(expected="reproducd"), ValueError, r"^expected must be one of .*Did you mean 'reproduced'"),
    ("claim reason not text", lambda: _declare(reason=3), TypeError, r"^reason must be a str"),
    ("claim reason an unbalanced brace (was: an error at measurement)", lambda: _declare(expected=REFUTED, reason="x is {"),
     ValueError, r"^reason must be a template over measured quantities"),
    ("claim reason a bad format spec", lambda: _declare(expected=REFUTED, reason="x is {x:zz}"), ValueError,
     r"^reason must be a template over measured quantities"),
    ("claim version zero", lambda: _declare(version=0), ValueError, r"^version must be an integer >= 1"),
    ("claim version string", lambda: _declare(version="1"), ValueError, r"^version must be an integer >= 1"),
    ("claim version bool", lambda: _declare(version=True), ValueError, r"^version must be an integer >= 1"),
    ("claim group not text", lambda: _declare(group=3), TypeError, r"^group must be None or a str"),
    ("claim group with the separator", lambda: _declare(group="a@b"), ValueError, r"^group must be a name of letters"),
    ("claim expected_at a list (was: dict()'s message)", lambda: _declare(expected_at=["paper"]), TypeError,
     r"^expected_at must be None or a dict scale -> pin"),
    ("claim expected_at scale typo", lambda: _declare(expected_at={"papr": REFUTED}, reason="r"), ValueError,
     r"^expected_at scale must be one of 'ci', 'paper'.*Did you mean 'paper'"),
    ("claim scope typo", lambda: _declare(scope="sorce"), ValueError, r"^scope must be one of .*Did you mean 'source'"),
    ("claim evidence typo", lambda: _declare(evidence="empirica"), ValueError, r"^evidence must be one of .*Did you mean 'empirical'"),
    ("claim controls an int (was: tuple()'s message)", lambda: _declare(controls=3), TypeError,
     r"^controls must be a tuple of Positive\(\.\.\.\) / Negative\(\.\.\.\) controls"),
    ("claim controls of names", lambda: _declare(controls=["x"]), ValueError, r"^controls must be Positive\(\.\.\.\) or Negative"),
    ("claim decorating a non-callable", lambda: claim(**_DECLARATION)(3), ValueError,
     r"^the decorated function must be a callable ClaimContext -> measured dict"),
    ("run_claim c not a Claim", lambda: run_claim("x", ClaimContext()), TypeError, r"^c must be a Claim"),
    # harness.drift
    ("drift.flatten a string (was: float()'s message)", lambda: drift.flatten("abc"), TypeError,
     r"^value must be a number, None or a \(nested\) list of them"),
    ("drift.flatten a dict", lambda: drift.flatten({"a": 1}), TypeError, r"^value must be a number, None or a \(nested\) list"),
    ("drift.seed_sd strings", lambda: drift.seed_sd(["a", "b"]), TypeError, r"^value must be a number"),
    ("drift.tolerance noise NaN (every tolerance NaN: nothing ever drifted)", lambda: drift.tolerance([1.0, 2.0], NAN),
     ValueError, r"^noise must be a finite number >= 0"),
    ("drift.tolerance noise negative", lambda: drift.tolerance([1.0, 2.0], -1.0), ValueError, r"^noise must be a finite number >= 0"),
    ("drift.tolerance noise a string", lambda: drift.tolerance([1.0], "a"), ValueError, r"^noise must be a finite number >= 0"),
    ("drift.compare record a list", lambda: drift.compare([1], None), TypeError, r"^record must be a claim's record \(a dict\)"),
    ("drift.compare record missing keys (was: KeyError 'version')", lambda: drift.compare({"verdict": "reproduced"}, None),
     ValueError, r"^record must be a claim's record with verdict, version, seed_offset and measured"),
    ("drift.compare measured a list", lambda: drift.compare(_record(measured=[1]), None), TypeError,
     r"^record\['measured'\] must be a dict of measured quantities"),
    ("drift.compare baseline a list (was: raw AttributeError)", lambda: drift.compare(_record(), [1]), TypeError,
     r"^baseline must be None or a report row"),
    ("drift.compare baseline kernel noise NaN", lambda: drift.compare(_record(), _baseline(kernel_noise={"x": NAN})), ValueError,
     r"^baseline kernel_noise\['x'\] must be a finite number >= 0"),
    ("drift.compare measured a string", lambda: drift.compare(_record(measured={"x": "a"}), _baseline()), TypeError,
     r"^value must be a number"),
    ("drift.kernel_noise others a dict", lambda: drift.kernel_noise({"x": 1.0}, {"x": 1.0}), TypeError,
     r"^others must be a list of dicts of measured quantities"),
    ("drift.kernel_noise native a list (was: raw AttributeError)", lambda: drift.kernel_noise([1.0], []), TypeError,
     r"^native must be a dict of measured quantities"),
    ("drift.kernel_noise an other a string (was: silently skipped)", lambda: drift.kernel_noise({"x": 1.0}, ["a"]), TypeError,
     r"^others\[0\] must be a dict"),
    ("drift.describe a list", lambda: drift.describe([1]), TypeError, r"^drift must be the result of compare"),
    ("drift.describe without moved (was: KeyError)", lambda: drift.describe({}), ValueError,
     r"^drift must be the result of compare \(a dict with a 'moved' list\)"),
    # experiments configs
    ("bigram_sweep Recipe peak_lr zero", lambda: bigram_sweep.Recipe(peak_lr=0.0), ValueError, r"^peak_lr must be a finite number > 0"),
    ("bigram_sweep Recipe final_factor above 1", lambda: bigram_sweep.Recipe(final_factor=2.0), ValueError,
     r"^final_factor must be a finite number in \[0, 1\]"),
    ("bigram_critical CriticalConfig R above V", lambda: bigram_critical.CriticalConfig(V=5, R=6), ValueError, r"^R must be an integer in \[1, 5\]"),
    ("bigram_critical CriticalConfig widths a list (unhashable: runs are memoised)",
     lambda: bigram_critical.CriticalConfig(widths=[1, 2]), TypeError, r"^widths must be a non-empty tuple"),
    ("bigram_critical CriticalConfig a width zero", lambda: bigram_critical.CriticalConfig(widths=(1, 0)), ValueError,
     r"^widths\[1\] must be an integer >= 1"),
    ("bigram_critical CriticalConfig recipe a dict", lambda: bigram_critical.CriticalConfig(recipe={}), TypeError,
     r"^recipe must be a Recipe"),
    ("bigram_scaling ScalingConfig per_token_figure_width beyond R",
     lambda: bigram_scaling.ScalingConfig(R=5, robust_widths=(1,), per_token_widths=(2,), per_token_figure_width=6),
     ValueError, r"^per_token_figure_width must be an integer in \[1, 5\]"),
    ("bigram_scaling ScalingConfig robust width beyond R", lambda: bigram_scaling.ScalingConfig(R=5, robust_widths=(1, 9)),
     ValueError,
     r"^robust_widths\[1\] must be an integer in \[1, 5\]"),
    ("bigram_scaling ScalingConfig rank-weight alpha zero (the main sweep already is)",
     lambda: bigram_scaling.ScalingConfig(rank_weight_alphas=(0.0,)), ValueError,
     r"^rank_weight_alphas\[0\] must be a finite number > 0"),
    ("bigram_logit_scale LogitScaleConfig scales not increasing",
     lambda: bigram_logit_scale.LogitScaleConfig(scales=(2.0, 1.0)), ValueError,
     r"^scales must be strictly increasing"),
    ("bigram_logit_scale LogitScaleConfig a scale NaN", lambda: bigram_logit_scale.LogitScaleConfig(scales=(NAN,)),
     ValueError,
     r"^scales\[0\] must be a finite number > 0"),
    ("bigram_scaling ScalingConfig recipe a dict", lambda: bigram_scaling.ScalingConfig(recipe={}), TypeError,
     r"^recipe must be a Recipe"),
    ("bigram_sweep Arm init_seed negative", lambda: bigram_sweep.Arm("main", 2, -1), ValueError,
     rf"^init_seed must be {SEED_RANGE}"),
    ("bigram_language LanguageConfig absent fraction 1", lambda: bigram_language.LanguageConfig(absent_fractions=(0.5, 1.0)),
     ValueError, r"^absent_fractions\[1\] must be a finite number in \(0, 1\)"),
    ("bigram_language LanguageConfig rank beyond V", lambda: bigram_language.LanguageConfig(V=10, R_toy=5, ranks=(1, 20),
                                                                                           spectrum_fit=(1, 5)),
     ValueError, r"^ranks\[1\] must be an integer in \[1, 10\]"),
    ("bigram_language LanguageConfig spectrum_fit backwards", lambda: bigram_language.LanguageConfig(spectrum_fit=(50, 1)),
     ValueError, r"^spectrum_fit must be a pair \(first, last\) of integers with 1 <= first < last <= 100"),
    ("unigram_language LanguageConfig ranks of two points", lambda: unigram_language.LanguageConfig(ranks=(10, 11)),
     ValueError, r"^ranks must be a range of at least 3 ranks"),
    ("unigram_language LanguageConfig sub_range past the list", lambda: unigram_language.LanguageConfig(
        sub_ranges=((10, 10**6),)), ValueError, r"^sub_ranges\[0\] must be a pair \(first, last\) of integers"),
    ("logit_rank LogitRankConfig seeds a string (was: a raw comparison error)", lambda: _logit_rank_config(seeds="3"),
     ValueError, r"^seeds must be an integer >= 1"),
    ("logit_rank LogitRankConfig n_histories float", lambda: _logit_rank_config(n_histories=32.0), ValueError,
     r"^n_histories must be an integer >= 1"),
    ("logit_rank LogitRankConfig a truncation beyond the history", lambda: _logit_rank_config(truncations=(0, 9)), ValueError,
     r"^truncations\[1\] must be an integer in \[0, 8\]"),
    ("logit_rank LogitRankConfig model a GRUConfig", lambda: _logit_rank_config(model=GRUConfig()), TypeError,
     r"^model must be a TransformerConfig"),
    ("logit_rank LogitRankConfig angle_rank beyond the matrices' rank", lambda: _logit_rank_config(angle_rank=100), ValueError,
     r"^angle_rank must be <= the logit matrices' rank bound min\(n_histories, n_futures · V\) = 32"),
    ("logit_rank LogitRankConfig float64_rtol zero", lambda: _logit_rank_config(float64_rtol=0.0), ValueError,
     r"^float64_rtol must be a finite number in \(0, 1\)"),
    ("logit_rank LogitRankConfig language_seed negative", lambda: _logit_rank_config(language_seed=-1), ValueError,
     rf"^language_seed must be {SEED_RANGE}"),
    ("isan_rank IsanConfig per_dim float", lambda: isan_rank.IsanConfig(per_dim=1.5), ValueError,
     r"^per_dim must be an integer in \[1, 10\]"),
    ("isan_rank IsanConfig dims a list", lambda: isan_rank.IsanConfig(dims=[2]), TypeError, r"^dims must be a non-empty tuple"),
    ("isan_rank IsanConfig vocab_size one", lambda: isan_rank.IsanConfig(vocab_size=1), ValueError,
     r"^vocab_size must be an integer >= 2"),
    ("plateau PlateauConfig an lr inf (was: accepted)", lambda: plateau.PlateauConfig(lrs=(1e-3, INF)), ValueError,
     r"^lrs\[1\] must be a finite number > 0"),
    ("plateau PlateauConfig alphas a list", lambda: plateau.PlateauConfig(alphas=[1.0]), TypeError, r"^alphas must be a non-empty tuple"),
    ("plateau PlateauConfig R above V", lambda: plateau.PlateauConfig(V=16, R=32), ValueError, r"^R must be an integer in \[1, 16\]"),
    ("plateau PlateauConfig mi_fraction above the solver's", lambda: plateau.PlateauConfig(mi_fraction=0.9), ValueError,
     r"^mi_fraction must be a finite number in \[0, 0\.5\]"),
    ("plateau PlateauConfig steps a string", lambda: plateau.PlateauConfig(steps="600"), ValueError, r"^steps must be an integer >= 1"),
    ("rank_collapse TrainingConfig used above V", lambda: rank_collapse.TrainingConfig(used=600), ValueError,
     r"^used must be an integer in \[1, 512\]"),
    ("rank_collapse TrainingConfig stream shorter than a batch", lambda: rank_collapse.TrainingConfig(length=10), ValueError,
     r"^length must be long enough for one batch of examples"),
    ("rank_collapse TrainingConfig fewer penalty seeds than seeds", lambda: rank_collapse.TrainingConfig(penalty_seeds=2),
     ValueError, r"^penalty_seeds must be an integer >= 3"),
    ("rank_collapse TrainingConfig sgd_lr zero", lambda: rank_collapse.TrainingConfig(sgd_lr=0.0), ValueError,
     r"^sgd_lr must be a finite number > 0"),
    ("pretrained_logit_rank config longer than the window",
     lambda: pretrained_logit_rank.PretrainedLogitRankConfig(history_len=30, future_len=10), ValueError,
     r"^history_len \+ future_len must be <= 39"),
    ("pretrained_logit_rank config judged rank not on the curve",
     lambda: pretrained_logit_rank.PretrainedLogitRankConfig(judged_rank=3), ValueError, r"^judged_rank must be one of kl_ranks"),
    ("pretrained_lingen config continuation past the window",
     lambda: pretrained_lingen.PretrainedLingenConfig(history_len=30, future_len=9), ValueError,
     r"^history_len \+ future_len must be <= 38"),
    ("pretrained_lingen config judged truncation not measured",
     lambda: pretrained_lingen.PretrainedLingenConfig(judged_truncation=5), ValueError,
     r"^judged_truncation must be one of"),
    ("pretrained_lingen config one target (no wrong-target control)",
     lambda: pretrained_lingen.PretrainedLingenConfig(targets=1), ValueError, r"^targets must be >= 2"),
    ("pretrained_trigram_rank config one history per state",
     lambda: pretrained_trigram_rank.TrigramRankConfig(per_state=1), ValueError, r"^per_state must be >= 2"),
    ("pretrained_trigram_rank config as many states as columns",
     lambda: pretrained_trigram_rank.TrigramRankConfig(columns=16), ValueError, r"^states must be fewer than"),
    ("pretrained_rank config no seeds", lambda: pretrained_rank.PretrainedRankConfig(n_seeds=0), ValueError,
     r"^n_seeds must be an integer >= 1"),
    ("rank_collapse_analytic AnalyticConfig k of all 128 values (no tail)", lambda: rank_collapse_analytic.AnalyticConfig(ks=(128,)),
     ValueError, r"^ks\[0\] must be an integer in \[1, 127\]"),
    ("rank_collapse_analytic AnalyticConfig tail_variance 1", lambda: rank_collapse_analytic.AnalyticConfig(tail_variance=1.0),
     ValueError, r"^tail_variance must be a finite number in \(0, 1\)"),
    ("rank_collapse_analytic k_dominant_spectrum k 128 (division by zero)", lambda: rank_collapse_analytic.k_dominant_spectrum(128, 0.01),
     ValueError, r"^k must be an integer in \[1, 127\]"),
    ("unigram_d1 D1Config order_seeds below n_seeds", lambda: unigram_d1.D1Config(order_seeds=2), ValueError,
     r"^order_seeds must be an integer >= 3"),
    ("unigram_d1 D1Config a layernorm typo", lambda: unigram_d1.D1Config(variants=(("tied", True, "none"), ("x", True, "afine"))),
     ValueError, r"^variants\[1\] layernorm must be one of .*Did you mean 'affine'"),
    ("unigram_d1 D1Config no tied variant", lambda: unigram_d1.D1Config(variants=(("untied", False, "none"),)), ValueError,
     r"^variants must be a tuple with a variant \('tied', True, \.\.\.\)"),
    ("unigram_collapse CollapseVariant init_std zero", lambda: unigram_collapse.CollapseVariant("v", 0.0, False, 1), ValueError,
     r"^init_std must be a finite number > 0"),
    ("unigram_collapse CollapseVariant full_batch int", lambda: unigram_collapse.CollapseVariant("v", None, 1, 1), TypeError, r"^full_batch must be a bool"),
    ("unigram_collapse CollapseConfig variants with one name twice", lambda: unigram_collapse.CollapseConfig(
        variants=(unigram_collapse.CollapseVariant("v", None, False, 1),) * 2), ValueError, r"^variants must be distinct names"),
    ("unigram_scaling ScalingConfig window beyond steps", lambda: unigram_scaling.ScalingConfig(steps=1000), ValueError,
     r"^window must be a pair \(first, last\) of integers with 1 <= first < last <= 1000"),
    ("unigram_scaling ScalingConfig a full-batch task of V one", lambda: unigram_scaling.ScalingConfig(full_batch_tasks=((1, 1.0),)), ValueError,
     r"^full_batch_tasks\[0\] V must be an integer >= 2"),
    ("unigram_decay DecayConfig a reading shorter than its decay (was: decayed from step 0)",
     lambda: unigram_decay.DecayConfig(readings=(3000, 500)), ValueError, r"^readings\[1\] must be an integer >= 1000"),
    ("unigram_decay DecayConfig a reading off the evaluation grid (was: a lookup error after training)",
     lambda: unigram_decay.DecayConfig(readings=(3000, 2050)), ValueError, r"^readings, decay_steps must be multiples of eval_every = 100"),
]


@pytest.mark.parametrize(("call", "exception", "message"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_bad_input_raises_one_clear_error_naming_the_parameter(call, exception, message):
    with pytest.raises(exception, match=message) as info:
        call()
    assert type(info.value) is exception  # not a subclass that happens to match (e.g. a raw LinAlgError)


def test_the_table_covers_one_row_per_case():
    ids = [row[0] for row in ROWS]
    assert len(ids) == len(set(ids)) >= 203  # at least the fault probe's case count (issue 20)


# The public entry points the table must reach: every name of these modules' __all__ that takes input. Left out: what
# carries results (logs, results, fits), protocols and base classes, the error type, and the validation helpers that
# every row goes through anyway.
_SCOPE = ["models.datasets", "models.embedding", "models.cbow", "models.hmm", "models.isan", "models.language",
          "models.markov", "models.sequence", "models.zipf_bigram", "models.char_lstm", "models.trigram", "lab.optim",
          "lab.loop", "lab.training", "lab.embedding_engine",
          "lab.sequence_training", "lab.cbow_training", "lab.logit_matrix", "lab.lingen", "lab.metrics", "lab.seeds",
          "harness.verdicts", "harness.claims", "harness.drift", "harness.context"]
_NOT_ENTRY_POINTS = {"TokenPairDataset", "ReducibleChainError", "TrainLog", "SequenceLanguage", "SequenceTrainLog",
                     "CBOWLog", "LogitMatrix", "PowerLawFit", "Diverged",
                     "textgenrnn_vocab", "textgenrnn_weights", "TrigramLM"}  # they take no input or are exceptions (load_trigram has rows)


def _names_called(code: types.CodeType) -> set[str]:
    """Global names a row's code refers to, through nested lambdas and this module's helpers (``_train``)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_called(const)
    for name in list(names):
        helper = globals().get(name)
        if inspect.isfunction(helper) and helper.__module__ == __name__ and helper.__code__ is not code:
            names |= _names_called(helper.__code__)
    return names


def test_every_public_entry_point_in_scope_has_a_row():
    called = set().union(*(_names_called(row[1].__code__) for row in ROWS))
    missing = []
    for module_name in _SCOPE:
        module = importlib.import_module(f"toy_claims.{module_name}")
        defined_here = [name for name in module.__all__ if callable(getattr(module, name))
                        and getattr(getattr(module, name), "__module__", "") == module.__name__]
        missing += [f"{module_name}.{name}" for name in defined_here if name not in _NOT_ENTRY_POINTS | called]
    for module in (bigram_sweep, bigram_critical, bigram_scaling, bigram_logit_scale, bigram_language, isan_rank, logit_rank,
                   plateau, pretrained_lingen, pretrained_logit_rank, pretrained_rank, pretrained_trigram_rank,
                   rank_collapse, rank_collapse_analytic,
                   unigram_collapse, unigram_d1, unigram_decay, unigram_language, unigram_scaling):  # the experiments' configs
        configs = [name for name, obj in vars(module).items() if inspect.isclass(obj) and dataclasses.is_dataclass(obj)
                   and obj.__module__ == module.__name__
                   and (name.endswith("Config") or name in ("Configs", "Recipe", "Arm", "CollapseVariant"))]
        missing += [f"{module.__name__}.{name}" for name in configs if name not in called]
    assert not missing


def test_integers_of_any_integer_type_are_accepted_and_behave_as_python_ints():
    assert ZipfUnigram(np.int64(5)) == ZipfUnigram(5)
    assert LowRankBigram(np.int32(6), np.int64(2), seed=np.uint8(3)).logits.equal(LowRankBigram(6, 2, seed=3).logits)
    a, b = Member(np.int64(3), seed=np.int64(2)), Member(3, seed=2)
    assert a == b and type(a.width) is int and type(a.seed) is int
    assert ClaimContext(np.int64(3)).seeds(np.int32(2), first=np.int64(1)) == ClaimContext(3).seeds(2, first=1)
    assert HiddenMarkovLanguage(np.int64(4), hidden_states=np.int64(2), seed=np.int64(1)).emission.equal(
        HiddenMarkovLanguage(4, hidden_states=2, seed=1).emission)
    assert log_spaced_steps(np.int64(10)) == log_spaced_steps(10)


def test_the_largest_seed_the_generators_take_is_accepted():
    assert Member(2, seed=2**64 - 1).seed == 2**64 - 1
    torch.Generator().manual_seed(2**64 - 1)
    np.random.default_rng(2**64 - 1)


def test_extreme_but_valid_inputs_give_the_right_value_not_a_silent_wrong_one():
    # Effective ranks are scale-invariant: a spectrum at 1e308 (its sum overflows) or at 1e-320 (subnormal) is two
    # equal singular values, rank 2, in numpy and torch alike.
    for s in (np.array([1e308, 1e308]), np.array([1e-320, 1e-320]), torch.tensor([1e308, 1e308], dtype=torch.float64)):
        assert float(effective_rank_from_singular_values(s)) == pytest.approx(2.0)
    assert effective_rank(np.eye(3) * 1e308) == pytest.approx(3.0)
    assert pca_effective_dimension(np.array([[1e308, 0.0], [-1e308, 0.0], [0.0, 1e308]])) == pytest.approx(
        pca_effective_dimension(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])))
    # A batched PCA dimension is NaN for a member with NaN / inf entries or identical rows, as its docstring promises,
    # and the other members are measured as if alone.
    good = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], dtype=torch.float64)
    for bad in (torch.full((3, 2), NAN), torch.full((3, 2), INF), torch.ones(3, 2)):
        for tables in (torch.stack([bad, good]), torch.stack([bad, good]).numpy()):
            r = np.asarray(pca_effective_dimension_batched(tables))
            assert np.isnan(r[0]) and r[1] == pca_effective_dimension(good.numpy())
    # A seed count planned from values at 1e308 is the one planned from the same values at 1.
    assert seeds_needed([1e308, 0.5e308, 0.8e308]) == seeds_needed([1.0, 0.5, 0.8])
