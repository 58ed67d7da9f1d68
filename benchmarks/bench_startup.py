"""What installing this package costs another project: pytest's start-up there, with and without asking for the plugin.

Prints the median wall time of `pytest --version` and of a one-test run in a throwaway project that has its own
`models` package and CLAIMS.json, (a) as it is (the plugin is not loaded: it has no pytest11 entry point) and
(b) with `pytest_plugins = ["toy_claims.harness.plugin"]` in its conftest.py, what a project that writes claims
pays. Run with the interpreter of the virtual environment the package is installed in.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7


def _median_seconds(cmd: list[str], cwd: Path) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="foreign-") as tmp:
        project = Path(tmp)
        (project / "models").mkdir()
        (project / "models" / "__init__.py").write_text("X = 1\n")
        (project / "CLAIMS.json").write_text("{}\n")
        (project / "test_one.py").write_text("from models import X\n\n\ndef test_x():\n    assert X == 1\n")
        pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
        rows = [("pytest --version", _median_seconds([*pytest, "--version"], project)),
                ("one test, plugin not asked for", _median_seconds(pytest, project))]
        (project / "conftest.py").write_text('pytest_plugins = ["toy_claims.harness.plugin"]\n')
        (project / "CLAIMS.json").unlink()  # a project that asks for the plugin gets its report at its root
        rows.append(("one test, plugin asked for in conftest.py", _median_seconds(pytest, project)))
    print(f"pytest start-up in another project (median of {RUNS} runs)")
    for name, seconds in rows:
        print(f"  {name:<45} {seconds * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
