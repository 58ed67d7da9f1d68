"""The claims harness: claim registry and verdicts, training engine, metrics, pytest plugin, report."""
