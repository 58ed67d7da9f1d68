"""Source 002's Lingen on a small real pretrained language model: textgenrnn's character LSTM.

Lingen (``lab.lingen``, the paper's Algorithm 1) continues a target history by querying the model on *other*
histories only: the target's row of L_{M,k}(·, F) is regressed on the basis histories' rows, and each next-token
distribution is softmax(Σ_h v_h log Pr[· | h∘z_<t]). ``experiments.logit_rank`` measures it on the toy analog; this
measures it on the pretrained char LSTM of ``experiments.pretrained_logit_rank`` (same text, same k = 50), with the
untrained network (Keras' init) as the control model.

**Probes.** Per seed (stream ``probes``): B basis histories and T target histories, ``history_len`` characters each,
cut from ``pretrained_logit_rank.CORPUS`` at distinct uniformly drawn offsets (targets are never basis rows); |F|
futures of ``future_len`` characters cut the same way; B nonsense basis histories, uniform strings over the text's
characters.

**Regression.** A basis's rows of L_{M,k}(·, F) (top-k symbols per future chosen on that basis), the targets' rows at
the same columns, and ``lab.lingen.regression_weights`` (minimum-norm least squares) over the futures alone, as the
source does. The single-token baseline is the same regression on the next-symbol columns only (the empty future,
all 465 symbols).

**KL.** Per target, ``samples`` continuations of ``gen_steps`` symbols sampled from the model given the target (stream
``lingen``; never the padding id, which is no symbol); at each step the exact KL(model(target∘z_<t) ‖ candidate) over the 465 symbols, both sides renormalised
in float64; averaged over targets and continuations per step, then over steps. Candidates, all on the same
continuations: Lingen on the basis and on the nonsense basis, each also with every other target's weights in
place of its own (the KL averaged over them: the negative control) and with the target added to its basis (its row in the basis span: the positive
control), single-token, and the model given only
the last c characters of the target (restricted context). The untrained network is measured the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from toy_claims.experiments.pretrained_logit_rank import CORPUS
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.lingen import regression_weights
from toy_claims.lab.logit_matrix import logit_matrix_from_log_probs
from toy_claims.lab.seeds import Seeds
from toy_claims.models.char_lstm import PAD, CharLSTM, load_char_lstm
from toy_claims.models.validation import require, require_int, require_ints

__all__ = ["STREAMS", "PretrainedLingenConfig", "CONFIGS", "PretrainedLingenResult", "run", "setup",
           "PRETRAINED_LINGEN", "figure_lingen"]

STREAMS = ("probes", "lingen", "init")  # lab.seeds: probe sets, sampled continuations, untrained networks


@dataclass(frozen=True)
class PretrainedLingenConfig:
    # probe draws, each with its own continuations and untrained network; 3 left the other-targets control's interval
    # against single-token (ratios 1.3-2.7 over draws) touching 1 at one seed offset of five
    n_seeds: int = 5
    basis: int = 128  # B basis histories (in-distribution and nonsense)
    targets: int = 8  # T held-out target histories
    samples: int = 8  # continuations sampled from the model per target
    gen_steps: int = 6  # generated symbols per continuation
    n_futures: int = 64  # |F| (regression columns: |F| · top_k = 3200)
    history_len: int = 24  # characters per history (as pretrained_logit_rank)
    future_len: int = 8  # characters per future
    top_k: int = 50  # symbols per future (the paper's k)
    truncations: tuple[int, ...] = (4, 12)  # restricted contexts: the last c target characters
    judged_truncation: int = 12  # the one the claims judge (half the history, as the toy analog's 4 of 8)
    dtype: str = "float32"  # the networks' dtype

    def __post_init__(self) -> None:
        for name in ("n_seeds", "basis", "targets", "samples", "gen_steps", "n_futures", "history_len", "future_len",
                     "top_k"):
            require_int(getattr(self, name), name, lo=1)
        require(self.targets >= 2, "targets", ">= 2 (the other-targets control gives each the others' weights)",
                self.targets)
        require(self.history_len + max(self.future_len, self.gen_steps - 1) <= 38, "history_len + future_len",
                "<= 38 (the model's window holds '<s>' and one more step)",
                self.history_len + max(self.future_len, self.gen_steps - 1))
        require_ints(self.truncations, "truncations", lo=1, hi=self.history_len)
        require(self.judged_truncation in self.truncations, "judged_truncation", f"one of {self.truncations}",
                self.judged_truncation)
        require(self.dtype in ("float32", "float64"), "dtype", "'float32' or 'float64'", self.dtype)

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)


CONFIGS = {
    # ~24 CPU-s on one thread, ~5 s a draw (trained and untrained: the basis rows over F,
    # the nonsense basis rows, the continuations of both bases at each step)
    "ci": PretrainedLingenConfig(),
    # More histories, futures and continuations, in float64: meant for a GPU and not yet run.
    "paper": PretrainedLingenConfig(basis=512, targets=32, samples=16, n_futures=256, dtype="float64"),
}


@dataclass(frozen=True)
class PretrainedLingenResult:
    # per draw: model ("trained", "untrained") -> candidate -> per-step mean KL(model ‖ candidate), nats
    kl: tuple[dict[str, dict[str, np.ndarray]], ...]

    def mean(self, model: str, candidate: str) -> list[float]:
        """Per draw: the candidate's KL averaged over steps."""
        return [float(d[model][candidate].mean()) for d in self.kl]

    def ratio(self, model: str, candidate: str, baseline: str) -> list[float]:
        return [a / b for a, b in zip(self.mean(model, candidate), self.mean(model, baseline))]


def _draw(config: PretrainedLingenConfig, model: CharLSTM, g: torch.Generator):
    """(basis, targets, futures, nonsense basis) as id tensors, drawn from ``g`` in this order."""
    ids = torch.tensor(model.encode(CORPUS, "CORPUS"))
    n = config.basis + config.targets
    starts = torch.randperm(len(CORPUS) - config.history_len + 1, generator=g)[:n]
    H = ids[starts[:, None] + torch.arange(config.history_len)]
    starts = torch.randperm(len(CORPUS) - config.future_len + 1, generator=g)[: config.n_futures]
    futures = ids[starts[:, None] + torch.arange(config.future_len)]
    alphabet = torch.tensor(sorted(set(ids.tolist())))
    nonsense = alphabet[torch.randint(len(alphabet), (config.basis, config.history_len), generator=g)]
    return H[: config.basis], H[config.basis:], futures, nonsense


def _rows(model: CharLSTM, basis: Tensor, target_table: Tensor, futures: Tensor, top_k: int) -> tuple[Tensor, Tensor]:
    """The basis rows (B, C) and the targets' rows (T, C) of L_{M,k}(·, F), the columns chosen on the basis;
    ``target_table`` is the targets' (T, |F|, V) log Pr[z | h∘f], shared by every basis."""
    rows = logit_matrix_from_log_probs(model.continuation_log_probs(basis, futures), top_k=top_k)
    return rows.values, logit_matrix_from_log_probs(target_table, tokens=rows.tokens).values


def _basis_log_probs(model: CharLSTM, basis: Tensor, cont: Tensor) -> Tensor:
    """log Pr[· | h∘z] for every basis history h and continuation z of (m, t) -> (B, m, V) float64."""
    if cont.shape[1] == 0:
        return model.next_token_log_probs(basis)[:, None].expand(-1, cont.shape[0], -1)
    return model.continuation_log_probs(basis, cont)


def _combine(weights: Tensor, basis_log: Tensor) -> Tensor:
    """softmax(Σ_h v_h log Pr[· | h∘z]) per (target, sample): weights (T, B), basis_log (B, T·n, V) -> (T·n, V)."""
    n = basis_log.shape[1] // weights.shape[0]
    return F.log_softmax(torch.einsum("th,htnv->tnv", weights, basis_log.reshape(basis_log.shape[0], weights.shape[0],
                                                                                  n, -1)).reshape(-1, basis_log.shape[2]),
                         dim=-1)


def _kl(p_log: Tensor, q_log: Tensor) -> float:
    """Mean over rows of the exact KL(p ‖ q) over the symbols, in float64."""
    return float(F.kl_div(q_log.double(), p_log.double(), log_target=True, reduction="none").sum(dim=1).mean())


def _kls(config: PretrainedLingenConfig, model: CharLSTM, basis: Tensor, targets: Tensor, futures: Tensor,
         nonsense: Tensor, g: torch.Generator) -> dict[str, np.ndarray]:
    """Candidate -> per-step KL(model ‖ candidate), mean over targets and continuations (see the module docstring)."""
    T, n, k = len(targets), config.samples, config.top_k
    target_table = model.continuation_log_probs(targets, futures)
    rows = {"lingen": _rows(model, basis, target_table, futures, k),
            "lingen nonsense basis": _rows(model, nonsense, target_table, futures, k)}
    w = {name: regression_weights(*r) for name, r in rows.items()}
    single = model.next_token_log_probs(torch.cat([basis, targets]))
    single = single - single.mean(dim=1, keepdim=True)
    w["single-token"] = regression_weights(single[: len(basis)], single[len(basis):])
    # the positive control: each target regressed on the basis and itself (its row in the span of the basis rows)
    own = {name: torch.stack([regression_weights(torch.cat([b, t[j:j + 1]]), t[j:j + 1])[0] for j in range(T)])
           for name, (b, t) in rows.items()}  # (T, B + 1) each
    prefix = targets.repeat_interleave(n, dim=0)  # (T·n, t_h): target j's samples at rows j n .. j n + n − 1
    cont = torch.empty(T * n, 0, dtype=torch.long)
    kls: dict[str, list[float]] = {}
    for _ in range(config.gen_steps):
        p_log = F.log_softmax(model.next_token_log_probs(torch.cat([prefix, cont], dim=1)), dim=-1)  # (T·n, V)
        basis_log = _basis_log_probs(model, basis, cont)
        logs = {"lingen": basis_log, "lingen nonsense basis": _basis_log_probs(model, nonsense, cont)}
        candidates = {"single-token": _combine(w["single-token"], basis_log)}
        for name, log in logs.items():
            candidates[name] = _combine(w[name], log)
        # each target's own log-probs on its samples (continued from its state, as the basis rows are)
        target_log = _basis_log_probs(model, targets, cont).reshape(T, T, n, -1)  # target i on target j's samples
        own_log = torch.diagonal(target_log, dim1=0, dim2=1).permute(2, 0, 1).reshape(1, T * n, -1)  # (1, T·n, V)
        for name, log in logs.items():
            candidates[f"{name} with target"] = _combine(own[name], torch.cat([log, own_log]))
        for c in config.truncations:
            candidates[f"truncated c={c}"] = F.log_softmax(
                model.next_token_log_probs(torch.cat([prefix[:, -c:], cont], dim=1)), dim=-1)
        for name, log in logs.items():  # every other target's weights, the KL averaged over them
            candidates[f"{name} other targets"] = [_combine(w[name].roll(r, dims=0), log) for r in range(1, T)]
        for name, q_logs in candidates.items():
            kl = [_kl(p_log, q_log) for q_log in (q_logs if isinstance(q_logs, list) else [q_logs])]
            kls.setdefault(name, []).append(float(np.mean(kl)))
        sampled = p_log.exp()
        sampled[:, PAD] = 0  # the padding id is not a symbol (the model still gives it a little probability)
        cont = torch.cat([cont, torch.multinomial(sampled, 1, generator=g)], dim=1)
    return {name: np.array(v) for name, v in kls.items()}


@cache
def run(config: PretrainedLingenConfig, seeds: Seeds, device: str = "cpu") -> PretrainedLingenResult:
    """Every draw's per-step KLs (memoised). Raises ModuleNotFoundError when textgenrnn or h5py is missing."""
    trained = load_char_lstm(dtype=config.torch_dtype).to(device)
    out = []
    for probe, lingen, init in zip(*(seeds(s, config.n_seeds) for s in STREAMS)):
        untrained = CharLSTM(trained.vocab, seed=init, dtype=config.torch_dtype).to(device).eval().requires_grad_(False)
        probes = _draw(config, trained, torch.Generator().manual_seed(probe))
        out.append({name: _kls(config, model, *probes, torch.Generator().manual_seed(lingen))
                    for name, model in (("trained", trained), ("untrained", untrained))})
    return PretrainedLingenResult(tuple(out))


def setup(config: PretrainedLingenConfig) -> dict[str, str]:
    return {
        "model": "textgenrnn 2.0.0's pretrained character LSTM (as pretrained-logit-rank); control model: the same "
                 "network at Keras 2.1.5's init, one per draw",
        "probes": f"B = {config.basis} basis histories and T = {config.targets} target histories of "
                  f"{config.history_len} characters, {config.n_futures} futures of {config.future_len}, cut at "
                  "distinct uniformly drawn offsets of pretrained-logit-rank's fixed English text; nonsense basis: "
                  f"{config.basis} uniform strings over its characters",
        "regression": f"the target's row of L_{{M,{config.top_k}}}(·, F) ({config.n_futures} × {config.top_k} columns, "
                      "chosen on the basis) on the basis rows, minimum-norm least squares over the futures alone; "
                      "single-token: the next-symbol columns only (465)",
        "KL": f"exact KL(model ‖ candidate) over 465 symbols at each of {config.gen_steps} generated steps, along "
              f"{config.samples} continuations per target sampled from the model, averaged over steps, continuations "
              f"and targets; restricted context: the model given the last c ∈ {list(config.truncations)} target "
              f"characters (c = {config.judged_truncation} judged); computed in {config.dtype}",
        "seeds": f"{config.n_seeds} draws of (basis, targets, futures, nonsense basis, continuations, untrained "
                 "network); the pretrained weights are one fixed model",
    }


def figure_lingen(result: PretrainedLingenResult, config: PretrainedLingenConfig):
    """KL per generated step of each candidate, trained model (left) and untrained network (right), mean over draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    steps = np.arange(1, config.gen_steps + 1)
    for ax, model in zip(axes, ("trained", "untrained")):
        for name in result.kl[0][model]:
            ax.semilogy(steps, np.maximum(np.mean([d[model][name] for d in result.kl], axis=0), 1e-12), "o-",
                        label=name)
        ax.set(xlabel="generated step", title=f"{model} char LSTM")
    axes[0].set_ylabel("KL(model ‖ candidate), nats")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


PRETRAINED_LINGEN = Experiment("002-pretrained-lingen", CONFIGS, STREAMS, run, setup, optional=("textgenrnn", "h5py"))
