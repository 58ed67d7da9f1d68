"""One thread per process, for every entry point (the plugin, tests, benchmarks).

CPU training repeats bitwise only at a fixed thread count, and one thread per
xdist worker avoids oversubscribing the cores: torch's and numpy's BLAS alike (a
multithreaded 100×100 SVD on a busy 2-core machine is 300× slower).
"""

from __future__ import annotations

__all__ = ["pin_one_thread"]


def pin_one_thread() -> None:
    """Pin torch and every BLAS numpy loaded (threadpoolctl) to one thread, for the rest of the process."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
