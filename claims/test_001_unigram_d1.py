"""Source 001, "1D embedding is sufficient": what a D = 1 model on the V = 10 Zipf law reaches.

Every training claim here reads one run (``experiments.unigram_d1.D1``: tied, untied and tied + LayerNorm, at batch 128
and on exact gradients); the update's LayerNorm construction is checked without training.
"""

from __future__ import annotations

import numpy as np

from toy_claims.experiments import unigram_d1 as exp
from toy_claims.experiments.unigram_d1 import CONFIGS, D1, FULL_BATCH, MINIBATCH
from toy_claims.harness.claims import (
    EXTENSION, IDENTITY, REFUTED, REPRODUCED, SOURCE, AtLeast, AtMost, Negative, Positive, Reading, Source, claim,
)
from toy_claims.harness.notes import table

FILE = "001_705556c020ca6848.txt"
FLOAT64_FLOOR = 1e-12  # float64 rounding of O(1) log-probabilities
FLOAT32_FLOOR = 1e-10  # a gap quadratic in float32 logit rounding (ε32² ≈ 1.4e-14), with four decades to spare

CI = CONFIGS["ci"]
POST_EVAL_SE = exp.sampled_loss_standard_error(CI.data, exp.POST_EVAL_BATCH)


def _uniform_gap(cfg: exp.D1Config) -> float:
    """log V − S: what the model has to learn from the uniform start."""
    return float(np.log(cfg.V) - cfg.data.entropy)


CONVERGED_FRACTION = 0.01  # of log V − S: a line width on a plot that spans the uniform loss to the entropy


@claim(
    id="unigram.tied-d1-converges-to-entropy",
    source=Source(FILE, "1D embedding is sufficient", "We find that training converges to the entropy (left and middle plots)"),
    statement="Tied D = 1 training on the V = 10 Zipf law, batch 128, ends within 1% of the loss it has to learn "
              "(log V − S) above the entropy, as the untied model, exact by construction, does under the same training.",
    setup=lambda cfg: {"judged": f"final gap / (log V − S), log V − S = {_uniform_gap(cfg):.4f} nats"},
    criterion=AtMost("final_gap_over_uniform_gap", CONVERGED_FRACTION, claimed="L = S (on the plot)",
                     why="'converges (plots)': the gap is a line width (1%) on a loss axis from the uniform model to the "
                         "entropy. Calibrated by the untied model (exact by construction) under the same training, "
                         "which must pass, and the model at init, which must fail. The earlier line, 2 standard errors "
                         f"of the post's 2M-sample evaluation ({2 * POST_EVAL_SE:.2g} nats), was failed by the untied "
                         "model too: it measured the batch-128 floor, not convergence", log=True),
    expected=REFUTED,
    reason="Tied D = 1 training stalls at {final_gap_over_uniform_gap:range} of log V − S ({final_gap_nats:mean} nats, "
           "{final_gap_percent_of_entropy:mean}% of S) under batch 128, where the untied model under the same training "
           "ends at {untied_final_gap_over_uniform_gap:range}. The residual is the tied model's own limit at its learned "
           "norm (max |E| {max_abs_embedding:range}; unigram.tied-d1-not-exact gives the best tied gap at each norm "
           "budget), and batch noise keeps the norm from growing. With exact gradients the norm reaches "
           "{max_abs_embedding_full_batch:range} and the gap falls to {final_gap_full_batch_over_uniform_gap:range} of "
           "log V − S by the same step, still falling: 'converges' holds with exact gradients, not at the post's batch 128.",
    reads=D1,
    scope=SOURCE,
    version=2,
    controls=[Positive("untied_final_gap_over_uniform_gap", "untied D = 1 (exact by construction), same training"),
              Negative("init_gap_over_uniform_gap", "the tied model at step 0")],
    readings=(Reading(
        "1% of the entropy", "'converges to the entropy' read against the entropy itself: the loss within 1% of S, "
        "as a loss axis from 0 shows it", AtMost("final_gap_percent_of_entropy", 100 * CONVERGED_FRACTION,
                                               claimed="L = S (within 1%)", why="the final loss within 1% of S",
                                               log=True), REPRODUCED,
        controls=(Positive("untied_final_gap_percent_of_entropy", "untied D = 1 (exact by construction), same training"),
                  Negative("init_gap_percent_of_entropy", "the tied model at step 0"))),),
)
def test_tied_d1_converges(ctx, cfg, result):
    ctx.figure(exp.figure_d1_curves(result, cfg), "d1-loss-curves",
               f"V = {cfg.V}, D = 1: exact loss gap against step, one line per seed.")
    ctx.note(table([[regime, name, *result.final_gap(name, regime)] for name in ("tied", "untied", "tied + LayerNorm")
                    for regime in exp.REGIMES], ["regime", "model", *[f"seed {k}" for k in range(cfg.n_seeds)]]))
    mb, fb = result.runs["tied", MINIBATCH], result.runs["tied", FULL_BATCH]
    uniform_gap = _uniform_gap(cfg)
    return {
        "final_gap_over_uniform_gap": mb.final_gap / uniform_gap,
        "untied_final_gap_over_uniform_gap": result.final_gap("untied") / uniform_gap,
        "init_gap_over_uniform_gap": np.asarray(mb.log.gaps[0], dtype=np.float64) / uniform_gap,
        "final_gap_full_batch_over_uniform_gap": fb.final_gap / uniform_gap,
        "final_gap_nats": mb.final_gap,
        "final_gap_full_batch_nats": fb.final_gap,
        "untied_final_gap_same_training_nats": result.final_gap("untied"),
        "max_abs_embedding": [float(np.abs(e).max()) for e in mb.embeddings],
        "max_abs_embedding_full_batch": [float(np.abs(e).max()) for e in fb.embeddings],
        "post_eval_standard_error_nats": result.post_eval_standard_error,
        "final_gap_in_post_eval_standard_errors": mb.final_gap / result.post_eval_standard_error,
        "untied_final_gap_in_post_eval_standard_errors": result.final_gap("untied") / result.post_eval_standard_error,
        "final_gap_percent_of_entropy": 100 * mb.final_gap / cfg.data.entropy,
        "untied_final_gap_percent_of_entropy": 100 * result.final_gap("untied") / cfg.data.entropy,
        "init_gap_percent_of_entropy": 100 * np.asarray(mb.log.gaps[0], dtype=np.float64) / cfg.data.entropy,
    }


# Spearman's ρ at n = V = 10 under no association: P(ρ ≥ 0.867) = 0.1% (2e6 random permutations; 0.552 at 5%).
RHO_CRITICAL_V10 = 0.867
RHO_CRITICAL_V10_5PCT = 0.552


def _ordering_measurements(ctx, cfg, result) -> dict[str, object]:
    """Rank correlation and ordered-pair fraction of the learned values with frequency, and of the controls.

    Batch 128 and init: every ordering seed (``D1Config.order_seeds``); full batch: the experiment's seeds.
    """
    p = cfg.data.probs.numpy()
    signed = {MINIBATCH: result.signed_ordering_embeddings(), FULL_BATCH: result.signed_embeddings(FULL_BATCH)}
    initial = result.signed_ordering_embeddings(initial=True)
    constructed = [exp.tied_optimum_form(float(np.abs(e).max()), p) for e in signed[MINIBATCH]]
    swapped = [exp.misordered_neighbours(e) for e in signed[MINIBATCH]]
    ctx.note(f"Neighbouring ranks r, r+1 with E_r ≤ E_r+1 after batch-{cfg.batch} training (sign fixed): "
             + "; ".join(f"seed {k}: r = {r or 'none'}" for k, r in enumerate(swapped)))
    with_swaps = [r for r in swapped if r]
    return {
        "rank_correlation_with_frequency": [exp.rank_correlation(e, p) for e in signed[MINIBATCH]],
        "rank_correlation_full_batch": [exp.rank_correlation(e, p) for e in signed[FULL_BATCH]],
        "rank_correlation_at_init": [exp.rank_correlation(e, p) for e in initial],
        "rank_correlation_tied_optimum_form": [exp.rank_correlation(e, p) for e in constructed],
        "ordered_pair_fraction": [exp.ordered_pair_fraction(e, p) for e in signed[MINIBATCH]],
        "ordered_pair_fraction_full_batch": [exp.ordered_pair_fraction(e, p) for e in signed[FULL_BATCH]],
        "ordered_pair_fraction_at_init": [exp.ordered_pair_fraction(e, p) for e in initial],
        "ordered_pair_fraction_tied_optimum_form": [exp.ordered_pair_fraction(e, p) for e in constructed],
        "misordered_neighbour_pairs": [len(r) for r in swapped],
        "raw_sign_positive": [bool(e.sum() > 0) for e in result.ordering.embeddings],
        "first_misordered_rank": [float(r[0]) if r else float("nan") for r in swapped],
        "runs_with_every_pair_ordered": sum(not r for r in swapped),
        "ordering_runs": len(swapped),
        "misordered_ranks_where_any": [float(r) for rs in with_swaps for r in rs] or [float("nan")],
        "misordered_pairs_where_any": [len(r) for r in with_swaps] or [0],
    }


ORDER_SETUP = {"sign": "the tied model is invariant under E → −E, so values are read with the sign that makes their "
                       "sum positive; the raw sign is reported"}
ORDER_CONTROLS = ("the values at init (no frequency information)",
                  "E_y = c + log p_y / c at the learned c = max |E|, the tied optimum's form (ordered by construction)")


@claim(
    id="unigram.tied-d1-embeddings-frequency-ordered",
    source=Source(FILE, "1D embedding is sufficient",
                  "the learned embeddings show that tokens with higher frequency have larger values"),
    statement="After tied D = 1 training (batch 128), the embedding values rise with token frequency: their rank "
              "correlation with frequency is clearly positive.",
    setup=ORDER_SETUP,
    criterion=AtLeast("rank_correlation_with_frequency", RHO_CRITICAL_V10, claimed="values rise with frequency",
                      why="the sentence describes the trend of a plot, so the reading is a rank correlation: Spearman's ρ "
                          f"≥ {RHO_CRITICAL_V10}, its one-sided 0.1% critical value at V = 10 under no association. "
                          "Calibrated by the init (no frequency information), which must fail, and by the tied optimum's "
                          "form at the learned norm (ordered by construction), which must pass; every pair ordered is the "
                          "stricter secondary reading (unigram.tied-d1-embeddings-every-pair-ordered)"),
    expected=REPRODUCED,
    reads=D1,
    scope=SOURCE,
    version=2,
    controls=[Negative("rank_correlation_at_init", ORDER_CONTROLS[0]),
              Positive("rank_correlation_tied_optimum_form", ORDER_CONTROLS[1])],
    readings=(Reading("ρ at the 5% level", "'tokens with higher frequency have larger values' read as a trend at the "
                      "conventional 5% significance level rather than 0.1%",
                      AtLeast("rank_correlation_with_frequency", RHO_CRITICAL_V10_5PCT, claimed="values rise with frequency",
                              why="Spearman's ρ at its one-sided 5% critical value at V = 10"), REPRODUCED),),
)
def test_tied_d1_ordered(ctx, cfg, result):
    ctx.figure(exp.figure_d1_embeddings(result, cfg), "d1-embeddings",
               "Tied D = 1: learned embedding value against token frequency.")
    return _ordering_measurements(ctx, cfg, result)


@claim(
    id="unigram.tied-d1-embeddings-every-pair-ordered",
    source=Source(FILE, "1D embedding is sufficient",
                  "the learned embeddings show that tokens with higher frequency have larger values"),
    statement="The strict reading: after tied D = 1 training (batch 128), every pair of tokens has its embedding values "
              "ordered like its frequencies.",
    setup=ORDER_SETUP,
    criterion=AtLeast("ordered_pair_fraction", 1.0, claimed="monotone in frequency",
                      why="'tokens with higher frequency have larger values' read as a statement about every pair "
                          "(45 pairs at V = 10)"),
    expected=REFUTED,
    reason="{runs_with_every_pair_ordered:.0f} of {ordering_runs:.0f} batch-128 runs order every pair; the others swap "
           "{misordered_pairs_where_any:range} pair(s) of neighbouring tokens (ordered fraction {ordered_pair_fraction:mean} over runs, its 95% "
           "upper bound below 1). The swaps sit at ranks r, r+1 with r = {misordered_ranks_where_any:range}, where "
           "neighbours differ in frequency by the factor (r+1)/r, close to 1: their values should differ by only "
           "log(p_r/p_r+1)/|E|, a few Adam steps at lr 0.01 (each moves a value by up to 0.01), and batch-128 noise "
           "swaps them. With exact gradients the ordered fraction is {ordered_pair_fraction_full_batch:range}. The trend "
           "reading holds (unigram.tied-d1-embeddings-frequency-ordered, ρ = {rank_correlation_with_frequency:range}).",
    reads=D1,
    scope=EXTENSION,
    single_reading="this row is the strict reading of the sentence, every pair by construction (45 of 45); its looser "
                   "readings are the trend row unigram.tied-d1-embeddings-frequency-ordered and its readings",
    controls=[Negative("ordered_pair_fraction_at_init", ORDER_CONTROLS[0]),
              Positive("ordered_pair_fraction_tied_optimum_form", ORDER_CONTROLS[1])],
)
def test_tied_d1_every_pair_ordered(ctx, cfg, result):
    return _ordering_measurements(ctx, cfg, result)


@claim(
    id="unigram.untied-d1-converges-faster",
    source=Source(FILE, "1D embedding is sufficient",
                  "if we **do not tie** $$U$$ and $$E$$, the model has more degrees of freedom and converges faster"),
    statement="Untied D = 1 training reaches the tied model's final loss in fewer steps than the tied model does.",
    setup={"speed-up": "steps for tied to first reach its final gap / steps for untied to reach it "
                       "(same seed: same init E, same batches)"},
    criterion=AtLeast("speedup", 1.25, claimed="> 1",
                      why="evaluation steps are log-spaced 20 per decade (12% apart): a ratio ≥ 1.25 is more than one "
                          "grid step. Calibrated by the tied run against itself (no speed-up: ratio 1), which must fail, "
                          "and against its own curve on a halved step axis (planted: twice as fast), which must pass",
                      log=True),
    expected=REPRODUCED,
    reads=D1,
    scope=SOURCE,
    controls=[Positive("speedup_planted_twice_as_fast", "planted: the tied run against its own curve on a step axis "
                                                        "halved (a model twice as fast by construction)"),
              Negative("speedup_tied_against_itself", "the tied run against itself, same seeds (no speed-up by "
                                                      "construction)")],
    readings=(Reading("exact gradients", "'more degrees of freedom ... converges faster' is about the model, not the "
                      "batch noise: judged where the speed is the optimiser's alone, on exact gradients",
                      AtLeast("speedup_full_batch", 1.25, claimed="> 1", why="the claim's rule on exact gradients",
                              log=True), REPRODUCED,
                      controls=(Positive("speedup_planted_twice_as_fast_full_batch",
                                         "planted: the exact-gradient tied run against its own curve on a halved step axis"),
                                Negative("speedup_tied_against_itself_full_batch",
                                         "the exact-gradient tied run against itself (no speed-up by construction)"))),),
)
def test_untied_faster(ctx, cfg, result):
    tied, tied_fb = result.runs["tied", MINIBATCH], result.runs["tied", FULL_BATCH]
    return {
        **{regime_key: exp.speedup(result.runs["tied", regime], result.runs["untied", regime])
           for regime_key, regime in (("speedup", MINIBATCH), ("speedup_full_batch", FULL_BATCH))},
        "speedup_tied_against_itself": exp.speedup(tied, tied),
        "speedup_planted_twice_as_fast": exp.speedup_of_compressed(tied, 2.0),
        "speedup_tied_against_itself_full_batch": exp.speedup(tied_fb, tied_fb),
        "speedup_planted_twice_as_fast_full_batch": exp.speedup_of_compressed(tied_fb, 2.0),
    }


# ---------------------------------------------------------------------------
# The 2026-01-13 update: a LayerNorm after the embedding
# ---------------------------------------------------------------------------

LN_QUOTE = ("if a layernorm layer is included after the embedding layer, even if embedding and unembedding layers are "
            "tied, the best perplexity/loss can be exactly achieved with embedding dimension = 1")
LN_CONSTRUCTION_TASKS = tuple((V, alpha) for V in (10, 100, 1000) for alpha in (0.5, 1.0, 2.0))


@claim(
    id="unigram.tied-d1-layernorm-construction-exact",
    source=Source(FILE, "1D embedding is sufficient", LN_QUOTE),
    statement="A tied D = 1 model with an affine LayerNorm realises the Zipf law exactly: with LN bias b, E_y = log p_y / b.",
    setup={"V": [10, 100, 1000], "alpha": [0.5, 1.0, 2.0], "D": 1, "tied": True, "LayerNorm": "nn.LayerNorm(1), affine",
           "construction": "E_y = log p_y, LN weight 1 (any value works), LN bias 1; float64",
           "why it works": "at D = 1 the centred input is 0, so LN(E_x) = bias for every x and logits[x, y] = bias · E_y"},
    criterion=AtMost("max_loss_gap_nats", FLOAT64_FLOOR, claimed="gap = 0 (exact)",
                     why="exact means zero up to float64 rounding of O(1) log-probabilities (~1e-15 each)"),
    expected=REPRODUCED,
    scope=SOURCE,
    evidence=IDENTITY,
)
def test_layernorm_construction(ctx):
    gaps, spread = exp.layernorm_construction_gaps(LN_CONSTRUCTION_TASKS)
    return {"max_loss_gap_nats": max(gaps), "loss_gaps_nats": gaps, "max_spread_of_LN_output_over_tokens": max(spread)}


@claim(
    id="unigram.tied-d1-layernorm-trains-to-entropy",
    source=Source(FILE, "1D embedding is sufficient", LN_QUOTE),
    statement="Gradient training of tied D = 1 + affine LayerNorm (exact gradients) reaches the entropy to float32 precision.",
    setup={"LayerNorm": "nn.LayerNorm(1) with affine parameters (weight 1, bias 0 at init)",
           "judged regime": "full batch: 'can be exactly achieved' is about reachability; batch 128 is reported beside it"},
    criterion=AtMost("final_gap_full_batch_nats", FLOAT32_FLOOR, claimed="gap = 0 (exact)",
                     why="the model trains in float32: exact means a gap at the scale of float32 rounding of the logits "
                         "(ε32² ≈ 1.4e-14), 1e-10 leaves four decades"),
    expected=REPRODUCED,
    reads=D1,
    scope=SOURCE,
    controls=[Negative("tied_no_layernorm_final_gap_full_batch_nats",
                       "the same tied D = 1 model without the LayerNorm, same exact-gradient training")],
    readings=(Reading("batch 128", "'the best perplexity/loss can be exactly achieved' judged under the training the "
                      "section states ('Training uses batch size 128'), not on exact gradients",
                      AtMost("final_gap_batch128_nats", FLOAT32_FLOOR, claimed="gap = 0 (exact)",
                             why="the claim's float32 floor, batch 128"), REFUTED,
                      controls=(Negative("tied_no_layernorm_final_gap_batch128_nats",
                                         "the same tied D = 1 model without the LayerNorm, batch 128"),)),),
)
def test_layernorm_trains(ctx, cfg, result):
    return {
        "final_gap_full_batch_nats": result.final_gap("tied + LayerNorm", FULL_BATCH),
        "final_gap_batch128_nats": result.final_gap("tied + LayerNorm"),
        "untied_final_gap_batch128_nats": result.final_gap("untied"),
        "tied_no_layernorm_final_gap_batch128_nats": result.final_gap("tied"),
        "tied_no_layernorm_final_gap_full_batch_nats": result.final_gap("tied", FULL_BATCH),
    }


@claim(
    id="unigram.tied-d1-layernorm-without-affine-stuck",
    source=Source(FILE, "1D embedding is sufficient", LN_QUOTE),
    statement="With a LayerNorm WITHOUT affine parameters, tied D = 1 training also reaches the entropy (the update's claim, "
              "read for the other common LayerNorm).",
    setup=lambda cfg: {"LayerNorm": "nn.LayerNorm(1, elementwise_affine=False)", "steps": cfg.plain_steps},
    criterion=AtMost("final_gap_full_batch_nats", FLOAT32_FLOOR, claimed="gap = 0 (exact)",
                     why="the same float32 floor as unigram.tied-d1-layernorm-trains-to-entropy. Calibrated by the "
                         "affine LayerNorm under the same exact gradients (the update's model), which must pass, and the "
                         "tied model without LayerNorm (its own limit), which must fail"),
    expected=REFUTED,
    reason="At D = 1 the centred input of a LayerNorm is 0, so without a bias its output is 0 for every token: all logits "
           "are 0, every gradient vanishes identically, and the model stays at the uniform distribution, gap "
           "log V − S = {uniform_gap_log_V_minus_S_nats:.3f} nats, whatever the training. The update's claim needs the "
           "LayerNorm's bias: with it (affine), the same exact-gradient training ends at "
           "{affine_final_gap_full_batch_nats:range} nats.",
    reads=D1,
    scope=EXTENSION,
    single_reading="without a bias a D = 1 LayerNorm outputs 0 for every token, so the gap is log V − S by construction "
                   "under any threshold, batch or budget",
    controls=[Positive("affine_final_gap_full_batch_nats",
                       f"the affine LayerNorm (the update's model), exact gradients, {CI.steps} steps (the plain model's "
                       f"gradients are exactly zero, so its {CI.plain_steps} steps stand for any length)"),
              Negative("tied_no_layernorm_final_gap_full_batch_nats",
                       f"the tied D = 1 model without LayerNorm, exact gradients, {CI.steps} steps (its own limit)")],
)
def test_layernorm_without_affine(ctx, cfg, result):
    return {
        "final_gap_full_batch_nats": result.final_gap("tied + LayerNorm without affine", FULL_BATCH),
        "final_gap_batch128_nats": result.final_gap("tied + LayerNorm without affine"),
        "uniform_gap_log_V_minus_S_nats": _uniform_gap(cfg),
        "affine_final_gap_full_batch_nats": result.final_gap("tied + LayerNorm", FULL_BATCH),
        "tied_no_layernorm_final_gap_full_batch_nats": result.final_gap("tied", FULL_BATCH),
    }
