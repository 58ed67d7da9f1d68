"""Source 002's logit-rank measurements on a small real pretrained language model: textgenrnn's character LSTM.

The paper measures LLMs that cannot be installed here; ``experiments.logit_rank`` measures a toy transformer trained
here. This experiment measures a real trained language model that installs from the package registry
(``models.char_lstm``: textgenrnn 2.0.0's 2-layer character LSTM, pretrained on Reddit titles, 465 symbols) with the
paper's procedure as far as source 002 describes it, and the same network freshly initialised as Keras does
(``CharLSTM(vocab, seed=s)``) as the untrained control.

**Text.** Histories and futures are cut from ``CORPUS``, a fixed public-domain English text stored here (Lincoln's
Gettysburg Address, the Preamble of the US Constitution, the opening sentence of Dickens' *A Tale of Two Cities*),
every character in the model's vocabulary, nothing read at run time. The model was trained on Reddit
titles, so this is English of another register than its training data (the paper's histories come from its
pre-training mix). Per seed (stream ``probes``) the histories are |H| windows of ``history_len`` characters at
distinct uniformly drawn offsets, the futures F and F' two independent sets of |F| windows of ``future_len``
characters, and the nonsense futures |F| strings of ``future_len`` characters drawn uniformly from the corpus's
character set.

**Logit matrix.** L_{M,k}(H, F) as ``lab.logit_matrix`` builds it (the paper's L_{M,k}, k = 50): entry (h, (f, z)) is
log Pr[z | '<s>' h f] minus its mean over all 465 symbols, at the 50 symbols of largest mean log-probability over the
histories per future. The model continues every future from each history's LSTM state
(``CharLSTM.continuation_log_probs``, equal to the plain forward up to rounding), in float32 at the ci scale (the
float64 weights' log-probabilities move by ~1e-5: far below every spectrum read here).

**Estimator.** σ_i ∝ i^-α by least squares in log-log space over the rank window i = 2..|H|/4 (the toy analog's
window); the exponent over three other windows is recorded beside it. Controls on the same shape: a Gaussian random
matrix (stream ``random``: no structure, no power law) and a planted power law (random orthonormal singular vectors,
σ_i = i^-0.536 exactly: what the estimator returns on a spectrum that has the paper's exponent by construction).

**Rank-r KL.** The paper's robust form of "absent at init": the KL of the best rank-r approximation, as a function of
r. Each future's k symbols form a distribution p = softmax over its k entries of the row; the approximation keeps the
column means (the history-independent part) and the best rank-r approximation of the rest (SVD), q = softmax of that.
``kl_fraction[r]`` = mean KL(p ‖ q_r) over (h, f) divided by that of r = 0 (the column means alone): the share of the
history-dependent KL that rank r leaves unexplained.

**Transfer.** Linear relations between histories: regression weights expressing the held-out histories through the
first ``basis`` ones on L(H, F), applied on L(H, F') and on the nonsense futures (held-out R²), and principal-angle
cosines between the top-``angle_rank`` column spaces of L(H, F) and L(H, F'), against independent random subspaces
(``lab.logit_matrix.random_subspace_cosines``) and a Gaussian matrix's column space.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from torch import Tensor

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.lingen import regression_weights
from toy_claims.lab.logit_matrix import (
    logit_matrix_from_log_probs, principal_angle_cosines, random_subspace_cosines, singular_values,
)
from toy_claims.lab.metrics import power_law_fit
from toy_claims.lab.seeds import Seeds
from toy_claims.models.char_lstm import CharLSTM, load_char_lstm
from toy_claims.models.validation import require, require_int, require_ints

__all__ = ["CORPUS", "STREAMS", "PLANTED_ALPHA", "PretrainedLogitRankConfig", "CONFIGS", "SeedMeasures",
           "PretrainedLogitRankResult", "run", "setup", "PRETRAINED_LOGIT_RANK", "fit_window", "kl_fractions",
           "figure_spectra"]

STREAMS = ("probes", "init", "random")  # lab.seeds: probe sets, untrained networks, Gaussian / planted matrices
PLANTED_ALPHA = 0.536  # the planted control's exponent: the paper's value

# Public domain: the Gettysburg Address (Bliss copy, 1863), the Preamble of the US Constitution (1787), the opening
# sentence of Dickens' "A Tale of Two Cities" (1859). ASCII, one space between sentences.
CORPUS = (
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in Liberty, "
    "and dedicated to the proposition that all men are created equal. Now we are engaged in a great civil war, "
    "testing whether that nation, or any nation so conceived and so dedicated, can long endure. We are met on a great "
    "battle-field of that war. We have come to dedicate a portion of that field, as a final resting place for those "
    "who here gave their lives that that nation might live. It is altogether fitting and proper that we should do "
    "this. But, in a larger sense, we can not dedicate -- we can not consecrate -- we can not hallow -- this ground. "
    "The brave men, living and dead, who struggled here, have consecrated it, far above our poor power to add or "
    "detract. The world will little note, nor long remember what we say here, but it can never forget what they did "
    "here. It is for us the living, rather, to be dedicated here to the unfinished work which they who fought here "
    "have thus far so nobly advanced. It is rather for us to be here dedicated to the great task remaining before us "
    "-- that from these honored dead we take increased devotion to that cause for which they gave the last full "
    "measure of devotion -- that we here highly resolve that these dead shall not have died in vain -- that this "
    "nation, under God, shall have a new birth of freedom -- and that government of the people, by the people, for "
    "the people, shall not perish from the earth. "
    "We the People of the United States, in Order to form a more perfect Union, establish Justice, insure domestic "
    "Tranquility, provide for the common defence, promote the general Welfare, and secure the Blessings of Liberty to "
    "ourselves and our Posterity, do ordain and establish this Constitution for the United States of America. "
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it "
    "was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of "
    "Darkness, it was the spring of hope, it was the winter of despair, we had everything before us, we had nothing "
    "before us, we were all going direct to Heaven, we were all going direct the other way."
)


def fit_window(n_histories: int) -> tuple[int, int]:
    """The power-law fit's 1-based rank window for |H| rows: 2 .. |H|/4 (the toy analog's)."""
    return 2, n_histories // 4


@dataclass(frozen=True)
class PretrainedLogitRankConfig:
    """Probe sizes and read-outs; the models are fixed (the pretrained weights, Keras' init per seed)."""

    n_seeds: int = 3  # probe draws (H, F, F', nonsense), each with its own untrained network and Gaussian matrix
    # Probe draws of the exponent's seed panel: the n_seeds draws and more, each measured only for the trained model's
    # α on L(H, F) (~1.2 s a draw); its spread over 3 draws (sd ~0.013) left the interval within reach of 0.5 and 0.536
    alpha_seeds: int = 8
    n_histories: int = 256  # |H|
    n_futures: int = 128  # |F| (columns: |F| · top_k = 6400)
    history_len: int = 24  # characters per history
    future_len: int = 8  # characters per future (history + future <= 39: the model's window holds '<s>' too)
    top_k: int = 50  # symbols per future (the paper's k)
    dtype: str = "float32"  # the networks' dtype (float64: the saved weights' arithmetic, 3× slower)
    kl_ranks: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)  # ranks r of the rank-r KL curve
    judged_rank: int = 8  # the rank whose KL fraction the init claim compares (|H| / 32)
    angle_rank: int = 8  # rank of the column spaces whose principal angles are compared
    basis: int = 192  # transfer: the first `basis` histories are the regression basis, the rest held out
    random_draws: int = 200  # pairs of random subspaces: the chance level of the principal-angle cosines

    def __post_init__(self) -> None:
        for name in ("n_seeds", "n_histories", "n_futures", "history_len", "future_len", "top_k", "random_draws"):
            require_int(getattr(self, name), name, lo=1)
        require(self.history_len + self.future_len <= 39, "history_len + future_len", "<= 39 (the model's window)",
                self.history_len + self.future_len)
        require(self.dtype in ("float32", "float64"), "dtype", "'float32' or 'float64'", self.dtype)
        require_ints(self.kl_ranks, "kl_ranks", lo=1, hi=self.n_histories - 1)
        require(self.judged_rank in self.kl_ranks, "judged_rank", f"one of kl_ranks {self.kl_ranks}", self.judged_rank)
        require_int(self.angle_rank, "angle_rank", lo=1, hi=self.n_histories)
        require_int(self.basis, "basis", lo=1, hi=self.n_histories - 1)
        require_int(self.alpha_seeds, "alpha_seeds", lo=self.n_seeds)
        require(fit_window(self.n_histories)[1] >= 4, "n_histories", ">= 16 (a fit window of 3 points)",
                self.n_histories)

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)


CONFIGS = {
    # ~27 CPU-s on one thread: per seed five 256 × 128 tables of 465 log-probs (trained on F, F' and nonsense,
    # untrained on F and F'), each ~1.2 s in float32 with prefix caching, and the trained table alone for the 5 more
    # draws of the exponent's seed panel.
    "ci": PretrainedLogitRankConfig(),
    # The paper's |H| = |F| = 1000, in float64: meant for a GPU and not yet run.
    "paper": PretrainedLogitRankConfig(n_histories=1000, n_futures=1000, dtype="float64", judged_rank=32,
                                       kl_ranks=(1, 2, 4, 8, 16, 32, 64, 128, 256), angle_rank=32, basis=750),
}


def _spectrum_fit(sv: np.ndarray, lo: int, hi: int) -> dict[str, float]:
    i = np.arange(lo, hi + 1)
    fit = power_law_fit(i, sv[lo - 1: hi])
    return {"alpha": -fit.exponent, "r2": fit.r2}


def kl_fractions(L: Tensor, top_k: int, ranks: tuple[int, ...]) -> dict[int, float]:
    """r -> mean KL(p ‖ q_r) / mean KL(p ‖ q_0) over (history, future) (see the module docstring): p the softmax of
    each future's k entries of L (|H|, |F| k), q_r that of the column means plus the best rank-r approximation of the
    rest."""
    n_h = L.shape[0]
    mean = L.mean(dim=0, keepdim=True)
    U, S, Vh = torch.linalg.svd(L - mean, full_matrices=False)
    log_p = torch.log_softmax(L.reshape(n_h, -1, top_k), dim=2)

    def kl(approx: Tensor) -> float:
        log_q = torch.log_softmax(approx.reshape(n_h, -1, top_k), dim=2)
        return float((log_p.exp() * (log_p - log_q)).sum(dim=2).mean())

    base = kl(mean.expand(n_h, -1))
    return {r: kl(mean + (U[:, :r] * S[:r]) @ Vh[:r]) / base for r in ranks}


def _held_out_r2(basis_rows: Tensor, target_rows: Tensor, weights: Tensor) -> float:
    """1 − ‖targets − weights · basis‖² / ‖targets − mean basis row‖²: the variance the weights explain beyond the
    'histories don't matter' baseline (the toy analog's held-out R²)."""
    err = (target_rows - weights @ basis_rows).pow(2).sum()
    base = (target_rows - basis_rows.mean(dim=0, keepdim=True)).pow(2).sum()
    return float(1 - err / base)


@dataclass(frozen=True)
class SeedMeasures:
    """Everything measured on one probe draw."""

    spectra: dict[str, np.ndarray]  # matrix name -> singular values, descending
    fits: dict[str, dict[str, float]]  # matrix name -> {"alpha", "r2"} over the fit window
    trained_alpha_windows: dict[str, float]  # "a..b" -> the trained model's α over other rank windows
    kl_fraction: dict[str, dict[int, float]]  # matrix name -> {r: KL fraction left at rank r}
    transfer_r2: dict[str, float]  # held-out R² of the weights fitted on L(H, F), per setting (see run)
    cosines: dict[str, np.ndarray]  # principal-angle cosines (top angle_rank) per pair of column spaces
    random_cos_mean: float  # mean cosine of two random subspaces (mean over draws)
    random_cos_q99: float  # its 99th percentile over draws


@dataclass(frozen=True)
class PretrainedLogitRankResult:
    seeds: tuple[SeedMeasures, ...]  # the n_seeds full draws
    alpha_panel: tuple[float, ...]  # the trained model's α on L(H, F) over the alpha_seeds draws (the first n_seeds: those of seeds)

    def per_seed(self, get) -> list[float]:
        return [float(get(m)) for m in self.seeds]


def _probes(config: PretrainedLogitRankConfig, model: CharLSTM, g: torch.Generator):
    """(H, F, F', nonsense) as id tensors, drawn from ``g`` in this order."""
    ids = torch.tensor(model.encode(CORPUS, "CORPUS"))

    def windows(n: int, length: int) -> Tensor:
        starts = torch.randperm(len(CORPUS) - length + 1, generator=g)[:n]
        return ids[starts[:, None] + torch.arange(length)]

    H = windows(config.n_histories, config.history_len)
    F1, F2 = windows(config.n_futures, config.future_len), windows(config.n_futures, config.future_len)
    alphabet = torch.tensor(sorted(set(ids.tolist())))
    nonsense = alphabet[torch.randint(len(alphabet), (config.n_futures, config.future_len), generator=g)]
    return H, F1, F2, nonsense


def _matrix(model: CharLSTM, H: Tensor, futures: Tensor, top_k: int) -> Tensor:
    return logit_matrix_from_log_probs(model.continuation_log_probs(H, futures), top_k=top_k).values


def _planted(shape: tuple[int, int], g: torch.Generator) -> Tensor:
    """A matrix of ``shape`` with singular values i^-PLANTED_ALPHA and random orthonormal singular vectors."""
    n = min(shape)
    left = torch.linalg.qr(torch.randn(shape[0], n, generator=g, dtype=torch.float64)).Q
    right = torch.linalg.qr(torch.randn(shape[1], n, generator=g, dtype=torch.float64)).Q
    sigma = torch.arange(1, n + 1, dtype=torch.float64) ** -PLANTED_ALPHA
    return (left * sigma) @ right.T


def _measure(config: PretrainedLogitRankConfig, trained: CharLSTM, seed: dict[str, int]) -> SeedMeasures:
    g = torch.Generator().manual_seed(seed["probes"])
    H, F1, F2, nonsense = _probes(config, trained, g)
    untrained = CharLSTM(trained.vocab, seed=seed["init"], dtype=config.torch_dtype).eval().requires_grad_(False)
    k = config.top_k
    L = {"trained": _matrix(trained, H, F1, k), "untrained": _matrix(untrained, H, F1, k)}
    g_random = torch.Generator().manual_seed(seed["random"])
    L["gaussian"] = torch.randn(*L["trained"].shape, generator=g_random, dtype=torch.float64)
    L["planted"] = _planted(tuple(L["trained"].shape), g_random)
    spectra = {name: singular_values(M).numpy() for name, M in L.items()}
    lo, hi = fit_window(config.n_histories)
    fits = {name: _spectrum_fit(sv, lo, hi) for name, sv in spectra.items()}
    windows = [(2, hi // 2), (2, 2 * hi), (4, hi), (hi, 2 * hi)]
    alpha_windows = {f"{a}..{b}": _spectrum_fit(spectra["trained"], a, b)["alpha"] for a, b in windows}
    kl = {name: kl_fractions(L[name], k, config.kl_ranks) for name in ("trained", "untrained", "gaussian")}

    L2 = {"trained": _matrix(trained, H, F2, k), "untrained": _matrix(untrained, H, F2, k)}
    L_nonsense = _matrix(trained, H, nonsense, k)
    b = config.basis
    transfer = {}
    for name in ("trained", "untrained"):
        w = regression_weights(L[name][:b], L[name][b:])
        transfer[f"{name} F→F'"] = _held_out_r2(L2[name][:b], L2[name][b:], w)
        transfer[f"{name} F→F' oracle"] = _held_out_r2(L2[name][:b], L2[name][b:],
                                                       regression_weights(L2[name][:b], L2[name][b:]))
        transfer[f"{name} F→F' wrong history"] = _held_out_r2(L2[name][:b], L2[name][b:], w.roll(1, dims=0))
        if name == "trained":
            transfer["trained F→nonsense"] = _held_out_r2(L_nonsense[:b], L_nonsense[b:], w)
            transfer["trained F→nonsense oracle"] = _held_out_r2(
                L_nonsense[:b], L_nonsense[b:], regression_weights(L_nonsense[:b], L_nonsense[b:]))
            transfer["trained F→nonsense wrong history"] = _held_out_r2(L_nonsense[:b], L_nonsense[b:],
                                                                        w.roll(1, dims=0))
    r = config.angle_rank
    cosines = {"trained F vs F'": principal_angle_cosines(L["trained"], L2["trained"], r),
               "trained F vs nonsense": principal_angle_cosines(L["trained"], L_nonsense, r),
               "untrained F vs F'": principal_angle_cosines(L["untrained"], L2["untrained"], r),
               "trained vs untrained": principal_angle_cosines(L["trained"], L["untrained"], r),
               "gaussian vs trained": principal_angle_cosines(L["gaussian"], L["trained"], r)}
    random_means = np.array([float(random_subspace_cosines(config.n_histories, r, g_random).mean())
                             for _ in range(config.random_draws)])
    return SeedMeasures(spectra=spectra, fits=fits, trained_alpha_windows=alpha_windows, kl_fraction=kl,
                        transfer_r2=transfer, cosines={n: c.numpy() for n, c in cosines.items()},
                        random_cos_mean=float(random_means.mean()),
                        random_cos_q99=float(np.quantile(random_means, 0.99)))


@cache
def run(config: PretrainedLogitRankConfig, seeds: Seeds, device: str = "cpu") -> PretrainedLogitRankResult:
    """Every probe draw's measurements (memoised). Raises ModuleNotFoundError when textgenrnn or h5py is missing."""
    trained = load_char_lstm(dtype=config.torch_dtype).to(device)
    streams = {name: seeds(name, config.n_seeds) for name in STREAMS}
    per_seed = [{name: s[i] for name, s in streams.items()} for i in range(config.n_seeds)]
    measures = tuple(_measure(config, trained, s) for s in per_seed)
    panel = [m.fits["trained"]["alpha"] for m in measures]
    for probe_seed in seeds("probes", config.alpha_seeds)[config.n_seeds:]:  # drawn as a full draw would draw them
        H, F1, _, _ = _probes(config, trained, torch.Generator().manual_seed(probe_seed))
        sv = singular_values(_matrix(trained, H, F1, config.top_k)).numpy()
        panel.append(_spectrum_fit(sv, *fit_window(config.n_histories))["alpha"])
    return PretrainedLogitRankResult(measures, tuple(panel))


def setup(config: PretrainedLogitRankConfig) -> dict[str, str]:
    lo, hi = fit_window(config.n_histories)
    return {
        "model": "textgenrnn 2.0.0's pretrained character LSTM (Reddit titles; embedding 100, 2 × LSTM 128, attention, "
                 "465 symbols), CuDNN weights converted; untrained control: the same network at Keras 2.1.5's init, "
                 "one per seed",
        "text": f"a fixed public-domain English text of {len(CORPUS)} characters (Gettysburg Address, US Preamble, the "
                "opening of A Tale of Two Cities): histories and futures are windows at uniformly drawn distinct "
                "offsets; nonsense futures are uniform strings over its characters",
        "|H| × |F|": f"{config.n_histories} × {config.n_futures} (histories of {config.history_len} characters, "
                     f"futures of {config.future_len}; the paper: 1000 × 1000 tokens)",
        "logit matrix": f"L_{{M,{config.top_k}}}(H, F): log-probs centred over all 465 symbols, the top {config.top_k} "
                        "symbols per future by mean log-prob over H (lab.logit_matrix), computed in "
                        f"{config.dtype} by continuing each future from its history's LSTM state",
        "estimator": f"least squares of log σ_i on log i over the rank window i = {lo}..{hi} (|H|/4, the toy "
                     f"analog's); α over {lo}..{hi // 2}, {lo}..{2 * hi}, 4..{hi} and {hi}..{2 * hi} recorded",
        "rank-r KL": f"mean KL(p ‖ q_r) over (h, f) of the softmax over each future's {config.top_k} entries, q_r from "
                     "the column means plus the best rank-r approximation of the rest, as a fraction of r = 0's; "
                     f"r ∈ {list(config.kl_ranks)}",
        "transfer": f"regression weights of the {config.n_histories - config.basis} held-out histories on the first "
                    f"{config.basis}, fitted on L(H, F) and applied on L(H, F'); principal angles of the top "
                    f"{config.angle_rank} column spaces against {config.random_draws} random pairs",
        "seeds": f"{config.n_seeds} draws of (H, F, F', nonsense futures, untrained network, Gaussian and planted "
                 f"matrices); the trained model's exponent on {config.alpha_seeds} draws of (H, F) (the seed panel: "
                 f"these {config.n_seeds} and {config.alpha_seeds - config.n_seeds} more); the pretrained weights are "
                 "one fixed model",
    }


def figure_spectra(result: PretrainedLogitRankResult, config: PretrainedLogitRankConfig):
    """Singular values (first seed, each normalised by its largest) and the rank-r KL fractions (every seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    first = result.seeds[0]
    lo, hi = fit_window(config.n_histories)
    for name, sv in first.spectra.items():
        i = np.arange(1, len(sv) + 1)
        line, = left.loglog(i, sv / sv[0], label=name)
        if name == "trained":
            fit = power_law_fit(i[lo - 1: hi], sv[lo - 1: hi] / sv[0])
            left.loglog(i[lo - 1: hi], fit.predict(i[lo - 1: hi]), ":", color="k", label=f"fit α = {-fit.exponent:.3f}")
    left.axvspan(lo, hi, color="0.92")
    left.set(xlabel="i", ylabel="σ_i / σ_1", title="spectrum of L_{M,k}(H, F), first seed")
    left.legend(fontsize=8)
    for name in ("trained", "untrained", "gaussian"):
        for j, m in enumerate(result.seeds):
            r = list(m.kl_fraction[name])
            right.semilogx(r, [m.kl_fraction[name][x] for x in r], "o-", color={"trained": "C0", "untrained": "C1",
                           "gaussian": "C2"}[name], alpha=0.7, label=name if j == 0 else None)
    right.set(xlabel="rank r", ylabel="KL(r) / KL(0)", title="history-dependent KL left at rank r")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


PRETRAINED_LOGIT_RANK = Experiment("002-pretrained-logit-rank", CONFIGS, STREAMS, run, setup, optional=("textgenrnn", "h5py"))
