"""What the source-002 claim files share (``test_002_logit_rank_*.py``): the source file, the paper-scale wording, and
the two rows and the note of the claims judged on the seed panel or against Gaussian random matrices.

Not a claim file (pytest collects ``test_*.py`` only); nothing outside ``claims/`` imports it.
"""

from __future__ import annotations

from toy_claims.experiments.logit_rank import CONFIGS, LogitRankConfig, LogitRankResult, shown_setup
import numpy as np

from toy_claims.harness.claims import AtLeast, AtMost, Reading, other_form_quantity, seeds_needed
from toy_claims.harness.notes import mean_sd
from toy_claims.harness.verdicts import Control
from toy_claims.lab.metrics import exponential_fit_r2, other_decays, power_law_fit

__all__ = ["FILE", "CI", "PAPER", "PAPER_RUN", "at_scale", "panel_seeds", "panel_note", "random_matrices",
           "random_matrix_cos_minus_q99", "window_fit", "power_over_exponential", "r2_reading",
           "over_exponential_reading", "transfer_readings", "TRANSFER_READINGS", "POWER_LAW", "SPECTRUM_ENDS",
           "other_form_spectra", "other_form_fits"]

FILE = "002_74f484c1e4bc42b8.txt"
CI, PAPER = CONFIGS["ci"], CONFIGS["paper"]  # statements, reasons and criteria name the ci numbers
# The paper-scale pins were measured at the tier's first size, before CONFIGS["paper"] became the source's
# |H| = |F| = 1000; they stand until a GPU run at the current size re-measures them.
PAPER_RUN = (f"the paper scale as first measured (|H| = 512, |F| = 128, {PAPER.steps} steps, {PAPER.seeds} seeds; once "
             f"on an H100; not yet re-measured at the current |H| = {PAPER.n_histories}, |F| = {PAPER.n_futures})")


def at_scale(config: LogitRankConfig) -> str:
    """The scale ``config`` is the config of (ci, paper), for a setup row that names it."""
    return next(scale for scale, c in CONFIGS.items() if c == config)


def panel_seeds(config: LogitRankConfig) -> str:
    """The seeds row of a claim judged on the seed panel (``LogitRankResult.panel``)."""
    return (f"{shown_setup(config)['seeds']}. The judged quantity on a seed panel of "
            f"{max(config.seeds, config.panel_seeds)} runs: these {config.seeds} and "
            f"{config.panel_seeds - config.seeds} more, trained and measured the same way, measured only for it (its "
            f"spread needs them; the controls stay on the {config.seeds}; paper scale: the "
            f"{max(PAPER.seeds, PAPER.panel_seeds)} runs)")


def panel_note(ctx, distances: list[float]) -> None:
    """How many seeds the interval rule needs at the panel's spread of the judged quantity's distance to its bound."""
    most = 1000
    needed = seeds_needed(distances, most=most)
    ctx.note(f"The judged quantity is measured on {len(distances)} runs (setup: seeds). At their spread of its distance "
             f"to the bound ({mean_sd(distances)}) the rule of harness.verdicts.seeds_needed asks for "
             + (f"n ≥ {needed} runs to decide." if needed <= most else f"more than {most} runs: the bound lies within "
                "the spread's reach of the mean, and no affordable panel decides it."))


def random_matrices(config: LogitRankConfig) -> dict[str, str]:
    """The row of the claims whose control is Gaussian random matrices against the final model's column space."""
    return {"random-matrix control": (
        f"{config.random_matrices} Gaussian matrices of L_M's shape per seed against the final model's column space "
        f"({config.seeds} × {config.random_matrices} values; paper scale {PAPER.seeds} × {PAPER.random_matrices}): a "
        "Gaussian matrix's column space is uniformly random, so one draw's mean cosine follows the random baseline's "
        "law, whose 99th percentile lies 2.33 of its sd above its mean (near-normal). With n values whose mean is z "
        "standard errors off, the interval's far end lies (t(0.95, n−1) + z)·sd/√n from the population mean; for z = 3 "
        "that stays below 2.33 sd from n = 5 on. One draw per seed (n = 3) does not, and its interval straddled the "
        "line at some seed offsets; four per seed keep it well inside")}


def random_matrix_cos_minus_q99(result: LogitRankResult) -> list[float]:
    """Each Gaussian matrix's mean cosine with the final column space, minus its seed's random 99th percentile."""
    return [float(c - r.random_cos_q99) for r in result.runs for c in r.random_matrix_cos]


# --------------------------------------------------------------------------- readings shared by the 002 files


def window_fit(sv: np.ndarray, lo: int, hi: int) -> float:
    """α of a power law σ_i ∝ i^-α fitted over the 1-based indices lo..hi of a spectrum (as the experiments fit)."""
    i = np.arange(lo, hi + 1)
    return float(-power_law_fit(i, sv[lo - 1: hi]).exponent)


def power_over_exponential(sv: np.ndarray, lo: int, hi: int) -> float:
    """R² of the log-log (power-law) fit minus R² of the exponential fit (log σ linear in i) over lo..hi."""
    i = np.arange(lo, hi + 1)
    return float(power_law_fit(i, sv[lo - 1: hi]).r2 - exponential_fit_r2(i, sv[lo - 1: hi]))


POWER_LAW = "power law σ_i ∝ i^-α"  # the form the spectrum claims state (their ``form``)


SPECTRUM_ENDS = "σ_i at the fit window's ends"  # where other_form_spectra's decays pass (other_form_controls' words)


def other_form_spectra(sv: np.ndarray, lo: int, hi: int) -> dict[str, np.ndarray]:
    """The spectrum's other decays (``lab.metrics.other_decays``) through σ_lo and σ_hi, as spectra of the same length
    (indices outside lo..hi keep ``sv``'s values), by form: what a power-law criterion over lo..hi must tell ``sv``
    from."""
    i = np.arange(lo, hi + 1, dtype=float)
    out = {}
    for form, decay in other_decays(i, float(sv[lo - 1]), float(sv[hi - 1])).items():
        planted = np.array(sv, dtype=float)
        planted[lo - 1: hi] = decay
        out[form] = planted
    return out


def other_form_fits(spectra) -> dict[str, list[float]]:
    """For each (σ, lo, hi) of ``spectra`` (one per seed or draw): the power-law R² over lo..hi and its margin over an
    exponential fit, measured on each of σ's other decays (``other_form_spectra``) and keyed by ``other_form_quantity``:
    what the spectrum claims' ``OtherForm`` controls read."""
    out: dict[str, list[float]] = {}
    for sv, lo, hi in spectra:
        for form, planted in other_form_spectra(sv, lo, hi).items():
            out.setdefault(other_form_quantity("power_law_r2", form), []).append(
                power_law_fit(np.arange(lo, hi + 1), planted[lo - 1: hi]).r2)
            out.setdefault(other_form_quantity("power_over_exponential_r2", form), []).append(
                power_over_exponential(planted, lo, hi))
    return out


STRICT_R2 = 0.99
STRICT_R2_WHY = ("the source gives no goodness of fit: 'decaying according to a power law' read strictly, a log-log "
                 f"line that explains ≥ {STRICT_R2:.0%} of the variance of log σ_i (the suite's 95% is one choice)")


def r2_reading(quantity: str, fails: bool, expected: str) -> Reading:
    """The power-law claims at the strict goodness of fit: R² ≥ 0.99 is a power law, below it the fit 'fails'
    (``fails``: the claim says the fit fails). Judged on the claim's own R², with the claim's controls."""
    rule = (AtMost if fails else AtLeast)(quantity, STRICT_R2, why=STRICT_R2_WHY,
                                          claimed="fit fails" if fails else "power-law decay")
    return Reading(f"R² threshold {STRICT_R2:g}", STRICT_R2_WHY, rule, expected)


def over_exponential_reading(quantity: str, fails: bool, expected: str, controls: list[Control]) -> Reading:
    """'A power law' read against the other simple decay: the log-log fit explains more of log σ_i than an
    exponential fit over the same window (``fails``: it does not)."""
    why = ("'decaying according to a power law' read against the other simple law of decay: the power-law fit "
           "explains more of log σ_i than an exponential fit (log σ linear in i) over the same window. Estimator: "
           "least squares on log σ_i; with two parameters each, the R² difference has the sign of the AIC comparison "
           "under Gaussian errors on log σ_i, ΔAIC = n·ln(RSS_exponential / RSS_power)")
    rule = (AtMost if fails else AtLeast)(quantity, 0.0, why=why, claimed=("no better than exponential" if fails
                                                                         else "power law beats exponential"))
    return Reading("power law vs exponential", why, rule, expected, controls=tuple(controls))


# Other thresholds of "transfer" / "approximately preserved" (held-out R², the claims' own quantity)
TRANSFER_READINGS = {
    "R² > 0": (0.0, "'transfer' read as any transfer at all: the weights fitted on F predict F' better than the "
                    "mean-row baseline that ignores the history (held-out R² above 0)"),
    "R² ≥ 0.9": (0.9, "'transfer' / 'approximately preserved' read as nearly exact: the weights fitted on F explain "
                      "at least 90% of the history-dependent variance on F'"),
}


def transfer_readings(quantity: str, claimed: str, pins: dict[str, str]) -> tuple[Reading, ...]:
    """The readings of TRANSFER_READINGS named in ``pins`` (name -> pinned verdict), on the claim's own held-out R²
    and with its controls."""
    return tuple(Reading(name, TRANSFER_READINGS[name][1],
                         AtLeast(quantity, TRANSFER_READINGS[name][0], claimed=claimed, why=TRANSFER_READINGS[name][1]),
                         pin) for name, pin in pins.items())
