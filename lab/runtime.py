"""One thread per process, for every entry point (the plugin, tests, benchmarks).

CPU training repeats bitwise only at a fixed thread count, and one thread per
xdist worker avoids oversubscribing the cores: torch's and numpy's BLAS alike (a
multithreaded 100×100 SVD on a busy 2-core machine is 300× slower).

Pinning does not import torch: the thread variables are set before it loads (a
test run that trains nothing never pays for importing it), and a torch that is
already loaded is pinned directly.
"""

from __future__ import annotations

import os
import sys

__all__ = ["THREADS", "pin_one_thread"]

THREADS = 1
_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_blas_pinned = False


def pin_one_thread() -> None:
    """Pin torch and every BLAS to one thread for the rest of the process (loaded now or later).

    Cheap to call again: the variables and the loaded BLAS are pinned once; a torch loaded since is pinned then.
    """
    global _blas_pinned
    if not _blas_pinned:
        from threadpoolctl import threadpool_limits

        for name in _VARIABLES:
            os.environ[name] = str(THREADS)
        threadpool_limits(limits=THREADS)  # BLAS libraries already loaded (numpy's); later ones read the variables
        _blas_pinned = True
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != THREADS:
        torch.set_num_threads(THREADS)
