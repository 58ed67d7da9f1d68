"""Online training of a causal sequence model on a language whose conditionals are exact.

The sequence analogue of ``lab.training.train``: fresh sequences from the
language every step (next-token cross-entropy, the LLM pre-training loss), the
optimizer and schedule chosen with the same ``OptimizerSpec`` / ``LRSchedule``,
and evaluation against the truth rather than against held-out loss:

    per_token_kl = mean over eval sequences and positions t of
                   KL( Pr_language[· | z_<t] ‖ Pr_model[· | z_<t] ),

each KL exact over the next token (the language's forward algorithm), the average
over prefixes a Monte Carlo mean over a fixed set of sequences drawn from the
language. It is the model's cross-entropy minus the language's entropy rate on
those prefixes, with the sampling noise of log Pr[z_t] removed.

A non-finite KL raises ``lab.loop.Diverged`` (one divergence policy for every engine).

Checkpoints (frozen CPU copies of the model) are kept at requested steps, so a
claim can compare init, early and final models of one run.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from toy_claims.lab.loop import check_finite, check_steps, run_steps
from toy_claims.lab.optim import LRSchedule, OptimizerSpec, build_optimizer
from toy_claims.lab.training import log_spaced_steps, resolve_device
from toy_claims.models.validation import require, require_int, require_seed, require_token_ids, require_type

__all__ = ["SequenceLanguage", "SequenceTrainLog", "per_token_kl", "train_sequence_model"]

_log = logging.getLogger(__name__)  # progress at every evaluation: pytest -o log_cli=true -o log_cli_level=INFO


class SequenceLanguage(Protocol):
    """What training needs from a language: exact conditionals and a sampler."""

    V: int

    def next_token_log_probs(self, prefixes: Tensor) -> Tensor: ...

    def sample(self, n_sequences: int, length: int, generator: torch.Generator) -> Tensor: ...


@dataclass
class SequenceTrainLog:
    """What a run measured: exact per-token KL at the evaluation steps, and checkpoints."""

    steps: list[int]  # evaluation steps (0 = init)
    kl: list[float]  # per_token_kl at each evaluation step, nats/token
    checkpoints: dict[int, nn.Module] = field(default_factory=dict)  # step -> frozen CPU copy, eval mode

    @property
    def final_kl(self) -> float:
        return self.kl[-1]


def per_token_kl(model, language: SequenceLanguage, sequences: Tensor) -> float:
    """Mean over (n, T) ``sequences`` and positions of KL(language ‖ model) of the next token.

    ``model`` is anything with ``next_token_log_probs(prefixes) -> (n, V)`` (the
    language itself gives 0). Float64, no gradients; NaN if the model's output is.
    """
    require(callable(getattr(model, "next_token_log_probs", None)), "model", "a model with next_token_log_probs", model)
    require(callable(getattr(language, "next_token_log_probs", None)), "language",
            "a language (or model) with next_token_log_probs", language)
    _check_sequences(sequences, "sequences", _vocabulary(language))
    device = next(model.parameters()).device if isinstance(model, nn.Module) else torch.device("cpu")
    total = 0.0
    with torch.no_grad():
        for t in range(sequences.shape[1]):
            prefixes = sequences[:, :t]
            p_log = language.next_token_log_probs(prefixes).double()  # (n, V)
            q_log = model.next_token_log_probs(prefixes.to(device)).double().cpu()
            require(q_log.shape == p_log.shape, "model, language", "of one vocabulary (next-token log-probs of one "
                    "shape)", (tuple(q_log.shape), tuple(p_log.shape)))
            total += float(F.kl_div(q_log, p_log, log_target=True, reduction="batchmean"))
    return total / sequences.shape[1]


def _check_language(language) -> None:
    """What training calls on a language: an integer V >= 2, exact conditionals and a sampler."""
    ok = all(callable(getattr(language, f, None)) for f in ("next_token_log_probs", "sample"))
    require(ok and isinstance(getattr(language, "V", None), int) and language.V >= 2, "language",
            "a SequenceLanguage (an int V >= 2, next_token_log_probs and sample)", language)


def _vocabulary(model) -> int | None:
    """The vocabulary size a model or language declares (``V`` or ``vocab_size``), None when it declares none."""
    V = getattr(model, "V", getattr(model, "vocab_size", None))
    return V if isinstance(V, int) else None


def _check_sequences(sequences, name: str, V: int) -> None:
    require_token_ids(sequences, name, V, dims=2, shape="(n, T) tensor")
    require(sequences.shape[0] >= 1 and sequences.shape[1] >= 1, name, "an (n, T) tensor with n, T >= 1",
            tuple(sequences.shape))


def _optimizer(model: nn.Module, spec: OptimizerSpec) -> torch.optim.Optimizer:
    """Weight decay on matrices and embeddings only (nanoGPT's convention), not on biases or norms."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return build_optimizer(spec, [{"params": decay, "weight_decay": spec.weight_decay},
                                  {"params": no_decay, "weight_decay": 0.0}])


def _frozen_copy(model: nn.Module) -> nn.Module:
    frozen = copy.deepcopy(model).cpu().eval()
    for p in frozen.parameters():
        p.requires_grad_(False)
    return frozen


def train_sequence_model(
    model: nn.Module,
    language: SequenceLanguage,
    *,
    steps: int,
    optim: OptimizerSpec,
    schedule: LRSchedule = LRSchedule(),
    batch_size: int = 64,
    seq_len: int = 16,
    data_seed: int = 0,
    eval_sequences: Tensor,
    eval_steps: list[int] | None = None,
    checkpoint_steps: list[int] = (),
    device: str = "cpu",
) -> SequenceTrainLog:
    """Train ``model`` in place on fresh language samples; return the KL curve and checkpoints.

    Every step sees ``batch_size`` new, independent sequences of ``seq_len`` tokens
    (all drawn up front in one call seeded by ``data_seed``, so the stream is a
    function of data_seed, steps and batch_size) and minimises the mean next-token
    cross-entropy, BOS-conditioned from the first token on (``model.sequence_log_prob``).
    """
    require_type(model, "model", nn.Module, "a torch nn.Module with sequence_log_prob")
    require(callable(getattr(model, "sequence_log_prob", None)), "model", "a model with sequence_log_prob", model)
    _check_language(language)
    require(_vocabulary(model) in (None, language.V), "model, language",
            "of one vocabulary (model.vocab_size == language.V)", (_vocabulary(model), language.V))
    steps = require_int(steps, "steps", lo=1)
    require_type(optim, "optim", OptimizerSpec, "an OptimizerSpec")
    require_type(schedule, "schedule", LRSchedule, "an LRSchedule")
    schedule.check(steps)
    batch_size, seq_len = require_int(batch_size, "batch_size", lo=1), require_int(seq_len, "seq_len", lo=1)
    context = getattr(model, "max_prefix_len", None)  # a transformer reads at most block_size tokens, BOS included
    if context is not None:
        require(seq_len <= context + 1, "seq_len", f"<= the model's block_size = {context + 1}", seq_len)
    data_seed = require_seed(data_seed, "data_seed")
    _check_sequences(eval_sequences, "eval_sequences", language.V)  # before training: an evaluation may come last
    if context is not None:
        require(eval_sequences.shape[1] <= context + 1, "eval_sequences", f"sequences of at most the model's block_size "
                f"= {context + 1} tokens", tuple(eval_sequences.shape))
    eval_at = (check_steps(eval_steps, "eval_steps", None) if eval_steps is not None
               else log_spaced_steps(steps))
    keep = check_steps(checkpoint_steps, "checkpoint_steps", None, allow_empty=True)
    require(all(0 <= s <= steps for s in eval_at + keep), "eval_steps, checkpoint_steps", f"steps in [0, {steps}]",
            (eval_at, keep))

    dev = resolve_device(device)
    model.to(dev).train()
    optimizer = _optimizer(model, optim)
    data = language.sample(steps * batch_size, seq_len, torch.Generator().manual_seed(data_seed))
    data = data.to(dev).view(steps, batch_size, seq_len)

    log = SequenceTrainLog(steps=[], kl=[])

    def record(step: int) -> None:
        if step in eval_at:
            log.steps.append(step)
            log.kl.append(per_token_kl(model, language, eval_sequences))
            check_finite(log.kl[-1], step, "the per-token KL")
            _log.info("step %d/%d: per-token KL to the language %.4g nats", step, steps, log.kl[-1])
        if step in keep:
            log.checkpoints[step] = _frozen_copy(model)

    def loss_at(step: int) -> Tensor:
        return -model.sequence_log_prob(data[step - 1]).mean() / seq_len

    run_steps(steps, [optimizer], loss_at, schedule=schedule, observe=record, observe_at=sorted({*eval_at, *keep}))
    return log
