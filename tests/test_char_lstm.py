"""textgenrnn's pretrained character LSTM (models.char_lstm): the CuDNN weights converted as Keras converts them.

The pins below are measurements of the converted model (float64, one thread), not targets: bits per character on a
fixed text and a few next-character probabilities. The same arrays read without the conversion (as a CPU LSTM's)
must miss every pin, and the freshly initialised network must score about log2(465) bits. The pretrained model needs
the 'pretrained' extra and ``pip install --no-deps textgenrnn==2.0.0``; without them those tests are skipped with the
loader's message. The untrained network needs neither: tests of it use a stand-in vocabulary of 463 characters.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from toy_claims.models.char_lstm import (
    CONTEXT_LENGTH, META, PAD, VOCAB_SIZE, CharLSTM, cudnn_lstm_to_lstm, load_char_lstm, textgenrnn_vocab,
    textgenrnn_weights,
)

# Made up for this test in the style of Reddit submission titles (what textgenrnn's model was trained on).
TITLES = (
    "What is the best way to learn a new language as an adult?",
    "TIL that honey never spoils because of its low water content",
    "My cat refuses to sleep anywhere except on my keyboard",
    "I made a wooden table for my first woodworking project",
    "Why do people still use Internet Explorer in 2017?",
    "What's the most useful thing you learned in school?",
    "Trump says he will build a wall on the border",
    "This is my dog. He is a good boy.",
    "Reddit, what is your favorite movie of all time?",
    "I found this in my grandfather's house, any idea what it is?",
    "The new update is out and it broke everything",
    "[Serious] What is something you wish you knew before you got married?",
    "Just finished my first marathon!",
    "The government is going to shut down again next week",
    "What are some good books to read this summer?",
    "Scientists have discovered a new species of frog in the Amazon",
)
# Measured: bits per character of the converted model on TITLES, each title scored from its '<s>'.
BITS_PER_CHARACTER = 1.4622156483
# Measured: Pr[character | '<s>' + context]. 'x' after 'the quick brown fo' is not likely for this model: Reddit
# titles say 'for', 'fou...' far more often than 'fox'.
NEXT_CHARACTER = {
    ("Donald Trum", "p"): 0.99121037368,
    ("What is the best way to lear", "n"): 0.98800650562,
    ("TIL tha", "t"): 0.99211747619,
    ("the quick brown fo", "r"): 0.88967684725,
    ("the quick brown fo", "x"): 0.0011882490654,
}
# float64 on one thread: the same numbers to ~1e-13 on other CPU kernels; 1e-6 is far below any change of weights
# or of the forward pass (a wrong conversion moves bits per character by > 6, a dropped epsilon by ~1e-8 relative).
REL = 1e-6
# A stand-in vocabulary of the right shape (PAD, 463 characters, META) for the untrained network.
STAND_IN_VOCAB = ("", *(chr(0x100 + i) for i in range(META - 1)), "<s>")


@pytest.fixture(scope="module")
def model() -> CharLSTM:
    try:
        return load_char_lstm()
    except ModuleNotFoundError as exc:
        pytest.skip(str(exc))


def _unconverted() -> CharLSTM:
    """The same arrays read as if they were a CPU LSTM's: the bias halves summed (4u entries), nothing transposed."""
    arrays = textgenrnn_weights()
    for layer in ("rnn_1", "rnn_2"):
        bias = arrays[f"{layer}/bias"]
        arrays[f"{layer}/bias"] = bias[: bias.size // 2] + bias[bias.size // 2:]
    return CharLSTM.from_keras(arrays, textgenrnn_vocab())


def test_bits_per_character_on_reddit_style_titles(model):
    assert model.bits_per_character(TITLES) == pytest.approx(BITS_PER_CHARACTER, rel=REL)


@pytest.mark.parametrize(("context", "character"), list(NEXT_CHARACTER), ids=[f"{c}+{x}" for c, x in NEXT_CHARACTER])
def test_next_character_probability(model, context, character):
    p = math.exp(float(model.log_probs([context])[0, model.index[character]]))
    assert p == pytest.approx(NEXT_CHARACTER[(context, character)], rel=REL)


def test_the_weights_read_without_the_cudnn_conversion_miss_every_pin(model):
    raw = _unconverted()
    bits = raw.bits_per_character(TITLES)
    assert bits > 50  # noise: the 49 nats per character is 71 bits
    assert bits != pytest.approx(BITS_PER_CHARACTER, rel=REL)
    for (context, character), pinned in NEXT_CHARACTER.items():
        assert math.exp(float(raw.log_probs([context])[0, raw.index[character]])) != pytest.approx(pinned, rel=REL)


def test_the_untrained_network_is_near_uniform(model):
    # At Keras' initialisation the logits are small: about log2(465) = 8.86 bits; measured within 0.003 of it at
    # seeds 0-2. The converted model is more than 7 bits better.
    for seed in (0, 1):
        assert CharLSTM(model.vocab, seed=seed).bits_per_character(TITLES) == pytest.approx(math.log2(VOCAB_SIZE),
                                                                                             abs=0.01)


def test_the_forward_pass_is_keras_lstm_arithmetic_written_out(model):
    """A differential check of torch's LSTM (gate order, biases) and the attention against numpy, in Keras' layout."""
    arrays = {k: v.astype(np.float64) for k, v in textgenrnn_weights().items()}
    ids = np.array([PAD] * 28 + [META] + [model.index[c] for c in "Donald Trum"])

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    e = arrays["embedding/embeddings"][ids]
    features, x = [e], e
    for layer in ("rnn_1", "rnn_2"):
        k, r, b = cudnn_lstm_to_lstm(*(arrays[f"{layer}/{n}"] for n in ("kernel", "recurrent_kernel", "bias")))
        u = r.shape[0]
        h, c, out = np.zeros(u), np.zeros(u), []
        for x_t in x:
            z = x_t @ k + h @ r + b
            i, f, g, o = sigmoid(z[:u]), sigmoid(z[u:2 * u]), np.tanh(z[2 * u:3 * u]), sigmoid(z[3 * u:])
            c = f * c + i * g
            h = o * np.tanh(c)
            out.append(h)
        x = np.array(out)
        features.append(x)
    x = np.concatenate(features, axis=1)  # (40, 356)
    scores = x @ arrays["attention/attention_W"][:, 0]
    a = np.exp(scores - scores.max())
    a = a / (a.sum() + 1e-7)
    logits = (a @ x) @ arrays["output/kernel"] + arrays["output/bias"]
    got = model(torch.tensor(ids)[None])[0].detach().numpy()
    np.testing.assert_allclose(got, logits, rtol=0, atol=1e-10)


def test_cudnn_conversion_permutes_within_each_gate_and_sums_the_biases():
    rng = np.random.default_rng(0)
    d, u = 3, 2
    kernel, recurrent, bias = rng.normal(size=(d, 4 * u)), rng.normal(size=(u, 4 * u)), rng.normal(size=8 * u)
    k, r, b = cudnn_lstm_to_lstm(kernel, recurrent, bias)
    assert k.shape == kernel.shape and r.shape == recurrent.shape and np.allclose(b, bias[: 4 * u] + bias[4 * u:])
    for gate in range(4):  # gate order kept: each block is a rearrangement of its own entries
        block = slice(gate * u, (gate + 1) * u)
        assert np.array_equal(np.sort(k[:, block], axis=None), np.sort(kernel[:, block], axis=None))
        assert np.array_equal(r[:, block], recurrent[:, block].T)
    # Keras' Fortran-order reshape: entry (i, j) of a block is entry i + d*j of the block read row by row
    assert np.array_equal(k[:, :u], kernel[:, :u].reshape(-1).reshape((d, u), order="F"))


def test_every_entry_point_gives_the_same_probabilities(model):
    context = "What is the best way to lear"
    by_text = model.log_probs([context])
    by_ids = model.next_token_log_probs(torch.tensor([model.encode(context)]))
    assert torch.equal(by_text, by_ids)
    scored = model.text_log_probs(context + "n")
    assert float(scored[-1]) == pytest.approx(float(by_text[0, model.index["n"]]), rel=1e-12)
    # a batch of contexts of different lengths (left-padded) gives each row what it gives alone
    contexts = ["", "I", "Reddit, what is your favorite", "TIL tha"]
    batch = model.log_probs(contexts)
    for k, c in enumerate(contexts):
        assert torch.allclose(batch[k], model.log_probs([c])[0], rtol=0, atol=1e-12)
    assert torch.allclose(batch.exp().sum(dim=1), torch.ones(len(contexts), dtype=torch.float64), atol=1e-12)


def test_a_long_text_is_scored_in_the_training_window(model):
    text = TITLES[11]  # 68 characters: past the 39th the window no longer holds '<s>'
    scored = model.text_log_probs(text)
    ids = model.encode(text)
    t = 50
    window = torch.tensor([ids[t - CONTEXT_LENGTH: t]])
    assert float(scored[t]) == pytest.approx(float(torch.log_softmax(model(window), dim=1)[0, ids[t]]), rel=1e-12)


def test_the_matrices_are_the_files_weights(model):
    arrays = textgenrnn_weights()
    assert torch.equal(model.embedding_matrix, torch.tensor(arrays["embedding/embeddings"], dtype=torch.float64))
    assert torch.equal(model.unembedding, torch.tensor(arrays["output/kernel"].T, dtype=torch.float64))
    assert torch.equal(model.output_bias, torch.tensor(arrays["output/bias"], dtype=torch.float64))
    assert model.unembedding.shape == (VOCAB_SIZE, 356) and model.vocab[META] == "<s>" and model.vocab[PAD] == ""


def test_float32_agrees_with_float64(model):
    single = load_char_lstm(dtype=torch.float32)
    assert single.bits_per_character(TITLES[:3]) == pytest.approx(model.bits_per_character(TITLES[:3]), rel=1e-5)


def test_the_untrained_network_is_a_pure_function_of_its_seed():
    a, b, c = (CharLSTM(STAND_IN_VOCAB, seed=s) for s in (3, 3, 4))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.unembedding, c.unembedding)
    # Keras' initialisers: forget-gate bias 1, orthonormal recurrent rows (Keras layout), embeddings in [-0.05, 0.05]
    for rnn in (a.rnn_1, a.rnn_2):
        assert torch.equal(rnn.bias_ih_l0[128:256], torch.ones(128, dtype=torch.float64))
        w = rnn.weight_hh_l0.T  # (u, 4u), Keras' recurrent kernel
        assert torch.allclose(w @ w.T, torch.eye(128, dtype=torch.float64), atol=1e-6)
    assert a.embedding_matrix.abs().max() <= 0.05


def test_the_untrained_network_runs_without_the_package():
    model = CharLSTM(STAND_IN_VOCAB, seed=0)
    log_probs = model.next_token_log_probs(torch.tensor([[1, 2, 3]]))
    assert log_probs.shape == (1, VOCAB_SIZE) and float(log_probs.exp().sum()) == pytest.approx(1.0)
    assert model.next_token_log_probs(torch.empty(0, 5, dtype=torch.long)).shape == (0, VOCAB_SIZE)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("lengths", [(24, 8), (1, 1), (0, 3), (30, 9)])
def test_continuing_futures_from_each_history_state_is_the_plain_forward(model, dtype, lengths):
    """Prefix caching (each history run once, every future continued from its LSTM states and attention parts)
    against next_token_log_probs of every concatenation, on the pretrained and an untrained network."""
    g = torch.Generator().manual_seed(1)
    a, b = lengths
    histories, futures = torch.randint(1, VOCAB_SIZE, (5, a), generator=g), torch.randint(1, VOCAB_SIZE, (7, b), generator=g)
    pairs = torch.cat([histories.repeat_interleave(7, dim=0), futures.repeat(5, 1)], dim=1)
    atol = 1e-10 if dtype == torch.float64 else 1e-4  # log-probs reach -30: rounding of the sums in another order
    for net in (model.to(dtype), CharLSTM(model.vocab, seed=2, dtype=dtype)):
        cached = net.continuation_log_probs(histories, futures, batch_size=14)  # chunks of 2 histories
        plain = net.next_token_log_probs(pairs).reshape(5, 7, VOCAB_SIZE)
        assert cached.dtype == torch.float64 and torch.allclose(cached, plain, rtol=0, atol=atol)
    model.to(torch.float64)


def test_continuation_refuses_what_the_window_cannot_hold(model):
    with pytest.raises(ValueError, match="history \\+ future length"):
        model.continuation_log_probs(torch.ones(2, 30, dtype=torch.long), torch.ones(3, 10, dtype=torch.long))
    with pytest.raises(ValueError, match="padding"):
        model.continuation_log_probs(torch.zeros(2, 3, dtype=torch.long), torch.ones(3, 2, dtype=torch.long))
