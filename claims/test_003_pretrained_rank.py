"""Source 003's collapse diagnostic on a real trained embedding table: textgenrnn's pretrained character LSTM
(``experiments.pretrained_rank``). Not the note's §A13 CBOW table, not a toy trained here: a small real pretrained
model. Without textgenrnn or h5py the claim is ``skipped``.
"""

from __future__ import annotations

from toy_claims.experiments.pretrained_rank import PRETRAINED_RANK
import dataclasses

from toy_claims.harness.claims import PRETRAINED, REFUTED, AtMost, Negative, Positive, Reading, Source, claim

FILE = "003_4b50897c6c97817a.txt"
COLLAPSE_FRACTION = 0.3  # the note: "If r_eff drops below 0.3 × min(V, d), you have collapse."
HEALTHY_FRACTION = 0.5  # the note: "For a healthy embedding table, r_eff ≈ min(V, d) × 0.5 or higher."
EMBEDDING_MIN_V_D = 100  # min(465, 100)
RECAP_FRACTION = 30 / 128  # the recap: a 512 × 128 table's effective rank "can collapse to <30", of its nominal 128
COLLAPSED = AtMost("r_eff_embedding", COLLAPSE_FRACTION * EMBEDDING_MIN_V_D, claimed="collapsed",
                   why="the note's own test: 'If r_eff drops below 0.3 × min(V, d), you have collapse.'")


@claim(
    id="pretrained-rank.embedding-collapses",
    unseeded="one pretrained embedding table: its training has no seed to draw (the init control draws several)",
    source=Source(FILE, "One-paragraph recap",
                  "A 512 × 128 embedding matrix has nominal rank 128 but, after training on a Zipfy corpus, its "
                  "effective rank can collapse to <30"),
    statement=f"Training collapses a real character-level embedding table (465 × 100): its effective rank falls below "
              f"the note's collapse threshold {COLLAPSE_FRACTION:g} · min(V, d) = "
              f"{COLLAPSE_FRACTION * EMBEDDING_MIN_V_D:g}.",
    setup={"judged": "r_eff of the pretrained embedding table (one fixed table: no seed spread)",
           "thresholds": f"collapsed below {COLLAPSE_FRACTION:g} · min(V, d), healthy from {HEALTHY_FRACTION:g} · "
                         "min(V, d) (the note's)"},
    criterion=COLLAPSED,
    controls=[Positive("r_eff_truncated", "the trained table's best rank-8 approximation (r_eff ≤ 8 by construction)"),
              Negative("r_eff_embedding_init", "the same shape at Keras' init, U(±0.05)")],
    expected=REFUTED,
    reason="The pretrained embedding's r_eff is {r_eff_embedding:.1f}, {r_eff_embedding_over_min:.2f} of min(V, d): "
           "healthy by the note's thresholds, and {r_eff_embedding_over_init:.2f} of the same shape at init "
           "({r_eff_embedding_init:range}). The output layer (465 × 356) keeps {r_eff_output_over_min:.2f} of "
           "min(V, d) (r_eff {r_eff_output:.1f}, at init {r_eff_output_init:range}): lower, still above collapse. The "
           "note's simulated collapse carried to this shape gives {r_eff_simulated:range}, not collapsed by its own "
           "threshold either.",
    reads=PRETRAINED_RANK,
    scope=PRETRAINED,
    readings=(Reading("the recap's number", "the quoted sentence's own number, '<30' of a nominal rank 128, carried to "
                      "this table's nominal rank", dataclasses.replace(COLLAPSED, hi=RECAP_FRACTION * EMBEDDING_MIN_V_D,
                                                                      why="the recap's <30 of 128, as a fraction"),
                      REFUTED),),
)
def test_embedding_collapses(ctx, config, result):
    V, d = result.shape["embedding"]
    V_out, d_out = result.shape["output"]
    embedding, output = result.trained["embedding"], result.trained["output"]
    init, init_out = list(result.untrained["embedding"]), list(result.untrained["output"])
    return {"r_eff_embedding": embedding, "r_eff_embedding_init": init, "r_eff_truncated": result.truncated,
            "r_eff_simulated": list(result.simulated),
            "r_eff_embedding_over_min": embedding / min(V, d),
            "r_eff_embedding_over_init": embedding / (sum(init) / len(init)),
            "r_eff_output": output, "r_eff_output_init": init_out, "r_eff_output_over_min": output / min(V_out, d_out),
            "collapse_threshold": COLLAPSE_FRACTION * min(V, d)}
