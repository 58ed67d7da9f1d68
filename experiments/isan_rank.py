"""Source 002's ISAN rank bound, measured exactly: the extended logit matrix of a random ISAN of hidden dimension d
has rank at most d + 1 (``models.isan.isan_logit_rank_bound``).

``run`` samples histories and futures from random ISANs of several widths and measures, in float64 on the CPU, the
singular-value ratios just beyond and at the bound. It trains nothing; the transformer-on-HMM run that the other
source-002 claims read is ``experiments.logit_rank``. No pytest here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.logit_matrix import extended_logit_matrix, sample_sequences, singular_values
from toy_claims.lab.seeds import Seeds
from toy_claims.models.isan import ISAN, isan_logit_rank_bound
from toy_claims.models.validation import require_int, require_ints

__all__ = ["IsanConfig", "CONFIGS", "STREAMS", "IsanResult", "isan_seeds", "run", "setup", "ISAN_RANK"]

# lab.seeds: the streams of source 002's experiments up to "isan", in their order (experiments.logit_rank.STREAMS),
# so that the ISANs keep the seeds they have always had (stream 5: 5000 + offset + 10d + i).
STREAMS = ("model", "data", "eval", "probes", "lingen", "isan")


@dataclass(frozen=True)
class IsanConfig:
    """Random ISANs of several widths and the logit matrices measured on them (float64)."""

    dims: tuple[int, ...] = (2, 4, 8, 16)  # hidden dimensions d
    per_dim: int = 2  # ISANs (seeds) per width; seeds 10d .. 10d + per_dim - 1 of the isan stream
    vocab_size: int = 32  # V
    n_histories: int = 256  # |H|, histories sampled from each ISAN
    n_futures: int = 64  # |F| futures sampled from each ISAN
    history_len: int = 8  # tokens per history
    future_len: int = 4  # tokens per future

    def __post_init__(self) -> None:
        require_int(self.per_dim, "per_dim", lo=1, hi=10)  # seeds 10d .. 10d + 9 belong to width d
        require_ints(self.dims, "dims", lo=1)
        require_int(self.vocab_size, "vocab_size", lo=2)
        for name in ("n_histories", "n_futures"):
            require_int(getattr(self, name), name, lo=1)
        for name in ("history_len", "future_len"):
            require_int(getattr(self, name), name, lo=0)


CONFIGS = {"ci": IsanConfig(), "paper": IsanConfig()}  # exact rank: the ci sizes already suffice


@dataclass(frozen=True)
class IsanResult:
    config: IsanConfig
    dims: tuple[int, ...]  # width of each measured ISAN
    beyond_bound: tuple[float, ...]  # σ_(bound+1) / σ_1: zero to rounding when the bound holds
    at_bound: tuple[float, ...]  # σ_bound / σ_1: well above zero when the bound is attained


def isan_seeds(config: IsanConfig, seeds: Seeds, d: int) -> tuple[int, ...]:
    """The ISANs of width d: seeds 10d .. 10d + per_dim - 1 of the isan stream."""
    return seeds("isan", 10 * d + config.per_dim)[10 * d:]


@cache
def run(config: IsanConfig, seeds: Seeds, device: str = "cpu") -> IsanResult:
    """Singular-value ratios at and beyond the rank bound of random ISANs (float64 on the CPU, whatever ``device``:
    the ratios beyond the bound sit at float64 rounding, which an accelerator's float32 would hide)."""
    dims, beyond, at = [], [], []
    for d in config.dims:
        for seed in isan_seeds(config, seeds, d):
            isan = ISAN(config.vocab_size, d=d, seed=seed)
            g = torch.Generator().manual_seed(seed)
            H = sample_sequences(isan.next_token_log_probs, config.n_histories, config.history_len, g)
            Fu = sample_sequences(isan.next_token_log_probs, config.n_futures, config.future_len, g)
            sv = singular_values(extended_logit_matrix(isan.next_token_log_probs, H, Fu).values).numpy()
            bound = isan_logit_rank_bound(isan)
            dims.append(d)
            beyond.append(float(sv[bound] / sv[0]))
            at.append(float(sv[bound - 1] / sv[0]))
    return IsanResult(config, tuple(dims), tuple(beyond), tuple(at))


def setup(config: IsanConfig) -> dict[str, str]:
    """The setup table of the ISAN rank-bound claim, from the config."""
    return {
        "ISAN": f"models.isan.ISAN(V={config.vocab_size}, d, contraction 0.9), d in {config.dims}, {config.per_dim} "
                "seeds each; h_t = A[z_t] h_(t-1) + b[z_t], logits W h_t + c; the affine offsets b, c add one to the "
                "bound (derivation in models.isan.isan_logit_rank_bound)",
        "matrix": f"float64; {config.n_histories} histories of {config.history_len} tokens and {config.n_futures} "
                  f"futures of {config.future_len} tokens sampled from each ISAN, all {config.vocab_size} tokens per "
                  "future",
    }


ISAN_RANK = Experiment("002-isan-rank", CONFIGS, STREAMS, run, setup)  # what logit-rank.isan-rank-bound reads
