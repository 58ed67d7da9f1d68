"""Claims of source 003 that need training: its §A13 observations, its remedies, its mechanisms.

Everything here runs on a documented synthetic stand-in for the §A13 corpus
(``models.cbow.TopicCorpus``: V = 512 slots, 140 used, Zipf-like among them,
sticky topics so that CBOW's context window is informative), because the
original corpus is not available. One batched run (``_experiment``) trains
every setting -- with and without weight decay, tied and untied, three init
scales, a weak Frobenius penalty, plain SGD -- for three seeds, and every claim
reads its numbers off that run.

r_eff is scale-invariant, so at init it is the same for every init scale (see
claims/test_003_rank_collapse.py); every claim here is therefore measured
*after* the note's 10 epochs, where the learned part of E competes with its init.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from tabulate import tabulate

from harness.claims import REFUTED, REPRODUCED, Approx, AtLeast, AtMost, Source, claim
from lab.metrics import effective_rank, power_law_fit
from lab.metrics import effective_rank_from_singular_values as r_eff  # Roy & Vetterli, from singular values
from models.cbow import CBOWMember, CBOWStack, TopicCorpus, cbow_examples
from lab.cbow_training import train_cbow
from lab.seeds import Seeds

FILE = "003_4b50897c6c97817a.txt"
OBSERVES = "What §A13 specifically observes"
GROUP = "rank-collapse-cbow"
SEEDS = 3
V, D, EPOCHS = 512, 128, 10  # the note's §A13 sizes and its 10 epochs
COLLAPSE = 0.3 * min(V, D)  # the note: "If r_eff drops below 0.3 × min(V, d), you have collapse."
GPT_SCALE = 0.02 * np.sqrt(3 * D)  # a uniform init with the std of GPT's N(0, 0.02), in units of the bound 1/√d
NEAR_ZERO = 0.01  # the note's "||E[i]|| < 0.01 (effectively unused)"
BARELY = 0.1  # "barely move" / "stay near init": displacement at most 10% of the row's init norm (our reading)


@dataclass(frozen=True)
class Recipe:
    """What the note leaves open, and our choices (each checked against an alternative)."""

    length: int = 6400  # tokens in each seed's training stream (a small corpus: rare tokens occur a few times)
    window: int = 2  # context tokens on each side of the center
    batch_size: int = 64
    lr: float = 1e-3  # AdamW (torch's default rate); weight decay always explicit
    alt_lr: float = 1e-2  # the alternative AdamW rate, run on the first seed only
    sgd_lr: float = 3.0  # plain SGD: the largest of 1, 3, 10 that did not diverge (measured)
    l2: float = 1e-4  # "penalize ||E||_F weakly": coefficient of ||E||_F² in the loss
    heldout: int = 4000  # held-out contexts for the exact KL to the generator's CBOW conditional


RECIPE = Recipe()


def _settings(recipe: Recipe) -> dict[str, dict]:
    """Setting name -> CBOWMember fields besides the seed; "untied" is the canonical §A13 CBOW run."""
    return {
        "untied": {"lr": recipe.lr},
        "untied+wd": {"lr": recipe.lr, "weight_decay": 0.1},
        "tied": {"lr": recipe.lr, "tied": True},
        "tied+wd": {"lr": recipe.lr, "tied": True, "weight_decay": 0.1},
        "init×4": {"lr": recipe.lr, "init_scale": 4.0},
        "init GPT-std": {"lr": recipe.lr, "init_scale": GPT_SCALE},
        "untied+‖E‖²": {"lr": recipe.lr, "l2": recipe.l2},
        "sgd": {"optimizer": "sgd", "lr": recipe.sgd_lr},
    }


def _alternatives(recipe: Recipe) -> dict[str, dict]:
    """The first seed only: three settings at the alternative AdamW rate (named as in the report: "<setting> alt")."""
    return {f"{name} alt": {**_settings(recipe)[name], "lr": recipe.alt_lr} for name in ("untied", "untied+wd", "tied")}


SETTINGS, ALTERNATIVES = _settings(RECIPE), _alternatives(RECIPE)
ROBUSTNESS_NOTE = (
    "Robustness (benchmarks/bench_003_rank_collapse.py --robustness re-judges every claim of this file): all verdicts are "
    "unchanged with window 5, a 25600-token corpus, batch 256, AdamW lr 3e-3, AdamW lr 1e-2 with batch 16, or SGD lr 1, "
    "except `mech-spectral-bias` (inconclusive at batch 256) and `wd-caps-top-singular-values` (reproduced at AdamW lr "
    "1e-2 with batch 16)."
)
SETUP = {
    "corpus": "SYNTHETIC STAND-IN for the §A13 corpus (not available): models.cbow.TopicCorpus, V = 512 slots of which "
              "140 are used (a random subset), base law ∝ rank⁻¹ among them, 8 sticky topics (stay 0.9) with Gamma(0.3) "
              "token preferences; one corpus and one 6400-token stream per seed",
    "model": "CBOW: hidden = mean of the 4 context rows of E (window 2 each side), logits = hidden·Wᵀ, W = E (tied) or U",
    "sizes": "V = 512, d = 128, 10 epochs (the note's); batch 64, last partial batch dropped (990 steps)",
    "init": "Kaiming-uniform with bound 1/√d for E and U (the note's), × init scale",
    "optimizer": "AdamW lr 1e-3, betas (0.9, 0.999), weight decay explicit on E only (0 or 0.1; U never decayed)",
    "seeds": f"{SEEDS} (corpus, init and batch order); 'alt' settings: AdamW lr 1e-2, first seed only",
    "effective rank": "lab.metrics definition: singular values of the whole 512×128 E normalised by their sum",
}


@dataclass(frozen=True)
class _Run:
    """The batched run reduced to what the claims read: spectra, E at three points, progress, corpus facts."""

    runs: list[tuple[str, int]]  # (setting, seed) per member
    epochs: np.ndarray  # checkpoint times in epochs (0 = init, then every epoch end)
    sv: np.ndarray  # (checkpoints, M, d) singular values of E, descending
    E0: torch.Tensor  # (M, V, d) float32: E at init and after the 10 epochs
    ET: torch.Tensor
    progress: np.ndarray  # (checkpoints, M, 2): share of the final displacement reached along its top-5 / bottom-half directions
    counts: dict[int, torch.Tensor]  # seed -> occurrences of each slot in the training stream
    heldout_kl: np.ndarray  # (M,)
    corpus: dict[int, dict[str, float]]

    def members(self, setting: str) -> list[int]:
        return [k for k, (name, _) in enumerate(self.runs) if name == setting]

    def per_seed(self, setting: str, metric, checkpoint: int = -1) -> list[float]:
        """``metric(singular values)`` for each seed of ``setting`` at a checkpoint (default: after the 10 epochs)."""
        return [float(metric(self.sv[checkpoint, k])) for k in self.members(setting)]


SEED_STREAMS = ("run", "training text", "held-out text")  # lab.seeds: corpus and init share "run"; the order is fixed


@cache
def _experiment(seed_offset: int, device: str, recipe: Recipe = RECIPE) -> _Run:
    """Train every setting on every seed as one batched CBOWStack; reduce the snapshots to the claims' numbers."""
    streams = Seeds(SEED_STREAMS, seed_offset)
    seeds = list(streams("run", SEEDS))
    text_seed = dict(zip(seeds, streams("training text", SEEDS)))
    heldout_seed = dict(zip(seeds, streams("held-out text", SEEDS)))
    fields = {**_settings(recipe), **_alternatives(recipe)}
    runs = [(name, s) for name in SETTINGS for s in seeds] + [(name, seeds[0]) for name in ALTERNATIVES]
    corpora = {s: TopicCorpus(seed=s) for s in seeds}
    texts = {s: corpora[s].sample(recipe.length, seed=text_seed[s]) for s in seeds}
    examples = {s: cbow_examples(texts[s], recipe.window) for s in seeds}
    model = CBOWStack(V, D, [CBOWMember(seed=s, **fields[name]) for name, s in runs])
    log = train_cbow(model, torch.stack([examples[s][0] for _, s in runs]), torch.stack([examples[s][1] for _, s in runs]),
                     epochs=EPOCHS, batch_size=recipe.batch_size, device=device)
    heldout = {s: cbow_examples(corpora[s].sample(recipe.heldout + 2 * recipe.window, seed=heldout_seed[s]), recipe.window)[0]
               for s in seeds}
    E = torch.stack(log.snapshots).double()  # (checkpoints, M, V, d)
    sv = torch.linalg.svdvals(E).numpy()  # torch, not numpy: numpy's OpenBLAS ignores the one-thread pin and crawls on a busy machine
    # r_eff of torch's singular values must agree with lab.metrics.effective_rank (numpy's SVD) on the trained tables
    assert np.isclose(effective_rank(E[-1, 0]), r_eff(sv[-1, 0])), "r_eff from torch singular values disagrees with harness"
    counts = {s: torch.bincount(texts[s], minlength=V) for s in seeds}
    return _Run(runs, np.array(log.steps) / log.steps_per_epoch, sv, E[0].float(), E[-1].float(),
                _spectral_progress(E), counts, _heldout_kl(model, corpora, heldout, [s for _, s in runs], device),
                {s: _corpus_stats(counts[s]) for s in seeds})


def _spectral_progress(E: torch.Tensor) -> np.ndarray:
    """c_i(t) = u_iᵀ (E_t − E_0) v_i / s_i along the singular directions (u_i, s_i, v_i) of the final displacement.

    c_i goes from 0 at init to 1 at the end; "the top singular directions move first" means c rises
    sooner for i ≤ 5 than for the bottom half. Returns the mean over those two sets: (checkpoints, M, 2).
    """
    U, S, Vh = torch.linalg.svd(E[-1] - E[0], full_matrices=False)  # (M, V, d), (M, d), (M, d, d)
    c = torch.einsum("mvi,tmvd,mid->tmi", U, E - E[0], Vh) / S
    return torch.stack([c[..., :5].mean(-1), c[..., D // 2:].mean(-1)], dim=-1).numpy()


def _heldout_kl(model: CBOWStack, corpora, heldout, member_seeds, device) -> np.ndarray:
    """Mean over held-out contexts of KL(generator's p(center | context) ‖ model), per member, nats."""
    truth = {s: corpora[s].cbow_conditional(heldout[s]) for s in corpora}
    total = torch.zeros(len(member_seeds), dtype=torch.float64)
    with torch.no_grad():
        for chunk in torch.arange(len(heldout[member_seeds[0]])).split(500):
            log_q = torch.log_softmax(model(torch.stack([heldout[s][chunk] for s in member_seeds]).to(device)).double(), -1).cpu()
            p = torch.stack([truth[s][chunk] for s in member_seeds])  # (M, n, V)
            total += (torch.special.xlogy(p, p) - p * log_q).sum(dim=(1, 2))
    return (total / len(heldout[member_seeds[0]])).numpy()


def _corpus_stats(counts: torch.Tensor) -> dict[str, float]:
    seen = counts[counts > 0].sort(descending=True).values.double()
    p = seen / seen.sum()
    zipf = power_law_fit(np.arange(1, len(seen) + 1), seen.numpy())
    return {"slots seen": len(seen), "rank-frequency exponent (fit)": zipf.exponent, "fit R²": zipf.r2,
            "share of top 14 (10% of used)": float(p[:14].sum()),
            "share of top 51 (10% of V)": float(p[:51].sum()), "rarest seen count": int(seen[-1]),
            "unigram entropy (nats)": float(-torch.special.xlogy(p, p).sum())}


def top5_share(sv) -> float:
    return float(np.sum(np.square(sv[:5])) / np.sum(np.square(sv)))


def sigma1(sv) -> float:
    return float(sv[0])


def _table(run: _Run, metrics: dict[str, object], settings=None) -> str:
    rows = [[name] + [", ".join(f"{m(run, k):.3g}" for k in run.members(name)) for m in metrics.values()]
            for name in settings or list(SETTINGS) + list(ALTERNATIVES)]
    return tabulate(rows, headers=["setting (per seed)", *metrics], tablefmt="github")


def _after(metric):
    """A _table column: ``metric`` of the singular values after training."""
    return lambda run, k: metric(run.sv[-1, k])


def _corpus_note(ctx, run: _Run) -> None:
    stats = tabulate([[s, *c.values()] for s, c in run.corpus.items()], headers=["seed", *next(iter(run.corpus.values()))],
                     tablefmt="github", floatfmt=".3g")
    ctx.note("Stand-in corpus (the training streams):\n\n" + stats + "\n\nWhat each run learned: exact per-context "
             "KL(generator's p(center | context) ‖ model), averaged over 4000 held-out contexts (the generator's own "
             "conditional scores 0):\n\n" + _table(run, {"held-out KL (nats)": lambda r, k: r.heldout_kl[k]}))


# --------------------------------------------------------------------------- what §A13 observes


@claim(
    id="rank-collapse.a13-collapsed-31.7",
    source=Source(FILE, OBSERVES, "r_eff after 10 epochs : 31.7 (collapsed)"),
    statement="On the stand-in corpus, the 512×128 CBOW embedding has effective rank ≈ 31.7 after 10 epochs (no weight decay).",
    setup={**SETUP, "measured": "after 10 epochs, untied (CBOW), no weight decay: the canonical run"},
    criterion=Approx("r_eff_after", 31.7, 0.05 * 31.7, why="the note quotes one decimal; ±5% is generous for rounding"),
    expected=REFUTED,
    reason="On the stand-in the trained E keeps r_eff ≈ 95 (94.8-96.2): the ~372 never-used rows get no gradient in an "
           "untied CBOW and keep their near-uniform init spectrum, which holds up the sum of singular values. No setting "
           "here falls to the 30s (lowest: Frobenius penalty ≈ 50, tied ≈ 58, GPT-std init ≈ 60). In the robustness sweep "
           "(benchmarks/bench_003_rank_collapse.py --robustness) the untied run stays at 85-103; only tied embeddings at "
           "AdamW lr 1e-2 with batch 16 collapse (35; 14 with weight decay 0.1).",
    group=GROUP,
)
def test_a13_collapsed(ctx):
    import matplotlib.pyplot as plt

    run = _experiment(ctx.seed_offset, ctx.device)
    _corpus_note(ctx, run)
    ctx.note(ROBUSTNESS_NOTE)
    ctx.note(_table(run, {"r_eff at init": lambda r, k: r_eff(r.sv[0, k]), "r_eff after 10 epochs": _after(r_eff)}))
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for name in SETTINGS:
        curves = np.array([[r_eff(sv) for sv in run.sv[:, k]] for k in run.members(name)])
        ax.plot(run.epochs, curves.mean(0), "o-", ms=3, label=name)
    ax.axhline(COLLAPSE, color="k", ls=":", label="0.3·min(V, d)")
    ax.plot([EPOCHS, EPOCHS], [31.7, 58.3], "kx", ms=8, label="note: 31.7, 58.3")
    ax.set_xlabel("epoch")
    ax.set_ylabel("r_eff(E)")
    ax.legend(fontsize=6, ncol=2)
    ctx.figure(fig, "r-eff-over-epochs", "r_eff of the whole 512×128 E over the 10 epochs, mean of 3 seeds (stand-in corpus).")
    return {"r_eff_after": run.per_seed("untied", r_eff), "r_eff_init": run.per_seed("untied", r_eff, 0)}


@claim(
    id="rank-collapse.a13-below-collapse-threshold",
    source=Source(FILE, "Diagnostic: how to spot it", "If r_eff drops below 0.3 × min(V, d), you have collapse."),
    statement="On the stand-in corpus, the 10-epoch CBOW embedding is collapsed by the note's own test "
              "(r_eff < 0.3·min(512, 128) = 38.4), as its §A13 table labels 31.7 'collapsed'.",
    setup={**SETUP, "measured": "after 10 epochs, untied, no weight decay"},
    criterion=AtMost("r_eff_after", COLLAPSE, claimed="< 38.4", why="the note's threshold 0.3 × min(V, d)"),
    expected=REFUTED,
    reason="r_eff ≈ 95 after training, 2.5× the threshold; no setting of the run goes below it (lowest: the Frobenius "
           "penalty, ≈ 50). The untied run stays at 85-103 across the robustness sweep (window, corpus length, batch, lr).",
    group=GROUP,
)
def test_a13_below_threshold(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    return {"r_eff_after": run.per_seed("untied", r_eff), "threshold": COLLAPSE,
            **{f"r_eff_after[{name}]": run.per_seed(name, r_eff) for name in SETTINGS if name != "untied"}}


@claim(
    id="rank-collapse.a13-wd-58.3",
    source=Source(FILE, OBSERVES, "r_eff after 10 epochs + WD=0.1 : 58.3 (much better)"),
    statement="On the stand-in corpus, with AdamW weight decay 0.1 on the embedding, r_eff after 10 epochs is ≈ 58.3.",
    setup={**SETUP, "measured": "after 10 epochs, untied, weight decay 0.1 on E"},
    criterion=Approx("r_eff_after_wd", 58.3, 0.05 * 58.3, why="the note quotes one decimal; ±5% is generous for rounding"),
    expected=REFUTED,
    reason="r_eff ≈ 94 with weight decay 0.1: decoupled decay shrinks E by (1 − lr·wd) per step, only 9% over 990 steps at "
           "lr 1e-3, and it shrinks the never-used rows as much as the used ones.",
    group=GROUP,
)
def test_a13_wd(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    return {"r_eff_after_wd": run.per_seed("untied+wd", r_eff), "r_eff_after_no_wd": run.per_seed("untied", r_eff)}


WD_GAIN = 1 + 0.5 * (58.3 / 31.7 - 1)  # half of the note's relative gain


@claim(
    id="rank-collapse.wd-much-better",
    source=Source(FILE, OBSERVES, "r_eff after 10 epochs + WD=0.1 : 58.3 (much better)"),
    statement="On the stand-in corpus, weight decay 0.1 on the embedding raises the trained r_eff 'much': by at least "
              "half the note's own relative gain (58.3 / 31.7 = ×1.84).",
    setup={**SETUP, "measured": "after 10 epochs, ratio r_eff(wd 0.1) / r_eff(wd 0) for the same seed (same init and batches)"},
    criterion=AtLeast("rank_ratio_wd", WD_GAIN, claimed="×1.84 ('much better')",
                      why=f"half of the note's log-free gain: 1 + (1.84 − 1)/2 = {WD_GAIN:.2f}"),
    expected=REFUTED,
    reason="Weight decay 0.1 lowers r_eff slightly (×0.98 untied; tied ×0.95, lr 1e-2 ×0.9): it never raises it in any "
           "setting measured here. Decay pulls rarely-updated rows toward 0, which removes their share of the spectrum.",
    group=GROUP,
)
def test_wd_much_better(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)

    def ratio(wd, base):
        return [a / b for a, b in zip(run.per_seed(wd, r_eff), run.per_seed(base, r_eff))]

    return {"rank_ratio_wd": ratio("untied+wd", "untied"), "rank_ratio_wd[tied: Phase 17]": ratio("tied+wd", "tied"),
            "rank_ratio_wd[alt lr]": ratio("untied+wd alt", "untied alt")}


@claim(
    id="rank-collapse.a13-dead-rows-380",
    source=Source(FILE, OBSERVES, "Tokens with ||E[i]|| < 0.01 (effectively unused): 380 / 512"),
    statement="On the stand-in corpus, after 10 epochs with weight decay 0.1, about 380 of the 512 rows have norm < 0.01.",
    setup={**SETUP, "measured": "after 10 epochs, untied, weight decay 0.1 (only decay can bring an unused row to 0)"},
    criterion=Approx("near_zero_rows_wd", 380, 0.05 * 380, why="the note quotes a count; ±5% is generous for '~140 used'"),
    expected=REFUTED,
    reason="No row is below 0.01: a row that never gets a gradient keeps its init norm ≈ √(1/3) = 0.58 unless decayed, "
           "and AdamW's decay (1 − lr·wd)^steps = 0.91 over 990 steps at lr 1e-3; reaching 0.01 needs lr·wd·steps ≥ "
           "ln 58 ≈ 4. Only the Frobenius penalty under Adam (sign-like steps toward 0) empties them (≈ 372 rows).",
    group=GROUP,
)
def test_a13_dead_rows(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    ctx.note(_table(run, {"rows with ‖E[i]‖ < 0.01": near_zero_rows,
                          "median row norm": lambda r, k: r.ET[k].norm(dim=1).median()}))
    return {"near_zero_rows_wd": _near_zero(run, "untied+wd"),
            **{f"near_zero_rows[{name}]": _near_zero(run, name) for name in ("untied", "tied+wd", "untied+‖E‖²")}}


def near_zero_rows(run: _Run, k: int) -> int:
    return int((run.ET[k].norm(dim=1) < NEAR_ZERO).sum())


def _near_zero(run: _Run, setting: str) -> list[int]:
    return [near_zero_rows(run, k) for k in run.members(setting)]


@claim(
    id="rank-collapse.a13-top5-84pct",
    source=Source(FILE, OBSERVES, "Top-5 singular values capture : 84% of variance"),
    statement="On the stand-in corpus, the top 5 singular values of the 10-epoch embedding carry 84% of Σσ².",
    setup={**SETUP, "measured": "after 10 epochs, untied, no weight decay; variance = σ² of the uncentred E, as the note's SVD"},
    criterion=Approx("top5_variance_share", 0.84, 0.05 * 0.84, why="the note quotes a whole percent; ±5% relative is generous"),
    expected=REFUTED,
    reason="The canonical run's top 5 carry ≈ 70%. The share depends on tying and rate: tied runs reach ≈ 94%, lr 1e-2 "
           "runs ≈ 30%, so 84% is within the range of plausible setups but not of this one.",
    group=GROUP,
)
def test_a13_top5(ctx):
    import matplotlib.pyplot as plt

    run = _experiment(ctx.seed_offset, ctx.device)
    ctx.note(_table(run, {"top-5 share of Σσ²": _after(top5_share), "σ₁": _after(sigma1)}))
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.semilogy(run.sv[0, run.members("untied")[0]], "k--", label="init (any scale: r_eff is scale-invariant)")
    for name in ("untied", "untied+wd", "tied", "tied+wd"):
        ax.semilogy(run.sv[-1, run.members(name)[0]], label=f"{name}, after 10 epochs")
    ax.set_xlabel("index i")
    ax.set_ylabel("σᵢ(E)")
    ax.legend(fontsize=7)
    ctx.figure(fig, "spectra", "Singular values of E at init and after training, with and without weight decay "
                               "(first seed, stand-in corpus).")
    return {"top5_variance_share": run.per_seed("untied", top5_share),
            **{f"top5_variance_share[{name}]": run.per_seed(name, top5_share) for name in ("untied+wd", "tied", "tied+wd")}}


# --------------------------------------------------------------------------- remedies


@claim(
    id="rank-collapse.larger-init-higher-rank",
    source=Source(FILE, "Init magnitude", "Larger init pushes the spectrum closer to uniform."),
    statement="On the stand-in corpus, r_eff after training increases with the init scale "
              "(GPT std 0.02 < Kaiming 1/√d < 4× Kaiming).",
    setup={**SETUP, "init scales": f"{GPT_SCALE:.3f} (uniform with GPT's std 0.02), 1 (the note's), 4; same seed = same "
                                    "init up to scale, so r_eff at init is identical",
           "measured": "after 10 epochs (at init r_eff does not depend on the scale)"},
    criterion=AtLeast("min_rank_step", 0.0, claimed="r_eff rises with init scale",
                      why="the note gives no size: any increase at both steps counts; per-seed values shown"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_larger_init(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    small, default, large = (run.per_seed(n, r_eff) for n in ("init GPT-std", "untied", "init×4"))
    init = [run.per_seed(n, r_eff, 0) for n in ("init GPT-std", "untied", "init×4")]
    return {"min_rank_step": [min(b - a, c - b) for a, b, c in zip(small, default, large)],
            "r_eff_after[init GPT-std]": small, "r_eff_after[init 1/√d]": default, "r_eff_after[init×4]": large,
            "r_eff_init_spread_across_scales": [max(t) - min(t) for t in zip(*init)]}


@claim(
    id="rank-collapse.gpt-init-slightly-smaller",
    source=Source(FILE, "Init magnitude", "some implementations use N(0, 0.02) (GPT-style) which is slightly smaller"),
    statement="GPT-style N(0, 0.02) is only slightly smaller than Kaiming-uniform 1/√d at d = 128 (std ratio ≥ 0.75).",
    setup={"d": D, "Kaiming-uniform std": "bound/√3 = 1/√(3·128) = 0.051", "measured": "the std ratio (exact) and, on the "
           "stand-in, its effect on r_eff after 10 epochs"},
    criterion=AtLeast("std_ratio_gpt_to_kaiming", 0.75, claimed="'slightly smaller'", why="'slightly' read as within a factor 4/3"),
    expected=REFUTED,
    reason="0.02 / 0.051 = 0.39: GPT's init is 2.6× smaller at d = 128, and on the stand-in it lowers the trained r_eff "
           "by a third (≈ 60 vs 95).",
    group=GROUP,
)
def test_gpt_init(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    return {"std_ratio_gpt_to_kaiming": 0.02 * np.sqrt(3 * D),
            "r_eff_after_ratio_gpt_to_kaiming": [a / b for a, b in zip(run.per_seed("init GPT-std", r_eff),
                                                                       run.per_seed("untied", r_eff))]}


SIGMA1_PREVENTED = 0.5


@claim(
    id="rank-collapse.wd-caps-top-singular-values",
    source=Source(FILE, "Weight decay tuned high",
                  "weight_decay = 0.1 on the embedding (Phase 17 standard) keeps the top singular values from running away."),
    statement="On the stand-in corpus, weight decay 0.1 prevents most of the growth of σ₁(E) over training.",
    setup={**SETUP, "measured": "after 10 epochs: (σ₁ without wd − σ₁ with wd) / (σ₁ without wd − σ₁ at init), "
                                "same seed"},
    criterion=AtLeast("sigma1_growth_prevented", SIGMA1_PREVENTED, claimed="'keeps from running away'",
                      why="'keeps from running away' read as preventing at least half of σ₁'s growth; the note gives no number"),
    expected=REFUTED,
    reason="σ₁ grows ≈ 11× over training with or without decay; weight decay 0.1 removes ≈ 5% of that growth "
           "(untied, lr 1e-3) and ≈ 3% in the tied Phase 17 form. Decay acts through lr·wd·steps: in the robustness sweep it "
           "removes half the growth only at AdamW lr 1e-2 with batch 16 (0.51), 1-19% elsewhere.",
    group=GROUP,
)
def test_wd_caps_sigma1(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)

    def prevented(wd, base):
        with_wd, without, init = run.per_seed(wd, sigma1), run.per_seed(base, sigma1), run.per_seed(base, sigma1, 0)
        return [(b - w) / (b - i) for w, b, i in zip(with_wd, without, init)]

    return {"sigma1_growth_prevented": prevented("untied+wd", "untied"),
            "sigma1_growth_prevented[tied]": prevented("tied+wd", "tied"),
            "sigma1_init": run.per_seed("untied", sigma1, 0), "sigma1_after": run.per_seed("untied", sigma1)}


@claim(
    id="rank-collapse.wd-most-effective",
    source=Source(FILE, "Weight decay tuned high", "Empirically this is the most effective single trick."),
    statement="On the stand-in corpus, weight decay 0.1 raises the trained r_eff more than the other single remedies "
              "the note lists that apply at fixed V, d: a larger init (×4) and a weak Frobenius penalty on E.",
    setup={**SETUP, "remedies": f"AdamW wd 0.1 on E; init × 4; loss + {RECIPE.l2:g}·‖E‖_F² ('weakly')",
           "measured": "after 10 epochs: r_eff(wd) − max(r_eff(init×4), r_eff(penalty)), same seed"},
    criterion=AtLeast("wd_margin_over_other_remedies", 0.0, claimed="most effective", why="'most effective' = the largest r_eff"),
    expected=REFUTED,
    reason="A 4× larger init is far more effective (r_eff ≈ 122 vs 94 with weight decay and 95 with neither); the Frobenius "
           "penalty lowers r_eff to ≈ 50 because under Adam its sign-like steps drive the ~372 never-used rows to zero.",
    group=GROUP,
)
def test_wd_most_effective(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    wd, init, pen = (run.per_seed(n, r_eff) for n in ("untied+wd", "init×4", "untied+‖E‖²"))
    return {"wd_margin_over_other_remedies": [w - max(i, p) for w, i, p in zip(wd, init, pen)],
            "r_eff_after[no remedy]": run.per_seed("untied", r_eff), "r_eff_after[wd 0.1]": wd, "r_eff_after[init×4]": init,
            "r_eff_after[‖E‖² penalty]": pen}


def used_rows_health(run: _Run, k: int) -> float:
    """r_eff of the rows of the slots seen in training, over its ceiling min(#seen, d)."""
    seen = torch.nonzero(run.counts[run.runs[k][1]] > 0).flatten()
    return r_eff(torch.linalg.svdvals(run.ET[k, seen].double()).numpy()) / min(len(seen), D)


@claim(
    id="rank-collapse.a13-used-rows-healthy-with-wd",
    source=Source(FILE, OBSERVES, "the used tokens have healthy embeddings as long as weight decay is on"),
    statement="On the stand-in corpus, weight decay is what keeps the used tokens' rows healthy: their r_eff, relative to "
              "its ceiling min(#used, d), is higher with weight decay 0.1 than without.",
    setup={**SETUP, "measured": "after 10 epochs, untied; rows of the slots seen in the training stream; paired difference "
                                "of r_eff / min(#used, d) with and without weight decay (same seed, init and batches)"},
    criterion=AtLeast("used_rows_health_gain_from_wd", 0.0, claimed="healthy 'as long as weight decay is on'",
                      why="'as long as weight decay is on' = with decay the used rows are at least as healthy as without"),
    expected=REFUTED,
    reason="Weight decay lowers the used rows' r_eff in every seed (by ≈ 0.01 of the ceiling). With or without it they sit "
           "at the note's 'healthy' border, r_eff ≈ 0.48-0.50 × min(#used, d), too close to 0.5 to call either way.",
    group=GROUP,
)
def test_used_rows_healthy(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    ctx.note(_table(run, {"used rows: r_eff / min(#used, d)": used_rows_health}))
    wd, no_wd = ([used_rows_health(run, k) for k in run.members(name)] for name in ("untied+wd", "untied"))
    return {"used_rows_health_gain_from_wd": [a - b for a, b in zip(wd, no_wd)],
            "used_rows_r_eff_over_ceiling[wd 0.1]": wd, "used_rows_r_eff_over_ceiling[no wd]": no_wd}


# --------------------------------------------------------------------------- mechanisms


def row_moves(run: _Run, k: int) -> dict[str, float]:
    """||E_T[i] − E_0[i]|| / ||E_0[i]||: median over the rarest and the most frequent 10% of seen slots, max over unseen slots."""
    seen = torch.nonzero(run.counts[run.runs[k][1]] > 0).flatten()
    unseen = torch.nonzero(run.counts[run.runs[k][1]] == 0).flatten()
    by_count = seen[torch.argsort(run.counts[run.runs[k][1]][seen], descending=True, stable=True)]
    tenth = len(by_count) // 10
    move = (run.ET[k] - run.E0[k]).norm(dim=1) / run.E0[k].norm(dim=1)
    return {"rare": float(move[by_count[-tenth:]].median()), "frequent": float(move[by_count[:tenth]].median()),
            "unseen": float(move[unseen].max())}


def _moves(run: _Run, setting: str, rows: str) -> list[float]:
    return [row_moves(run, k)[rows] for k in run.members(setting)]


def _moves_note(ctx, run: _Run) -> None:
    ctx.note("Relative displacement ‖E_T[i] − E_0[i]‖ / ‖E_0[i]‖ after 10 epochs (rare / frequent: median over the 10% "
             "of seen slots with the fewest / most occurrences; unseen: max over the slots that never occur):\n\n"
             + _table(run, {rows: (lambda r, k, rows=rows: row_moves(r, k)[rows]) for rows in ("rare", "frequent", "unseen")}))


@claim(
    id="rank-collapse.mech-rare-rows-barely-move",
    source=Source(FILE, "1. Frequency-imbalanced gradients", "Rare tokens' embeddings barely move from init."),
    statement="On the stand-in corpus, the rows of the rarest 10% of the used tokens move by at most 10% of their init norm.",
    setup={**SETUP, "measured": "after 10 epochs, untied, AdamW; median over the rarest 10% of seen slots (1-3 occurrences)",
           "alternative": f"plain SGD lr {RECIPE.sgd_lr:g} (the note's 'gradient ... proportional to how often')"},
    criterion=AtMost("rare_row_move", BARELY, claimed="'barely move'", why="'barely' read as ≤ 10% of the init norm"),
    expected=REFUTED,
    reason="The rarest used tokens (1-3 occurrences) move 1.6-2.6× their init norm under AdamW (frequent ones ≈ 4×): Adam "
           "scales each step by the row's own gradient history, so a token seen twice still takes full-size steps. Under "
           "plain SGD they move less, 1.1-1.7×, still far from 'barely'. What stays at init is the rows of never-seen slots "
           "(rank-collapse.mech-unseen-rows-stay-at-init).",
    group=GROUP,
)
def test_rare_rows(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    _moves_note(ctx, run)
    return {"rare_row_move": _moves(run, "untied", "rare"), "frequent_row_move": _moves(run, "untied", "frequent"),
            "rare_row_move[sgd]": _moves(run, "sgd", "rare"), "frequent_row_move[sgd]": _moves(run, "sgd", "frequent"),
            "occurrence_share_of_top_10pct_of_V": [c["share of top 51 (10% of V)"] for c in run.corpus.values()]}


@claim(
    id="rank-collapse.mech-unseen-rows-stay-at-init",
    source=Source(FILE, "A worked numerical illustration", "Their rows stay near init."),
    statement="On the stand-in corpus, in an untied CBOW without weight decay, the rows of slots that never occur stay "
              "at init (move by at most 10% of their norm).",
    setup={**SETUP, "measured": "after 10 epochs, untied, no weight decay; max over never-seen slots",
           "alternative": "tied embeddings, where every row is also an output row"},
    criterion=AtMost("unseen_row_max_move", BARELY, claimed="'stay near init'", why="'near' read as ≤ 10% of the init norm"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_unseen_rows(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    ctx.note("This holds only untied: with tied embeddings every row is also an output row, and the softmax pushes the "
             "never-seen rows away from init (see `unseen_row_max_move[tied]`).")
    return {"unseen_row_max_move": _moves(run, "untied", "unseen"), "unseen_row_max_move[tied]": _moves(run, "tied", "unseen"),
            "unseen_row_max_move[untied+wd]": _moves(run, "untied+wd", "unseen")}


def unseen_shared_direction(run: _Run, k: int) -> float:
    """Share of Σσ² of the never-seen rows' displacement carried by its top singular direction (1 = one shared direction)."""
    unseen = torch.nonzero(run.counts[run.runs[k][1]] == 0).flatten()
    s2 = torch.linalg.svdvals((run.ET[k, unseen] - run.E0[k, unseen]).double()) ** 2
    return float(s2[0] / s2.sum())


@claim(
    id="rank-collapse.mech-tied-lower-rank",
    source=Source(FILE, "2. Tied softmax pull", "Over many examples, this funnels the embedding into a low-rank subspace."),
    statement="On the stand-in corpus, tied embeddings end with a lower r_eff than untied ones (same seed, init and batches).",
    setup={**SETUP, "measured": "after 10 epochs, no weight decay: r_eff(tied) / r_eff(untied) per seed"},
    criterion=AtMost("rank_ratio_tied_to_untied", 1.0, claimed="tied lower", why="'lower' = ratio below 1; the note gives no size"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_tied_lower(ctx):
    run = _experiment(ctx.seed_offset, ctx.device)
    ratio = lambda a, b: [x / y for x, y in zip(run.per_seed(a, r_eff), run.per_seed(b, r_eff))]  # noqa: E731
    ctx.note("The pull is visible directly: in the tied runs the never-seen rows (outputs only) all move along one shared "
             "direction (`unseen_shared_direction[tied]` ≈ 1), which becomes a dominant σ₁ (see the top-5 claim's table).")
    return {"rank_ratio_tied_to_untied": ratio("tied", "untied"),
            "rank_ratio_tied_to_untied[alt lr]": ratio("tied alt", "untied alt"),
            "unseen_shared_direction[tied]": [unseen_shared_direction(run, k) for k in run.members("tied")]}


@claim(
    id="rank-collapse.mech-spectral-bias",
    source=Source(FILE, "3. Spectral bias of SGD", "The top singular directions move first; the bottom ones move slowly."),
    statement="On the stand-in corpus, under plain SGD, after 1 of 10 epochs E has covered a larger share of its final "
              "displacement along that displacement's top-5 singular directions than along its bottom half.",
    setup={**SETUP, "optimizer": f"plain SGD lr {RECIPE.sgd_lr:g} (the note names SGD), untied, no weight decay",
           "measured": "c_i(t) = u_iᵀ(E_t − E_0)v_i / s_i for the SVD (u_i, s_i, v_i) of E_T − E_0; ratio of the mean c over "
                       "i ≤ 5 to the mean over i > 64, after epoch 1",
           "alternative": "AdamW lr 1e-3 (the recipe of the other claims) and lr 1e-2"},
    criterion=AtLeast("progress_ratio_top5_to_bottom", 1.0, claimed="top moves first", why="'first' = ahead at the first checkpoint"),
    expected=REPRODUCED,
    group=GROUP,
)
def test_spectral_bias(ctx):
    import matplotlib.pyplot as plt

    run = _experiment(ctx.seed_offset, ctx.device)
    alt = "untied alt"
    ratio = lambda name: [run.progress[1, k, 0] / run.progress[1, k, 1] for k in run.members(name)]  # noqa: E731
    fig, ax = plt.subplots(figsize=(5, 3.4))
    labels = {"sgd": f"SGD lr {RECIPE.sgd_lr:g}", "untied": f"AdamW lr {RECIPE.lr:g}", alt: f"AdamW lr {RECIPE.alt_lr:g}"}
    for (name, label), color in zip(labels.items(), ("C0", "C1", "C2")):
        k = run.members(name)[0]
        ax.plot(run.epochs, run.progress[:, k, 0], "-", color=color, label=f"{label}: top 5")
        ax.plot(run.epochs, run.progress[:, k, 1], "--", color=color, label=f"{label}: bottom half")
    ax.set_xlabel("epoch")
    ax.set_ylabel("share of the final displacement reached")
    ax.legend(fontsize=7)
    ctx.figure(fig, "spectral-progress", "Progress along the top-5 and bottom-half singular directions of E_T − E_0 (first seed).")
    ctx.note("The verdict hinges on the optimizer: plain SGD (the note's) and AdamW at lr 1e-2 move the top directions "
             "first, but AdamW at lr 1e-3 -- the recipe of the other claims -- moves the bottom half first (ratio < 1), "
             "because Adam's per-coordinate normalisation gives weak directions full-size steps from the start. Under SGD "
             "it also weakens with the batch: the robustness sweep gives ratio 1.11 ± 0.12 with batch 256 (one seed "
             "below 1: inconclusive), 1.3-2.3 with batch 64 at every other recipe.")
    return {"progress_ratio_top5_to_bottom": ratio("sgd"), "progress_ratio_top5_to_bottom[adamw]": ratio("untied"),
            f"progress_ratio_top5_to_bottom[{alt}]": ratio(alt), "progress_ratio_top5_to_bottom[tied adamw]": ratio("tied")}
