"""The README's examples run: the worked training claim (its experiment block and its claim block, as a newcomer would
copy them), and a claim about your own model in another project, where this package keeps to itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

from toy_claims.harness.claims import ClaimContext, run_claim
from toy_claims.harness.registry import get_claim

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(marker: str) -> str:
    match = re.search(rf"<!-- example: {marker} -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert match, f"README has no '{marker}' example block"
    return match.group(1)


def test_the_readme_training_claim_measures_from_its_experiment(monkeypatch):
    module = types.ModuleType("experiments_readme_fit")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look their module up
    exec(compile(_block("experiment"), "README:experiment", "exec"), module.__dict__)
    exec(compile(_block("claim"), "README:claim", "exec"), module.__dict__)
    record = run_claim(get_claim("example.adam-fits-zipf"), ClaimContext())
    assert record["error"] is None, record["error"]
    assert record["verdict"] == record["expected"] == "reproduced" and record["controls"][0]["calibrated"]
    assert len(record["measured"]["final_gap_nats"]) == module.CONFIGS["ci"].n_seeds
    assert record["setup"] == {**module.setup(module.CONFIGS["ci"]), "judged": "every seed's final gap"}
    [ids] = [m.kwargs["ids"] for m in module.test_adam_fits_zipf.pytestmark if m.name == "parametrize"]
    assert ids == ["example.adam-fits-zipf@example-fit"]  # the experiment's name is the claim's group
    again = run_claim(get_claim("example.adam-fits-zipf"), ClaimContext())
    assert module.run.cache_info().currsize == 1 and again["measured"] == record["measured"]  # one run per offset


FOREIGN_PROBE = '''
import os
import sys

from models import X


def test_its_own_models_package_and_no_plugin_of_ours():
    assert X == 1
    assert not any(name.startswith("toy_claims") for name in sys.modules)
    assert "OMP_NUM_THREADS" not in os.environ  # nobody pinned this project's threads
'''


def _run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in ``project`` as its own user would run it: none of this process's path or thread settings."""
    unset = ("PYTHONPATH", "PYTEST_ADDOPTS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=300)


def test_another_project_keeps_its_own_models_package_and_claims_json_and_never_loads_the_plugin(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("X = 1\n")
    (tmp_path / "CLAIMS.json").write_text("{}\n")  # not ours: must be left alone, and must not stop pytest
    (tmp_path / "test_probe.py").write_text(FOREIGN_PROBE)
    result = _run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "CLAIMS.json").read_text() == "{}\n" and not (tmp_path / "CLAIMS.md").exists()
    assert "--claims-report" not in _run_pytest(tmp_path, "--help").stdout


def test_the_readme_claim_about_your_own_model_runs_in_another_project(tmp_path):
    (tmp_path / "conftest.py").write_text(_block("own-conftest"))
    (tmp_path / "models.py").write_text(_block("own-model"))
    (tmp_path / "test_my_claims.py").write_text(_block("own-claim"))
    result = _run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    row = json.loads((tmp_path / "CLAIMS.json").read_text())["claims"][0]
    assert row["id"] == "mine.descent-converges" and row["verdict"] == "reproduced" and row["controls"][0]["calibrated"]
