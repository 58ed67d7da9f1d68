"""The extended logit matrix L_M(H, F) and the linear algebra used to read it.

Rows are histories h, columns are (future f, token z) pairs, and the entry is
log Pr[z | h∘f] minus its mean over all V tokens (the mean-centring removes the
log-partition, which is the only part of a log-probability that is not a linear
readout). ``top_k`` keeps k tokens per future, chosen once for all rows by the
largest mean log-probability over the histories (ties to the lower token id), so
the result is a matrix like the paper's L_{M,k}. Columns are future-major:
column f*k + j is (futures[f], tokens[f, j]).

Any ``log_prob_fn(sequences: (n, t) int64) -> (n, V) log-probabilities`` works:
the exact HMM, the transformer, the GRU and the ISAN all expose one as
``next_token_log_probs``. Everything returned is float64.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
from torch import Tensor

from toy_claims.models.validation import require, require_int, require_real, require_token_ids, require_type

__all__ = [
    "LogProbFn",
    "LogitMatrix",
    "batched_log_probs",
    "centred_log_probs",
    "extended_logit_matrix",
    "logit_matrix_from_log_probs",
    "nonsense_futures",
    "numerical_rank",
    "pair_log_probs",
    "principal_angle_cosines",
    "random_subspace_cosines",
    "sample_sequences",
    "singular_values",
]

LogProbFn = Callable[[Tensor], Tensor]  # (n, t) int64 -> (n, V) next-token log-probs


class LogitMatrix(NamedTuple):
    values: Tensor  # (|H|, |F| * k) float64, mean-centred log-probabilities
    tokens: Tensor  # (|F|, k) int64, the token of each column within each future


def _check_call(log_prob_fn, tokens, name: str) -> None:
    require(callable(log_prob_fn), "log_prob_fn", "a callable (n, t) token ids -> (n, V) log-probs", log_prob_fn)
    require_token_ids(tokens, name, None, dims=2, shape="(n, t) tensor")


def _log_probs(log_prob_fn: LogProbFn, sequences: Tensor, batch_size: int, name: str) -> Tensor:
    """``batched_log_probs`` whose errors name ``name``, the caller's parameter: the ids go to a black box
    (log_prob_fn), whose own error names its own parameter ('prefixes'); a result of another shape is refused."""
    with torch.no_grad():
        chunks = []
        for chunk in sequences.split(batch_size):
            try:
                out = log_prob_fn(chunk)
            except ValueError as exc:
                raise ValueError(f"{name} must be token sequences log_prob_fn accepts ({exc})") from exc
            require(isinstance(out, torch.Tensor) and out.dim() == 2 and out.shape[0] == chunk.shape[0], "log_prob_fn",
                    f"a callable returning (n, V) log-probs for (n, t) ids: ({chunk.shape[0]}, V) here",
                    tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__)
            chunks.append(out.double())
    return torch.cat(chunks) if chunks else torch.empty(0, 0, dtype=torch.float64)


def batched_log_probs(log_prob_fn: LogProbFn, sequences: Tensor, batch_size: int = 4096) -> Tensor:
    """log_prob_fn on (n, t) sequences in chunks, without gradients -> (n, V) float64."""
    _check_call(log_prob_fn, sequences, "sequences")
    batch_size = require_int(batch_size, "batch_size", lo=1)
    return _log_probs(log_prob_fn, sequences, batch_size, "sequences")


def centred_log_probs(log_prob_fn: LogProbFn, histories: Tensor, futures: Tensor,
                      batch_size: int = 4096) -> Tensor:
    """log Pr[z | h∘f] - mean_z log Pr[z | h∘f] for (|H|, t_h) x (|F|, t_f) -> (|H|, |F|, V)."""
    return _centred(log_prob_fn, histories, futures, batch_size, "histories")


def pair_log_probs(log_prob_fn: LogProbFn, histories: Tensor, futures: Tensor, batch_size: int = 4096) -> Tensor:
    """log Pr[z | h∘f] for (|H|, t_h) x (|F|, t_f) -> (|H|, |F|, V) float64, one forward of log_prob_fn per pair: the
    table of any log-prob function, and the plain path a model's prefix-cached ``continuation_log_probs`` must equal
    (``models.sequence``, ``models.char_lstm``)."""
    return _pairs(log_prob_fn, histories, futures, batch_size, "histories")


def _pairs(log_prob_fn: LogProbFn, histories: Tensor, futures: Tensor, batch_size: int, h_name: str) -> Tensor:
    _check_call(log_prob_fn, histories, h_name)
    _check_call(log_prob_fn, futures, "futures")
    batch_size = require_int(batch_size, "batch_size", lo=1)
    require(histories.shape[0] >= 1, h_name, "at least one history", tuple(histories.shape))
    require(futures.shape[0] >= 1, "futures", "at least one future", tuple(futures.shape))
    n_h, n_f = histories.shape[0], futures.shape[0]
    pairs = torch.cat([histories.repeat_interleave(n_f, dim=0), futures.repeat(n_h, 1)], dim=1)
    log_probs = _log_probs(log_prob_fn, pairs, batch_size, f"{h_name}, futures")  # (|H| |F|, V)
    return log_probs.reshape(n_h, n_f, -1)  # (|H|, |F|, V)


def _centred(log_prob_fn: LogProbFn, histories: Tensor, futures: Tensor, batch_size: int, h_name: str) -> Tensor:
    log_probs = _pairs(log_prob_fn, histories, futures, batch_size, h_name)  # (|H|, |F|, V)
    return log_probs - log_probs.mean(dim=2, keepdim=True)


def extended_logit_matrix(log_prob_fn: LogProbFn, histories: Tensor, futures: Tensor,
                          top_k: int | None = None, tokens: Tensor | None = None,
                          batch_size: int = 4096) -> LogitMatrix:
    """L_M(H, F), or L_{M,k}(H, F) with ``top_k``; pass ``tokens`` to reuse another matrix's columns."""
    return _extended(log_prob_fn, histories, futures, top_k, tokens, batch_size, "histories")


def _extended(log_prob_fn: LogProbFn, histories: Tensor, futures: Tensor, top_k: int | None, tokens: Tensor | None,
              batch_size: int, h_name: str) -> LogitMatrix:
    _check_column_choice(top_k, tokens)
    return _columns(_centred(log_prob_fn, histories, futures, batch_size, h_name), top_k, tokens)


def logit_matrix_from_log_probs(log_probs: Tensor, top_k: int | None = None, tokens: Tensor | None = None) -> LogitMatrix:
    """L_M(H, F) (or L_{M,k} with ``top_k``, or ``tokens``' columns) from log Pr[z | h∘f] given as (|H|, |F|, V):
    what ``extended_logit_matrix`` builds, for a model that computes the whole table itself (continuing every future
    from each history's cached state: ``continuation_log_probs`` of ``models.sequence`` and ``models.char_lstm``)."""
    require_type(log_probs, "log_probs", torch.Tensor, "an (|H|, |F|, V) tensor")
    require(log_probs.dim() == 3 and min(log_probs.shape) >= 1, "log_probs", "an (|H|, |F|, V) tensor",
            tuple(log_probs.shape))
    _check_column_choice(top_k, tokens)
    log_probs = log_probs.double()
    return _columns(log_probs - log_probs.mean(dim=2, keepdim=True), top_k, tokens)


def _check_column_choice(top_k: int | None, tokens: Tensor | None) -> None:
    """Columns chosen by ``top_k`` or given as ``tokens``, never both."""
    require(top_k is None or tokens is None, "top_k", "None when tokens are given", top_k)
    if tokens is not None:
        require_token_ids(tokens, "tokens", None, dims=2, shape="(|F|, k) tensor")


def _columns(centred: Tensor, top_k: int | None, tokens: Tensor | None) -> LogitMatrix:
    """The (|H|, |F| k) matrix of centred (|H|, |F|, V) log-probs at the top-k tokens per future, or at ``tokens``."""
    n_h, n_f, V = centred.shape
    if tokens is None:
        k = V if top_k is None else require_int(top_k, "top_k", lo=1, hi=V)
        # Centring shifts a future's scores by a constant, so this is the order of the mean log-prob.
        order = torch.sort(centred.mean(dim=0), dim=1, descending=True, stable=True).indices
        tokens = order[:, :k] if top_k is not None else torch.arange(V).expand(n_f, V)
    else:
        require(tokens.shape[0] == n_f, "tokens", f"of shape (|F|={n_f}, k)", tuple(tokens.shape))
        require_token_ids(tokens, "tokens", V, dims=2, shape="(|F|, k) tensor")
    values = centred.gather(2, tokens.expand(n_h, -1, -1))  # (|H|, |F|, k)
    return LogitMatrix(values.reshape(n_h, -1), tokens.clone())


def sample_sequences(log_prob_fn: LogProbFn, n: int, length: int, generator: torch.Generator,
                     prefixes: Tensor | None = None) -> Tensor:
    """Sample (n, length) continuations of (n, t0) ``prefixes`` (default: empty) token by token."""
    n, length = require_int(n, "n", lo=1), require_int(length, "length", lo=0)
    require_type(generator, "generator", torch.Generator, "a torch.Generator")
    if prefixes is not None:
        _check_call(log_prob_fn, prefixes, "prefixes")
    else:
        require(callable(log_prob_fn), "log_prob_fn", "a callable (n, t) token ids -> (n, V) log-probs", log_prob_fn)
    context = torch.empty(n, 0, dtype=torch.long) if prefixes is None else prefixes
    require(context.shape[0] == n, "prefixes", f"a tensor with n={n} rows", context.shape[0])
    for _ in range(length):
        probs = _log_probs(log_prob_fn, context, 4096, "prefixes").exp()  # (n, V)
        context = torch.cat([context, torch.multinomial(probs, 1, generator=generator)], dim=1)
    return context[:, context.shape[1] - length:]


def nonsense_futures(V: int, n: int, length: int, generator: torch.Generator) -> Tensor:
    """(n, length) tokens drawn uniformly from [0, V): futures unrelated to the language."""
    V, n, length = require_int(V, "V", lo=1), require_int(n, "n", lo=0), require_int(length, "length", lo=0)
    require_type(generator, "generator", torch.Generator, "a torch.Generator")
    return torch.randint(0, V, (n, length), generator=generator)


def singular_values(matrix: Tensor) -> Tensor:
    """Singular values in float64, descending."""
    require_type(matrix, "matrix", torch.Tensor, "a 2-D tensor")
    require(matrix.dim() >= 2, "matrix", "a 2-D tensor (or a batch of them)", tuple(matrix.shape))
    require(not matrix.is_complex(), "matrix", "a real tensor", matrix.dtype)
    require(bool(torch.isfinite(matrix).all()), "matrix", "finite entries (NaN/inf has no singular values)",
            "non-finite entries")
    return torch.linalg.svdvals(_square_if_wide(matrix.double()))


def numerical_rank(matrix: Tensor, rtol: float = 1e-9) -> int:
    """Number of singular values above rtol times the largest (0 for a zero matrix)."""
    require_real(rtol, "rtol", lo=0)
    require_type(matrix, "matrix", torch.Tensor, "a 2-D tensor")
    require(matrix.dim() == 2, "matrix", "a 2-D tensor", tuple(matrix.shape))
    require(bool(torch.isfinite(matrix).all()), "matrix", "finite entries (a rank of NaN/inf is undefined)", "non-finite entries")
    sv = singular_values(matrix)
    return int((sv > rtol * sv[0]).sum()) if sv.numel() and sv[0] > 0 else 0


def principal_angle_cosines(A: Tensor, B: Tensor, rank: int) -> Tensor:
    """Cosines (descending) of the principal angles between the rank-``rank`` column spaces.

    Each space is spanned by the top-``rank`` left singular vectors, i.e. it is the
    column space of the best rank-``rank`` approximation; A and B need the same
    number of rows but may differ in columns. 1 means a shared direction, 0 orthogonal.
    """
    require_type(A, "A", torch.Tensor, "a 2-D tensor")
    require_type(B, "B", torch.Tensor, "a 2-D tensor")
    require(A.dim() == 2 and B.dim() == 2, "A, B", "2-D tensors", (tuple(A.shape), tuple(B.shape)))
    require(A.shape[0] == B.shape[0], "A, B", "matrices with the same number of rows",
            (A.shape[0], B.shape[0]))
    for name, M in (("A", A), ("B", B)):
        require(not M.is_complex() and bool(torch.isfinite(M).all()), name, "a real matrix of finite entries",
                "non-finite or complex entries")
    rank = require_int(rank, "rank", lo=1, hi=min(A.shape + B.shape))
    U_a, U_b = _left_singular_vectors(A, rank), _left_singular_vectors(B, rank)
    return torch.linalg.svdvals(U_a.T @ U_b).clamp(0.0, 1.0)


def _square_if_wide(M: Tensor) -> Tensor:
    """A square matrix with M's singular values and left singular vectors: Rᵀ for a wide M (rows < columns, as
    L_M(H, F) is), since Mᵀ = QR with Q's columns orthonormal gives M = Rᵀ·Qᵀ; M itself otherwise. One QR and a small
    SVD cost a quarter of an SVD of the wide matrix at 256 × 2048."""
    return torch.linalg.qr(M.mT, mode="r").R.mT if M.shape[-1] > M.shape[-2] else M


def _left_singular_vectors(M: Tensor, rank: int) -> Tensor:
    """The top-``rank`` left singular vectors of M, in float64."""
    return torch.linalg.svd(_square_if_wide(M.double()), full_matrices=False).U[:, :rank]


def random_subspace_cosines(dim: int, rank: int, generator: torch.Generator) -> Tensor:
    """Principal-angle cosines between two independent uniformly random rank-r subspaces of R^dim.

    The chance level for ``principal_angle_cosines`` on |H| = dim rows.
    """
    dim = require_int(dim, "dim", lo=1)
    rank = require_int(rank, "rank", lo=1, hi=dim)
    require_type(generator, "generator", torch.Generator, "a torch.Generator")
    A = torch.randn(dim, rank, generator=generator, dtype=torch.float64)
    B = torch.randn(dim, rank, generator=generator, dtype=torch.float64)
    return principal_angle_cosines(A, B, rank)
