"""Source 003's effective-rank diagnostic on a real trained embedding table: textgenrnn's character LSTM.

Source 003 calls an embedding table collapsed when its effective rank (Roy & Vetterli: singular values normalised by
their sum, ``lab.metrics.effective_rank``) drops below 0.3 · min(V, d), and healthy from 0.5 · min(V, d). Its numbers
are a simulation and a CBOW table of its own course; here the diagnostic is read on a real trained table,
the embedding (465 × 100) and output layer (465 × 356) of textgenrnn 2.0.0's pretrained character LSTM
(``models.char_lstm``), against the same shapes at Keras' init (``CharLSTM(vocab, seed=s)``, one per seed) and the
note's simulated collapse carried to this shape: the init table with its first 50 rows replaced by a rank-8 product
U(−0.5, 0.5)^(50×8) · U(−1, 1)^(8×d), as the note's snippet does at 512 × 128, and the trained embedding's best
rank-8 approximation (collapsed by construction: its effective rank is at most 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import torch

from toy_claims.lab.experiment import Experiment
from toy_claims.lab.metrics import effective_rank
from toy_claims.lab.seeds import Seeds
from toy_claims.models.char_lstm import CharLSTM, load_char_lstm
from toy_claims.models.validation import require_int

__all__ = ["STREAMS", "PretrainedRankConfig", "CONFIGS", "PretrainedRankResult", "run", "setup", "PRETRAINED_RANK"]

STREAMS = ("init", "simulated")  # lab.seeds: untrained networks; the simulated collapse's rank-8 product


@dataclass(frozen=True)
class PretrainedRankConfig:
    n_seeds: int = 5  # untrained networks (and simulated collapses); the trained table is one fixed table
    dominant_rows: int = 50  # the note's snippet: rows replaced by the low-rank product
    dominant_rank: int = 8  # its "8 dominant directions"

    def __post_init__(self) -> None:
        for name in ("n_seeds", "dominant_rows", "dominant_rank"):
            require_int(getattr(self, name), name, lo=1)


CONFIGS = {"ci": PretrainedRankConfig()}  # a second of CPU: no larger scale


@dataclass(frozen=True)
class PretrainedRankResult:
    shape: dict[str, tuple[int, int]]  # "embedding", "output" -> (V, d)
    trained: dict[str, float]  # r_eff of the pretrained tables
    untrained: dict[str, tuple[float, ...]]  # r_eff at Keras' init, per seed
    simulated: tuple[float, ...]  # r_eff of the note's simulated collapse of the init embedding, per seed
    truncated: float  # r_eff of the trained embedding's best rank-dominant_rank approximation (<= that rank)


def _tables(model: CharLSTM) -> dict[str, torch.Tensor]:
    return {"embedding": model.embedding_matrix, "output": model.unembedding}


def _simulated_collapse(E: torch.Tensor, config: PretrainedRankConfig, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    E = E.clone()
    directions = torch.rand(config.dominant_rows, config.dominant_rank, generator=g, dtype=E.dtype) - 0.5
    mixing = 2 * torch.rand(config.dominant_rank, E.shape[1], generator=g, dtype=E.dtype) - 1
    E[: config.dominant_rows] = directions @ mixing
    return E


def _truncated(E: torch.Tensor, rank: int) -> torch.Tensor:
    """The best rank-``rank`` approximation of E (its effective rank is at most ``rank`` by construction)."""
    U, S, Vh = torch.linalg.svd(E, full_matrices=False)
    return (U[:, :rank] * S[:rank]) @ Vh[:rank]


@cache
def run(config: PretrainedRankConfig, seeds: Seeds, device: str = "cpu") -> PretrainedRankResult:
    """Raises ModuleNotFoundError when textgenrnn or h5py is missing."""
    trained = load_char_lstm()
    untrained = [CharLSTM(trained.vocab, seed=s) for s in seeds("init", config.n_seeds)]
    return PretrainedRankResult(
        shape={name: tuple(t.shape) for name, t in _tables(trained).items()},
        trained={name: effective_rank(t.numpy()) for name, t in _tables(trained).items()},
        untrained={name: tuple(effective_rank(_tables(m)[name].numpy()) for m in untrained)
                   for name in _tables(trained)},
        simulated=tuple(effective_rank(_simulated_collapse(m.embedding_matrix, config, s).numpy())
                        for m, s in zip(untrained, seeds("simulated", config.n_seeds))),
        truncated=effective_rank(_truncated(trained.embedding_matrix, config.dominant_rank).numpy()),
    )


def setup(config: PretrainedRankConfig) -> dict[str, str]:
    return {
        "model": "textgenrnn 2.0.0's pretrained character LSTM (Reddit titles): embedding 465 × 100, output layer "
                 "465 × 356 (the attention's 356 features to 465 symbols); one fixed table each",
        "controls": f"the same tables at Keras 2.1.5's init (embedding U(±0.05), output glorot-uniform), "
                    f"{config.n_seeds} seeds; the note's simulated collapse at this shape: the init embedding with "
                    f"rows 0..{config.dominant_rows - 1} replaced by U(−0.5, 0.5)^({config.dominant_rows}×"
                    f"{config.dominant_rank}) · U(−1, 1)^({config.dominant_rank}×100), {config.n_seeds} seeds; the trained embedding's best rank-{config.dominant_rank} approximation (r_eff ≤ "
                    f"{config.dominant_rank} by construction)",
        "effective rank": "Roy & Vetterli, singular values normalised by their sum (lab.metrics.effective_rank)",
    }


PRETRAINED_RANK = Experiment("003-pretrained-rank", CONFIGS, STREAMS, run, setup, optional=("textgenrnn", "h5py"))
