"""The README's worked training claim runs: its experiment block and its claim block, as a newcomer would copy them."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from harness.claims import ClaimContext, run_claim
from harness.registry import get_claim

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
    assert module.run.cache_info().currsize == 1  # memoised: a second claim of the group would not train again
