"""Lingen: generate for a target prompt by querying the model only on other prompts.

Algorithm 1 of the paper, for any ``log_prob_fn`` (see ``lab.logit_matrix``):

1. Regress the target's row of the extended logit matrix on the basis rows,
   L_M({h_targ}, F) ≈ v^T L_M(H, F)  (least squares, optionally ridge).
2. Continue the target token by token with
   q(· | z_<t) = softmax(Σ_h v_h · log Pr[· | h∘z_<t]),
   which only ever evaluates the model on basis histories h. (Log-probabilities and
   centred logits give the same softmax: they differ by a constant over tokens.)

``lingen_kl`` measures Lingen against the model itself, per step, along continuations
of the target sampled from the model: KL(Pr[· | h_targ∘z_<t] ‖ q(· | z_<t)). The KL over
the next token is exact; the expectation over z_<t is a Monte Carlo average.
The single-token baseline is the same regression on next-token logits only, F = {()}.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from toy_claims.lab.logit_matrix import LogProbFn, _extended, _log_probs  # their errors name this module's parameters
from toy_claims.models.validation import require, require_int, require_real, require_token_ids, require_type

__all__ = [
    "fit_lingen",
    "fit_single_token",
    "lingen_kl",
    "lingen_log_prob_fn",
    "regression_weights",
]


def regression_weights(basis: Tensor, targets: Tensor, ridge: float = 0.0) -> Tensor:
    """argmin_v ||v^T basis - target||^2 + ridge ||v||^2 for each target row -> (n_targets, |H|).

    ``basis`` is (|H|, C) and ``targets`` (n_targets, C). With ridge = 0 this is the
    minimum-norm least-squares solution, so rank-deficient bases are fine.
    """
    require_real(ridge, "ridge", lo=0)
    require_type(basis, "basis", torch.Tensor, "an (|H|, C) tensor")
    require_type(targets, "targets", torch.Tensor, "an (n_targets, C) tensor")
    require(basis.dim() == 2 and targets.dim() == 2 and basis.shape[1] == targets.shape[1], "basis, targets",
            "(|H|, C) and (n_targets, C) tensors", (tuple(basis.shape), tuple(targets.shape)))
    require(basis.shape[0] >= 1 and basis.shape[1] >= 1, "basis", "an (|H|, C) tensor with |H|, C >= 1",
            tuple(basis.shape))
    for name, t in (("basis", basis), ("targets", targets)):  # LAPACK's gelsd fails an internal assert on NaN
        require(not t.is_complex() and bool(torch.isfinite(t).all()), name, "real and finite", "non-finite entries")
    design, rhs = basis.double().T, targets.double().T  # (C, |H|), (C, n_targets)
    if ridge > 0:
        n_h = design.shape[1]
        design = torch.cat([design, ridge**0.5 * torch.eye(n_h, dtype=torch.float64)])
        rhs = torch.cat([rhs, torch.zeros(n_h, rhs.shape[1], dtype=torch.float64)])
    return torch.linalg.lstsq(design, rhs, driver="gelsd").solution.T


def fit_lingen(log_prob_fn: LogProbFn, basis_histories: Tensor, futures: Tensor,
               targets: Tensor, top_k: int | None = None, ridge: float = 0.0) -> Tensor:
    """Weights v (n_targets, |H|) expressing each (n_targets, t) target's row of L_M(·, F)
    in the rows of L_M(basis_histories, F); top-k columns are chosen on the basis."""
    require_real(ridge, "ridge", lo=0)
    basis = _extended(log_prob_fn, basis_histories, futures, top_k, None, 4096, "basis_histories")
    rows = _extended(log_prob_fn, targets, futures, None, basis.tokens, 4096, "targets")
    return regression_weights(basis.values, rows.values, ridge)


def fit_single_token(log_prob_fn: LogProbFn, basis_histories: Tensor, targets: Tensor,
                     ridge: float = 0.0) -> Tensor:
    """The single-token baseline: ``fit_lingen`` with F = {empty future}."""
    empty = torch.empty(1, 0, dtype=torch.long)
    return fit_lingen(log_prob_fn, basis_histories, empty, targets, ridge=ridge)


def lingen_log_prob_fn(log_prob_fn: LogProbFn, basis_histories: Tensor, weights: Tensor) -> LogProbFn:
    """Lingen's next-token log-probs for (m, t) continuations of the target -> (m, V).

    ``weights`` is one target's (|H|,) row from ``fit_lingen``.
    """
    require(callable(log_prob_fn), "log_prob_fn", "a callable (n, t) token ids -> (n, V) log-probs", log_prob_fn)
    require_token_ids(basis_histories, "basis_histories", None, dims=2, shape="(|H|, t_h) tensor")
    require(basis_histories.shape[0] >= 1, "basis_histories", "at least one history", tuple(basis_histories.shape))
    require_type(weights, "weights", torch.Tensor, "one target's (|H|,) row of fit_lingen's weights")
    require(weights.shape == (basis_histories.shape[0],), "weights",
            f"a ({basis_histories.shape[0]},) row, one weight per basis history", tuple(weights.shape))
    require(not weights.is_complex() and bool(torch.isfinite(weights).all()), "weights", "real and finite",
            "non-finite entries")
    n_h = basis_histories.shape[0]
    v = weights.double()

    def continuation_log_probs(continuations: Tensor) -> Tensor:
        require_token_ids(continuations, "continuations", None, dims=2, shape="(m, t) tensor")
        m = continuations.shape[0]
        pairs = torch.cat([basis_histories.repeat(m, 1),
                           continuations.repeat_interleave(n_h, dim=0)], dim=1)  # (m |H|, t_h + t)
        log_probs = _log_probs(log_prob_fn, pairs, 4096, "basis_histories, continuations").reshape(m, n_h, -1)
        return F.log_softmax(torch.einsum("h,mhv->mv", v, log_probs), dim=-1)

    return continuation_log_probs


def lingen_kl(log_prob_fn: LogProbFn, basis_histories: Tensor, weights: Tensor, target: Tensor,
              length: int, n_samples: int, generator: torch.Generator) -> Tensor:
    """Per-step KL(model ‖ Lingen) along (n_samples) model continuations of ``target`` (t,).

    Returns (n_samples, length): entry [i, s] is the exact next-token KL at step s + 1 of
    sample i; ``.mean(0)`` is the per-step expected KL.
    """
    length, n_samples = require_int(length, "length", lo=0), require_int(n_samples, "n_samples", lo=1)
    require_token_ids(target, "target", None, dims=1, shape="(t,) tensor")
    require_type(generator, "generator", torch.Generator, "a torch.Generator")
    lingen = lingen_log_prob_fn(log_prob_fn, basis_histories, weights)
    prefix = target.expand(n_samples, -1)  # (n, t)
    continuation = torch.empty(n_samples, 0, dtype=torch.long)
    kls = []
    for _ in range(length):
        # (n, V); the continuation is the model's own sample, so an id it refuses is the target's
        p_log = _log_probs(log_prob_fn, torch.cat([prefix, continuation], dim=1), 4096, "target")
        q_log = lingen(continuation)  # (n, V)
        kls.append(F.kl_div(q_log, p_log, log_target=True, reduction="none").sum(dim=1))
        next_token = torch.multinomial(p_log.exp(), 1, generator=generator)  # (n, 1)
        continuation = torch.cat([continuation, next_token], dim=1)
    return torch.stack(kls, dim=1) if kls else torch.empty(n_samples, 0, dtype=torch.float64)
