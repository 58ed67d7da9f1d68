"""Hypothesis profiles for the fast test suite (the built-in `ci` profile applies when CI is set), and one thread per
process, as the claims run has (bitwise comparisons; no oversubscription under -n auto)."""

import os

from hypothesis import settings

from toy_claims.lab.runtime import pin_one_thread

pin_one_thread()

settings.register_profile("dev", max_examples=40, deadline=None)
if not os.environ.get("CI"):
    settings.load_profile("dev")
