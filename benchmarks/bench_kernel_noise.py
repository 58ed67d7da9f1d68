"""How big the cross-CPU noise of the committed measurements is, and which term of the drift rule sets each tolerance.

Reads the committed CLAIMS.json (its ``kernel_noise``, measured by ``pytest claims --claims-update``) and prints:
how many quantities move at all under other kernels, their noise relative to the quantity's size and in seed sd,
and how many tolerances each term of ``harness.drift``'s rule decides. No claim runs.
"""

from __future__ import annotations

import json

import numpy as np
from timing import ROOT

from toy_claims.harness.drift import ABS_FLOOR, NOISE_FACTOR, REL_FLOOR, SD_FRACTION, flatten, seed_sd, tolerance


def main() -> None:
    rows = json.loads((ROOT / "CLAIMS.json").read_text())["claims"]
    relative, in_sd, deciders = [], [], {"seed sd": 0, "kernel noise": 0, "relative floor": 0, "absolute floor": 0}
    moving = total = 0
    for row in rows:
        for name, value in row["measured"].items():
            noise = (row.get("kernel_noise") or {}).get(name)
            if noise is None:
                continue
            total += 1
            moving += noise > 0
            values = flatten(value)[1]
            values = np.abs(values[np.isfinite(values)])
            if values.size and values.max() > 0:
                relative.append(noise / values.max())
            sd = seed_sd(value)
            if (sd > 0).any():
                in_sd.append(noise / sd[sd > 0].min())
            if values.size:
                terms = {"seed sd": SD_FRACTION * sd.max(), "kernel noise": NOISE_FACTOR * noise,
                         "relative floor": REL_FLOOR * values.max(), "absolute floor": ABS_FLOOR}
                assert np.isclose(max(terms.values()), tolerance(value, noise).max())
                deciders[max(terms, key=terms.get)] += 1
    relative, in_sd = np.array(relative), np.array(in_sd)
    print(f"{total} quantities with measured kernel noise; {moving} move under another kernel set")
    print(f"noise / largest |value|: median {np.median(relative[relative > 0]):.2g}; "
          + ", ".join(f"> {t:g}: {(relative > t).sum()}" for t in (1e-6, 1e-4, 1e-2, 0.1)))
    print(f"noise in seed sd ({in_sd.size} quantities with spread): median {np.median(in_sd):.2g}; "
          + ", ".join(f"> {t:g} sd: {(in_sd > t).sum()}" for t in (0.01, 0.1, 1)))
    print("the term that sets a quantity's largest tolerance: " + ", ".join(f"{k} {v}" for k, v in deciders.items()))


if __name__ == "__main__":
    main()
