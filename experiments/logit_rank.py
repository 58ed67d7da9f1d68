"""Source 002 ("Sequences of Logits Reveal the Low Rank Structure of Language Models") as a toy analog.

The paper measures pretrained LLMs, which cannot be loaded here. ``run`` trains a
nanoGPT-style transformer on a hidden Markov language with exact conditionals, one
training run per seed, and measures on each run: the spectra of extended logit
matrices L_M(H, F) at init / early / mid / final checkpoints, the transfer of
regression weights between histories across future sets, principal angles between
column spaces, a float64 numerical rank, and Lingen against baselines along
continuations sampled from the final model (``_run_seed`` composes one ``measure_*`` function per
measured thing). ``LOGIT_RANK`` (at the bottom) is the experiment its claims read; the ISAN rank bound is
``experiments.isan_rank``. A user with weights can run the same
measurements on an LLM by passing its ``next_token_log_probs`` to
``lab.logit_matrix`` and ``lab.lingen``.

Why one file of this length: it is one experiment, whose per-seed run composes one short ``measure_*`` function
per measured thing over the same trained checkpoints and probe sets; split, each measurement would live apart
from the run whose checkpoints and probes it reads.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.lingen import regression_weights
from toy_claims.lab.logit_matrix import (
    batched_log_probs,
    logit_matrix_from_log_probs,
    nonsense_futures,
    numerical_rank,
    pair_log_probs,
    principal_angle_cosines,
    random_subspace_cosines,
    singular_values,
)
from toy_claims.lab.metrics import exponential_fit_r2, power_law_fit
from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.seeds import Seeds
from toy_claims.lab.sequence_training import train_sequence_model
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.isan import ISAN
from toy_claims.models.sequence import GRUConfig, GRULanguageModel, Transformer, TransformerConfig
from toy_claims.models.validation import require, require_int, require_ints, require_real, require_seed, require_type

__all__ = [
    "LogitRankConfig", "CONFIGS", "STREAMS", "CHECKPOINTS", "GROWN", "fit_range", "sub_matrix",
    "SeedRun", "LogitRankResult", "PanelRun", "PANEL_COSINES", "run", "run_panel",
    "measure_spectra", "measure_transfer", "measure_column_spaces", "measure_float64_rank",
    "figure_spectra", "figure_lingen", "setup", "shown_setup", "LOGIT_RANK",
]

# lab.seeds: the order is fixed (append only). "random" (appended) draws the Gaussian reference matrices.
STREAMS = ("model", "data", "eval", "probes", "lingen", "isan", "random")
CHECKPOINTS = ("init", "early", "mid", "final")
GRU_INIT = "GRU at init (alternative init)"  # name of the alternative architecture's matrix
GROWN = ("final", "init", "language")  # matrices fitted at both sizes of the growth check (init, language: controls)


def fit_range(n_histories: int) -> tuple[int, int]:
    """The power-law fit's 1-based index range for a matrix of ``n_histories`` rows: 2 .. |H|/4."""
    return 2, n_histories // 4


def sub_matrix(L: Tensor, n_histories: int, n_futures: int, vocab_size: int) -> Tensor:
    """L_M(H[:n_histories], F[:n_futures]) cut out of L_M(H, F) -> (n_histories, n_futures * V).

    Columns are future-major (future f holds columns f*V .. f*V + V - 1) and each
    (history, future) block is centred over its own V tokens, so the cut is exactly the
    matrix that the first histories and futures would give.
    """
    require(0 < n_histories <= L.shape[0] and 0 < n_futures * vocab_size <= L.shape[1], "sub-matrix size",
            f"within {tuple(L.shape)}", (n_histories, n_futures * vocab_size))
    return L[:n_histories, : n_futures * vocab_size]


@dataclass(frozen=True)
class LogitRankConfig:
    """One toy-analog experiment: the language, the model and its training, and the probe sizes."""

    seeds: int  # training runs (model init + data stream + probe sets)
    steps: int  # training steps
    n_histories: int  # |H|, histories of history_len tokens sampled from the language
    n_futures: int  # |F| futures of future_len tokens (columns: |F| * V)
    basis: int  # Lingen / transfer basis: the first `basis` histories; the rest are held out
    basis_sweep: tuple[int, ...]  # smaller nested bases, to show what the Lingen verdicts depend on
    targets: int  # Lingen target histories (held-out rows)
    samples: int  # continuations sampled from the model per target
    random_draws: int  # random-subspace baseline draws
    random_matrices: int = 4  # Gaussian matrices per seed against L_M's column space (the random-overlap control)
    # Runs of the seed panel (run_panel), for the claims whose seed spread needs more runs than `seeds`: the experiment's
    # own runs first, then panel-only ones; at most `seeds` (the default), the panel is the experiment's own runs.
    panel_seeds: int = 0
    model: TransformerConfig = TransformerConfig(vocab_size=32, block_size=16, n_layer=2, n_head=2, d_model=32)
    hidden_states: int = 8  # of the HMM language (V = model.vocab_size tokens)
    # The language is part of the question, not a seed of the run (as in the plateau study): every seed offset trains
    # on this one HMM, so a verdict is about training seeds on it. Its seeds share it (the cross-model relations need
    # one language), so their spread cannot speak for other languages; 0 is the language offset 0 always drew.
    language_seed: int = 0
    zipf_alpha: float = 2.0  # the language's emission skew (HiddenMarkovLanguage default)
    concentration: float = 0.1  # the language's Dirichlet concentration (HiddenMarkovLanguage default)
    optim: OptimizerSpec = OptimizerSpec("adamw", lr=3e-3, weight_decay=0.01)  # decay on matrices only
    warmup: int = 100  # warmup steps, then linear decay to 0.1× over the rest
    batch_size: int = 64  # fresh sequences per step
    seq_len: int = 16  # tokens per training sequence
    eval_sequences: int = 256  # sequences of the exact-KL evaluation
    history_len: int = 8  # tokens per history
    future_len: int = 4  # tokens per future
    gen_steps: int = 6  # Lingen's generated steps per continuation
    truncations: tuple[int, ...] = (0, 1, 2, 4)  # restricted-context baselines: the last c target tokens
    judged_truncation: int = 4  # the restricted context the claims judge (half the history)
    angle_rank: int = 8  # rank of the column spaces compared (the language's number of hidden states)
    float64_rtol: float = 1e-9  # numerical rank threshold, far above float64 rounding (~1e-15 on ISANs)

    def __post_init__(self) -> None:
        for name in ("seeds", "steps", "n_histories", "n_futures", "basis", "targets", "samples", "random_draws",
                     "random_matrices", "hidden_states", "batch_size", "seq_len", "eval_sequences", "gen_steps",
                     "angle_rank"):
            require_int(getattr(self, name), name, lo=1)
        for name in ("panel_seeds", "warmup", "history_len", "future_len", "judged_truncation"):
            require_int(getattr(self, name), name, lo=0)
        require_ints(self.basis_sweep, "basis_sweep", lo=1)
        require_ints(self.truncations, "truncations", lo=0, hi=self.history_len)
        require_type(self.model, "model", TransformerConfig, "a TransformerConfig")
        require_type(self.optim, "optim", OptimizerSpec, "an OptimizerSpec")
        require_real(self.zipf_alpha, "zipf_alpha", lo=0)
        require_real(self.concentration, "concentration", lo=0, lo_open=True)
        require_real(self.float64_rtol, "float64_rtol", lo=0, hi=1, lo_open=True, hi_open=True)
        largest_rank = min(self.n_histories, self.n_futures * self.model.vocab_size)  # of an (|H|, |F| V) matrix
        require(self.angle_rank <= largest_rank, "angle_rank", f"<= the logit matrices' rank bound "
                f"min(n_histories, n_futures · V) = {largest_rank}", self.angle_rank)
        require(self.n_histories >= 16, "n_histories", ">= 16 (the half-size fit range 2 .. |H|/8 needs 2 points)",
                self.n_histories)
        require(self.basis + self.targets <= self.n_histories, "basis + targets", f"<= n_histories = {self.n_histories}",
                self.basis + self.targets)
        require(all(0 < b < self.basis for b in self.basis_sweep), "basis_sweep", f"sizes in (0, {self.basis})",
                self.basis_sweep)
        longest = self.history_len + max(self.future_len, self.gen_steps - 1)
        require(longest <= self.model.block_size - 1, "history_len + future/generated tokens",
                f"<= block_size - 1 = {self.model.block_size - 1}", longest)
        require(self.judged_truncation in self.truncations, "judged_truncation", f"one of {self.truncations}",
                self.judged_truncation)
        require(self.steps > self.warmup and self.steps >= 5, "steps", f"> warmup = {self.warmup} and >= 5", self.steps)
        require_seed(self.language_seed, "language_seed")
        require(self.model.vocab_size >= 2, "model", "a TransformerConfig with vocab_size >= 2 (the language's V)",
                self.model.vocab_size)

    @property
    def judged_basis(self) -> int:
        """The basis size the Lingen claims judge: the smallest swept one (16), near the trained model's effective
        rank (14–21 singular values above 1e-3 σ_1 at the ci scale). At B = ``basis`` ≫ that rank each target row lies
        in the span of the basis rows and any comparison is met by construction (kept as the positive control)."""
        return self.basis_sweep[0]

    @property
    def vocab_size(self) -> int:
        return self.model.vocab_size

    @property
    def fit_range(self) -> tuple[int, int]:
        """Singular-value indices of the power-law fit, fixed in advance: 2 .. |H|/4 (1-based).

        σ_1 is the future-only direction shared by all histories; the bottom 3/4 bend down
        with the finite number of rows.
        """
        return fit_range(self.n_histories)

    @property
    def half_size(self) -> tuple[int, int]:
        """(|H|/2, |F|/2): the smaller matrix of the growth check, the first half of H and of F."""
        return self.n_histories // 2, self.n_futures // 2

    @property
    def checkpoints(self) -> dict[str, int]:
        return dict(zip(CHECKPOINTS, (0, self.steps // 5, self.steps // 2, self.steps)))


CONFIGS = {
    "ci": LogitRankConfig(seeds=3, steps=250, n_histories=256, n_futures=64, basis=128, basis_sweep=(16, 32, 64),
                          targets=8, samples=8, random_draws=200, panel_seeds=11),
    # The source's first experiment: "compute singular values of L_{M,50}(H,F) for |H|=|F|=1000" (GPU only).
    "paper": LogitRankConfig(seeds=5, steps=1000, n_histories=1000, n_futures=1000, basis=256,
                             basis_sweep=(16, 32, 64, 128), targets=16, samples=16, random_draws=400),
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SeedRun:
    """Everything measured on one training run."""

    kl_curve: dict[int, float]  # step -> exact per-token KL(language ‖ model) at the checkpoints
    spectra: dict[str, np.ndarray]  # matrix name -> singular values (checkpoints, "language", GRU_INIT)
    fits: dict[str, dict]  # matrix name -> alpha, alpha_ci, r2, exp_r2, prefactor over config.fit_range
    half_fits: dict[str, dict]  # GROWN -> the same fit on the first |H|/2 × |F|/2 of the matrix, over fit_range(|H|/2)
    alt_fits: dict[str, float]  # "a..b" -> α of the final model over other index ranges
    random_fit: dict  # the same fit on a Gaussian matrix of L_M's shape (a spectrum without structure)
    transfer: dict[str, dict[str, float]]  # F' kind -> held-out R² of weights from F (and oracle from F')
    cosines: dict[str, np.ndarray]  # pair -> principal-angle cosines (top angle_rank)
    random_cos_mean: float  # mean over draws of random subspaces' mean cosine
    random_cos_q99: float  # its 99th percentile
    rank64: int  # numerical rank (float64_rtol) of the final model's float64 logit matrix
    rank64_at_1e3: int  # number of its singular values above 1e-3 σ_1
    sv64_ratio: float  # its σ_(d_model+2) / σ_1
    language_rank: int  # numerical rank of the exact language's logit matrix
    lingen: dict[str, np.ndarray]  # candidate -> per-step KL(final model ‖ candidate), mean over targets
    random_cosines: np.ndarray  # principal-angle cosines between the Gaussian matrix's and L_M's column spaces
    random_matrix_cos: np.ndarray  # mean cosine of each of config.random_matrices Gaussian matrices (the first: above)
    isan_rank64: int  # numerical rank of a random ISAN as wide as the residual stream, on L64's histories and futures
    gaussian_rank64: int  # numerical rank of a Gaussian matrix of L64's shape (full rank)


PANEL_COSINES = ("in-distribution", "nonsense")  # the principal angles the seed panel measures (F' kinds)


@dataclass(frozen=True)
class PanelRun:
    """What the seed panel measures on one training run (see ``run_panel``)."""

    cosines: dict[str, np.ndarray]  # PANEL_COSINES -> principal-angle cosines (top angle_rank), as SeedRun.cosines
    lingen: dict[str, float]  # "lingen B=b", "lingen wrong target B=b" (b: judged basis), "checkpoint mid" -> mean KL


@dataclass(frozen=True)
class LogitRankResult:
    config: LogitRankConfig
    runs: tuple[SeedRun, ...]  # one per seed
    # Relations across models, on the first seed's probes (H, F): "across seeds" -> per target model j, the held-out R²
    # of weights fitted on each other seed's final model, averaged over them; "to language" -> per seed, its weights
    # applied to the exact language; "wrong history" -> per j, the other models' weights of another held-out history
    # (the negative control); "own" -> per j, its own weights (in-sample, the positive control); "init" -> per j, the
    # weights of the other seeds' init checkpoints.
    cross_model: dict[str, list[float]]
    seeds: Seeds  # the seed streams the runs drew (their offset): what the seed panel draws its extra runs from
    device: str  # where the runs trained

    def per_seed(self, get) -> list[float]:
        return [float(get(r)) for r in self.runs]

    def panel(self) -> tuple[PanelRun, ...]:
        """The seed panel of these runs (``run_panel``): trained on first use, for the claims that need its spread."""
        return run_panel(self.config, self.seeds, self.device)


# --------------------------------------------------------------------------- experiment


class _OnDevice:
    """A sequence model seen from the CPU, whatever device it lives on: token ids in, log-probs out. Called, it is a
    ``LogProbFn``; ``table`` is its prefix-cached log Pr[z | h∘f] table (``continuation_log_probs``)."""

    def __init__(self, model, device: str) -> None:
        self.model, self.device = model.to(device), device

    def __call__(self, prefixes: Tensor) -> Tensor:
        return self.model.next_token_log_probs(prefixes.to(self.device)).cpu()

    def table(self, histories: Tensor, futures: Tensor) -> Tensor:
        """(|H|, t_h) x (|F|, t_f) -> (|H|, |F|, V) float64 log Pr[z | h∘f]."""
        return self.model.continuation_log_probs(histories.to(self.device), futures.to(self.device))


def _plain_table(fn):
    """The log Pr[z | h∘f] table of a model without a prefix cache (the exact HMM, the ISAN): one forward per pair."""
    return partial(pair_log_probs, fn, batch_size=1024)


def _spectrum_fit(sv: np.ndarray, lo: int, hi: int) -> dict:
    """Power law σ_i ∝ i^-α over 1-based indices lo..hi, and an exponential fit for comparison."""
    i = np.arange(lo, hi + 1)
    s = sv[lo - 1 : hi]
    fit = power_law_fit(i, s)
    return {"alpha": -fit.exponent, "alpha_ci": (-fit.ci_high, -fit.ci_low), "r2": fit.r2,
            "exp_r2": exponential_fit_r2(i, s), "prefactor": fit.prefactor}


def _prefix_closed(futures: Tensor) -> list[Tensor]:
    """The futures and all their prefixes, one tensor per length 0..len (duplicates removed)."""
    out = [futures[:1, :0]]
    for length in range(1, futures.shape[1] + 1):
        out.append(torch.unique(futures[:, :length], dim=0))
    return out


def _rows(table, histories: Tensor, future_sets: list[Tensor]) -> Tensor:
    """Concatenated columns of L_M(histories, F) over several future sets -> (|H|, columns), from ``table``: (H, F) ->
    the (|H|, |F|, V) log Pr[z | h∘f] (``_OnDevice.table``, ``_plain_table``)."""
    return torch.cat([logit_matrix_from_log_probs(table(histories, f)).values for f in future_sets], dim=1)


def _held_out_r2(basis_rows: Tensor, target_rows: Tensor, weights: Tensor) -> float:
    """1 - ||target - w·basis||² / ||target - mean basis row||²: variance the weights explain beyond
    the 'histories don't matter' baseline."""
    err = (target_rows - weights @ basis_rows).pow(2).sum()
    base = (target_rows - basis_rows.mean(dim=0, keepdim=True)).pow(2).sum()
    return float(1 - err / base)


def continuation_kls(fn: _OnDevice, target: Tensor, basis: Tensor, weights: dict[str, Tensor], references: dict,
                     n_samples: int, gen_steps: int, generator: torch.Generator,
                     other_bases: dict[str, tuple[Tensor, Tensor]] | None = None) -> dict[str, np.ndarray]:
    """Per-step mean KL(model(target∘z_<t) ‖ candidate) along n_samples continuations sampled from the model.

    Candidates: Lingen weight vectors (each uses the first len(w) basis histories, which
    share one batch of basis evaluations) and references mapping continuations to log-probs
    (truncated context, checkpoints, the language). ``other_bases`` maps a candidate to (its own basis histories,
    its weights), e.g. Lingen on nonsense basis histories. All share the same continuations. The basis rows continue
    each basis history's cached state (``fn.table``).
    """
    other_bases = other_bases or {}
    cont = torch.empty(n_samples, 0, dtype=torch.long)
    kls = {name: [] for name in [*weights, *other_bases, *references]}
    for _ in range(gen_steps):
        p_log = batched_log_probs(fn, torch.cat([target.expand(n_samples, -1), cont], dim=1))  # (n, V)
        basis_log = fn.table(basis, cont).transpose(0, 1)  # (n, B, V)
        candidates = {name: F.log_softmax(torch.einsum("h,nhv->nv", w, basis_log[:, : len(w)]), dim=-1)
                      for name, w in weights.items()}
        for name, (other, w) in other_bases.items():
            other_log = fn.table(other, cont).transpose(0, 1)  # (n, len(other), V)
            candidates[name] = F.log_softmax(torch.einsum("h,nhv->nv", w, other_log), dim=-1)
        candidates.update({name: ref(cont) for name, ref in references.items()})
        for name, q_log in candidates.items():
            kls[name].append(float(F.kl_div(q_log, p_log, log_target=True, reduction="batchmean")))
        cont = torch.cat([cont, torch.multinomial(p_log.exp(), 1, generator=generator)], dim=1)
    return {name: np.array(v) for name, v in kls.items()}


def _after(fn, prefix: Tensor):
    """A reference candidate: continuations -> ``fn``'s next-token log-probs given ``prefix`` then the continuation."""
    return lambda cont: batched_log_probs(fn, torch.cat([prefix.expand(len(cont), -1), cont], dim=1))


def _lingen(fn: _OnDevice, checkpoint_fns: dict, language, histories: Tensor, futures: Tensor, nonsense: Tensor,
            nonsense_basis: Tensor, cfg: LogitRankConfig, generator: torch.Generator) -> dict[str, np.ndarray]:
    """Lingen and baselines for `cfg.targets` held-out targets: per-step KL averaged over targets.

    "lingen B=b" regresses the target row on the basis rows over the futures alone, as the source does;
    "lingen+prefixes B=b" over the futures and all their prefixes (incl. the empty future); "single-token" over
    the empty future only; "lingen nonsense futures" over uniform random futures; "lingen nonsense basis" uses
    uniform random basis histories; "lingen wrong target" gives each target another target's weights (the next
    one's); "lingen other targets" averages the KL over every other target's weights.
    """
    V = cfg.vocab_size
    basis, targets = histories[: cfg.basis], histories[cfg.basis : cfg.basis + cfg.targets]
    both, n_b, jb = torch.cat([basis, targets]), cfg.basis, cfg.judged_basis
    closed = _rows(fn.table, both, _prefix_closed(futures))  # (B + T, columns); first V columns: empty future
    single, futures_only = closed[:, :V], _rows(fn.table, both, [futures])
    off_dist = _rows(fn.table, both, [nonsense])
    nonsense_rows = _rows(fn.table, torch.cat([nonsense_basis, targets]), [futures])
    weights, other = {}, {}
    for b in (*cfg.basis_sweep, n_b):
        weights[f"lingen B={b}"] = regression_weights(futures_only[:b], futures_only[n_b:])
        weights[f"lingen+prefixes B={b}"] = regression_weights(closed[:b], closed[n_b:])
        weights[f"single-token B={b}"] = regression_weights(single[:b], single[n_b:])
    for b in (jb, n_b):
        weights[f"lingen nonsense futures B={b}"] = regression_weights(off_dist[:b], off_dist[n_b:])
        other[f"lingen nonsense basis B={b}"] = (nonsense_basis[:b],
                                                 regression_weights(nonsense_rows[:b], nonsense_rows[n_b:]))
    weights[f"lingen wrong target B={jb}"] = weights[f"lingen B={jb}"].roll(1, dims=0)
    rolls = [f"lingen wrong target B={jb}"] + [f"lingen wrong target roll {k} B={jb}" for k in range(2, cfg.targets)]
    for k, name in enumerate(rolls[1:], start=2):
        weights[name] = weights[f"lingen B={jb}"].roll(k, dims=0)

    totals: dict[str, np.ndarray] = {}
    for j, target in enumerate(targets):
        refs = {f"truncated c={c}": _after(fn, target[len(target) - c:]) for c in cfg.truncations}
        refs.update({f"checkpoint {name}": _after(g, target) for name, g in checkpoint_fns.items()})
        refs["language (truth)"] = lambda cont: language.next_token_log_probs(
            torch.cat([target.expand(len(cont), -1), cont], dim=1))
        per_target = continuation_kls(fn, target, basis, {k: w[j] for k, w in weights.items()}, refs,
                                      cfg.samples, cfg.gen_steps, generator,
                                      {k: (bas, w[j]) for k, (bas, w) in other.items()})
        for name, kl in per_target.items():
            totals[name] = totals.get(name, 0.0) + kl / cfg.targets
    totals[f"lingen other targets B={jb}"] = np.mean([totals[name] for name in rolls], axis=0)
    for name in rolls[1:]:
        del totals[name]
    return totals


def _train(seeds: dict[str, int], language: HiddenMarkovLanguage, cfg: LogitRankConfig, device: str,
           keep: tuple[str, ...] = CHECKPOINTS):
    """One training run: its log (exact KL at the kept checkpoints) and a log-prob function per kept checkpoint."""
    model = Transformer(cfg.model, seed=seeds["model"])
    eval_sequences = language.sample(cfg.eval_sequences, cfg.seq_len, torch.Generator().manual_seed(seeds["eval"]))
    marks = {name: step for name, step in cfg.checkpoints.items() if name in keep}
    log = train_sequence_model(
        model, language, steps=cfg.steps, optim=cfg.optim,
        schedule=LRSchedule(warmup_steps=cfg.warmup, decay_steps=cfg.steps - cfg.warmup, final_factor=0.1),
        batch_size=cfg.batch_size, seq_len=cfg.seq_len, data_seed=seeds["data"], eval_sequences=eval_sequences,
        eval_steps=sorted(marks.values()), checkpoint_steps=sorted(marks.values()), device=device)
    return log, {name: _OnDevice(copy.deepcopy(log.checkpoints[step]), device) for name, step in marks.items()}


def _probes(language: HiddenMarkovLanguage, cfg: LogitRankConfig, g: torch.Generator):
    """The probe sets, drawn from ``g`` in a fixed order: histories H, sampled futures F and F', nonsense futures."""
    H = language.sample(cfg.n_histories, cfg.history_len, g)
    F1, F2 = language.sample(cfg.n_futures, cfg.future_len, g), language.sample(cfg.n_futures, cfg.future_len, g)
    return H, F1, F2, nonsense_futures(cfg.vocab_size, cfg.n_futures, cfg.future_len, g)


def _logit_matrices(fns: dict, language: HiddenMarkovLanguage, H: Tensor, F1: Tensor, seeds: dict[str, int],
                    cfg: LogitRankConfig, device: str) -> dict[str, Tensor]:
    """L_M(H, F) of every kept checkpoint, of the exact language and of an untrained GRU (the alternative init)."""
    L = {name: _rows(fn.table, H, [F1]) for name, fn in fns.items()}
    L["language"] = _rows(_plain_table(language.next_token_log_probs), H, [F1])
    gru = GRULanguageModel(GRUConfig(vocab_size=cfg.vocab_size), seed=seeds["model"])
    L[GRU_INIT] = _rows(_OnDevice(gru, device).table, H, [F1])
    return L


def measure_spectra(L: dict[str, Tensor], gaussian: Tensor, cfg: LogitRankConfig) -> dict:
    """Singular values and power-law fits: of every matrix over ``cfg.fit_range``; of the GROWN ones on their half-size
    sub-matrix; of the final model over other index ranges; of a Gaussian matrix of L_M's shape (no structure)."""
    spectra = {name: singular_values(M).numpy() for name, M in L.items()}
    lo, hi = cfg.fit_range
    half_h, half_f = cfg.half_size
    return {
        "spectra": spectra,
        "fits": {name: _spectrum_fit(sv, lo, hi) for name, sv in spectra.items()},
        "half_fits": {name: _spectrum_fit(singular_values(sub_matrix(L[name], half_h, half_f, cfg.vocab_size)).numpy(),
                                          *fit_range(half_h)) for name in GROWN},
        "alt_fits": {f"{a}..{b}": _spectrum_fit(spectra["final"], a, b)["alpha"]
                     for a, b in [(2, hi // 2), (2, 2 * hi), (4, hi)]},
        "random_fit": _spectrum_fit(singular_values(gaussian).numpy(), lo, hi),
    }


def measure_transfer(L_final: Tensor, fresh: dict[str, Tensor], cfg: LogitRankConfig) -> dict:
    """Held-out R² of the regression weights between histories fitted on F, applied to each F' of ``fresh`` (with the
    oracle fitted on F' itself), on F in-sample, and given another held-out history's weights (the negative control)."""
    b = cfg.basis
    w = regression_weights(L_final[:b], L_final[b:])
    transfer = {name: {"r2": _held_out_r2(M[:b], M[b:], w),
                       "oracle_r2": _held_out_r2(M[:b], M[b:], regression_weights(M[:b], M[b:]))}
                for name, M in fresh.items()}
    transfer["same futures (in-sample)"] = {"r2": _held_out_r2(L_final[:b], L_final[b:], w)}
    transfer["wrong history"] = {name: _held_out_r2(M[:b], M[b:], w.roll(1, dims=0)) for name, M in fresh.items()}
    return {"transfer": transfer}


def measure_column_spaces(L: dict[str, Tensor], fresh: dict[str, Tensor], gaussian: Tensor, cfg: LogitRankConfig,
                          g_probes: torch.Generator, g_random: torch.Generator) -> dict:
    """Principal-angle cosines (top ``angle_rank``) with the final model's column space: across futures (``fresh``),
    along training, of Gaussian matrices (``gaussian`` and ``random_matrices`` - 1 more drawn from ``g_random``), and
    the law of two uniformly random subspaces' mean cosine (``random_draws`` draws from ``g_probes``)."""
    final, k = L["final"], cfg.angle_rank
    cosines = {name: principal_angle_cosines(final, M, k).numpy() for name, M in fresh.items()}
    cosines.update({f"{name} vs final": principal_angle_cosines(L[name], final, k).numpy()
                    for name in ("init", "early", "mid")})
    random_means = np.array([float(random_subspace_cosines(cfg.n_histories, k, g_probes).mean())
                             for _ in range(cfg.random_draws)])
    random_cosines = principal_angle_cosines(gaussian, final, k).numpy()
    more = [float(principal_angle_cosines(torch.randn(*final.shape, generator=g_random, dtype=torch.float64), final,
                                          k).mean()) for _ in range(cfg.random_matrices - 1)]
    return {"cosines": cosines, "random_cos_mean": float(random_means.mean()),
            "random_cos_q99": float(np.quantile(random_means, 0.99)), "random_cosines": random_cosines,
            "random_matrix_cos": np.array([float(random_cosines.mean()), *more])}


def measure_float64_rank(final_model, L_language: Tensor, H: Tensor, F1: Tensor, isan_seed: int, cfg: LogitRankConfig,
                         g_random: torch.Generator, device: str) -> dict:
    """Numerical ranks in float64: of the final model (on a quarter of F: float64 is slow), with its controls on the
    same histories and futures (an ISAN as wide as the residual stream, rank <= d_model + 1 by construction; a Gaussian
    matrix of the same shape drawn from ``g_random``, full rank), and of the exact language's L_M(H, F)."""
    F64 = F1[: cfg.n_futures // 4]
    L64 = _rows(_OnDevice(copy.deepcopy(final_model).double(), device).table, H, [F64])
    sv64 = singular_values(L64).numpy()
    isan = ISAN(cfg.vocab_size, d=cfg.model.d_model, seed=isan_seed)
    return {"rank64": numerical_rank(L64, cfg.float64_rtol), "rank64_at_1e3": numerical_rank(L64, 1e-3),
            "sv64_ratio": float(sv64[cfg.model.d_model + 1] / sv64[0]),
            "language_rank": numerical_rank(L_language, cfg.float64_rtol),
            "isan_rank64": numerical_rank(_rows(_plain_table(isan.next_token_log_probs), H, [F64]), cfg.float64_rtol),
            "gaussian_rank64": numerical_rank(torch.randn(*L64.shape, generator=g_random, dtype=torch.float64),
                                              cfg.float64_rtol)}


def _run_seed(seeds: dict[str, int], language: HiddenMarkovLanguage, cfg: LogitRankConfig,
              device: str) -> tuple[SeedRun, dict]:
    """One training run and every measurement made on it, and what the cross-model check needs of it
    (the final and init log-prob functions and the probes H, F)."""
    log, fns = _train(seeds, language, cfg, device)
    final = fns["final"]
    g_probes = torch.Generator().manual_seed(seeds["probes"])
    H, F1, F2, F3 = _probes(language, cfg, g_probes)
    L = _logit_matrices(fns, language, H, F1, seeds, cfg, device)
    fresh = {"in-distribution": _rows(final.table, H, [F2]), "nonsense": _rows(final.table, H, [F3])}  # F' kinds (PANEL_COSINES)
    g_random = torch.Generator().manual_seed(seeds["random"])
    gaussian = torch.randn(*L["final"].shape, generator=g_random, dtype=torch.float64)
    nonsense_basis = nonsense_futures(cfg.vocab_size, cfg.basis, cfg.history_len, g_random)  # after: gaussian unchanged
    # The generators' later draws come in this order (append new draws at the end, so old ones never move):
    # g_probes: the random-subspace baseline; g_random: more Gaussian matrices, then the float64 rank control's.
    spaces = measure_column_spaces(L, fresh, gaussian, cfg, g_probes, g_random)
    rank = measure_float64_rank(log.checkpoints[cfg.checkpoints["final"]], L["language"], H, F1, seeds["isan"], cfg,
                                g_random, device)
    lingen = _lingen(final, {name: fns[name] for name in ("init", "early", "mid")}, language, H, F1, F3,
                     nonsense_basis, cfg, torch.Generator().manual_seed(seeds["lingen"]))
    seed_run = SeedRun(kl_curve=dict(zip(log.steps, log.kl)), **measure_spectra(L, gaussian, cfg),
                       **measure_transfer(L["final"], fresh, cfg), **spaces, **rank, lingen=lingen)
    return seed_run, {"final": final, "init": fns["init"], "H": H, "F": F1}


def _cross_model(parts: list[dict], language, cfg: LogitRankConfig) -> dict[str, list[float]]:
    """Relations between histories across models (see LogitRankResult.cross_model), on the first seed's probes."""
    H, Fu, b = parts[0]["H"], parts[0]["F"], cfg.basis
    M = [_rows(p["final"].table, H, [Fu]) for p in parts]
    W = [regression_weights(m[:b], m[b:]) for m in M]
    W_init = [regression_weights(m[:b], m[b:]) for m in (_rows(p["init"].table, H, [Fu]) for p in parts)]
    lang = _rows(_plain_table(language.next_token_log_probs), H, [Fu])
    n = len(parts)

    def others(j: int, ws: list[Tensor], roll: int = 0) -> float:
        return float(np.mean([_held_out_r2(M[j][:b], M[j][b:], ws[i].roll(roll, dims=0)) for i in range(n) if i != j]))

    return {"across seeds": [others(j, W) for j in range(n)],
            "wrong history": [others(j, W, 1) for j in range(n)],
            "own": [_held_out_r2(M[j][:b], M[j][b:], W[j]) for j in range(n)],
            "init": [others(j, W_init) for j in range(n)],
            "to language": [_held_out_r2(lang[:b], lang[b:], W[j]) for j in range(n)]}


def _language(config: LogitRankConfig) -> HiddenMarkovLanguage:
    return HiddenMarkovLanguage(config.vocab_size, hidden_states=config.hidden_states, zipf_alpha=config.zipf_alpha,
                                concentration=config.concentration, seed=config.language_seed)


def _seed_dicts(seeds: Seeds, n: int) -> list[dict[str, int]]:
    """Run i's seed of every stream, for runs 0 .. n-1."""
    streams = {name: seeds(name, n) for name in seeds.streams}
    return [{name: s[i] for name, s in streams.items()} for i in range(n)]


@cache
def run(config: LogitRankConfig, seeds: Seeds, device: str = "cpu") -> LogitRankResult:
    """All training runs of the experiment (one language, ``config.seeds`` runs), memoised in-process."""
    language = _language(config)
    done = [_run_seed(s, language, config, device) for s in _seed_dicts(seeds, config.seeds)]
    cross = _cross_model([part for _, part in done], language, config) if config.seeds > 1 else {}
    return LogitRankResult(config, tuple(r for r, _ in done), cross, seeds, device)


# --------------------------------------------------------------------------- the seed panel


def _panel_seed(seeds: dict[str, int], language: HiddenMarkovLanguage, cfg: LogitRankConfig, device: str) -> PanelRun:
    """One more training run, measured only for the panel's quantities, exactly as ``_run_seed`` measures them
    (same streams, probes and Lingen continuations; the Lingen basis is the judged one, not the full one)."""
    _, fns = _train(seeds, language, cfg, device, keep=("mid", "final"))
    final, jb = fns["final"], cfg.judged_basis
    H, F1, F2, F3 = _probes(language, cfg, torch.Generator().manual_seed(seeds["probes"]))
    L = _rows(final.table, H, [F1])
    cosines = {kind: principal_angle_cosines(L, _rows(final.table, H, [F]), cfg.angle_rank).numpy()
               for kind, F in zip(PANEL_COSINES, (F2, F3))}
    basis, targets = H[:jb], H[cfg.basis : cfg.basis + cfg.targets]
    rows = _rows(final.table, torch.cat([basis, targets]), [F1])
    w = regression_weights(rows[:jb], rows[jb:])
    weights = {f"lingen B={jb}": w, f"lingen wrong target B={jb}": w.roll(1, dims=0)}
    generator = torch.Generator().manual_seed(seeds["lingen"])
    lingen = dict.fromkeys([*weights, "checkpoint mid"], 0.0)
    for j, target in enumerate(targets):
        kls = continuation_kls(final, target, basis, {k: v[j] for k, v in weights.items()},
                               {"checkpoint mid": _after(fns["mid"], target)}, cfg.samples, cfg.gen_steps, generator)
        for name, kl in kls.items():
            lingen[name] += float(kl.mean()) / cfg.targets
    return PanelRun(cosines, lingen)


def _as_panel_run(r: SeedRun, cfg: LogitRankConfig) -> PanelRun:
    """A full run's panel quantities."""
    jb = cfg.judged_basis
    return PanelRun({k: r.cosines[k] for k in PANEL_COSINES},
                    {k: float(r.lingen[k].mean()) for k in (f"lingen B={jb}", f"lingen wrong target B={jb}",
                                                            "checkpoint mid")})


@cache
def run_panel(config: LogitRankConfig, seeds: Seeds, device: str = "cpu") -> tuple[PanelRun, ...]:
    """The seed panel: max(seeds, panel_seeds) training runs for the claims whose seed spread needs more runs than the
    experiment's own. Its first ``config.seeds`` runs are the experiment's (read from ``run``); the rest are trained
    here and measured only for the panel's quantities, as ``run`` measures them."""
    own = tuple(_as_panel_run(r, config) for r in run(config, seeds, device).runs)
    language = _language(config)
    panel = _seed_dicts(seeds, max(config.seeds, config.panel_seeds))
    more = tuple(_panel_seed(s, language, config, device) for s in panel[config.seeds:])
    return own + more


# --------------------------------------------------------------------------- setup tables


def setup(config: LogitRankConfig) -> dict[str, str]:
    """The setup table of the toy-analog claims, from the config."""
    m, o = config.model, config.optim
    return {
        "scale": "TOY-SCALE ANALOG of an LLM measurement: the paper's models cannot be loaded here",
        "language": f"HiddenMarkovLanguage(V={config.vocab_size}, hidden_states={config.hidden_states}, "
                    f"zipf_alpha={config.zipf_alpha:g}, concentration={config.concentration:g}), "
                    "exact conditionals by the forward algorithm",
        "model": f"nanoGPT-style Transformer, {m.n_layer} layers, {m.n_head} heads, d_model {m.d_model}, "
                 f"block {m.block_size}, BOS-conditioned",
        "training": f"fresh sequences of {config.seq_len} tokens, batch {config.batch_size}, AdamW lr {o.lr:g}, "
                    f"weight decay {o.weight_decay:g} on matrices, warmup {config.warmup} then linear decay to 0.1× "
                    "(the shared LRSchedule; the author's cosine decay is not available there)",
        "steps": f"{config.steps}; checkpoints init, early = steps/5, mid = steps/2, final",
        "seeds": f"{config.seeds} runs: model init, data stream and probe sets differ; one fixed language (seed "
                 f"{config.language_seed}) at every seed offset: the verdict is about training seeds on it",
        "logit matrix": f"L_M(H, F): |H| histories of {config.history_len} tokens and |F| futures of "
                        f"{config.future_len} tokens sampled from the language, all V = {config.vocab_size} tokens per "
                        "future (the paper keeps the top 50 of ~50k), entries mean-centred over tokens",
        "sizes": f"|H| = {config.n_histories}, |F| = {config.n_futures}, basis B = {config.basis}, Lingen targets × "
                 f"continuations = {config.targets} × {config.samples}",
    }


def shown_setup(config: LogitRankConfig) -> dict[str, str]:
    """The setup table a claim row shows: ``setup(config)``, and beside a row whose value differs at the paper scale,
    that value (``… (paper scale: …)``), so that a ci row says what the paper scale would change; a paper-scale row
    shows its own values only."""
    here, paper = setup(config), setup(CONFIGS["paper"])
    return {k: v if v == paper[k] else f"{v} (paper scale: {paper[k]})" for k, v in here.items()}


# --------------------------------------------------------------------------- figures


def figure_spectra(result: LogitRankResult, config: LogitRankConfig):
    """Singular values of L_M at the checkpoints and of the exact language (first seed), with the power-law fit."""
    import matplotlib.pyplot as plt

    r = result.runs[0]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name in (*CHECKPOINTS, "language"):
        sv = r.spectra[name]
        style = "k--" if name == "language" else "-"
        ax.loglog(np.arange(1, len(sv) + 1), sv / sv[0], style, label=f"{name} (α = {r.fits[name]['alpha']:.2f})")
    lo, hi = config.fit_range
    fit, sv = r.fits["final"], r.spectra["final"]
    i = np.arange(lo, hi + 1)
    ax.loglog(i, fit["prefactor"] * i ** -fit["alpha"] / sv[0], "r:", lw=3, label=f"power-law fit, i = {lo}..{hi}")
    ax.set_xlabel("index i")
    ax.set_ylabel("σ_i / σ_1")
    ax.set_ylim(1e-7, 2)
    ax.legend(fontsize=7)
    return fig


def lingen_means(result: LogitRankResult) -> dict[str, float]:
    """Candidate -> KL averaged over steps, then over seeds."""
    return {n: float(np.mean([r.lingen[n].mean() for r in result.runs])) for n in result.runs[0].lingen}


def figure_lingen(result: LogitRankResult, config: LogitRankConfig):
    """Left: KL per generated step of Lingen and baselines; right: mean KL against the basis size."""
    import matplotlib.pyplot as plt

    runs, mean = result.runs, lingen_means(result)
    bases = (*config.basis_sweep, config.basis)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    shown = [f"lingen B={config.basis}", f"single-token B={config.basis}", f"truncated c={config.judged_truncation}",
             "truncated c=1", "checkpoint mid", "checkpoint early", f"lingen B={config.judged_basis}",
             f"lingen nonsense futures B={config.judged_basis}", f"lingen nonsense basis B={config.judged_basis}",
             f"lingen+prefixes B={config.basis}"]
    steps = np.arange(1, config.gen_steps + 1)
    for n in shown:
        ax.semilogy(steps, np.maximum(np.mean([r.lingen[n] for r in runs], axis=0), 1e-7), "o-", label=n)
    ax.set_xlabel("generated step")
    ax.set_ylabel("KL(model ‖ candidate), nats")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    for kind in ("lingen", "lingen+prefixes", "single-token"):
        ax2.loglog(bases, [mean[f"{kind} B={b}"] for b in bases], "o-", label=kind)
    for n in (f"truncated c={config.judged_truncation}", "checkpoint mid"):
        ax2.axhline(mean[n], ls="--", color="gray" if "trunc" in n else "k", label=n)
    ax2.set_xticks(bases, [str(b) for b in bases])
    ax2.xaxis.set_minor_formatter(plt.NullFormatter())
    ax2.set_xlabel("basis histories B")
    ax2.set_ylabel("mean KL over steps")
    ax2.legend(fontsize=7)
    return fig


LOGIT_RANK = Experiment("002-logit-rank", CONFIGS, STREAMS, run, shown_setup)  # what the source-002 toy claims read
