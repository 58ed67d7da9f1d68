"""Source 002's Lingen claims, as toy analogs: continuations generated from the model's logits on *other* histories
(regressed on the target's row of the extended logit matrix) against baselines.

Checked on the toy analog of ``claims/test_002_logit_rank_spectrum.py`` (a 2-layer transformer trained on a hidden
Markov language with exact conditionals); all read one run, ``experiments.logit_rank.LOGIT_RANK``. The per-step
table, the basis-size sweep and the figure go with logit-rank.lingen-vs-truncated-context.
"""

from __future__ import annotations

import numpy as np

from claims._logit_rank import CI, FILE, panel_note, panel_seeds
from toy_claims.experiments.logit_rank import LOGIT_RANK, figure_lingen, lingen_means
from toy_claims.harness.claims import (
    ANALOG, INCONCLUSIVE, REFUTED, REPRODUCED, AtMost, Negative, Positive, Reading, Source, claim,
)
from toy_claims.harness.notes import mean_sd, table

LINGEN_WHY = ("the source's words: Lingen achieves lower KL than the baseline, i.e. a KL ratio below 1; judged at "
              f"B = {CI.judged_basis} basis histories, near the model's effective rank, because at B = {CI.basis} the "
              "target row lies in the basis span and, regressed over the futures and their prefixes, Lingen reproduces the "
              "model by construction (the positive control; over the futures alone it does not even at that size: "
              "the empty future of step 1 is not among its columns)")
LINGEN_POSITIVE = Positive("kl_ratio_full_basis", f"Lingen at B = {CI.basis} over the futures and their prefixes "
                                                  "(target row in the basis span on every column it generates from)")
LINGEN_CONTROLS = [LINGEN_POSITIVE,
                   Negative("kl_ratio_wrong_target", "Lingen with another target's weights")]


# The other readings of the Lingen sentences: how the regression is set up and which baseline is judged
PREFIXES_WHY = ("the source regresses on the extended logit matrix without saying which futures are its columns; a "
                "reader may include the futures' prefixes (the empty future too), which is what generating step 1 needs")
WHOLE_BASIS_WHY = (f"the source fixes no basis size: Lingen on the whole basis the experiment draws (B = {CI.basis}), "
                   f"not the suite's B = {CI.judged_basis} near the model's effective rank")
SHORT_CONTEXT = 2  # the other restricted context (of CI.truncations) a reading judges
SHORT_CONTEXT_WHY = (f"'restricted-context models' gives no length: the model given the last {SHORT_CONTEXT} tokens (a "
                     f"quarter of the history) is as much a restricted-context baseline as the last {CI.judged_truncation}")


def _lingen_reading(name: str, why: str, quantity: str, expected: str, positive: str = "kl_ratio_full_basis",
                    negative: str | None = "kl_ratio_wrong_target",
                    negative_what: str = "Lingen with another target's weights") -> Reading:
    """A reading of 'Lingen achieves lower KL than the baseline' on another ratio, with its controls: ``positive`` the
    full-basis regression with prefixes, ``negative`` (another target's weights), both over the reading's baseline."""
    controls = (Positive(positive, f"Lingen at B = {CI.basis} over the futures and their prefixes, this baseline"),)
    if negative:
        controls += (Negative(negative, f"{negative_what}, this baseline"),)
    return Reading(name, why, AtMost(quantity, 1.0, claimed="KL(Lingen) < KL(baseline)", why=LINGEN_WHY, log=True),
                   expected, controls=controls)


def _against(result, config, baseline: str, candidate: str = "lingen B={b}", suffix: str = "") -> dict:
    """The judged ratio and its two controls against another baseline (keys ``kl_ratio…[suffix]``)."""
    jb, fb = config.judged_basis, config.basis

    def ratio(num: str, den: str) -> list[float]:
        return result.per_seed(lambda r: r.lingen[num].mean() / r.lingen[den].mean())

    return {f"kl_ratio[{suffix}]": ratio(candidate.format(b=jb), baseline),
            f"kl_ratio_full_basis[{suffix}]": ratio(f"lingen+prefixes B={fb}", baseline),
            f"kl_ratio_wrong_target[{suffix}]": ratio(f"lingen wrong target B={jb}", baseline)}


def _lingen(config, **more: str) -> dict[str, str]:
    """The Lingen row of every claim here, then the claim's own rows."""
    return {"lingen": f"B = {config.judged_basis} basis histories (B = {config.basis}: positive control), held-out "
                      f"targets × model continuations (sizes above), {config.gen_steps} generated steps; target row "
                      "regressed on the basis rows over the futures alone, as the source does (with their prefixes, "
                      "incl. the empty future: secondary, in the note); exact next-token KL(final model ‖ candidate), "
                      "averaged over steps, continuations and targets; all candidates share the continuations",
            **more}


def _lingen_notes(ctx, config, result) -> None:
    runs, mean = result.runs, lingen_means(result)
    rows = [[n, mean_sd([r.lingen[n].mean() for r in runs])] + list(np.mean([r.lingen[n] for r in runs], axis=0))
            for n in sorted(mean, key=mean.get)]
    ctx.note(f"Mean KL(model ‖ candidate) in nats over {config.gen_steps} generated steps, {config.targets} held-out "
             f"targets × {config.samples} continuations sampled from the final model (mean ± sd over seeds), and per "
             "step (mean over seeds). 'lingen' regresses on the basis rows of L_M over the futures alone (the source's "
             f"reading); 'lingen+prefixes' over the futures and all their prefixes (lengths 0..{config.future_len}, so "
             "the empty future of the first step is among them); single-token uses the empty future only; 'nonsense "
             "futures' regresses over uniform random futures, 'nonsense basis' uses uniform random basis histories; "
             "'wrong target' gives each target another target's weights; 'B' is the number of basis histories.\n\n"
             + table(rows, ["candidate", "mean KL"] + [f"step {s + 1}" for s in range(config.gen_steps)]))
    bases = (*config.basis_sweep, config.basis)
    baselines = {"single-token (same B)": lambda b: f"single-token B={b}",
                 **{f"truncated c={c}": (lambda b, c=c: f"truncated c={c}") for c in config.truncations},
                 **{f"checkpoint {n}": (lambda b, n=n: f"checkpoint {n}") for n in ("mid", "early")}}
    wins = {label: [b for b in bases if mean[f"lingen B={b}"] < mean[key(b)]] for label, key in baselines.items()}
    ctx.note(f"Basis sizes B (of {list(bases)}) at which Lingen's mean KL (over seeds) is below each baseline's: "
             + "; ".join(f"{label}: {b or 'none'}" for label, b in wins.items()) + ".")
    ctx.figure(figure_lingen(result, config), "lingen-kl",
               "Left: KL per generated step of Lingen and baselines to the final model (mean over seeds and targets; "
               "floored at 1e-7 for the log axis). Right: mean KL against the number of basis histories, with the "
               "judged truncated-context and checkpoint baselines.")


def _lingen_ratio(ctx, config, result, baseline, candidate: str = "lingen B={b}", full_note: bool = False) -> dict:
    """KL(candidate) / KL(baseline) per seed at the judged basis size, with the controls; ``baseline`` and
    ``candidate`` are templates over the basis size b. The table and figure go with one claim."""
    jb, fb = config.judged_basis, config.basis
    if full_note:
        _lingen_notes(ctx, config, result)
    else:
        ctx.note("Per-step table, basis-size sweep and figure: see logit-rank.lingen-vs-truncated-context.")

    def ratio(num: str, den: str) -> list[float]:
        return result.per_seed(lambda r: r.lingen[num].mean() / r.lingen[den].mean())

    lingen, base = candidate.format(b=jb), baseline.format(b=jb)
    return {"kl_ratio": ratio(lingen, base),
            "kl_lingen": result.per_seed(lambda r: r.lingen[lingen].mean()),
            "kl_baseline": result.per_seed(lambda r: r.lingen[base].mean()),
            "kl_ratio_full_basis": ratio(f"lingen+prefixes B={fb}", baseline.format(b=fb)),
            "kl_ratio_full_basis_futures_only": ratio(f"lingen B={fb}", baseline.format(b=fb)),
            "kl_ratio_wrong_target": ratio(f"lingen wrong target B={jb}", base),
            "kl_ratio_with_prefixes": ratio(f"lingen+prefixes B={jb}", base)}


@claim(
    id="logit-rank.lingen-vs-single-token",
    source=Source(FILE, "Architecture Onboarding",
                  "Generated text derails after first token → using single-token logit matrix instead of extended"),
    statement=f"Lingen (extended logit matrix) reaches lower KL to the model than the single-token variant "
              f"(B = {CI.judged_basis} basis histories each).",
    setup=lambda cfg: _lingen(cfg, **{"single-token": "the same regression on the next-token columns only (empty "
                                                      "future)"}),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(single-token)", why=LINGEN_WHY, log=True),
    expected=INCONCLUSIVE,
    reason="KL(Lingen) / KL(single-token) at B = " + str(CI.judged_basis) + " is {kl_ratio} over the seeds: the "
           "single-token variant matches step 1 exactly and derails later by a seed-dependent amount (later-step KL "
           "{single_token_kl_later_steps:range}), so the ordering depends on the seed. Over the futures and their "
           "prefixes Lingen wins on every seed ({kl_ratio_with_prefixes:range}). The wrong-target control "
           "(KL ratio {kl_ratio_wrong_target:range}) does not fail on every seed.",
    no_negative_control="Lingen with another target's weights, the negative control of the other Lingen claims, is no "
                        "negative class here: the single-token variant can be worse than it too, so it need not fail "
                        "this comparison (its ratio is in the measured values).",
    version=2,
    reads=LOGIT_RANK,
    scope=ANALOG,
    controls=[LINGEN_POSITIVE],
    readings=(_lingen_reading("with prefixes", PREFIXES_WHY, "kl_ratio_with_prefixes", REPRODUCED, negative=None),),
)
def test_lingen_vs_single_token(ctx, config, result):
    out = _lingen_ratio(ctx, config, result, "single-token B={b}")
    single = f"single-token B={config.judged_basis}"
    out["single_token_kl_step1"] = result.per_seed(lambda r: r.lingen[single][0])
    out["single_token_kl_later_steps"] = result.per_seed(lambda r: r.lingen[single][1:].mean())
    return out


@claim(
    id="logit-rank.lingen-vs-truncated-context",
    source=Source(FILE, "Key Results",
                  "Lingen achieves lower KL divergence than baselines including intermediate checkpoints and "
                  "restricted-context models"),
    statement=f"Lingen (B = {CI.judged_basis}) reaches lower KL to the model than the model restricted to the last "
              f"{CI.judged_truncation} tokens (half) of the target.",
    setup=lambda cfg: _lingen(cfg, **{"restricted context": f"the final model given only the last c target tokens; "
                                                            f"c = {cfg.judged_truncation} judged, c = {cfg.truncations} "
                                                            "in the note"}),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(restricted context)", why=LINGEN_WHY, log=True),
    expected=REFUTED,
    reason="At B = " + str(CI.judged_basis) + " (near the effective rank), regressed over the futures alone as the "
           "source does, Lingen's KL is {kl_ratio:range} times the restricted context's ({kl_lingen:range} vs "
           "{kl_baseline:range} nats). It wins only where the comparison is trivial: over the futures and their "
           "prefixes at B = " + str(CI.basis) + " ({kl_ratio_full_basis:range}, the positive control); over the "
           "futures alone even B = " + str(CI.basis) + " gives {kl_ratio_full_basis_futures_only:range}, losing step "
           "1 (the empty future is not among the regressed columns).",
    version=2,
    reads=LOGIT_RANK,
    scope=ANALOG,
    controls=LINGEN_CONTROLS,
    readings=(_lingen_reading("with prefixes", PREFIXES_WHY, "kl_ratio_with_prefixes", INCONCLUSIVE),
              _lingen_reading(f"restricted context c={SHORT_CONTEXT}", SHORT_CONTEXT_WHY,
                              f"kl_ratio[c={SHORT_CONTEXT}]", REFUTED, f"kl_ratio_full_basis[c={SHORT_CONTEXT}]",
                              f"kl_ratio_wrong_target[c={SHORT_CONTEXT}]")),
)
def test_lingen_vs_truncated_context(ctx, config, result):
    return (_lingen_ratio(ctx, config, result, f"truncated c={config.judged_truncation}", full_note=True)
            | _against(result, config, f"truncated c={SHORT_CONTEXT}", suffix=f"c={SHORT_CONTEXT}"))


@claim(
    id="logit-rank.lingen-vs-earlier-checkpoint",
    source=Source(FILE, "Mechanism 3",
                  "Lingen achieves lower KL divergence than baselines (intermediate checkpoints, restricted context)"),
    statement=f"Lingen (B = {CI.judged_basis}) reaches lower KL to the final model than the mid-training checkpoint "
              "given the full target.",
    setup=lambda cfg: _lingen(cfg, seeds=panel_seeds(cfg),
                              checkpoint="mid = steps / 2, the strongest stored earlier checkpoint (init and early in "
                                         "the note)"),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(intermediate checkpoint)", why=LINGEN_WHY, log=True),
    expected=INCONCLUSIVE,
    reason="KL(Lingen) / KL(mid checkpoint) at B = " + str(CI.judged_basis) + " ranges over {kl_ratio:range} across "
           "the runs: Lingen's KL ({kl_lingen:range} nats) and the checkpoint's ({kl_baseline:range}) are of one size, "
           "and which is lower depends on the run (B = " + str(CI.basis) + " with prefixes: "
           "{kl_ratio_full_basis:range}).",
    version=3,
    reads=LOGIT_RANK,
    scope=ANALOG,
    controls=LINGEN_CONTROLS,
    readings=(_lingen_reading("with prefixes", PREFIXES_WHY, "kl_ratio_with_prefixes", REPRODUCED),),
)
def test_lingen_vs_earlier_checkpoint(ctx, config, result):
    lingen, mid, wrong = f"lingen B={config.judged_basis}", "checkpoint mid", f"lingen wrong target B={config.judged_basis}"
    panel = result.panel()
    measured = _lingen_ratio(ctx, config, result, mid)
    measured.update({"kl_ratio": [p.lingen[lingen] / p.lingen[mid] for p in panel],
                     "kl_lingen": [p.lingen[lingen] for p in panel], "kl_baseline": [p.lingen[mid] for p in panel],
                     "kl_ratio_wrong_target": [p.lingen[wrong] / p.lingen[mid] for p in panel]})
    panel_note(ctx, list(np.log(measured["kl_ratio"])))
    return measured


@claim(
    id="logit-rank.lingen-nonsense-basis",
    source=Source(FILE, "Executive Summary",
                  "The key innovation is the Lingen algorithm, which can generate coherent continuations of target "
                  "prompts by only querying the model on unrelated or nonsensical prompts."),
    statement=f"Lingen whose {CI.judged_basis} basis histories are nonsense (uniform random tokens) reaches lower KL "
              f"to the model than the model restricted to the last {CI.judged_truncation} tokens of the target.",
    setup=lambda cfg: _lingen(cfg, **{"nonsense basis": f"B uniform random histories of {cfg.history_len} tokens; the "
                                                        "target row is regressed on their rows over the sampled "
                                                        "futures, and generation queries the model on them only"}),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen, nonsense basis) < KL(restricted context)", why=LINGEN_WHY, log=True),
    expected=REFUTED,
    reason="With " + str(CI.judged_basis) + " uniform random basis histories Lingen's KL is {kl_ratio:range} times the "
           "restricted context's ({kl_lingen:range} vs {kl_baseline:range} nats), and {kl_ratio_nonsense_basis_full:range} "
           "times with " + str(CI.basis) + "; against Lingen on sampled basis histories of the same size it is "
           "{kl_ratio_nonsense_over_sampled_basis:range} times worse. Not reproduced on the toy analog.",
    reads=LOGIT_RANK,
    scope=ANALOG,
    controls=LINGEN_CONTROLS,
    readings=(_lingen_reading("whole basis", WHOLE_BASIS_WHY, "kl_ratio_nonsense_basis_full", REFUTED),
              _lingen_reading(f"restricted context c={SHORT_CONTEXT}", SHORT_CONTEXT_WHY,
                              f"kl_ratio[c={SHORT_CONTEXT}]", REFUTED, f"kl_ratio_full_basis[c={SHORT_CONTEXT}]",
                              f"kl_ratio_wrong_target[c={SHORT_CONTEXT}]")),
)
def test_lingen_nonsense_basis(ctx, config, result):
    out = _lingen_ratio(ctx, config, result, f"truncated c={config.judged_truncation}",
                        candidate="lingen nonsense basis B={b}")
    out["kl_ratio_nonsense_basis_full"] = result.per_seed(
        lambda r: r.lingen[f"lingen nonsense basis B={config.basis}"].mean()
        / r.lingen[f"truncated c={config.judged_truncation}"].mean())
    out["kl_ratio_nonsense_over_sampled_basis"] = result.per_seed(
        lambda r: r.lingen[f"lingen nonsense basis B={config.judged_basis}"].mean()
        / r.lingen[f"lingen B={config.judged_basis}"].mean())
    return out | _against(result, config, f"truncated c={SHORT_CONTEXT}", candidate="lingen nonsense basis B={b}",
                          suffix=f"c={SHORT_CONTEXT}")


@claim(
    id="logit-rank.lingen-in-distribution-beats-nonsense",
    source=Source(FILE, "Architecture Onboarding",
                  "In-distribution vs. out-of-distribution targets: Option 1 (wiki → wiki) outperforms Option 2 "
                  "(wiki → nonsense)"),
    statement=f"Lingen (B = {CI.judged_basis}) regressed on sampled futures reaches lower KL than Lingen regressed on "
              "nonsense futures.",
    setup=lambda cfg: _lingen(
        cfg, nonsense="the same regression on uniform random futures",
        controls=f"positive: Lingen over the sampled futures and their prefixes at B = {cfg.basis} against the "
                 f"nonsense-futures regression at B = {cfg.basis}; negative: the untrained model (init checkpoint) "
                 "given the full target in place of Lingen. Measured beside them: Lingen on the sampled futures with "
                 "every other target's weights, and the final model given none of the target (restricted context "
                 "c = 0)"),
    criterion=AtMost("kl_ratio", 1.0, claimed="in-distribution futures give lower KL", why=LINGEN_WHY, log=True),
    expected=INCONCLUSIVE,
    reason="KL(Lingen, sampled futures) / KL(Lingen, nonsense futures) at B = " + str(CI.judged_basis) + " is "
           "{kl_ratio} over the seeds ({kl_lingen:range} vs {kl_baseline:range} nats; at B = " + str(CI.basis) + ": "
           "{kl_ratio_full_basis_futures_only:range}): the interval straddles 1, so these seeds cannot order the two. "
           "Against the nonsense-futures KL, sampled-futures Lingen with every other target's weights gives "
           "{kl_ratio_other_targets:range} times it and the model given none of the target {kl_ratio_target_free:range} "
           "times; neither is declared a negative control, because at other seed offsets their interval reaches below "
           "1 (they would not come out refuted): at this basis size the nonsense-futures regression can carry little "
           "more of the target than they do. The untrained model given the full target "
           "({kl_ratio_init_checkpoint:range}) fails on every seed, and the full-basis regression with prefixes wins "
           "({kl_ratio_full_basis:range}).",
    version=2,
    reads=LOGIT_RANK,
    scope=ANALOG,
    controls=[LINGEN_POSITIVE,
              Negative("kl_ratio_init_checkpoint", "the untrained model (init checkpoint) given the full target")],
    readings=(_lingen_reading("whole basis", WHOLE_BASIS_WHY, "kl_ratio_full_basis_futures_only", INCONCLUSIVE,
                              negative="kl_ratio_init_checkpoint[whole basis]",
                              negative_what="the untrained model (init checkpoint) given the full target"),),
)
def test_lingen_in_distribution_beats_nonsense(ctx, config, result):
    out = _lingen_ratio(ctx, config, result, "lingen nonsense futures B={b}")
    del out["kl_ratio_wrong_target"]
    nonsense = f"lingen nonsense futures B={config.judged_basis}"

    def over_nonsense(name: str) -> list[float]:
        return result.per_seed(lambda r: r.lingen[name].mean() / r.lingen[nonsense].mean())

    out["kl_ratio_init_checkpoint"] = over_nonsense("checkpoint init")
    out["kl_ratio_other_targets"] = over_nonsense(f"lingen other targets B={config.judged_basis}")
    out["kl_ratio_target_free"] = over_nonsense("truncated c=0")
    out["kl_ratio_init_checkpoint[whole basis]"] = result.per_seed(
        lambda r: r.lingen["checkpoint init"].mean() / r.lingen[f"lingen nonsense futures B={config.basis}"].mean())
    return out
