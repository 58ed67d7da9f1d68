"""Hypothesis profiles for the fast test suite (the built-in `ci` profile applies when CI is set)."""

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=40, deadline=None)
if not os.environ.get("CI"):
    settings.load_profile("dev")
