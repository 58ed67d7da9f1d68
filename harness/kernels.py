"""Other CPUs on this machine: the kernel sets that make the same code compute the way another CPU does.

Another CPU changes a measurement's last bits because torch dispatches its kernels by instruction set (AVX-512,
AVX2, SSE), MKL and oneDNN pick theirs, numpy picks its SIMD loops and OpenBLAS its core type. Each can be capped
by an environment variable read when the library loads, so one machine can emulate another: on an AVX-512 machine,
the ``x86-64-v3`` set reproduced an AVX2 machine's CLAIMS.json bit for bit.

``--claims-update`` measures every accepted claim again under each set (``measure``) and stores, per quantity, the
largest move as the row's ``kernel_noise`` (``harness.drift.kernel_noise``), which the drift rule allows ten times.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_SETS", "HELD_OUT", "kernel_env", "measure"]

# name -> the variables to set: torch's ATEN capability, MKL's and oneDNN's instruction-set caps, the OpenBLAS core
# type (None: keep the detected one), and "numpy_off", the numpy SIMD targets to switch off
KERNEL_SETS: dict[str, dict[str, Any]] = {
    "x86-64-v3": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                  "numpy_off": ("X86_V4", "AVX512_ICL", "AVX512_SPR"), "OPENBLAS_CORETYPE": None},
    "x86-64-v2": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41",
                  "numpy_off": ("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR"), "OPENBLAS_CORETYPE": "Nehalem"},
}
# Used by CI only, never for calibration: the rule is checked on kernels the noise was not measured on.
HELD_OUT = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX", "ONEDNN_MAX_CPU_ISA": "AVX2",
            "numpy_off": ("X86_V4", "AVX512_ICL", "AVX512_SPR"), "OPENBLAS_CORETYPE": "Sandybridge"}


def kernel_env(name: str) -> dict[str, str]:
    """The environment variables of kernel set ``name`` (or ``"held-out"``) on this machine. numpy targets the machine
    lacks are left alone (numpy refuses to switch off what it does not have); empty where the sets do not apply
    (not x86-64)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return {}
    spec = HELD_OUT if name == "held-out" else KERNEL_SETS[name]
    env = {k: v for k, v in spec.items() if k.isupper() and v is not None}
    from numpy._core import _multiarray_umath as umath

    off = [f for f in spec["numpy_off"] if f in umath.__cpu_dispatch__ and umath.__cpu_features__.get(f)]
    if off:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(off)
    return env


def measure(tests: list[str], options: list[str], rootdir: Path, env: dict[str, str], log) -> dict[str, dict]:
    """Run the claim ``tests`` (node ids without parameters) in a child pytest with ``options`` and extra ``env``,
    into a throwaway report; the rows it wrote, by row key. ``log`` gets the child's output."""
    from toy_claims.harness.registry import row_key
    from toy_claims.harness.report import load_report

    with tempfile.TemporaryDirectory(prefix="claims-") as tmp:
        report = Path(tmp) / "CLAIMS.md"
        cmd = [sys.executable, "-m", "pytest", *tests, "-p", "no:cacheprovider", "-q", "--claims-report", str(report),
               *options]
        subprocess.run(cmd, cwd=rootdir, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, check=False)
        doc = load_report(report.with_suffix(".json")) or {"claims": []}
    return {row_key(row): row for row in doc["claims"]}


def main(argv: list[str] | None = None) -> int:
    """``python -m toy_claims.harness.kernels NAME -- COMMAND …``: run COMMAND under kernel set NAME (or ``held-out``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m toy_claims.harness.kernels", description=main.__doc__)
    parser.add_argument("name", choices=[*KERNEL_SETS, "held-out"])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    env = kernel_env(args.name)
    print("kernel set " + args.name + ": " + (" ".join(f"{k}={v!r}" for k, v in env.items()) or "none (not x86-64)"),
          file=sys.stderr, flush=True)
    os.execvpe(command[0], command, {**os.environ, **env})


if __name__ == "__main__":
    raise SystemExit(main())
