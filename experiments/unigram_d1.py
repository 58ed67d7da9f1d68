"""Source 001, "1D embedding is sufficient": a D = 1 model on the V = 10 Zipf law, every variant the post names.

Tied, untied, tied + LayerNorm (with and without its affine parameters), each at the post's batch 128 and on exact
full-batch gradients, seeds paired across variants (same init E, same batches; ``unigram_common``); the tied batch-128
runs carry extra seeds for the ordering claims. ``layernorm_construction_gaps`` is the 2026-01-13 update's LayerNorm
construction, checked without training. The measures the claims read: the ordering of the learned values with
frequency, the speed-up of the untied model, and the standard error of the post's 2M-sample evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from toy_claims.experiments.unigram_common import BATCH, STREAMS, TrainedStack, train_stack
from toy_claims.lab.experiment import Experiment
from toy_claims.lab.optim import OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.training import TrainLog, log_spaced_steps
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import LAYERNORMS, EmbedUnembed, EmbedUnembedStack, Member
from toy_claims.models.validation import require, require_bool, require_choice, require_int, require_real, require_type

__all__ = [
    "STREAMS", "POST_EVAL_BATCH", "MINIBATCH", "FULL_BATCH", "REGIMES", "D1Config", "CONFIGS", "D1Result", "run",
    "setup", "D1", "first_step_at_or_below", "ordered_pair_fraction", "rank_correlation", "tied_optimum_form",
    "misordered_neighbours", "sampled_loss_standard_error", "speedup", "speedup_of_compressed",
    "layernorm_construction_gaps", "figure_d1_curves", "figure_d1_embeddings",
]

POST_EVAL_BATCH = 2_000_000  # "evaluation uses batch size 2,000,000"
MINIBATCH, FULL_BATCH = "minibatch", "full batch"  # the post's online minibatches; exact gradients as the alternative
REGIMES = (MINIBATCH, FULL_BATCH)


@dataclass(frozen=True)
class D1Config:
    """Every D = 1 variant in both regimes, seeds paired across variants (same init E, same batches)."""

    V: int = 10  # "V = 10"
    alpha: float = 1.0  # the standard Zipf law
    lr: float = 0.01  # the post's lr of its schedule section; unstated here
    steps: int = 3000  # the post's longest stated budget (schedule section); unstated here
    plain_steps: int = 300  # LayerNorm without affine: every gradient is exactly zero, so a short run shows it
    batch: int = BATCH  # fresh pairs per step in the minibatch regime
    n_seeds: int = 3  # per variant and regime
    order_seeds: int = 10  # tied, batch 128: seeds of the ordering claims (the first n_seeds are the runs above); a
    # run is either ordered in every pair or off by a swapped neighbouring pair, so the mean's interval needs ~10
    evals_per_decade: int = 20  # log-spaced evaluation steps
    variants: tuple[tuple[str, bool, str], ...] = (  # (name, tied, layernorm)
        ("tied", True, "none"),
        ("untied", False, "none"),
        ("tied + LayerNorm", True, "affine"),
        ("tied + LayerNorm without affine", True, "plain"),
    )

    def __post_init__(self) -> None:
        require_int(self.V, "V", lo=2)
        require_real(self.alpha, "alpha", lo=0)
        require_real(self.lr, "lr", lo=0, lo_open=True)
        for name in ("steps", "plain_steps", "batch", "n_seeds", "evals_per_decade"):
            require_int(getattr(self, name), name, lo=1)
        require_int(self.order_seeds, "order_seeds", lo=self.n_seeds)  # its first n_seeds are the runs' own
        require_type(self.variants, "variants", tuple, "a tuple of (name, tied, layernorm)")
        require(any(isinstance(v, tuple) and v[:2] == ("tied", True) for v in self.variants), "variants",
                "a tuple with a variant ('tied', True, ...): the ordering seeds ride along with it", self.variants)
        for k, v in enumerate(self.variants):
            require(isinstance(v, tuple) and len(v) == 3 and isinstance(v[0], str), f"variants[{k}]",
                    "a (name, tied, layernorm) tuple", v)
            require_bool(v[1], f"variants[{k}] tied")
            require_choice(v[2], f"variants[{k}] layernorm", LAYERNORMS)
        require(len({v[0] for v in self.variants}) == len(self.variants), "variants", "distinct names", self.variants)

    @property
    def data(self) -> ZipfUnigram:
        return ZipfUnigram(V=self.V, alpha=self.alpha)

    def steps_of(self, layernorm: str) -> int:
        return self.plain_steps if layernorm == "plain" else self.steps




CONFIGS = dict.fromkeys(("ci", "paper"), D1Config())  # the ci run already trains at the post's own sizes


@dataclass(frozen=True)
class D1Result:
    runs: dict[tuple[str, str], TrainedStack]  # (variant, regime) -> stack, one member per seed
    post_eval_standard_error: float  # SE of the post's 2M-sample loss estimate at the optimum (nats)
    initial_embeddings: tuple[np.ndarray, ...] = ()  # (V, 1) per seed: the init E of every variant
    ordering: TrainedStack | None = None  # tied, batch 128, order_seeds members (the first n_seeds: runs["tied", MINIBATCH])
    ordering_initial_embeddings: tuple[np.ndarray, ...] = ()  # (V, 1) per ordering seed at step 0

    def final_gap(self, variant: str, regime: str = MINIBATCH) -> np.ndarray:
        return self.runs[variant, regime].final_gap

    def signed_embeddings(self, regime: str, variant: str = "tied") -> list[np.ndarray]:
        """Each seed's D = 1 values, with the sign that makes their sum positive (tied: E → −E is a symmetry)."""
        return _signed(self.runs[variant, regime].embeddings)

    def signed_initial_embeddings(self) -> list[np.ndarray]:
        """Each seed's D = 1 values at step 0 (the init every variant starts from), sign fixed the same way."""
        return _signed(self.initial_embeddings)

    def signed_ordering_embeddings(self, initial: bool = False) -> list[np.ndarray]:
        """The tied batch-128 values of every ordering seed (at step 0 when ``initial``), sign fixed the same way."""
        return _signed(self.ordering_initial_embeddings if initial else self.ordering.embeddings)


def _signed(tables) -> list[np.ndarray]:
    return [e[:, 0] * np.sign(e.sum()) for e in tables]


def _first_members(stack: TrainedStack, n: int) -> TrainedStack:
    """The first ``n`` members of ``stack`` (members train independently: the same as a stack of those alone)."""
    log = TrainLog(steps=stack.log.steps, gaps=stack.log.gaps[:, :n],
                   extras={k: [row[:n] for row in v] for k, v in stack.log.extras.items()})
    return TrainedStack(log, stack.embeddings[:n])


@cache
def run(config: D1Config, seeds: Seeds, device: str = "cpu") -> D1Result:
    """Train every variant in both regimes (memoised: the claims of the experiment share one run)."""
    n_order = max(config.n_seeds, config.order_seeds)
    init, data_seeds = seeds("init", n_order), list(seeds("data", n_order))
    batches = {MINIBATCH: config.batch, FULL_BATCH: None}
    runs, ordering = {}, None
    for name, tied, layernorm in config.variants:
        steps = config.steps_of(layernorm)
        for regime in REGIMES:
            n = n_order if (name, regime) == ("tied", MINIBATCH) else config.n_seeds  # the ordering seeds ride along
            stack = train_stack(
                config.data, [Member(1, seed=s) for s in init[:n]], device=device, tied=tied, layernorm=layernorm,
                steps=steps, optim=OptimizerSpec("adam", config.lr), batch_size=batches[regime],
                data_seeds=data_seeds[:n], eval_steps=log_spaced_steps(steps, per_decade=config.evals_per_decade))
            if n > config.n_seeds:
                ordering, stack = stack, _first_members(stack, config.n_seeds)
            runs[name, regime] = stack
    initial = EmbedUnembedStack(config.V, [Member(1, seed=s) for s in init], tied=True)
    initial_embeddings = tuple(initial.embedding(k).cpu().numpy() for k in range(n_order))
    return D1Result(runs, sampled_loss_standard_error(config.data, POST_EVAL_BATCH), initial_embeddings[:config.n_seeds],
                    ordering or runs["tied", MINIBATCH], initial_embeddings)


def setup(config: D1Config) -> dict:
    """The setup table of the D = 1 claims, derived from the config."""
    return {
        "V": config.V, "alpha": config.alpha, "D": 1,
        "batch": f"{config.batch} fresh pairs per step (the post); full batch (exact gradient) as the alternative",
        "optimizer": f"Adam, lr {config.lr} (unstated; the lr of the post's schedule section)", "steps": config.steps,
        "init": "N(0, 1) (= N(0, 1/D) at D = 1, also nn.Embedding's default); LayerNorm weight 1, bias 0",
        "seeds": config.n_seeds, "evaluation": "exact loss gap L − S (float64)",
        "seeds of the ordering claims": f"{max(config.n_seeds, config.order_seeds)} (tied, batch {config.batch}; the "
                                        f"first {config.n_seeds} are the runs above): a run orders every pair or swaps one or more "
                                        "neighbouring pairs, so the per-seed values are coarse and the interval of their "
                                        "mean needs about ten seeds to sit clear of 1",
    }


def first_step_at_or_below(steps, gaps, level: float) -> float:
    """The first evaluation step at which ``gaps`` is <= ``level``; inf when it never is."""
    hit = np.flatnonzero(np.asarray(gaps) <= level)
    return float(steps[hit[0]]) if hit.size else float("inf")


def ordered_pair_fraction(values, probs) -> float:
    """Fraction of token pairs whose values are ordered like their probabilities (1 = strictly monotone).

    Pairs of equal probability are skipped; a tie in value counts as unordered.
    """
    v, p = np.asarray(values, dtype=np.float64), np.asarray(probs, dtype=np.float64)
    i, j = np.triu_indices(len(v), k=1)
    keep = p[i] != p[j]
    agree = np.sign(v[i] - v[j]) == np.sign(p[i] - p[j])
    return float(agree[keep].mean())


def rank_correlation(values, probs) -> float:
    """Spearman's rank correlation of ``values`` with ``probs`` (1: values rise with frequency in every pair)."""
    import scipy.stats

    return float(scipy.stats.spearmanr(np.asarray(values, dtype=np.float64), np.asarray(probs, dtype=np.float64))[0])


def tied_optimum_form(scale: float, probs) -> np.ndarray:
    """The tied D = 1 optimum's form at norm ``scale``: E_y = c + log p_y / c (ordered by frequency by construction)."""
    return scale + np.log(np.asarray(probs, dtype=np.float64)) / scale


def misordered_neighbours(values) -> list[int]:
    """Ranks r (1-based) with values[r−1] <= values[r]: neighbours out of the decreasing order of frequency."""
    return [r + 1 for r in range(len(values) - 1) if values[r] <= values[r + 1]]


def sampled_loss_standard_error(data: ZipfUnigram, n: int) -> float:
    """Standard error of an n-sample estimate of the loss of the optimal model: sqrt(Var_{y~p}[−log p_y] / n)."""
    p = data.probs
    log_p = torch.log(p)
    variance = (p * log_p**2).sum() - (p * log_p).sum() ** 2
    return float(torch.sqrt(variance / n))


def speedup(tied: TrainedStack, untied: TrainedStack) -> np.ndarray:
    """Per seed: steps the tied model needs to reach its final gap, over steps the untied one needs for the same gap."""
    steps = np.asarray(tied.log.steps)
    out = [first_step_at_or_below(steps, tied.log.gaps[:, k], level)
           / first_step_at_or_below(steps, untied.log.gaps[:, k], level)
           for k, level in enumerate(tied.log.final_gap)]
    return np.asarray(out, dtype=np.float64)


def speedup_of_compressed(stack: TrainedStack, factor: float = 2.0) -> np.ndarray:
    """Per seed: ``speedup`` of a run against its own curve on a step axis divided by ``factor`` (a planted model
    ``factor`` times as fast): ``factor`` exactly, whatever the evaluation grid."""
    steps = np.asarray(stack.log.steps, dtype=np.float64)
    out = [first_step_at_or_below(steps, stack.log.gaps[:, k], level)
           / first_step_at_or_below(steps / factor, stack.log.gaps[:, k], level)
           for k, level in enumerate(stack.log.final_gap)]
    return np.asarray(out, dtype=np.float64)


def layernorm_construction_gaps(tasks: tuple[tuple[int, float], ...]) -> tuple[list[float], list[float]]:
    """The update's construction, per (V, α): tied D = 1, E_y = log p_y, affine LayerNorm with bias 1, float64.

    Returns the exact loss gaps and, per task, the spread of the LayerNorm output over tokens (0: LN(E_x) = bias).
    """
    gaps, spread = [], []
    for V, alpha in tasks:
        data = ZipfUnigram(V=V, alpha=alpha)
        model = EmbedUnembed(V, Member(width=1), tied=True, layernorm="affine").double()
        with torch.no_grad():
            model.embed.weight.copy_(torch.log(data.probs)[:, None])
            model.norm.bias.fill_(1.0)
            hidden = model.norm(model.embed.weight)
        spread.append(float(hidden.max() - hidden.min()))
        gaps.append(float(data.loss_gap(model.logit_table())))
    return gaps, spread


def figure_d1_curves(result: D1Result, config: D1Config):
    """Exact loss gap against step, one panel per regime, one line per seed."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, regime in zip(axes, REGIMES):
        for color, (name, _, _) in zip(("C0", "C1", "C2", "C3"), config.variants):
            log = result.runs[name, regime].log
            steps = np.maximum(log.steps, 1)
            for k in range(log.gaps.shape[1]):
                ax.loglog(steps, np.maximum(log.gaps[:, k], 1e-16), color=color, alpha=0.8, label=name if k == 0 else None)
        ax.axhline(2 * result.post_eval_standard_error, color="k", ls=":", label="2 × SE of the post's 2M-sample evaluation")
        ax.set_title(f"batch {config.batch}" if regime == MINIBATCH else regime)
        ax.set_xlabel("step")
    axes[0].set_ylabel("L − S (nats)")
    axes[1].legend(fontsize=7)
    return fig


def figure_d1_embeddings(result: D1Result, config: D1Config):
    """Tied D = 1: learned value (sign fixed) against token frequency, per seed and regime."""
    import matplotlib.pyplot as plt

    p = config.data.probs.numpy()
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for regime, marker in zip(REGIMES, ("o", "x")):
        label = f"batch {config.batch}" if regime == MINIBATCH else regime
        for k, e in enumerate(result.signed_embeddings(regime)):
            ax.semilogx(p, e, marker + "-", color=f"C{k}", alpha=0.7, label=f"seed {k}, {label}")
    ax.set_xlabel("token frequency p_i")
    ax.set_ylabel("learned E_i (sign fixed)")
    ax.legend(fontsize=6)
    return fig


D1 = Experiment("unigram-d1", CONFIGS, STREAMS, run, setup)  # what the D = 1 claims read
