"""A positive control of source 002's logit-rank estimator on a real trained language model whose rank is fixed by
construction: CMU's en-us word trigram model (``experiments.pretrained_trigram_rank``).

A trigram model's next-word distribution depends on the last two words only, so its logit matrix has no more rank
than the histories have distinct last-two-word states. The claim checks that the estimator the suite uses sees that
rank on the real model (no toy analog: the toy transformer has no such exact state count). Without pocketsphinx it
is ``skipped``.
"""

from __future__ import annotations

from claims._logit_rank import FILE
from toy_claims.experiments.pretrained_trigram_rank import CONFIGS, PRETRAINED_TRIGRAM_RANK, RANK_RTOL
from toy_claims.harness.claims import CONTROL, PRETRAINED, REPRODUCED, AtMost, Negative, Positive, Source, claim
from toy_claims.harness.notes import mean_sd, table

CI = CONFIGS["ci"]


@claim(
    id="pretrained-logit-rank.trigram-rank-bounded-by-states",
    source=Source(FILE, "Mechanism 1",
                  "For histories $h$ and futures $f$, $\\log \\Pr[f|h] \\approx \\langle \\phi(h), \\psi(f) \\rangle$ "
                  "where $\\phi, \\psi$ are low-dimensional embeddings"),
    statement=f"On a real word trigram model, the numerical rank of the logit matrix over {CI.states * CI.per_state} "
              f"histories that share {CI.states} last-two-word states is at most {CI.states}: the estimator sees the "
              "low rank that the model has by construction.",
    setup={"judged": f"σ_{{m+1}}/σ_1 per draw (m = {CI.states} states): at most {RANK_RTOL:g} exactly when the numerical "
                     f"rank (σ_i > {RANK_RTOL:g} σ_1) is at most m",
           "why a control": "φ(h) of a trigram model is a function of its last two words, so rank ≤ the number of "
                            "distinct states exactly; a detector that misses it cannot be trusted on the char LSTM"},
    criterion=AtMost("gap_after_states", RANK_RTOL, claimed="rank ≤ distinct states (σ_{m+1} ≈ 0)", log=True,
                     why="the construction's bound (at most one independent row per distinct last-two-word state) read "
                         "at the numerical-rank tolerance, lab.logit_matrix's default: far above float64 rounding "
                         "(≈1e-15 σ_1) and far below the model's smallest stored differences (≈1e-5 nats). Judged on "
                         "the gap rather than on rank / m, which is below 1 on draws where two states back off to the "
                         "same distribution (the t-interval of 15/16, 1, 1 reaches past 1)"),
    controls=[Positive("gap_after_states_planted", f"{CI.states} Gaussian rows, each repeated {CI.per_state} times "
                                                   "(rank fixed by construction)"),
              Negative("gap_after_states_distinct", "the same trigram model on histories with all last-two-word "
                                                    "states distinct")],
    expected=REPRODUCED,
    reason="σ_(m+1)/σ_1 is {gap_after_states:range} on the shared-state histories (rounding level): the numerical rank "
           "is {rank_over_states:range} times m, with {distinct_rows_over_states:range} times m distinct rows (below 1 "
           "where two states back off to the same distribution), and the power-law exponent over the fit window is "
           "{alpha_shared:range} (a cliff, not a power law). On histories with distinct states the gap is "
           "{gap_after_states_distinct:range}, the rank {rank_over_states_distinct:range} times m (distinct rows: {distinct_rows_over_states_distinct:range}) and α "
           "{alpha_distinct:range}. The detector fires where the model has low rank by construction and not where it "
           "does not.",
    reads=PRETRAINED_TRIGRAM_RANK,
    scope=PRETRAINED,
    evidence=CONTROL,  # the rank estimator's positive control: a model of known rank, not a claim of the source
)
def test_trigram_rank_bounded_by_states(ctx, config, result):
    rows = [[name] + [mean_sd(result.per_seed(name, key)) for key in ("rank", "distinct rows", "gap", "alpha")]
            for name in result.measures[0]]
    ctx.note(f"Estimates per matrix (mean ± sd over {len(result.measures)} draws; |H| = {config.n_histories}, "
             f"{config.columns} columns, m = {config.states}):\n\n"
             + table(rows, ["matrix", "numerical rank", "distinct rows", "σ_{m+1}/σ_1", "power-law α"]))
    m = config.states
    return {"gap_after_states": result.per_seed("shared states", "gap"),
            "gap_after_states_planted": result.per_seed("planted", "gap"),
            "gap_after_states_distinct": result.per_seed("distinct states", "gap"),
            "rank_over_states": [r / m for r in result.per_seed("shared states", "rank")],
            "rank_over_states_distinct": [r / m for r in result.per_seed("distinct states", "rank")],
            "distinct_rows_over_states": [r / m for r in result.per_seed("shared states", "distinct rows")],
            "distinct_rows_over_states_distinct": [r / m for r in result.per_seed("distinct states", "distinct rows")],
            "alpha_shared": result.per_seed("shared states", "alpha"),
            "alpha_distinct": result.per_seed("distinct states", "alpha")}
