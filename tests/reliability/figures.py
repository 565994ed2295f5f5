"""What the reliability tests measured, for the terminal summary (see conftest.py in this folder)."""

from __future__ import annotations

# Filled in by test_crash.py; printed by pytest_terminal_summary even without -s.
CRASH: dict[str, object] = {}
# Filled in by conftest.pytest_runtest_logreport from the rows of test_bad_input.py.
BAD_INPUT = {"bad_tried": 0, "bad_passed": 0, "good_tried": 0, "good_passed": 0}
