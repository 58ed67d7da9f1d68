"""Benchmark of the pretrained models: the seconds for the |H| x |F| forward passes a logit-rank claim makes.

Run: python benchmarks/bench_pretrained.py [--histories 200] [--futures 50]   (one CPU thread, like the claims)

The character LSTM scores every history followed by every future, one 40-id window each (histories of 20 characters
and futures of 10 cut from the titles of tests/test_char_lstm.py), in float64 and float32; the trigram model gives
one next-word distribution over its 72,547 words per history (|F| plays no part: it reads the last two words).
Models that are not installed are reported as such.
"""

from __future__ import annotations

import argparse
import time

from timing import pin_one_thread

import torch

from tests.test_char_lstm import TITLES
from toy_claims.models.char_lstm import load_char_lstm
from toy_claims.models.trigram import load_trigram

TEXT = " ".join(TITLES)  # one stretch of Reddit-style text


def _pieces(n: int, length: int, g: torch.Generator) -> list[str]:
    """n substrings of TEXT of ``length`` characters at random offsets."""
    starts = torch.randint(0, len(TEXT) - length, (n,), generator=g).tolist()
    return [TEXT[s: s + length] for s in starts]


def char_lstm(n_histories: int, n_futures: int) -> None:
    g = torch.Generator().manual_seed(0)
    histories, futures = _pieces(n_histories, 20, g), _pieces(n_futures, 10, g)
    contexts = [h + f for h in histories for f in futures]
    for dtype in (torch.float64, torch.float32):
        try:
            model = load_char_lstm(dtype=dtype)
        except ModuleNotFoundError as exc:
            print(f"char LSTM: not installed ({exc})")
            return
        start = time.perf_counter()
        log_probs = model.log_probs(contexts)
        seconds = time.perf_counter() - start
        print(f"char LSTM {str(dtype).removeprefix('torch.')}: {n_histories} histories x {n_futures} futures = "
              f"{len(contexts)} windows of 40 ids -> {tuple(log_probs.shape)}: {seconds:.2f} s "
              f"({1e3 * seconds / len(contexts):.2f} ms a window)")


def trigram(n_histories: int) -> None:
    try:
        lm = load_trigram()
    except ModuleNotFoundError as exc:
        print(f"trigram: not installed ({exc})")
        return
    words = [w for w in TEXT.lower().replace("?", " ").replace(".", " ").replace(",", " ").split() if w in lm.index]
    histories = [tuple(words[k % (len(words) - 1): k % (len(words) - 1) + 2]) for k in range(n_histories)]
    start = time.perf_counter()
    log_probs = lm.next_word_log_probs(histories)
    seconds = time.perf_counter() - start
    print(f"trigram: {n_histories} histories -> {log_probs.shape}: {seconds:.2f} s "
          f"({1e3 * seconds / n_histories:.1f} ms a history)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=200, help="|H| (default 200)")
    parser.add_argument("--futures", type=int, default=50, help="|F| for the char LSTM (default 50)")
    args = parser.parse_args()
    pin_one_thread()
    char_lstm(args.histories, args.futures)
    trigram(args.histories)
