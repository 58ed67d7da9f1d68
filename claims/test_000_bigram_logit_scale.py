"""Claims of source 000, "Bigram 3 -- Low Rank Structure", problem setup: the logit-scale knob.

The claim reads ``experiments.bigram_logit_scale.LOGIT_SCALE``: the exact optimal loss L0 of the low-rank bigram
at each logit scale and dataset seed (no training). The Λ knob, which trains, is in ``test_000_bigram_scaling``.
"""

from __future__ import annotations

import numpy as np

from toy_claims.experiments.bigram_logit_scale import LOGIT_SCALE, figure_l0_vs_scale
from toy_claims.harness.claims import IDENTITY, REPRODUCED, SOURCE, AtMost, Source, claim
from toy_claims.harness.notes import mean_sd, table

FILE = "000_cfd314f0efaca259.txt"
SECTION_DATA = "Problem setup"


@claim(
    id="bigram.knobs.logit-scale-l0-falls",
    source=Source(FILE, SECTION_DATA,
                  "We can also control the overall scale of the logit matrix. When this scale is large, the dataset "
                  "becomes more deterministic."),
    statement="With V = 100, R = 20, the optimal loss L0 falls strictly as the logit scale grows from 1/4 to 16.",
    setup={},
    criterion=AtMost("largest_L0_step_up_nats", -1e-9, claimed="L0 decreasing",
                     why="each doubling of the scale must lower L0 by more than float64 rounding of an O(1) sum (1e-12); "
                         "1e-9 leaves room for the stationary solve"),
    expected=REPRODUCED,
    reads=LOGIT_SCALE,
    scope=SOURCE,
    evidence=IDENTITY,
)
def test_knob_logit_scale(ctx, cfg, result):
    L0, top = result.L0, result.top  # (seeds, scales)
    ctx.note(table([[s, mean_sd(L0[:, i]), f"{top[:, i].mean():.3f}"] for i, s in enumerate(cfg.scales)],
                   ["logit scale", "L0 (nats), mean ± sd over seeds", "π-weighted max_y P[x, y]"], floatfmt="g")
             + f"\n\nlog V = {np.log(cfg.V):.3f} nats is the uniform (scale 0) limit.")
    ctx.figure(figure_l0_vs_scale(result, cfg), "l0-vs-scale",
               f"Optimal loss L0 against the logit scale, V = {cfg.V}, R = {cfg.R}, one line per dataset seed.")
    return {"largest_L0_step_up_nats": np.diff(L0, axis=1).max(axis=1), "L0_at_scale_16": L0[:, -1],
            "L0_at_scale_0.25": L0[:, 0], "mean_max_prob_at_scale_16": top[:, -1]}

