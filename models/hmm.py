"""A hidden Markov language: a synthetic token language whose conditionals are exact.

Real LLM experiments can only compare a model with another model; on this language
`next_token_log_probs` returns the true Pr[z | prefix], so a claim about "the model's
distribution" can be checked against ground truth, and a network trained on samples
can be compared with the entropy floor.

Generative process (positions 1..T):

    s_1 ~ initial,  z_t ~ emission[s_t],  s_{t+1} ~ transition[s_t].

* ``transition``: each row is an independent Dirichlet(concentration) draw. Small
  concentration gives sparse, nearly deterministic dynamics (long-range structure);
  large concentration gives nearly uniform rows (an almost i.i.d. language).
* ``emission``: every state follows the same Zipf law p(rank r) ∝ r^(-zipf_alpha),
  r = 1..V, but over its own random permutation of the vocabulary. All states
  therefore have identical unigram entropy and differ only in which tokens are
  frequent, so the hidden state is what makes prefixes informative.
* ``initial``: the stationary distribution of ``transition``, so the token process
  is stationary and its per-token entropy falls towards the entropy rate with length.

Everything is float64; the forward algorithm normalises its message at every step.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from toy_claims.models.markov import stationary_distribution
from toy_claims.models.validation import require, require_int, require_real, require_seed, require_token_ids, require_type

__all__ = ["HiddenMarkovLanguage"]

# Largest zipf_alpha * ln(V): keeps the rarest emission probability, V^(-alpha),
# above exp(-600) ~ 1e-261, so every log-probability is finite in float64.
_MAX_LOG_DYNAMIC_RANGE = 600.0


@dataclass(frozen=True)
class HiddenMarkovLanguage:
    V: int  # vocabulary size; tokens are 0..V-1
    hidden_states: int = 8  # k, number of hidden states
    # Zipf exponent of every state's emission law (0 = uniform). At V=32, k=8 the defaults
    # make the context worth ~0.4 nats/token (unigram entropy 2.53, entropy rate ~2.1);
    # with alpha=1 the permuted laws overlap so much that it is worth only ~0.06.
    zipf_alpha: float = 2.0
    concentration: float = 0.1  # Dirichlet concentration of transition rows (<1: sparse rows)
    seed: int = 0  # seeds the numpy generator that draws all parameters

    initial: Tensor = field(init=False, repr=False, compare=False)  # (k,)
    transition: Tensor = field(init=False, repr=False, compare=False)  # (k, k), rows sum to 1
    emission: Tensor = field(init=False, repr=False, compare=False)  # (k, V), rows sum to 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", require_int(self.V, "V", lo=2))
        object.__setattr__(self, "hidden_states", require_int(self.hidden_states, "hidden_states", lo=1))
        max_alpha = _MAX_LOG_DYNAMIC_RANGE / math.log(self.V)
        require(isinstance(self.zipf_alpha, numbers.Real) and not isinstance(self.zipf_alpha, bool)
                and math.isfinite(self.zipf_alpha) and 0.0 <= self.zipf_alpha <= max_alpha, "zipf_alpha",
                f"a finite number in [0, 600 / ln V = {max_alpha:.4g}] (so V**-alpha stays "
                "representable)", self.zipf_alpha)
        require_real(self.concentration, "concentration", lo=0, lo_open=True)
        object.__setattr__(self, "seed", require_seed(self.seed))

        k, V = self.hidden_states, self.V
        rng = np.random.default_rng(self.seed)
        transition = rng.dirichlet(np.full(k, float(self.concentration)), size=k)
        zipf = np.arange(1, V + 1, dtype=np.float64) ** -float(self.zipf_alpha)
        zipf /= zipf.sum()
        emission = np.stack([zipf[rng.permutation(V)] for _ in range(k)])
        object.__setattr__(self, "transition", torch.from_numpy(transition))
        object.__setattr__(self, "emission", torch.from_numpy(emission))
        try:
            object.__setattr__(self, "initial", stationary_distribution(self.transition))
        except ValueError as exc:  # ReducibleChainError: Dirichlet rows that degenerate (one-hot at a tiny concentration,
            # or not a distribution at a huge one)
            raise ValueError(f"concentration must draw (with seed {self.seed}) a transition matrix with a unique "
                             f"stationary distribution ({exc}), got {self.concentration!r}") from None

    def sample(self, n_sequences: int, length: int, generator: torch.Generator) -> Tensor:
        """Draw (n_sequences, length) int64 token sequences from the language."""
        n_sequences = require_int(n_sequences, "n_sequences", lo=0)
        length = require_int(length, "length", lo=0)
        require_type(generator, "generator", torch.Generator, "a torch.Generator")
        out = torch.empty(n_sequences, length, dtype=torch.long)
        if n_sequences == 0 or length == 0:
            return out
        state = torch.multinomial(self.initial.expand(n_sequences, -1), 1, generator=generator)[:, 0]
        for t in range(length):
            out[:, t] = torch.multinomial(self.emission[state], 1, generator=generator)[:, 0]
            state = torch.multinomial(self.transition[state], 1, generator=generator)[:, 0]
        return out

    def next_token_log_probs(self, prefixes: Tensor) -> Tensor:
        """Exact log Pr[z_{t+1} = z | prefix] for (n, t) prefixes (t may be 0) -> (n, V)."""
        belief, _ = self._filter(prefixes, "prefixes")
        return torch.log(belief @ self.emission)

    def sequence_log_prob(self, sequences: Tensor) -> Tensor:
        """Exact log Pr[z_1..z_t] for (n, t) sequences -> (n,) (0 for t = 0)."""
        _, log_prob = self._filter(sequences, "sequences")
        return log_prob

    def _filter(self, tokens: Tensor, name: str) -> tuple[Tensor, Tensor]:
        """Forward algorithm. Returns Pr[s_{t+1} | z_1..z_t] (n, k) and log Pr[z_1..z_t] (n,)."""
        require_token_ids(tokens, name, self.V, dims=2, shape="(n, t) tensor")
        n = tokens.shape[0]
        belief = self.initial.expand(n, -1)  # (n, k): Pr[s_1]
        log_prob = torch.zeros(n, dtype=torch.float64)
        for t in range(tokens.shape[1]):
            joint = belief * self.emission[:, tokens[:, t]].T  # (n, k): Pr[s_t, z_t | z_<t]
            norm = joint.sum(dim=1)  # (n,): Pr[z_t | z_<t]
            log_prob = log_prob + torch.log(norm)
            belief = (joint / norm[:, None]) @ self.transition  # (n, k): Pr[s_{t+1} | z_<=t]
        return belief, log_prob

