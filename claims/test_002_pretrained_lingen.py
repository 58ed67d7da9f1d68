"""Source 002's Lingen claims on a small real pretrained language model: textgenrnn's character LSTM
(``experiments.pretrained_lingen``), beside the toy analog's (``claims/test_002_logit_rank_lingen.py``).

Lingen continues a target history from the model's log-probabilities on other histories only (the target's row of
L_{M,50}(·, F) regressed on the basis rows over the futures alone, as the source does), and is compared with the
single-token regression and with the model given only the last characters of the target. The untrained network (Keras'
init) is measured the same way. Without textgenrnn or h5py every claim here is ``skipped``.
"""

from __future__ import annotations

import numpy as np

from claims._logit_rank import FILE
from toy_claims.experiments.pretrained_lingen import CONFIGS, PRETRAINED_LINGEN, figure_lingen
from toy_claims.harness.claims import (
    INCONCLUSIVE, PRETRAINED, REFUTED, REPRODUCED, AtMost, Negative, Positive, Reading, Source, claim,
)
from toy_claims.harness.notes import mean_sd, table

CI = CONFIGS["ci"]
LINGEN_WHY = ("the source's words: Lingen achieves lower KL than the baseline, i.e. a KL ratio below 1 (as for the toy "
              "analog's Lingen claims); judged at the whole basis, which here does not span the target rows (the "
              "spectrum of L is a power law, pretrained-logit-rank.power-law-decay), so the comparison is not met by "
              "construction")


def _with_target(basis: str) -> Positive:
    return Positive("kl_ratio_with_target", f"Lingen on the {basis} with the target added to it (its row in the span "
                                            "of the basis rows: the regression finds it and Lingen is the model)")


def _other_targets(basis: str) -> Negative:
    return Negative("kl_ratio_other_targets", f"Lingen on the {basis} with each other target's weights in place of "
                                              "the target's own (KL averaged over them)")


UNTRAINED = Positive("kl_ratio_untrained", "the same comparison on the untrained network, whose next-symbol "
                                           "distributions barely depend on the history (nearly in the basis span)")


SHORT_WHY = (f"'restricted-context models' gives no length: the model given the last {CI.truncations[0]} characters is "
             f"as much a restricted-context baseline as the last {CI.judged_truncation} (half the history)")


def _reading(name: str, why: str, suffix: str, expected: str) -> Reading:
    """'Lingen achieves lower KL than the baseline' judged on the ratios of ``_ratios(..., suffix)``, with the claims'
    kinds of control."""
    controls = (Positive(f"kl_ratio_with_target[{suffix}]", "Lingen with the target added to the basis, this reading"),
                Positive(f"kl_ratio_untrained[{suffix}]", "the same comparison on the untrained network, this reading"),
                Negative(f"kl_ratio_other_targets[{suffix}]", "Lingen with each other target's weights, this reading"))
    return Reading(name, why, AtMost(f"kl_ratio[{suffix}]", 1.0, claimed="KL(Lingen) < KL(baseline)", why=LINGEN_WHY,
                                     log=True), expected, controls=controls)


def _setup(config, **more: str) -> dict[str, str]:
    return {"judged": f"KL(candidate) / KL(baseline) per draw, mean KL over {config.gen_steps} generated steps, "
                      f"{config.targets} targets × {config.samples} continuations, B = {config.basis}", **more}


def _notes(ctx, config, result) -> None:
    for model in ("trained", "untrained"):
        names = sorted(result.kl[0][model], key=lambda n: np.mean(result.mean(model, n)))
        rows = [[n, mean_sd(result.mean(model, n))] + list(np.mean([d[model][n] for d in result.kl], axis=0))
                for n in names]
        ctx.note(f"The {model} network: mean KL(model ‖ candidate) in nats over {config.gen_steps} generated steps "
                 f"(mean ± sd over {len(result.kl)} draws), and per step (mean over draws). 'with target': the target "
                 "added to the basis; 'other targets': every other target's weights, KL averaged over them; 'truncated c': the model given the "
                 f"last c of the target's {config.history_len} characters.\n\n"
                 + table(rows, ["candidate", "mean KL"] + [f"step {s + 1}" for s in range(config.gen_steps)]))
    ctx.figure(figure_lingen(result, config), "lingen-kl",
               "KL per generated step of Lingen and baselines to the pretrained char LSTM (left) and to the untrained "
               "network (right), mean over draws and targets (floored at 1e-12 for the log axis).")


def _ratios(result, candidate: str, baseline: str, suffix: str = "") -> dict[str, list[float]]:
    """The judged ratio and its controls; ``suffix``: a reading's, keys ``kl_ratio…[suffix]`` without the means."""
    ratios = {"kl_ratio": result.ratio("trained", candidate, baseline),
              "kl_ratio_with_target": result.ratio("trained", f"{candidate} with target", baseline),
              "kl_ratio_other_targets": result.ratio("trained", f"{candidate} other targets", baseline),
              "kl_ratio_untrained": result.ratio("untrained", candidate, baseline)}
    if suffix:
        return {f"{k}[{suffix}]": v for k, v in ratios.items()}
    return ratios | {"kl_lingen": result.mean("trained", candidate), "kl_baseline": result.mean("trained", baseline)}


@claim(
    id="pretrained-logit-rank.lingen-vs-single-token",
    source=Source(FILE, "Architecture Onboarding",
                  "Generated text derails after first token → using single-token logit matrix instead of extended"),
    statement=f"On the pretrained char LSTM, Lingen (extended logit matrix, B = {CI.basis} basis histories) reaches "
              "lower KL to the model than the single-token variant (the same regression on the next-symbol columns).",
    setup=lambda cfg: _setup(cfg, **{"single-token": "the same basis, regressed on the 465 next-symbol columns "
                                                     "(empty future)"}),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(single-token)", why=LINGEN_WHY, log=True),
    controls=[_with_target("basis"), _other_targets("basis")],
    expected=REPRODUCED,
    reason="KL(Lingen) / KL(single-token) is {kl_ratio} over the draws ({kl_lingen:range} vs {kl_baseline:range} "
           "nats): the single-token variant is close at step 1 ({single_token_kl_step1:range} nats) and derails "
           "after ({single_token_kl_later_steps:range}), as the source's failure signature says, where the toy "
           "analog's verdict was inconclusive. Controls: the target added to the basis gives "
           "{kl_ratio_with_target:range}, other targets' weights {kl_ratio_other_targets:range}. On the untrained "
           "network the order reverses ({kl_ratio_untrained:range}; not a control: there the history barely matters "
           "and the next-symbol columns carry it).",
    single_reading="its one alternative, the KL after the first generated step, fails its other-targets control "
                   "(the criterion does not separate there): only the criterion's reading is judged",
    reads=PRETRAINED_LINGEN,
    scope=PRETRAINED,
)
def test_lingen_vs_single_token(ctx, config, result):
    ctx.note("Per-step tables and figure: see pretrained-logit-rank.lingen-vs-truncated-context.")
    out = _ratios(result, "lingen", "single-token")
    out["single_token_kl_step1"] = [float(d["trained"]["single-token"][0]) for d in result.kl]
    out["single_token_kl_later_steps"] = [float(d["trained"]["single-token"][1:].mean()) for d in result.kl]
    return out


@claim(
    id="pretrained-logit-rank.lingen-vs-truncated-context",
    source=Source(FILE, "Key Results",
                  "Lingen achieves lower KL divergence than baselines including intermediate checkpoints and "
                  "restricted-context models"),
    statement=f"On the pretrained char LSTM, Lingen (B = {CI.basis}) reaches lower KL to the model than the model "
              f"restricted to the last {CI.judged_truncation} characters (half) of the target.",
    setup=lambda cfg: _setup(cfg, **{"restricted context": f"the model given the last c = {cfg.judged_truncation} "
                                                           f"target characters (c ∈ {list(cfg.truncations)} in the "
                                                           "note)"}),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen) < KL(restricted context)", why=LINGEN_WHY, log=True),
    controls=[_with_target("basis"), UNTRAINED, _other_targets("basis")],
    expected=REFUTED,
    readings=(_reading(f"restricted context c={CI.truncations[0]}", SHORT_WHY, f"c={CI.truncations[0]}", INCONCLUSIVE),),
    reason="Lingen's KL is {kl_ratio:range} times the restricted context's ({kl_lingen:range} vs {kl_baseline:range} "
           "nats): the last " + str(CI.judged_truncation) + " characters carry nearly all of what the model uses, the "
           "basis regression much less. Against the last " + str(CI.truncations[0]) + " characters it is "
           "{kl_ratio_short_context:range}. The controls separate: the target added to the basis gives "
           "{kl_ratio_with_target:range}, the untrained network {kl_ratio_untrained:range}, the other targets' weights "
           "{kl_ratio_other_targets:range}. Not reproduced on the small pretrained model, as on the toy analog.",
    reads=PRETRAINED_LINGEN,
    scope=PRETRAINED,
)
def test_lingen_vs_truncated_context(ctx, config, result):
    _notes(ctx, config, result)
    out = _ratios(result, "lingen", f"truncated c={config.judged_truncation}")
    out["kl_ratio_short_context"] = result.ratio("trained", "lingen", f"truncated c={config.truncations[0]}")
    short = config.truncations[0]
    return out | _ratios(result, "lingen", f"truncated c={short}", suffix=f"c={short}")


@claim(
    id="pretrained-logit-rank.lingen-nonsense-basis",
    source=Source(FILE, "Executive Summary",
                  "The key innovation is the Lingen algorithm, which can generate coherent continuations of target "
                  "prompts by only querying the model on unrelated or nonsensical prompts."),
    statement=f"On the pretrained char LSTM, Lingen whose {CI.basis} basis histories are nonsense (uniform random "
              f"characters) reaches lower KL to the model than the model restricted to the last "
              f"{CI.judged_truncation} characters of the target.",
    setup=lambda cfg: _setup(cfg, **{"nonsense basis": f"{cfg.basis} uniform strings of {cfg.history_len} of the "
                                                       "text's characters; regressed over the sampled futures, and "
                                                       "generation queries the model on them only"}),
    criterion=AtMost("kl_ratio", 1.0, claimed="KL(Lingen, nonsense basis) < KL(restricted context)", why=LINGEN_WHY,
                     log=True),
    controls=[_with_target("nonsense basis"), UNTRAINED, _other_targets("nonsense basis")],
    expected=REFUTED,
    readings=(_reading(f"restricted context c={CI.truncations[0]}", SHORT_WHY, f"c={CI.truncations[0]}", REFUTED),),
    reason="With " + str(CI.basis) + " nonsense basis histories Lingen's KL is {kl_ratio:range} times the restricted "
           "context's ({kl_lingen:range} vs {kl_baseline:range} nats), and {kl_ratio_nonsense_over_sampled_basis:range} "
           "times that of Lingen on in-distribution histories. Controls: the target added to the nonsense basis gives "
           "{kl_ratio_with_target:range}, the untrained network {kl_ratio_untrained:range}, the other targets' weights "
           "{kl_ratio_other_targets:range}. Not reproduced on the small pretrained model, as on the toy analog.",
    reads=PRETRAINED_LINGEN,
    scope=PRETRAINED,
)
def test_lingen_nonsense_basis(ctx, config, result):
    ctx.note("Per-step tables and figure: see pretrained-logit-rank.lingen-vs-truncated-context.")
    out = _ratios(result, "lingen nonsense basis", f"truncated c={config.judged_truncation}")
    out["kl_ratio_nonsense_over_sampled_basis"] = result.ratio("trained", "lingen nonsense basis", "lingen")
    short = config.truncations[0]
    return out | _ratios(result, "lingen nonsense basis", f"truncated c={short}", suffix=f"c={short}")
