"""textgenrnn's pretrained character-level LSTM language model, read into torch without TensorFlow.

textgenrnn 2.0.0 (Max Woolf, MIT licence, on the package registry) ships inside its package a character-level
language model pretrained on Reddit submission titles, ``textgenrnn_weights.hdf5`` (1.87 MB, saved by Keras 2.1.5),
and its vocabulary ``textgenrnn_vocab.json`` (464 symbols). It is one of the two real trained language models this
project can install (``models.trigram`` is the other).

**Install** (the README's commands): ``pip install -e ".[pretrained]"`` brings h5py, then
``pip install --no-deps textgenrnn==2.0.0`` the weights. textgenrnn declares TensorFlow and Keras as dependencies; they
are not needed (h5py reads the weights, torch runs them) and ``--no-deps`` keeps them out. Neither an extra nor a
requirements file can say ``--no-deps`` (pip refuses the option there), hence the second command. The package is never
imported (its ``__init__`` imports TensorFlow): its files are found through ``importlib.metadata``'s record of the
installed distribution, and the weights' SHA-256 is checked, so every pinned number refers to these bytes. Reading the
sdist that ``pip download`` leaves was the alternative; pip records no such download, so the loader would need a path
from its user. Nothing is fetched at run time. Without the package (or h5py) the loaders raise
``ModuleNotFoundError`` saying what to install, which a claim turns into ``skipped``.

**Architecture** (textgenrnn/model.py and AttentionWeightedAverage.py of that release; rnn_layers 2, rnn_size 128,
dim_embeddings 100, max_length 40, not bidirectional)::

    ids (n, 40) -> Embedding(465, 100) -> e               # no mask: the padding id 0 is embedded like any symbol
    e -> LSTM(128) -> h1 -> LSTM(128) -> h2               # all 40 steps, zero initial state
    x = concat([e, h1, h2])                               # (n, 40, 356)
    a = exp(x.w - max) / (sum_t exp(x.w - max) + 1e-7)    # attention over the 40 positions; 1e-7 is Keras' epsilon
    logits = (sum_t a_t x_t) @ W_out + b_out              # (n, 465); the model's output is their softmax

**Inputs.** The vocabulary gives the 464 symbols ids 1..464; id 0 (``PAD``) is what Keras' ``pad_sequences`` puts on the
left of a short input, and id 464 (``META``) is the meta token ``'<s>'`` that opens and closes every training title. A
context is read as textgenrnn trains and generates: the last 40 ids of '<s>' followed by the context, padded on the
left with 0. ``log_probs`` and ``next_token_log_probs`` take contexts of at most 39 characters, so that the model sees
the whole context and its '<s>'; ``text_log_probs`` scores every character of a longer text in the 40-id window that
training used (past 39 characters the window no longer holds '<s>').

**CuDNN weights.** The file holds CuDNNLSTM weights (a bias of 8 x 128: CuDNN's input and recurrent biases). Keras
converts them for its CPU LSTM in ``_convert_rnn_weights`` (keras/engine/saving.py): per gate block, the input kernel is
transposed and reshaped back to its shape in Fortran order, the recurrent kernel transposed, and the two bias halves
summed; the gate order (i, f, c, o) is torch's (i, f, g, o). ``cudnn_lstm_to_lstm`` does the same, and
``CharLSTM.from_keras`` applies it when the bias says CuDNN, as Keras' loader decides. Read without it the model scores
about 72 bits per character (50 nats) and predicts punctuation; converted, about 1.5 bits on the Reddit-style titles of
``tests/test_char_lstm.py``, and continues 'Donald Trum' with 'p' at 0.99.

**Untrained control.** ``CharLSTM(vocab, seed=s)`` builds the same network with the initialisers Keras 2.1.5 used for
this model: uniform(-0.05, 0.05) embeddings and attention vector, glorot-uniform kernels, orthogonal recurrent kernels,
zero biases but 1 on the forget gate (``unit_forget_bias``, as CuDNNLSTM), drawn from a ``torch.Generator`` seeded with
``s``. It scores about log2(465) = 8.86 bits per character.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from toy_claims.models.validation import require, require_seed, require_token_ids, require_type, shown

__all__ = ["CONTEXT_LENGTH", "META", "PAD", "VOCAB_SIZE", "CharLSTM", "cudnn_lstm_to_lstm", "load_char_lstm",
           "textgenrnn_vocab", "textgenrnn_weights"]

DISTRIBUTION = "textgenrnn"
VERSION = "2.0.0"
INSTALL = f"pip install -e '.[pretrained]' && pip install --no-deps {DISTRIBUTION}=={VERSION}"  # README's commands
WEIGHTS_FILE = "textgenrnn_weights.hdf5"
VOCAB_FILE = "textgenrnn_vocab.json"
WEIGHTS_SHA256 = "6a89ca4235ed9f00be7b2acd65d5fe4a099967d676bfe20afb696106286ffbca"  # textgenrnn 2.0.0's file
CONTEXT_LENGTH = 40  # ids the model reads (textgenrnn's max_length)
VOCAB_SIZE = 465  # output classes: PAD, the 463 characters, META
PAD = 0  # the left padding id (not a symbol; the model still gives it a probability)
META = 464  # '<s>', which opens and closes every training text
META_TOKEN = "<s>"
_EMBED, _UNITS = 100, 128  # dim_embeddings, rnn_size
_FEATURES = _EMBED + 2 * _UNITS  # 356: the attention's input, concat([e, h1, h2])
_KERAS_EPSILON = 1e-7  # K.epsilon() in the attention's denominator
# Rows per forward pass: (512, 40, 356) float64 is 6 MB, within a core's cache; 4096 rows were 1.6× slower per row
# on one thread (float32 tables), with bitwise the same results (the LSTM kernel's rows do not depend on the batch).
_CHUNK = 512
_LAYERS = {"embedding": ("embeddings",), "rnn_1": ("kernel", "recurrent_kernel", "bias"),
           "rnn_2": ("kernel", "recurrent_kernel", "bias"), "attention": ("attention_W",),
           "output": ("kernel", "bias")}  # the hdf5's layers and weights (model.py's layer names)


def _file(name: str):
    """The path of one of textgenrnn's files, from the installed distribution's record (never importing it)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ModuleNotFoundError(f"the pretrained character LSTM needs {DISTRIBUTION} {VERSION}, not installed: "
                                  f"{INSTALL}",
                                  name=DISTRIBUTION) from None
    require(dist.version == VERSION, DISTRIBUTION, f"version {VERSION} (its weights are pinned): {INSTALL}",
            dist.version)
    found = [f for f in dist.files or () if f.name == name and f.parent.name == DISTRIBUTION]
    path = dist.locate_file(found[0]) if found else None
    if path is None or not path.is_file():
        raise ModuleNotFoundError(f"{DISTRIBUTION} {VERSION} is installed without {name}: reinstall it, {INSTALL}",
                                  name=DISTRIBUTION)
    return path


@cache
def textgenrnn_vocab() -> tuple[str, ...]:
    """The 465 output classes by id: ``''`` for PAD (0), the 463 characters (1..463), ``'<s>'`` for META (464)."""
    mapping = json.loads(_file(VOCAB_FILE).read_text(encoding="utf-8"))
    vocab = [""] * (len(mapping) + 1)
    for symbol, i in mapping.items():
        vocab[i] = symbol
    if len(vocab) != VOCAB_SIZE or vocab[META] != META_TOKEN or not all(len(c) == 1 for c in vocab[1:META]):
        raise ValueError(f"{VOCAB_FILE} must map 463 characters and '<s>' to ids 1..464, got {len(mapping)} symbols")
    return tuple(vocab)


@cache
def _weights() -> dict[str, np.ndarray]:
    path = _file(WEIGHTS_FILE)
    try:
        import h5py
    except ModuleNotFoundError:
        raise ModuleNotFoundError(f"the pretrained character LSTM reads its weights with h5py, not installed: "
                                  f"{INSTALL}", name="h5py") from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    require(digest == WEIGHTS_SHA256, WEIGHTS_FILE, f"textgenrnn {VERSION}'s file (SHA-256 {WEIGHTS_SHA256[:12]}...)",
            f"a file of SHA-256 {digest[:12]}...")
    arrays = {}
    with h5py.File(path, "r") as f:
        for layer, names in _LAYERS.items():
            for name in names:
                array = np.asarray(f[layer][layer][f"{name}:0"])
                array.flags.writeable = False  # cached: shared by every caller
                arrays[f"{layer}/{name}"] = array
    return arrays


def textgenrnn_weights() -> dict[str, np.ndarray]:
    """The arrays of ``textgenrnn_weights.hdf5`` as saved (float32, Keras layout, CuDNN LSTM biases), keyed
    ``'layer/weight'``: ``embedding/embeddings`` (465, 100), ``rnn_1/kernel`` (100, 512), ``rnn_1/recurrent_kernel``
    (128, 512), ``rnn_1/bias`` (1024,), the same for ``rnn_2`` (128, 512), ``attention/attention_W`` (356, 1),
    ``output/kernel`` (356, 465), ``output/bias`` (465,). Read-only: copy before changing one."""
    return dict(_weights())


def cudnn_lstm_to_lstm(kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A Keras CuDNNLSTM's (kernel (d, 4u), recurrent kernel (u, 4u), bias (8u,)) as a CPU LSTM's (same shapes, bias
    (4u,)), by Keras' ``_convert_rnn_weights``: per gate block the input kernel ``k.T.reshape(k.shape, order='F')``,
    the recurrent kernel ``k.T``, and the input and recurrent biases summed."""
    for name, array in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel), ("bias", bias)):
        require_type(array, name, np.ndarray, "a numpy array")
    units = recurrent_kernel.shape[0] if recurrent_kernel.ndim == 2 else -1
    require(recurrent_kernel.shape == (units, 4 * units) and units > 0, "recurrent_kernel", "a (u, 4u) array",
            recurrent_kernel.shape)
    require(kernel.ndim == 2 and kernel.shape[1] == 4 * units, "kernel", f"a (d, 4u = {4 * units}) array", kernel.shape)
    require(bias.shape == (8 * units,), "bias", f"a CuDNN bias of shape (8u = {8 * units},)", bias.shape)
    kernel = np.hstack([k.T.reshape(k.shape, order="F") for k in np.hsplit(kernel, 4)])
    recurrent_kernel = np.hstack([k.T for k in np.hsplit(recurrent_kernel, 4)])
    return kernel, recurrent_kernel, bias[: 4 * units] + bias[4 * units:]


def _require_dtype(dtype: object) -> torch.dtype:
    require(dtype in (torch.float32, torch.float64), "dtype", "torch.float32 or torch.float64", dtype)
    return dtype


def _require_texts(texts: object, name: str) -> list[str]:
    """A non-empty list or tuple of strings (a lone string would be read as its characters)."""
    require_type(texts, name, (list, tuple), "a list or tuple of strings")
    require(len(texts) >= 1, name, "a non-empty list of strings", texts)
    for k, text in enumerate(texts):
        require_type(text, f"{name}[{k}]", str, "a string")
    return list(texts)


class CharLSTM(nn.Module):
    """textgenrnn's network (the module docstring): ``load_char_lstm()`` for the pretrained weights,
    ``CharLSTM(vocab, seed=s)`` for the same network freshly initialised as Keras does."""

    def __init__(self, vocab: tuple[str, ...], *, seed: int = 0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        require_type(vocab, "vocab", tuple, "textgenrnn's vocabulary: a tuple of 465 strings (textgenrnn_vocab())")
        require(len(vocab) == VOCAB_SIZE and vocab[PAD] == "" and vocab[META] == META_TOKEN
                and all(isinstance(c, str) and len(c) == 1 for c in vocab[1:META]), "vocab",
                "textgenrnn's vocabulary: '', 463 characters, '<s>' (textgenrnn_vocab())", vocab)
        seed, dtype = require_seed(seed), _require_dtype(dtype)
        self.vocab = vocab
        self.index = {c: i for i, c in enumerate(vocab) if PAD < i < META}  # character -> id
        self.embedding = nn.Embedding(VOCAB_SIZE, _EMBED)
        self.rnn_1 = nn.LSTM(_EMBED, _UNITS, batch_first=True)
        self.rnn_2 = nn.LSTM(_UNITS, _UNITS, batch_first=True)
        self.attention = nn.Parameter(torch.empty(_FEATURES))
        self.output = nn.Linear(_FEATURES, VOCAB_SIZE)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():  # Keras 2.1.5's initialisers of this model, in layer order
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05, generator=g)
            for rnn in (self.rnn_1, self.rnn_2):
                nn.init.xavier_uniform_(rnn.weight_ih_l0, generator=g)  # glorot_uniform over (d, 4u)
                nn.init.orthogonal_(rnn.weight_hh_l0, generator=g)  # orthogonal (u, 4u): orthonormal rows
                rnn.bias_ih_l0.zero_()
                rnn.bias_ih_l0[_UNITS: 2 * _UNITS] = 1.0  # unit_forget_bias
                rnn.bias_hh_l0.zero_()
            nn.init.uniform_(self.attention, -0.05, 0.05, generator=g)
            nn.init.xavier_uniform_(self.output.weight, generator=g)
            self.output.bias.zero_()
        self.to(dtype)

    @classmethod
    def from_keras(cls, arrays: dict[str, np.ndarray], vocab: tuple[str, ...], *,
                   dtype: torch.dtype = torch.float64) -> CharLSTM:
        """The network with Keras-layout ``arrays`` (as ``textgenrnn_weights()`` returns them). An LSTM whose bias has
        8u entries holds CuDNN weights and is converted (``cudnn_lstm_to_lstm``); one of 4u is a CPU LSTM's, used as
        it is: the rule of Keras' own loader."""
        require_type(arrays, "arrays", dict, "a dict of Keras weight arrays (textgenrnn_weights())")
        missing = [f"{layer}/{name}" for layer, names in _LAYERS.items() for name in names
                   if f"{layer}/{name}" not in arrays]
        require(not missing, "arrays", "textgenrnn's weights (textgenrnn_weights())", f"a dict lacking {missing}")
        for key in sorted(arrays):
            require_type(arrays[key], f"arrays['{key}']", np.ndarray, "a numpy array")
        arrays = {key: array.astype(np.float64) for key, array in arrays.items()}  # the bias halves summed exactly
        model = cls(vocab, dtype=dtype)

        def put(param: Tensor, array: np.ndarray, name: str) -> None:
            require(tuple(array.shape) == tuple(param.shape), f"arrays['{name}']", f"of shape {tuple(param.shape)}",
                    tuple(array.shape))
            param.copy_(torch.as_tensor(array))

        with torch.no_grad():
            put(model.embedding.weight, arrays["embedding/embeddings"], "embedding/embeddings")
            for layer, rnn in (("rnn_1", model.rnn_1), ("rnn_2", model.rnn_2)):
                kernel, recurrent, bias = (arrays[f"{layer}/{n}"] for n in _LAYERS[layer])
                if np.shape(bias) == (8 * _UNITS,):
                    kernel, recurrent, bias = cudnn_lstm_to_lstm(kernel, recurrent, bias)
                put(rnn.weight_ih_l0, kernel.T, f"{layer}/kernel")
                put(rnn.weight_hh_l0, recurrent.T, f"{layer}/recurrent_kernel")
                put(rnn.bias_ih_l0, bias, f"{layer}/bias")
                rnn.bias_hh_l0.zero_()
            put(model.attention, np.reshape(arrays["attention/attention_W"], -1), "attention/attention_W")
            put(model.output.weight, arrays["output/kernel"].T, "output/kernel")
            put(model.output.bias, arrays["output/bias"], "output/bias")
        return model

    # -- the matrices the rank claims read ---------------------------------------------------------------------------
    @property
    def embedding_matrix(self) -> Tensor:
        """(465, 100): row i embeds id i."""
        return self.embedding.weight.detach()

    @property
    def unembedding(self) -> Tensor:
        """(465, 356): the output layer's weights, row i giving id i's logit from the attention's 356 features
        (Keras stores its transpose, ``output/kernel``)."""
        return self.output.weight.detach()

    @property
    def output_bias(self) -> Tensor:
        """(465,): the output layer's bias."""
        return self.output.bias.detach()

    # -- the network --------------------------------------------------------------------------------------------------
    def forward(self, ids: Tensor) -> Tensor:
        """(n, 40) windows of ids in [0, 465) -> (n, 465) next-symbol logits (Keras' pre-softmax output)."""
        require_token_ids(ids, "ids", VOCAB_SIZE, dims=2, shape="(n, 40) tensor")
        require(ids.shape[1] == CONTEXT_LENGTH, "ids", f"a (n, {CONTEXT_LENGTH}) tensor: the model reads "
                f"{CONTEXT_LENGTH} ids, padded on the left with {PAD}", tuple(ids.shape))
        return self._logits(ids)

    def _logits(self, ids: Tensor) -> Tensor:
        e = self.embedding(ids)  # (n, 40, 100)
        h1, _ = self.rnn_1(e)  # (n, 40, 128)
        h2, _ = self.rnn_2(h1)  # (n, 40, 128)
        x = torch.cat([e, h1, h2], dim=2)  # (n, 40, 356)
        scores = x @ self.attention  # (n, 40)
        a = torch.exp(scores - scores.max(dim=1, keepdim=True).values)
        a = a / (a.sum(dim=1, keepdim=True) + _KERAS_EPSILON)
        return self.output((a[:, :, None] * x).sum(dim=1))  # (n, 465)

    def _window_log_probs(self, windows: Tensor) -> Tensor:
        """(n, 40) windows -> (n, 465) float64 log-probs, in chunks, without gradients."""
        with torch.no_grad():
            out = [F.log_softmax(self._logits(chunk), dim=1).double() for chunk in windows.split(_CHUNK)]
        return torch.cat(out) if out else torch.empty(0, VOCAB_SIZE, dtype=torch.float64)

    def _windows(self, rows: list[list[int]]) -> Tensor:
        """Each row of ids as the model reads it: '<s>' first, the last 40 kept, padded on the left with PAD."""
        device = self.embedding.weight.device
        windows = torch.full((len(rows), CONTEXT_LENGTH), PAD, dtype=torch.long)
        for r, row in enumerate(rows):
            row = ([META] + row)[-CONTEXT_LENGTH:]
            windows[r, CONTEXT_LENGTH - len(row):] = torch.tensor(row, dtype=torch.long)
        return windows.to(device)

    # -- text in, probabilities out ------------------------------------------------------------------------------------
    def encode(self, text: str, name: str = "text") -> list[int]:
        """The ids of ``text``'s characters; a character outside the vocabulary is a ValueError naming ``name``."""
        require_type(text, name, str, "a string")
        unknown = sorted({c for c in text if c not in self.index})
        if unknown:
            raise ValueError(f"{name} must be characters of textgenrnn's vocabulary, got {shown(text)} with "
                             f"{', '.join(map(repr, unknown[:5]))}{' ...' if len(unknown) > 5 else ''} outside it")
        return [self.index[c] for c in text]

    def log_probs(self, contexts: Sequence[str]) -> Tensor:
        """log Pr[next symbol | '<s>' + context] for each context of at most 39 characters -> (n, 465) float64."""
        contexts = _require_texts(contexts, "contexts")
        rows = [self.encode(c, f"contexts[{k}]") for k, c in enumerate(contexts)]
        for k, row in enumerate(rows):
            require(len(row) < CONTEXT_LENGTH, f"contexts[{k}]", f"at most {CONTEXT_LENGTH - 1} characters (the model "
                    f"reads {CONTEXT_LENGTH} ids: '<s>' and the context)", f"{len(row)} characters")
        return self._window_log_probs(self._windows(rows))

    def next_token_log_probs(self, prefixes: Tensor) -> Tensor:
        """log Pr[z | '<s>' + prefix] for (n, t) prefixes of ids in [1, 465), t <= 39 -> (n, 465) float64.

        The ``lab.logit_matrix.LogProbFn`` contract: '<s>' plays BOS. PAD (0) is not a symbol and is refused; META
        (464) may appear, as the end of one title and the start of the next.
        """
        require_token_ids(prefixes, "prefixes", VOCAB_SIZE, dims=2, shape="(n, t) tensor")
        require(prefixes.shape[1] < CONTEXT_LENGTH, "prefixes length", f"<= {CONTEXT_LENGTH - 1} (the model reads "
                f"{CONTEXT_LENGTH} ids: '<s>' and the prefix)", prefixes.shape[1])
        require(not prefixes.numel() or int(prefixes.min()) > PAD, "prefixes", f"ids in [1, {VOCAB_SIZE}): {PAD} is "
                "the padding id, not a symbol", "a prefix holding 0")
        windows = torch.full((prefixes.shape[0], CONTEXT_LENGTH), PAD, dtype=torch.long)
        windows[:, CONTEXT_LENGTH - 1 - prefixes.shape[1]] = META
        windows[:, CONTEXT_LENGTH - prefixes.shape[1]:] = prefixes.cpu()
        return self._window_log_probs(windows.to(self.embedding.weight.device))

    def continuation_log_probs(self, histories: Tensor, futures: Tensor, batch_size: int = _CHUNK) -> Tensor:
        """log Pr[z | '<s>' + h + f] for every history h of (n_h, a) and future f of (n_f, b) ids in [1, 465),
        a + b <= 39 -> (n_h, n_f, 465) float64: ``next_token_log_probs`` of every concatenation, computed by running
        each history once and continuing every future from its state (prefix caching).

        Every window has the same length a + b, so the same left padding: the two LSTMs' states after
        PAD..PAD '<s>' h are shared by all futures of h. The attention over the 40 positions is a softmax, which splits
        exactly over the history's and the future's positions (each part keeps its largest score, the sum of its
        weights and the weighted sum of its features; the parts are rescaled to the larger maximum and added), so the
        result equals the plain forward up to rounding (``tests/test_char_lstm.py``). The cost is n_h (40 − b) + n_h
        n_f b LSTM steps instead of 40 n_h n_f: 5× less at b = 8.
        """
        for name, ids in (("histories", histories), ("futures", futures)):
            require_token_ids(ids, name, VOCAB_SIZE, dims=2, shape="(n, t) tensor")
            require(not ids.numel() or int(ids.min()) > PAD, name, f"ids in [1, {VOCAB_SIZE}): {PAD} is the padding "
                    "id, not a symbol", f"{name} holding 0")
        (n_h, a), (n_f, b) = histories.shape, futures.shape
        require(n_h >= 1 and n_f >= 1 and b >= 1, "histories, futures", "at least one history, and at least one "
                "future of at least one id", (tuple(histories.shape), tuple(futures.shape)))
        require(a + b < CONTEXT_LENGTH, "history + future length", f"<= {CONTEXT_LENGTH - 1} (the model reads "
                f"{CONTEXT_LENGTH} ids: '<s>' and the context)", a + b)
        batch_size = max(1, int(batch_size) // n_f)  # histories per chunk of pairs
        device = self.embedding.weight.device
        windows = torch.full((n_h, CONTEXT_LENGTH - b), PAD, dtype=torch.long)
        windows[:, CONTEXT_LENGTH - 1 - a - b] = META
        windows[:, CONTEXT_LENGTH - a - b:] = histories.cpu()
        out = torch.empty(n_h, n_f, VOCAB_SIZE, dtype=torch.float64)
        with torch.no_grad():
            e_f = self.embedding(futures.to(device))  # (n_f, b, 100)
            for rows in torch.arange(n_h).split(batch_size):
                e = self.embedding(windows[rows].to(device))  # (c, 40 - b, 100)
                h1, state_1 = self.rnn_1(e)
                h2, state_2 = self.rnn_2(h1)
                past = self._attention_parts(torch.cat([e, h1, h2], dim=2))  # each (c, ...)
                c = len(rows)
                e_c = e_f.repeat(c, 1, 1)  # (c n_f, b, 100): pair (i, j) at row i n_f + j
                g1, _ = self.rnn_1(e_c, tuple(s.repeat_interleave(n_f, dim=1) for s in state_1))
                g2, _ = self.rnn_2(g1, tuple(s.repeat_interleave(n_f, dim=1) for s in state_2))
                m_f, z_f, v_f = self._attention_parts(torch.cat([e_c, g1, g2], dim=2))
                m_h, z_h, v_h = (t.repeat_interleave(n_f, dim=0) for t in past)
                m = torch.maximum(m_h, m_f)
                w_h, w_f = torch.exp(m_h - m), torch.exp(m_f - m)
                z, v = z_h * w_h + z_f * w_f, v_h * w_h[:, None] + v_f * w_f[:, None]
                logits = self.output(v / (z + _KERAS_EPSILON)[:, None])  # (c n_f, 465)
                out[rows] = F.log_softmax(logits, dim=1).double().reshape(c, n_f, VOCAB_SIZE).cpu()
        return out

    def _attention_parts(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(n, t, 356) features -> the attention's parts over these t positions: the largest score m (n,), the sum
        of exp(score − m) (n,) and the sum of exp(score − m) · features (n, 356)."""
        scores = x @ self.attention  # (n, t)
        m = scores.max(dim=1).values
        w = torch.exp(scores - m[:, None])
        return m, w.sum(dim=1), (w[:, :, None] * x).sum(dim=1)

    def text_log_probs(self, text: str) -> Tensor:
        """log Pr of each character of ``text`` given the ones before it, in the window textgenrnn trained on (the
        last 40 ids of '<s>' and the text so far) -> (len(text),) float64. The closing '<s>' is not scored."""
        ids = self.encode(text)
        require(len(ids) >= 1, "text", "a non-empty string", text)
        log_probs = self._window_log_probs(self._windows([ids[:t] for t in range(len(ids))]))  # (len, 465)
        return log_probs.gather(1, torch.tensor(ids, device=log_probs.device)[:, None])[:, 0]

    def bits_per_character(self, texts: Sequence[str]) -> float:
        """The mean of -log2 Pr over every character of ``texts``, each text a title scored from its '<s>'."""
        texts = _require_texts(texts, "texts")
        for k, text in enumerate(texts):
            require(len(text) >= 1, f"texts[{k}]", "a non-empty string", text)
            self.encode(text, f"texts[{k}]")
        nats = torch.cat([self.text_log_probs(text) for text in texts])
        return float(-nats.mean()) / math.log(2)


def load_char_lstm(*, dtype: torch.dtype = torch.float64) -> CharLSTM:
    """textgenrnn 2.0.0's pretrained network (CuDNN weights converted), frozen (no gradients), in ``dtype``: float64
    holds the saved float32 weights exactly and computes without float32 rounding; float32 is several times faster on
    a CPU (``benchmarks/bench_pretrained.py``). Raises ``ModuleNotFoundError``, saying what to install, when textgenrnn
    or h5py is missing."""
    dtype = _require_dtype(dtype)
    return CharLSTM.from_keras(textgenrnn_weights(), textgenrnn_vocab(), dtype=dtype).eval().requires_grad_(False)
