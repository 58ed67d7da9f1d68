"""A fast training step for ``EmbedUnembedStack``: hand-derived gradients and a hand-written optimizer update.

Why: at the sizes the claims train (V = 10 .. 1000, D = 1 .. 64) one autograd step costs hundreds of times its
arithmetic: building the graph, the optimizer's bookkeeping and the LR scheduler are ~200 tiny framework calls.
Here one step is the same low-level tensor operations that autograd's backward and ``torch.optim``'s foreach
implementations run (``_log_softmax_backward_data``, the two ``bmm`` of a ``bmm``'s backward, ``scatter_add_`` for
``gather``, the LayerNorm chain rule term by term, Adam's ``lerp_ / addcmul_ / addcdiv_``), on the same shapes and
memory layouts, in the same order, so every parameter after every step is bitwise the autograd result
(tests/test_embedding_engine.py). What is left out does nothing to the numbers: the graph, the forward loss values
(only their gradients are needed), and the width mask where every member spans the full width (a product by 1).
Minibatches are drawn ahead, the same draws in fewer calls (``TokenPairDataset.sample_steps``).

Members keep the stack's padded width: a bmm over a narrower width sums the same products in another order, so
training each width at its own size (width buckets) would move a member's numbers at float32 rounding and, through
training, the reported ones.

``EmbeddingEngine.for_training`` returns None for what it does not mirror (a subclass of the stack, a dtype other
than float32): ``lab.training.train`` then runs the autograd path.
"""

from __future__ import annotations

from typing import Callable

import torch

from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.models.datasets import TokenPairDataset
from toy_claims.models.embedding import EmbedUnembedStack
from toy_claims.models.validation import require, require_type

__all__ = ["EmbeddingEngine"]

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8  # torch.optim.Adam's defaults (OptimizerSpec fixes them)
_LN_EPS = 1e-5  # nn.LayerNorm's eps, as in EmbedUnembedStack._hidden
_LOG_SOFTMAX_BACKWARD = torch.ops.aten._log_softmax_backward_data.default  # LogSoftmaxBackward0's kernel
_DRAW_AHEAD = 256  # minibatch steps drawn at once per stream: (256, B) ids, far fewer calls, bounded memory


class EmbeddingEngine:
    """Trains a stack's parameters in place (``run``), bitwise as autograd + torch.optim would.

    The optimizer keeps one state per block of members (``model.block_members``, one block per optimizer spec, as
    ``lab.training`` packs them), and updates each block's tensors exactly as torch's foreach Adam / AdamW / SGD
    would as one parameter group.
    """

    def __init__(self, model: EmbedUnembedStack, dataset: TokenPairDataset, specs: list[OptimizerSpec],
                 batch_size: int | None, seeds: list[int], streams: dict[int, torch.Generator]) -> None:
        self.model, self.dataset, self.batch_size = model, dataset, batch_size
        self.seeds, self.streams = seeds, streams
        self.names = list(model.tables)  # E, U, ln_weight, ln_bias (those present)
        self.blocks = [[p.detach() for p in model.block_parameters(b)] for b in range(len(model.block_members))]
        self.block_specs = [specs[members[0]] for members in model.block_members]
        self.state = [[{} for _ in block] for block in self.blocks]
        self.step_count = 0
        mask = model.mask
        self.mask = None if bool((mask == 1).all()) else mask  # a product by an all-ones mask changes nothing
        self.width = mask.sum(-1, keepdim=True)  # (K, 1, 1), as _hidden computes it
        if batch_size is None:  # d loss / d log q: -π_x P[x, y] for every member (constant over the run)
            W = dataset.input_probs.to(mask)[:, None] * dataset._transition_for_loss.to(mask)
            self.g_logq = (torch.full((len(model.members),), -1.0).to(mask)[:, None, None] * W).contiguous()
        else:  # d loss / d nll for each pair: mean over the batch, as MeanBackward
            self.g_nll = torch.full((len(model.members), batch_size), 1.0).to(mask) / batch_size

    @classmethod
    def for_training(cls, model, dataset, specs, batch_size, seeds, streams) -> "EmbeddingEngine | None":
        """An engine for this run, or None where it does not mirror autograd (then train with autograd).

        The arguments are ``lab.training.train``'s, validated there; here only what would otherwise fail obscurely
        inside a step: a model that is no stack, and a spec list that is not one per member.
        """
        require_type(model, "model", EmbedUnembedStack, "an EmbedUnembedStack")
        require(len(specs) == len(model.members), "specs", f"one OptimizerSpec per member ({len(model.members)})",
                len(specs))
        if type(model) is not EmbedUnembedStack or any(p.dtype != torch.float32 for p in model.parameters()):
            return None
        return cls(model, dataset, specs, batch_size, seeds, streams)

    # -- forward / backward ---------------------------------------------------------------------------------------

    def _full(self, name: str) -> torch.Tensor:
        """Member-order (K, ...) table, assembled from the blocks exactly as EmbedUnembedStack._full does."""
        i = self.names.index(name)
        blocks = [block[i] for block in self.blocks]
        t = blocks[0] if len(blocks) == 1 else torch.cat(blocks)
        return t if self.model._identity_order else t[self.model._unpermute]

    def _masked(self, t: torch.Tensor) -> torch.Tensor:
        return t if self.mask is None else t * self.mask

    def _gradients(self) -> dict[str, torch.Tensor]:
        """d(summed loss)/d(each member-order table), as autograd's backward of train's loss computes them."""
        model = self.model
        E = self._masked(self._full("E"))
        h, ln_backward = self._hidden(E)
        U = E if model.tied and self.mask is None else self._masked(self._full("E" if model.tied else "U"))
        if self.batch_size is None:
            logits = torch.bmm(h, U.transpose(1, 2))  # (K, V, V)
            log_q = torch.log_softmax(logits, dim=-1)
            g_logits = _LOG_SOFTMAX_BACKWARD(self.g_logq, log_q, -1, log_q.dtype)
            g_h = torch.bmm(g_logits, U)
            g_U = torch.bmm(h.transpose(1, 2), g_logits).transpose(1, 2)
        else:
            x, y = self._batch()
            index = x[:, :, None].expand(-1, -1, h.shape[-1])
            rows = torch.gather(h, 1, index)  # (K, B, D)
            logits_t = torch.bmm(rows, U.transpose(1, 2)).transpose(1, 2)  # (K, V, B): cross_entropy's class dim 1
            log_p = torch.log_softmax(logits_t, dim=1)
            g_log_p = torch.zeros_like(log_p).scatter_(1, y[:, None, :], -self.g_nll[:, None, :])  # nll's backward
            g_logits = _LOG_SOFTMAX_BACKWARD(g_log_p, log_p, 1, log_p.dtype).transpose(1, 2)
            g_rows = torch.bmm(g_logits, U)
            g_U = torch.bmm(rows.transpose(1, 2), g_logits).transpose(1, 2)
            g_h = torch.zeros_like(h).scatter_add_(1, index, g_rows)
        grads = ln_backward(g_h)
        g_U = self._masked(g_U)
        if model.tied:
            grads["E"] = grads["E"] + g_U
        else:
            grads["U"] = g_U
        return grads

    def _hidden(self, E: torch.Tensor):
        """h(E) as EmbedUnembedStack._hidden computes it, and the function taking dL/dh to the tables' gradients."""
        layernorm = self.model.layernorm
        if layernorm == "none":
            return E, lambda g_h: {"E": self._masked(g_h)}
        width = self.width
        s = E.sum(-1, keepdim=True)
        mean = s / width
        c = self._masked(E - mean)
        var = c.pow(2).sum(-1, keepdim=True) / width
        r = torch.sqrt(var + _LN_EPS)
        hn = c / r
        w = self._full("ln_weight") if layernorm == "affine" else None
        h = self._masked(hn if w is None else hn * w + self._full("ln_bias"))

        def backward(g_h: torch.Tensor) -> dict[str, torch.Tensor]:
            grads = {}
            g_h = self._masked(g_h)
            if w is not None:
                grads["ln_weight"] = (g_h * hn).sum(1, keepdim=True)
                grads["ln_bias"] = g_h.sum(1, keepdim=True)
                g_h = g_h * w
            g_r = (-g_h * ((c / r) / r)).sum(-1, keepdim=True)  # DivBackward0, other
            g_ssum = g_r / (2 * r) / width  # SqrtBackward0, then the division by width
            g_c = g_h / r + g_ssum.expand_as(c) * (2 * c.pow(1))  # DivBackward0 (self) + PowBackward0
            g_c = self._masked(g_c)
            g_mean = (-g_c).sum(-1, keepdim=True)  # SubBackward0, other
            g_E = g_c + (g_mean / width).expand_as(c)
            grads["E"] = self._masked(g_E)
            return grads

        return h, backward

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Each member's fresh (x, y) of its stream, the ones lab.training would draw at this step: (K, B) each.

        Drawn ahead, _DRAW_AHEAD steps per stream at a time (``sample_steps``: the per-step draws, in one call).
        """
        i = (self.step_count - 1) % _DRAW_AHEAD
        if i == 0:
            ahead = min(_DRAW_AHEAD, self.steps - self.step_count + 1)
            drawn = {s: self.dataset.sample_steps(ahead, self.batch_size, g) for s, g in self.streams.items()}
            device = self.model.mask.device
            self.ahead = tuple(torch.stack([drawn[s][j] for s in self.seeds], dim=1).to(device) for j in (0, 1))
        return self.ahead[0][i], self.ahead[1][i]

    def run(self, steps: int, schedule: LRSchedule, observe: Callable[[int], None], observe_at: list[int]) -> None:
        """Updates 1..``steps`` in lab.loop.run_steps' order: update t at ``schedule.factor(t - 1)`` (as LambdaLR
        sets it), then ``observe(t)`` at each t in ``observe_at`` (0 = before any update)."""
        self.steps, at = steps, set(observe_at)
        if 0 in at:
            observe(0)
        for step, factor in enumerate(schedule.factors(steps), start=1):
            self._step(factor)
            if step in at:
                observe(step)

    # -- optimizer ------------------------------------------------------------------------------------------------

    def _step(self, lr_factor: float) -> None:
        """One update of every member; the learning rate is each spec's ``lr × lr_factor``."""
        self.step_count += 1
        grads = self._gradients()
        for b, members in enumerate(self.model.block_members):
            # contiguous, as AccumulateGrad stores a gradient (torch's fused AdamW goes wrong on a strided one)
            block_grads = [self._block_rows(grads[name], b, members).contiguous() for name in self.names]
            spec = self.block_specs[b]
            update = _sgd if spec.name == "sgd" else _adam
            update(spec, spec.lr * lr_factor, self.blocks[b], block_grads, self.state[b], self.step_count)

    def _block_rows(self, g: torch.Tensor, b: int, members: list[int]) -> torch.Tensor:
        """Block b's rows of a member-order gradient, as cat's and index's backward hand them to its parameter."""
        if len(self.blocks) == 1 and self.model._identity_order:
            return g
        if self.model._identity_order:
            return g[members[0]: members[-1] + 1]
        return g[members]


def _adam(spec: OptimizerSpec, lr: float, params: list[torch.Tensor], grads: list[torch.Tensor],
          state: list[dict], step: int) -> None:
    """torch.optim.Adam / AdamW (foreach, not capturable, not amsgrad) on one parameter group."""
    if not state[0]:
        for st, p in zip(state, params):
            st["exp_avg"], st["exp_avg_sq"] = torch.zeros_like(p), torch.zeros_like(p)
    exp_avgs = [st["exp_avg"] for st in state]
    exp_avg_sqs = [st["exp_avg_sq"] for st in state]
    if spec.weight_decay != 0:
        if spec.name == "adamw":
            torch._foreach_mul_(params, 1 - lr * spec.weight_decay)
        else:
            grads = torch._foreach_add(grads, params, alpha=spec.weight_decay)
    torch._foreach_lerp_(exp_avgs, grads, 1 - _BETA1)
    torch._foreach_mul_(exp_avg_sqs, _BETA2)
    torch._foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - _BETA2)
    step_f = float(step)  # torch keeps the step as a float32 tensor and reads it back with .item()
    step_size = (lr / (1 - _BETA1 ** step_f)) * -1
    denom = torch._foreach_sqrt(exp_avg_sqs)
    torch._foreach_div_(denom, (1 - _BETA2 ** step_f) ** 0.5)
    torch._foreach_add_(denom, _EPS)
    torch._foreach_addcdiv_(params, exp_avgs, denom, [step_size] * len(params))


def _sgd(spec: OptimizerSpec, lr: float, params: list[torch.Tensor], grads: list[torch.Tensor],
         state: list[dict], step: int) -> None:
    """torch.optim.SGD (foreach, no dampening, not nesterov) on one parameter group."""
    if spec.weight_decay != 0:
        grads = torch._foreach_add(grads, params, alpha=spec.weight_decay)
    if spec.momentum != 0:
        if not state[0]:
            for st, g in zip(state, grads):
                st["momentum_buffer"] = g.detach().clone()
        else:
            bufs = [st["momentum_buffer"] for st in state]
            torch._foreach_mul_(bufs, spec.momentum)
            torch._foreach_add_(bufs, grads, alpha=1)
        grads = [st["momentum_buffer"] for st in state]
    torch._foreach_add_(params, grads, alpha=-lr)
