"""Claims of source 002 ("Sequences of Logits Reveal the Low Rank Structure of Language Models"), as toy analogs.

The paper measures pretrained LLMs (OLMo, Llama, Gemma, Mamba), which cannot be
downloaded here. Every claim below is therefore checked on a *toy-scale analog*:
a nanoGPT-style transformer (2 layers, width 32) trained on a hidden Markov
language over V = 32 tokens whose conditionals are exact. What carries over is the
*shape* of each claim (power-law decay, exponent above or below 1/2, emergence in
training, transfer of linear relations, Lingen beating baselines, the ISAN rank
bound); the paper's numbers (α ≈ 0.536) are LLM numbers and are recorded as
observations, not targets. A user with weights can run the same measurements on
an LLM by passing its ``next_token_log_probs`` to ``lab.logit_matrix`` and
``lab.lingen``.

One training run per seed (``_experiment``, cached by (seed_offset, device)) feeds
all claims of the group: init / early / mid / final checkpoints, extended logit
matrices L_M(H, F) on sampled histories and futures, regression transfer, and
Lingen against baselines along continuations sampled from the final model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats
from tabulate import tabulate
from torch import Tensor

from harness.claims import INCONCLUSIVE, OBSERVATION, REFUTED, REPRODUCED, AtLeast, AtMost, Source, claim
from lab.seeds import Seeds
from lab.lingen import regression_weights
from lab.logit_matrix import (
    batched_log_probs,
    extended_logit_matrix,
    nonsense_futures,
    numerical_rank,
    principal_angle_cosines,
    random_subspace_cosines,
    sample_sequences,
    singular_values,
)
from lab.metrics import power_law_fit
from lab.sequence_training import train_sequence_model
from lab.optim import LRSchedule, OptimizerSpec
from models.hmm import HiddenMarkovLanguage
from models.isan import ISAN, isan_logit_rank_bound
from models.sequence import GRUConfig, GRULanguageModel, Transformer, TransformerConfig

FILE = "002_74f484c1e4bc42b8.txt"
GROUP = "002-logit-rank"
V, HIDDEN_STATES = 32, 8
MODEL = TransformerConfig(vocab_size=V, block_size=16, n_layer=2, n_head=2, d_model=32)
OPTIM = OptimizerSpec("adamw", lr=3e-3, weight_decay=0.01)
WARMUP = 100
ANGLE_RANK = HIDDEN_STATES  # rank of the column spaces compared: the language's number of hidden states
FLOAT64_RTOL = 1e-9  # numerical rank threshold, far above float64 rounding (~1e-15 measured on ISANs)


@dataclass(frozen=True)
class Sizes:
    """Experiment sizes; CPU defaults keep the file near a minute on one core."""

    seeds: int  # training runs (model init + data stream + probe sets)
    steps: int  # training steps
    n_histories: int  # |H|, histories of HISTORY_LEN tokens sampled from the language
    n_futures: int  # |F| futures of FUTURE_LEN tokens (columns: |F| * V)
    basis: int  # Lingen / transfer basis: the first `basis` histories; the rest are held out
    basis_sweep: tuple[int, ...]  # smaller nested bases, to show what the Lingen verdicts depend on
    targets: int  # Lingen target histories (held-out rows)
    samples: int  # continuations sampled from the model per target
    random_draws: int  # random-subspace baseline draws

    @property
    def fit_range(self) -> tuple[int, int]:
        """Singular-value indices of the power-law fit, fixed in advance: 2 .. |H|/4 (1-based).

        σ_1 is the future-only direction shared by all histories; the bottom 3/4 bend down
        with the finite number of rows.
        """
        return 2, self.n_histories // 4

    @property
    def checkpoints(self) -> dict[str, int]:
        return {"init": 0, "early": self.steps // 5, "mid": self.steps // 2, "final": self.steps}


CPU = Sizes(seeds=3, steps=250, n_histories=256, n_futures=64, basis=128, basis_sweep=(16, 32, 64),
            targets=8, samples=8, random_draws=200)
CUDA = Sizes(seeds=5, steps=1000, n_histories=512, n_futures=128, basis=256, basis_sweep=(16, 32, 64, 128),
             targets=16, samples=16, random_draws=400)
SIZES = {"ci": CPU, "paper": CUDA}
SEED_STREAMS = ("model", "data", "eval", "probes", "lingen", "isan")  # lab.seeds: the order is fixed


def ISAN_SEEDS(seeds: Seeds, d: int) -> tuple[int, ...]:
    """The two ISANs of width d: seeds 10d and 10d + 1 of the isan stream."""
    return seeds("isan", 10 * d + 2)[10 * d:]
HISTORY_LEN, FUTURE_LEN, GEN_STEPS = 8, 4, 6  # 8 + 4 and 8 + (6 - 1) stay within block_size - 1 = 15
TRUNCATIONS = (0, 1, 2, 4)  # restricted-context baselines: the last c target tokens; c = 4 (half) is judged
JUDGED_TRUNCATION = 4

SETUP = {
    "scale": "TOY-SCALE ANALOG of an LLM measurement: the paper's models cannot be loaded here",
    "language": f"HiddenMarkovLanguage(V={V}, hidden_states={HIDDEN_STATES}, zipf_alpha=2, concentration=0.1), "
                "exact conditionals by the forward algorithm",
    "model": "nanoGPT-style Transformer, 2 layers, 2 heads, d_model 32, block 16, BOS-conditioned",
    "training": "fresh sequences of 16 tokens, batch 64, AdamW lr 3e-3, weight decay 0.01 on matrices, warmup 100 "
                "then linear decay to 0.1× (the shared LRSchedule; the author's cosine decay is not available there)",
    "steps (cpu / cuda)": f"{CPU.steps} / {CUDA.steps}; checkpoints init, early = steps/5, mid = steps/2, final",
    "seeds (cpu / cuda)": f"{CPU.seeds} / {CUDA.seeds} runs: model init, data stream and probe sets differ; "
                          "one language",
    "logit matrix": f"L_M(H, F): |H| histories of {HISTORY_LEN} tokens and |F| futures of {FUTURE_LEN} tokens "
                    f"sampled from the language, all V = {V} tokens per future (the paper keeps the top 50 of ~50k), "
                    "entries mean-centred over tokens",
    "sizes (cpu / cuda)": f"|H| = {CPU.n_histories} / {CUDA.n_histories}, |F| = {CPU.n_futures} / {CUDA.n_futures}, "
                          f"basis B = {CPU.basis} / {CUDA.basis}, Lingen targets × continuations = "
                          f"{CPU.targets} × {CPU.samples} / {CUDA.targets} × {CUDA.samples}",
}


# --------------------------------------------------------------------------- experiment


def _log_prob_fn(model, device: str):
    """CPU token ids in, CPU log-probs out, whatever device the model lives on."""
    model = model.to(device)
    return lambda prefixes: model.next_token_log_probs(prefixes.to(device)).cpu()


def _spectrum_fit(sv: np.ndarray, lo: int, hi: int) -> dict[str, float]:
    """Power law σ_i ∝ i^-α over 1-based indices lo..hi, and an exponential fit for comparison."""
    i = np.arange(lo, hi + 1)
    s = sv[lo - 1 : hi]
    fit = power_law_fit(i, s)
    exp_r2 = stats.linregress(i, np.log(s)).rvalue ** 2
    return {"alpha": -fit.exponent, "alpha_ci": (-fit.ci_high, -fit.ci_low), "r2": fit.r2,
            "exp_r2": float(exp_r2), "prefactor": fit.prefactor}


def _prefix_closed(futures: Tensor) -> list[Tensor]:
    """The futures and all their prefixes, one tensor per length 0..len (duplicates removed)."""
    out = [futures[:1, :0]]
    for length in range(1, futures.shape[1] + 1):
        out.append(torch.unique(futures[:, :length], dim=0))
    return out


def _rows(fn, histories: Tensor, future_sets: list[Tensor]) -> Tensor:
    """Concatenated columns of L_M(histories, F) over several future sets -> (|H|, columns)."""
    return torch.cat([extended_logit_matrix(fn, histories, f, batch_size=1024).values for f in future_sets], dim=1)


def _held_out_r2(basis_rows: Tensor, target_rows: Tensor, weights: Tensor) -> float:
    """1 - ||target - w·basis||² / ||target - mean basis row||²: variance the weights explain beyond
    the 'histories don't matter' baseline."""
    err = (target_rows - weights @ basis_rows).pow(2).sum()
    base = (target_rows - basis_rows.mean(dim=0, keepdim=True)).pow(2).sum()
    return float(1 - err / base)


def _continuation_kls(fn, target: Tensor, basis: Tensor, weights: dict[str, Tensor], references: dict,
                      n_samples: int, generator: torch.Generator) -> dict[str, np.ndarray]:
    """Per-step mean KL(model(target∘z_<t) ‖ candidate) along n_samples continuations sampled from the model.

    Candidates: Lingen weight vectors (each uses the first len(w) basis histories, which
    share one batch of basis evaluations) and references mapping continuations to log-probs
    (truncated context, checkpoints, the language). All share the same continuations.
    """
    cont = torch.empty(n_samples, 0, dtype=torch.long)
    n_b = basis.shape[0]
    kls = {name: [] for name in [*weights, *references]}
    for _ in range(GEN_STEPS):
        p_log = batched_log_probs(fn, torch.cat([target.expand(n_samples, -1), cont], dim=1))  # (n, V)
        pairs = torch.cat([basis.repeat(n_samples, 1), cont.repeat_interleave(n_b, dim=0)], dim=1)
        basis_log = batched_log_probs(fn, pairs).reshape(n_samples, n_b, -1)  # (n, B, V)
        candidates = {name: F.log_softmax(torch.einsum("h,nhv->nv", w, basis_log[:, : len(w)]), dim=-1)
                      for name, w in weights.items()}
        candidates.update({name: ref(cont) for name, ref in references.items()})
        for name, q_log in candidates.items():
            kls[name].append(float(F.kl_div(q_log, p_log, log_target=True, reduction="batchmean")))
        cont = torch.cat([cont, torch.multinomial(p_log.exp(), 1, generator=generator)], dim=1)
    return {name: np.array(v) for name, v in kls.items()}


def _lingen(fn, checkpoint_fns: dict, language, histories: Tensor, futures: Tensor, nonsense: Tensor,
            sizes: Sizes, generator: torch.Generator) -> dict[str, np.ndarray]:
    """Lingen and baselines for `sizes.targets` held-out targets: per-step KL averaged over targets."""
    basis, targets = histories[: sizes.basis], histories[sizes.basis : sizes.basis + sizes.targets]
    both, n_b = torch.cat([basis, targets]), sizes.basis
    in_dist = _rows(fn, both, _prefix_closed(futures))  # (B + T, columns); first V columns: empty future
    off_dist = _rows(fn, both, _prefix_closed(nonsense))
    single, full_length = in_dist[:, :V], in_dist[:, -len(torch.unique(futures, dim=0)) * V:]
    weights = {}
    for b in (*sizes.basis_sweep, n_b):
        weights[f"lingen B={b}"] = regression_weights(in_dist[:b], in_dist[n_b:])
        weights[f"single-token B={b}"] = regression_weights(single[:b], single[n_b:])
    weights["lingen nonsense futures"] = regression_weights(off_dist[:n_b], off_dist[n_b:])
    weights[f"lingen {FUTURE_LEN}-token futures only"] = regression_weights(full_length[:n_b], full_length[n_b:])

    totals: dict[str, np.ndarray] = {}
    for j, target in enumerate(targets):
        refs = {f"truncated c={c}": (lambda cont, c=c: batched_log_probs(
                    fn, torch.cat([target[len(target) - c:].expand(len(cont), -1), cont], dim=1)))
                for c in TRUNCATIONS}
        refs.update({f"checkpoint {name}": (lambda cont, g=g: batched_log_probs(
                         g, torch.cat([target.expand(len(cont), -1), cont], dim=1)))
                     for name, g in checkpoint_fns.items()})
        refs["language (truth)"] = lambda cont: language.next_token_log_probs(
            torch.cat([target.expand(len(cont), -1), cont], dim=1))
        per_target = _continuation_kls(fn, target, basis, {k: w[j] for k, w in weights.items()}, refs,
                                       sizes.samples, generator)
        for name, kl in per_target.items():
            totals[name] = totals.get(name, 0.0) + kl / sizes.targets
    return totals


def _run(seeds: dict[str, int], language: HiddenMarkovLanguage, sizes: Sizes, device: str) -> dict:
    """One training run and every measurement made on it."""
    model = Transformer(MODEL, seed=seeds["model"])
    eval_sequences = language.sample(256, 16, torch.Generator().manual_seed(seeds["eval"]))
    marks = sizes.checkpoints
    log = train_sequence_model(
        model, language, steps=sizes.steps, optim=OPTIM,
        schedule=LRSchedule(warmup_steps=WARMUP, decay_steps=sizes.steps - WARMUP, final_factor=0.1),
        batch_size=64, seq_len=16, data_seed=seeds["data"], eval_sequences=eval_sequences,
        eval_steps=sorted(marks.values()), checkpoint_steps=sorted(marks.values()), device=device)
    if not np.isfinite(log.final_kl):
        raise FloatingPointError(f"training diverged: final per-token KL {log.final_kl}")
    fns = {name: _log_prob_fn(copy.deepcopy(log.checkpoints[step]), device) for name, step in marks.items()}
    final = fns["final"]

    g = torch.Generator().manual_seed(seeds["probes"])
    H = language.sample(sizes.n_histories, HISTORY_LEN, g)
    F1, F2 = language.sample(sizes.n_futures, FUTURE_LEN, g), language.sample(sizes.n_futures, FUTURE_LEN, g)
    F3 = nonsense_futures(V, sizes.n_futures, FUTURE_LEN, g)

    L = {name: _rows(fn, H, [F1]) for name, fn in fns.items()}
    L["language"] = _rows(language.next_token_log_probs, H, [F1])
    L["GRU at init (alternative init)"] = _rows(
        _log_prob_fn(GRULanguageModel(GRUConfig(vocab_size=V), seed=seeds["model"]), device), H, [F1])
    spectra = {name: singular_values(M).numpy() for name, M in L.items()}
    lo, hi = sizes.fit_range
    fits = {name: _spectrum_fit(sv, lo, hi) for name, sv in spectra.items()}
    alt_ranges = [(2, hi // 2), (2, 2 * hi), (4, hi)]
    alt_fits = {f"{a}..{b}": _spectrum_fit(spectra["final"], a, b)["alpha"] for a, b in alt_ranges}

    L2, L3 = _rows(final, H, [F2]), _rows(final, H, [F3])
    b = sizes.basis
    w = regression_weights(L["final"][:b], L["final"][b:])
    transfer = {}
    for name, M in (("in-distribution", L2), ("nonsense", L3)):
        oracle = regression_weights(M[:b], M[b:])
        transfer[name] = {"r2": _held_out_r2(M[:b], M[b:], w), "oracle_r2": _held_out_r2(M[:b], M[b:], oracle)}
    transfer["same futures (in-sample)"] = {"r2": _held_out_r2(L["final"][:b], L["final"][b:], w)}
    cosines = {"in-distribution": principal_angle_cosines(L["final"], L2, ANGLE_RANK).numpy(),
               "nonsense": principal_angle_cosines(L["final"], L3, ANGLE_RANK).numpy(),
               "init vs final": principal_angle_cosines(L["init"], L["final"], ANGLE_RANK).numpy()}
    random_means = np.array([float(random_subspace_cosines(sizes.n_histories, ANGLE_RANK, g).mean())
                             for _ in range(sizes.random_draws)])

    final64 = copy.deepcopy(log.checkpoints[marks["final"]]).double()
    L64 = _rows(_log_prob_fn(final64, device), H, [F1[: sizes.n_futures // 4]])  # float64 is slow; a quarter suffices
    sv64 = singular_values(L64).numpy()

    checkpoint_fns = {name: fns[name] for name in ("init", "early", "mid")}
    lingen = _lingen(final, checkpoint_fns, language, H, F1, F3, sizes, torch.Generator().manual_seed(seeds["lingen"]))
    return {
        "kl_curve": dict(zip(log.steps, log.kl)),
        "spectra": spectra, "fits": fits, "alt_fits": alt_fits,
        "transfer": transfer, "cosines": cosines,
        "random_cos_mean": float(random_means.mean()), "random_cos_q99": float(np.quantile(random_means, 0.99)),
        "rank64": numerical_rank(L64, FLOAT64_RTOL), "rank64_at_1e-3": numerical_rank(L64, 1e-3),
        "sv64_ratio": float(sv64[MODEL.d_model + 1] / sv64[0]),
        "language_rank": numerical_rank(L["language"], FLOAT64_RTOL),
        "lingen": lingen,
    }


@cache
def _experiment(seed_offset: int, device: str, scale: str) -> tuple[Sizes, list[dict]]:
    """All training runs of the group, shared by its claims (one xdist worker runs them)."""
    torch.set_num_threads(1)
    sizes = SIZES[scale]
    seeds = Seeds(SEED_STREAMS, seed_offset)
    language = HiddenMarkovLanguage(V, hidden_states=HIDDEN_STATES, seed=seeds("model", 1)[0])
    streams = {name: seeds(name, sizes.seeds) for name in SEED_STREAMS}
    runs = [_run({name: s[i] for name, s in streams.items()}, language, sizes, device) for i in range(sizes.seeds)]
    return sizes, runs


def _per_seed(runs: list[dict], get) -> list[float]:
    return [float(get(r)) for r in runs]


def _table(rows: list[list], headers: list[str]) -> str:
    return tabulate(rows, headers=headers, tablefmt="github", floatfmt=".4g")


def _mean_sd(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.4g} ± {v.std(ddof=1):.2g}" if v.size > 1 else f"{v[0]:.4g}"


# --------------------------------------------------------------------------- notes and figures


def _spectra_figure(ctx, sizes: Sizes, run: dict) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name in ("init", "early", "mid", "final", "language"):
        sv = run["spectra"][name]
        style = "k--" if name == "language" else "-"
        ax.loglog(np.arange(1, len(sv) + 1), sv / sv[0], style, label=f"{name} (α = {run['fits'][name]['alpha']:.2f})")
    lo, hi = sizes.fit_range
    fit, sv = run["fits"]["final"], run["spectra"]["final"]
    i = np.arange(lo, hi + 1)
    ax.loglog(i, fit["prefactor"] * i ** -fit["alpha"] / sv[0], "r:", lw=3, label=f"power-law fit, i = {lo}..{hi}")
    ax.set_xlabel("index i")
    ax.set_ylabel("σ_i / σ_1")
    ax.set_ylim(1e-7, 2)
    ax.legend(fontsize=7)
    ctx.figure(fig, "spectra", "Singular values of the extended logit matrix L_M(H, F) of the toy transformer at init, "
               f"early (step {sizes.checkpoints['early']}), mid and final checkpoints (first seed), and of the exact "
               "language; dotted: the power-law fit over the pre-fixed index range.")


def _spectra_note(ctx, sizes: Sizes, runs: list[dict]) -> None:
    names = ["init", "early", "mid", "final", "language", "GRU at init (alternative init)"]
    rows = [[n, _mean_sd([r["fits"][n]["alpha"] for r in runs]), _mean_sd([r["fits"][n]["r2"] for r in runs]),
             _mean_sd([r["fits"][n]["exp_r2"] for r in runs]),
             _mean_sd([r["spectra"][n][1] / r["spectra"][n][0] for r in runs])] for n in names]
    lo, hi = sizes.fit_range
    ctx.note(f"Power-law fits σ_i ∝ i^-α over i = {lo}..{hi} (mean ± sd over {len(runs)} seeds). "
             "'exp R²' is the R² of an exponential fit (log σ linear in i) over the same range, for comparison; "
             "σ_2/σ_1 measures how much the logits depend on the history at all.\n\n"
             + _table(rows, ["matrix", "α", "power-law R²", "exp R²", "σ_2/σ_1"]))
    curve = runs[0]["kl_curve"]
    ctx.note("Training (first seed): exact per-token KL(language ‖ model) at the checkpoints: "
             + ", ".join(f"step {s}: {kl:.3g}" for s, kl in curve.items()) + " nats/token.")


def _lingen_note(ctx, sizes: Sizes, runs: list[dict]) -> None:
    import matplotlib.pyplot as plt

    names = list(runs[0]["lingen"])
    mean = {n: np.mean([r["lingen"][n].mean() for r in runs]) for n in names}
    rows = [[n, _mean_sd([r["lingen"][n].mean() for r in runs])] + list(np.mean([r["lingen"][n] for r in runs], axis=0))
            for n in sorted(names, key=mean.get)]
    ctx.note(f"Mean KL(model ‖ candidate) in nats over {GEN_STEPS} generated steps, {sizes.targets} held-out targets × "
             f"{sizes.samples} continuations sampled from the final model (mean ± sd over seeds), and per step "
             "(mean over seeds). Lingen regresses on the basis rows of L_M with the futures *and their prefixes* "
             "(lengths 0..4, so the empty future of the first step is among them); single-token uses the empty future "
             "only; 'B' is the number of basis histories.\n\n"
             + _table(rows, ["candidate", "mean KL"] + [f"step {s + 1}" for s in range(GEN_STEPS)]))
    bases = (*sizes.basis_sweep, sizes.basis)
    baselines = {"single-token (same B)": lambda b: f"single-token B={b}",
                 **{f"truncated c={c}": (lambda b, c=c: f"truncated c={c}") for c in TRUNCATIONS},
                 **{f"checkpoint {n}": (lambda b, n=n: f"checkpoint {n}") for n in ("mid", "early")}}
    wins = {label: [b for b in bases if mean[f"lingen B={b}"] < mean[key(b)]] for label, key in baselines.items()}
    ctx.note(f"Basis sizes B (of {list(bases)}) at which Lingen's mean KL (over seeds) is below each baseline's: "
             + "; ".join(f"{label}: {b or 'none'}" for label, b in wins.items()) + ".")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    shown = [f"lingen B={sizes.basis}", f"single-token B={sizes.basis}", f"truncated c={JUDGED_TRUNCATION}",
             "truncated c=1", "checkpoint mid", "checkpoint early", "lingen nonsense futures",
             f"lingen {FUTURE_LEN}-token futures only"]
    steps = np.arange(1, GEN_STEPS + 1)
    for n in shown:
        ax.semilogy(steps, np.maximum(np.mean([r["lingen"][n] for r in runs], axis=0), 1e-7), "o-", label=n)
    ax.set_xlabel("generated step")
    ax.set_ylabel("KL(model ‖ candidate), nats")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    for kind in ("lingen", "single-token"):
        ax2.loglog(bases, [mean[f"{kind} B={b}"] for b in bases], "o-", label=kind)
    for n in (f"truncated c={JUDGED_TRUNCATION}", "checkpoint mid"):
        ax2.axhline(mean[n], ls="--", color="gray" if "trunc" in n else "k", label=n)
    ax2.set_xticks(bases, [str(b) for b in bases])
    ax2.xaxis.set_minor_formatter(plt.NullFormatter())
    ax2.set_xlabel("basis histories B")
    ax2.set_ylabel("mean KL over steps")
    ax2.legend(fontsize=7)
    ctx.figure(fig, "lingen-kl", "Left: KL per generated step of Lingen and baselines to the final model (mean over "
               "seeds and targets; floored at 1e-7 for the log axis). Right: mean KL against the number of basis "
               "histories, with the judged truncated-context and checkpoint baselines.")


# --------------------------------------------------------------------------- claims: spectrum


POWER_LAW_R2 = 0.95
R2_WHY = ("the source gives no goodness of fit; we call a log-log line over the pre-fixed index range a power law when "
          "it explains ≥ 95% of the variance of log σ_i (a Gaussian random matrix, which has no power law, gets ≈ 0.91)")
HALF_WHY = "the source's own threshold: 'if α > 0.5, constant-rank approximation suffices'"


@claim(
    id="logit-rank.power-law-decay",
    source=Source(FILE, "Executive Summary",
                  "Empirical results show that for a wide range of modern LLMs, these matrices are well-approximated by "
                  "low-rank matrices, with singular values decaying according to a power law."),
    statement="The extended logit matrix of a trained toy transformer has singular values that decay as a power law.",
    setup={**SETUP, "fit": "least squares in log-log space over i = 2..|H|/4 (fixed in advance)"},
    criterion=AtLeast("power_law_r2", POWER_LAW_R2, claimed="power-law decay", why=R2_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_power_law_decay(ctx):
    sizes, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    _spectra_figure(ctx, sizes, runs[0])
    _spectra_note(ctx, sizes, runs)
    alt = {k: _mean_sd([r["alt_fits"][k] for r in runs]) for k in runs[0]["alt_fits"]}
    ctx.note("The exponent of the final model over other index ranges (robustness of the fixed range): "
             + ", ".join(f"i = {k}: α = {v}" for k, v in alt.items()) + ".")
    return {"power_law_r2": _per_seed(runs, lambda r: r["fits"]["final"]["r2"]),
            "exponential_r2": _per_seed(runs, lambda r: r["fits"]["final"]["exp_r2"]),
            "alpha": _per_seed(runs, lambda r: r["fits"]["final"]["alpha"]),
            "rank8_relative_error": _per_seed(runs, lambda r: np.sqrt((r["spectra"]["final"][8:] ** 2).sum()
                                                                       / (r["spectra"]["final"] ** 2).sum()))}


@claim(
    id="logit-rank.exponent-above-half",
    source=Source(FILE, "Mechanism 1",
                  "Singular values decay with exponent $\\alpha \\approx 0.536$; if $\\alpha > 0.5$, constant-rank "
                  "approximation suffices"),
    statement="The trained toy model's power-law exponent exceeds 1/2, so a constant-rank approximation suffices.",
    setup={**SETUP, "fit": "as in logit-rank.power-law-decay; α = −slope, 95% CI in the measured values"},
    criterion=AtLeast("alpha", 0.5, claimed="α > 0.5", why=HALF_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_exponent_above_half(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    return {"alpha": _per_seed(runs, lambda r: r["fits"]["final"]["alpha"]),
            "alpha_ci_low": _per_seed(runs, lambda r: r["fits"]["final"]["alpha_ci"][0]),
            "alpha_ci_high": _per_seed(runs, lambda r: r["fits"]["final"]["alpha_ci"][1]),
            "alpha_exact_language": _per_seed(runs, lambda r: r["fits"]["language"]["alpha"])}


@claim(
    id="logit-rank.exponent-vs-olmo",
    source=Source(FILE, "Key Results",
                  "Extended logit matrices exhibit low-rank structure with singular values decaying as a power law "
                  "with exponent $\\alpha \\approx 0.536$"),
    statement="The power-law exponent of the toy model (recorded beside the paper's OLMo value 0.536).",
    setup={**SETUP, "why an observation": "0.536 is measured on OLMo-7b over |H| = |F| = 1000, top-50 of ~50k tokens; "
                                          "nothing makes a 2-layer model on a 32-token HMM share that number"},
    criterion=None,
    expected=OBSERVATION,
    group=GROUP,
)
def test_exponent_vs_olmo(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    alphas = _per_seed(runs, lambda r: r["fits"]["final"]["alpha"])
    ctx.note(f"Toy α = {_mean_sd(alphas)} against OLMo's 0.536: the toy spectrum decays much faster, as expected of a "
             f"language with {HIDDEN_STATES} hidden states (the exact language gives "
             f"α = {_mean_sd(_per_seed(runs, lambda r: r['fits']['language']['alpha']))}).")
    return {"alpha": alphas, "alpha_olmo_paper": 0.536}


# --------------------------------------------------------------------------- claims: emergence in training


@claim(
    id="logit-rank.init-no-power-law",
    source=Source(FILE, "Architecture Onboarding",
                  "Power-law fit fails → matrix may not have exploitable structure (seen at training step 0)"),
    statement="At initialisation (step 0) the power-law fit of the spectrum fails.",
    setup={**SETUP, "fit": "as in logit-rank.power-law-decay, on the step-0 checkpoint"},
    criterion=AtMost("power_law_r2_init", POWER_LAW_R2, claimed="fit fails at step 0", why=R2_WHY),
    expected=INCONCLUSIVE,
    reason="R² of the power-law fit at step 0 is 0.958, 0.945, 0.952 over the three seeds: it straddles 0.95. The fit "
           "is worse than after training (0.992-0.994) but does not clearly fail, and the spectrum decays steeply "
           "(α ≈ 2.4), unlike the flat spectrum of a random matrix (α ≈ 0.06). At the cuda sizes (|H| = 512, 1000 "
           "steps, 5 seeds; measured on an H100) R² at init is 0.965-0.973, so there the claim is refuted.",
    expected_at={"paper": REFUTED},
    group=GROUP,
)
def test_init_no_power_law(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    return {"power_law_r2_init": _per_seed(runs, lambda r: r["fits"]["init"]["r2"]),
            "power_law_r2_final": _per_seed(runs, lambda r: r["fits"]["final"]["r2"]),
            "alpha_init": _per_seed(runs, lambda r: r["fits"]["init"]["alpha"])}


@claim(
    id="logit-rank.init-absent",
    source=Source(FILE, "Key Results", "Low-rank structure is absent in untrained models but emerges during pre-training"),
    statement="At initialisation the spectrum does not decay fast enough for a constant-rank approximation (α ≤ 1/2).",
    setup={**SETUP, "init": "nanoGPT init (std 0.02, scaled residual projections); the GRU at PyTorch's default "
                            "init is measured as the alternative (note)"},
    criterion=AtMost("alpha_init", 0.5, claimed="no low-rank structure at init (α ≤ 0.5)", why=HALF_WHY),
    expected=REFUTED,
    reason="α at step 0 is 2.37-2.50 over the three seeds, steeper than after training (1.69-1.83); an untrained GRU "
           "gives 1.81-1.89. The untrained toy models' logits barely depend on the history (σ_2/σ_1 ≈ 0.03), and "
           "that small dependence already lies in few directions: the absence of structure the source reports for "
           "untrained LLMs does not show at this scale.",
    group=GROUP,
)
def test_init_absent(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    gru = _per_seed(runs, lambda r: r["fits"]["GRU at init (alternative init)"]["alpha"])
    ctx.note(f"Alternative architecture and init: an untrained GRU gives α = {_mean_sd(gru)}.")
    return {"alpha_init": _per_seed(runs, lambda r: r["fits"]["init"]["alpha"]),
            "alpha_final": _per_seed(runs, lambda r: r["fits"]["final"]["alpha"]),
            "alpha_gru_init": gru,
            "sigma2_over_sigma1_init": _per_seed(runs, lambda r: r["spectra"]["init"][1] / r["spectra"]["init"][0])}


@claim(
    id="logit-rank.emerges-early",
    source=Source(FILE, "Open Question 1",
                  "How and why does low-rank structure in the logit matrix emerge early in pre-training?"),
    statement="By an early checkpoint (1/5 of training) the spectrum already decays with α > 1/2.",
    setup={**SETUP, "early": "step = steps / 5 (50 of 250 on CPU)"},
    criterion=AtLeast("alpha_early", 0.5, claimed="low rank (α > 0.5) early in training", why=HALF_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_emerges_early(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    return {"alpha_early": _per_seed(runs, lambda r: r["fits"]["early"]["alpha"]),
            "power_law_r2_early": _per_seed(runs, lambda r: r["fits"]["early"]["r2"])}


@claim(
    id="logit-rank.init-overlap-near-random",
    source=Source(FILE, "Mechanism 2", "Untrained model shows near-random overlap with trained models"),
    statement="The rank-8 column spaces of L_M(H, F) at init and after training overlap no more than random subspaces.",
    setup={**SETUP, "principal angles": f"cosines between the top-{ANGLE_RANK} left singular spaces (in R^|H|); "
                                        "random baseline: 99th percentile of the mean cosine of two uniformly "
                                        "random subspaces of the same rank"},
    criterion=AtMost("mean_cos_minus_random_q99", 0.0, claimed="near-random overlap",
                     why="'near-random' read as: not above the 99th percentile of random subspaces' mean cosine"),
    expected=REFUTED,
    reason="The mean top-8 cosine between the init and final column spaces is 0.48-0.52 over the three seeds, against "
           "0.18 for the random 99th percentile: the leading directions are shared (first seed: cosines 1.00, 0.95, "
           "0.66, ...), only the later ones fall to chance.",
    group=GROUP,
)
def test_init_overlap_near_random(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    return {"mean_cos_minus_random_q99": _per_seed(runs, lambda r: r["cosines"]["init vs final"].mean()
                                                   - r["random_cos_q99"]),
            "mean_cos_init_vs_final": _per_seed(runs, lambda r: r["cosines"]["init vs final"].mean()),
            "random_mean_cos": _per_seed(runs, lambda r: r["random_cos_mean"]),
            "cosines_first_seed": runs[0]["cosines"]["init vs final"]}


# --------------------------------------------------------------------------- claims: transfer across futures


TRANSFER_R2 = 0.5
TRANSFER_WHY = ("the source says the relations 'transfer' without a number; we require the coefficients fitted on F "
                "to explain at least half of the history-dependent variance on F' that the mean-row baseline leaves")
TRANSFER_SETUP = {**SETUP, "transfer": "weights of each held-out history on the first B histories fitted on L_M(·, F) by least squares, applied to L_M(·, F'); "
                                       "baseline: the mean basis row (history ignored); oracle: weights fitted on F'"}


def _transfer_claim(ctx, which: str) -> dict:
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    rows = [[r["transfer"][which]["r2"], r["transfer"][which]["oracle_r2"], r["transfer"]["same futures (in-sample)"]["r2"]]
            for r in runs]
    ctx.note(f"Held-out R² per seed on {which} futures F' (transferred from F), against weights fitted on F' itself "
             "(oracle) and on F (in-sample):\n\n" + _table(rows, ["transferred R²", "oracle R²", "in-sample R² on F"]))
    return {"transfer_r2": [row[0] for row in rows], "oracle_r2": [row[1] for row in rows]}


@claim(
    id="logit-rank.transfer-in-distribution",
    source=Source(FILE, "Key Results", "Linear relationships between histories transfer across different futures"),
    statement="Regression weights between histories fitted on one set of sampled futures predict the rows on fresh "
              "sampled futures (held-out R²).",
    setup=TRANSFER_SETUP,
    criterion=AtLeast("transfer_r2", TRANSFER_R2, claimed="transfers", why=TRANSFER_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_transfer_in_distribution(ctx):
    return _transfer_claim(ctx, "in-distribution")


@claim(
    id="logit-rank.transfer-nonsense",
    source=Source(FILE, "Mechanism 2",
                  "The row kernel of $L_M(H,F)$ is approximately preserved when $F$ changes to nonsensical/random futures"),
    statement="Regression weights fitted on sampled futures predict the rows on nonsense (uniform random) futures.",
    setup=TRANSFER_SETUP,
    criterion=AtLeast("transfer_r2", TRANSFER_R2, claimed="preserved", why=TRANSFER_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_transfer_nonsense(ctx):
    return _transfer_claim(ctx, "nonsense")


ANGLE_SETUP = {**SETUP, "principal angles": f"cosines between the top-{ANGLE_RANK} left singular spaces of "
                                            "L_M(H, F) and L_M(H, F'), F' fresh sampled or nonsense futures; the worse "
                                            "of the two is judged; random baseline as in logit-rank.init-overlap-near-random"}


@claim(
    id="logit-rank.angles-above-random",
    source=Source(FILE, "Mechanism 2", "Column spaces of low-rank approximations should overlap significantly across conditions"),
    statement="Column spaces of L_M(H, F) and L_M(H, F') overlap more than random subspaces (both kinds of F').",
    setup=ANGLE_SETUP,
    criterion=AtLeast("worst_mean_cos_minus_random_q99", 0.0, claimed="exceeds random",
                      why="above the 99th percentile of random subspaces' mean cosine"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_angles_above_random(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    worst = _per_seed(runs, lambda r: min(r["cosines"]["in-distribution"].mean(), r["cosines"]["nonsense"].mean()))
    return {"worst_mean_cos_minus_random_q99": [w - r["random_cos_q99"] for w, r in zip(worst, runs)],
            "random_cos_q99": _per_seed(runs, lambda r: r["random_cos_q99"])}


@claim(
    id="logit-rank.angles-near-one",
    source=Source(FILE, "Mechanism 2", "Principal angles between column spaces show cosines near 1, exceeding random baselines"),
    statement="The principal-angle cosines between L_M(H, F) and L_M(H, F') are near 1 (mean of the top 8 ≥ 0.9).",
    setup=ANGLE_SETUP,
    criterion=AtLeast("worst_mean_cos", 0.9, claimed="cosines near 1",
                      why="'near 1' read as a mean cosine within 0.1 of 1 (angles below ~26°)"),
    expected=REPRODUCED,
    expected_at={"paper": INCONCLUSIVE},
    reason="At the cpu sizes every seed's worst mean cosine is ≥ 0.95. At the cuda sizes (|H| = 512, 1000 steps, "
           "5 seeds; measured on an H100) it is 0.90 ± 0.04 and one seed falls to 0.84: inconclusive there.",
    group=GROUP,
)
def test_angles_near_one(ctx):
    _, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    ctx.note("The verdict sits near its threshold. Measured once at the cuda sizes (|H| = 512, 1000 steps, 5 seeds, "
             "H100): worst-case mean cosine 0.92, 0.92, 0.94, 0.90, 0.84 (nonsense futures; in-distribution "
             "0.96-0.99), i.e. inconclusive there; with --claims-seed 1 (another language and runs) 0.935 ± 0.037, "
             "also inconclusive.")
    rows = [[i, kind, *r["cosines"][kind]] for i, r in enumerate(runs) for kind in ("in-distribution", "nonsense")]
    ctx.note(f"Principal-angle cosines per seed (top {ANGLE_RANK}), F' fresh sampled or nonsense futures:\n\n"
             + _table(rows, ["seed", "F'"] + [f"cos {k + 1}" for k in range(ANGLE_RANK)]))
    return {"worst_mean_cos": _per_seed(runs, lambda r: min(r["cosines"]["in-distribution"].mean(),
                                                            r["cosines"]["nonsense"].mean())),
            "mean_cos_in_distribution": _per_seed(runs, lambda r: r["cosines"]["in-distribution"].mean()),
            "mean_cos_nonsense": _per_seed(runs, lambda r: r["cosines"]["nonsense"].mean())}


# --------------------------------------------------------------------------- claims: Lingen


LINGEN_WHY = "the source's words: Lingen achieves lower KL than the baseline, i.e. a KL ratio below 1"
LINGEN_SETUP = {**SETUP, "lingen": f"B basis histories, held-out targets × model continuations (sizes above), "
                                   f"{GEN_STEPS} generated steps; "
                                   "regression on the futures and all their prefixes (lengths 0..4); exact "
                                   "next-token KL(final model ‖ candidate), averaged over steps, continuations and "
                                   "targets; all candidates share the continuations"}


def _lingen_ratio(ctx, baseline: str, full_note: bool = False) -> dict:
    """KL(Lingen) / KL(baseline) per seed; the table and figure go with one claim, the others point to it."""
    sizes, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    lingen = f"lingen B={sizes.basis}"
    if full_note:
        _lingen_note(ctx, sizes, runs)
    else:
        ctx.note("Per-step table, basis-size sweep and figure: see logit-rank.lingen-vs-truncated-context.")
    return {"kl_ratio": _per_seed(runs, lambda r: r["lingen"][lingen].mean() / r["lingen"][baseline].mean()),
            "kl_lingen": _per_seed(runs, lambda r: r["lingen"][lingen].mean()),
            "kl_baseline": _per_seed(runs, lambda r: r["lingen"][baseline].mean())}


@claim(
    id="logit-rank.lingen-vs-single-token",
    source=Source(FILE, "Architecture Onboarding",
                  "Generated text derails after first token → using single-token logit matrix instead of extended"),
    statement="Lingen (extended logit matrix) reaches lower KL to the model than the single-token variant.",
    setup={**LINGEN_SETUP, "single-token": "the same regression on the next-token columns only (empty future)"},
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(single-token)", why=LINGEN_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_lingen_vs_single_token(ctx):
    sizes, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    out = _lingen_ratio(ctx, f"single-token B={sizes.basis}")
    fixed = f"lingen {FUTURE_LEN}-token futures only"
    out["kl_ratio_if_regressed_on_4_token_futures_only"] = _per_seed(
        runs, lambda r: r["lingen"][fixed].mean() / r["lingen"][f"single-token B={sizes.basis}"].mean())
    ctx.note("The single-token variant matches the first step exactly (it interpolates the next-token row) and "
             "derails from the second step on. Lingen's advantage needs the regression to see short futures: "
             f"regressed on the {FUTURE_LEN}-token futures alone (no prefixes, so not the empty future of step 1), "
             "its KL relative to single-token is "
             + ", ".join(f"{x:.3g}" for x in out["kl_ratio_if_regressed_on_4_token_futures_only"]) + " over the seeds.")
    out["single_token_kl_step1"] = _per_seed(runs, lambda r: r["lingen"][f"single-token B={sizes.basis}"][0])
    out["single_token_kl_later_steps"] = _per_seed(runs, lambda r: r["lingen"][f"single-token B={sizes.basis}"][1:].mean())
    return out


@claim(
    id="logit-rank.lingen-vs-truncated-context",
    source=Source(FILE, "Key Results",
                  "Lingen achieves lower KL divergence than baselines including intermediate checkpoints and "
                  "restricted-context models"),
    statement=f"Lingen reaches lower KL to the model than the model restricted to the last {JUDGED_TRUNCATION} tokens "
              "(half) of the target.",
    setup={**LINGEN_SETUP, "restricted context": f"the final model given only the last c target tokens; c = "
                                                 f"{JUDGED_TRUNCATION} judged, c = {TRUNCATIONS} in the note"},
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(restricted context)", why=LINGEN_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_lingen_vs_truncated_context(ctx):
    return _lingen_ratio(ctx, f"truncated c={JUDGED_TRUNCATION}", full_note=True)


@claim(
    id="logit-rank.lingen-vs-earlier-checkpoint",
    source=Source(FILE, "Mechanism 3",
                  "Lingen achieves lower KL divergence than baselines (intermediate checkpoints, restricted context)"),
    statement="Lingen reaches lower KL to the final model than the mid-training checkpoint given the full target.",
    setup={**LINGEN_SETUP, "checkpoint": "mid = steps / 2, the strongest stored earlier checkpoint (init and early in "
                                         "the note)"},
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(intermediate checkpoint)", why=LINGEN_WHY),
    expected=REPRODUCED,
    group=GROUP,
)
def test_lingen_vs_earlier_checkpoint(ctx):
    return _lingen_ratio(ctx, "checkpoint mid")


@claim(
    id="logit-rank.lingen-in-distribution-beats-nonsense",
    source=Source(FILE, "Architecture Onboarding",
                  "In-distribution vs. out-of-distribution targets: Option 1 (wiki → wiki) outperforms Option 2 "
                  "(wiki → nonsense)"),
    statement="Lingen regressed on sampled futures reaches lower KL than Lingen regressed on nonsense futures.",
    setup={**LINGEN_SETUP, "nonsense": "the same regression on uniform random futures and their prefixes"},
    criterion=AtMost("kl_ratio", 1.0, claimed="in-distribution futures give lower KL", why=LINGEN_WHY),
    expected=INCONCLUSIVE,
    reason="Both regressions reproduce the final model almost exactly (mean KL 1.2e-5 to 1.7e-5 nats with sampled "
           "futures, 0.9e-5 to 1.6e-5 with nonsense futures); the ratio is 0.97, 1.95, 0.99 over the three seeds, so "
           "which one is lower depends on the seed. With --claims-seed 1 the ratio is 0.55 ± 0.11 (reproduced), and "
           "at the cuda sizes 0.46-1.004 (inconclusive): a difference at the 1e-5-nat level, not a robust ordering.",
    group=GROUP,
)
def test_lingen_in_distribution_beats_nonsense(ctx):
    return _lingen_ratio(ctx, "lingen nonsense futures")


# --------------------------------------------------------------------------- claims: ISAN


ISAN_DIMS = (2, 4, 8, 16)


@claim(
    id="logit-rank.isan-rank-bound",
    source=Source(FILE, "Confidence", "Theoretical equivalence established between low logit rank and time-varying ISAN models"),
    statement="A random ISAN of hidden dimension d has extended logit matrix rank ≤ d + 1 to float precision "
              "(σ_{d+2}/σ_1 at float64 rounding).",
    setup={"ISAN": f"models.isan.ISAN(V={V}, d, contraction 0.9), d in {ISAN_DIMS}, 2 seeds each; h_t = A[z_t] h_(t-1) "
                   "+ b[z_t], logits W h_t + c; the affine offsets b, c add one to the bound (derivation in "
                   "models.isan.isan_logit_rank_bound)",
           "matrix": f"float64; {CPU.n_histories} histories of {HISTORY_LEN} tokens and {CPU.n_futures} futures of "
                     f"{FUTURE_LEN} tokens sampled from each ISAN, all {V} tokens per future"},
    criterion=AtMost("max_sv_ratio_beyond_bound", 1e-12, claimed="rank ≤ d + 1 exactly",
                     why="float64 rounding: measured ratios are ~1e-15; 1e-12 leaves a 1000× margin and is 8 orders "
                         "below the trained transformer's σ_(d+2)/σ_1"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_isan_rank_bound(ctx):
    ratios, attained = [], []
    for d in ISAN_DIMS:
        for seed in ISAN_SEEDS(ctx.seed_streams(*SEED_STREAMS), d):
            isan = ISAN(V, d=d, seed=seed)
            g = torch.Generator().manual_seed(seed)
            H = sample_sequences(isan.next_token_log_probs, CPU.n_histories, HISTORY_LEN, g)
            Fu = sample_sequences(isan.next_token_log_probs, CPU.n_futures, FUTURE_LEN, g)
            sv = singular_values(extended_logit_matrix(isan.next_token_log_probs, H, Fu).values).numpy()
            bound = isan_logit_rank_bound(isan)
            ratios.append(sv[bound] / sv[0])
            attained.append(sv[bound - 1] / sv[0])
    ctx.note(_table([[d, r, a] for d, r, a in zip(np.repeat(ISAN_DIMS, 2), ratios, attained)],
                    ["d", "σ_(d+2)/σ_1 (beyond the bound)", "σ_(d+1)/σ_1 (bound attained if ≫ 0)"]))
    return {"max_sv_ratio_beyond_bound": max(ratios), "min_sv_ratio_at_bound": min(attained)}


@claim(
    id="logit-rank.trained-exceeds-isan-bound",
    source=Source(FILE, "Executive Summary",
                  "Theoretically, the paper establishes an equivalence between low logit rank and a simple generative "
                  "model called ISAN"),
    statement=f"The trained toy transformer (residual width {MODEL.d_model}) is not an ISAN of that width: its float64 "
              f"logit matrix has numerical rank above {MODEL.d_model} + 1.",
    setup={**SETUP, "rank": f"numerical rank at rtol {FLOAT64_RTOL:g} of the final model run in float64 (float32 "
                            "rounding would make any matrix full-rank)"},
    criterion=AtLeast("numerical_rank", MODEL.d_model + 2, claimed=f"rank > d + 1 = {MODEL.d_model + 1}",
                      why="exceeding the bound of an ISAN as wide as the model's residual stream"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_trained_exceeds_isan_bound(ctx):
    sizes, runs = _experiment(ctx.seed_offset, ctx.device, ctx.scale)
    ctx.note("Exactly, the trained model is far from an ISAN of its width; approximately it is close to a small one: "
             "σ_(d+2)/σ_1 at d = 32 is ~1e-4, and the number of singular values above 1e-3 σ_1 is "
             + ", ".join(str(r["rank64_at_1e-3"]) for r in runs) + " over the seeds (the power law of "
             "logit-rank.power-law-decay). The exact language, a finite-state model, is not exactly low-rank either "
             "(numerical rank " + ", ".join(str(r["language_rank"]) for r in runs) + f" of {sizes.n_histories}): the "
             "logarithm of an HMM's probabilities is not an affine readout of its belief state.")
    return {"numerical_rank": _per_seed(runs, lambda r: r["rank64"]),
            "sv_ratio_at_d_model_plus_2": _per_seed(runs, lambda r: r["sv64_ratio"]),
            "exact_language_numerical_rank": _per_seed(runs, lambda r: r["language_rank"])}
