"""What the reliability tests measured, for the terminal summary (see conftest.py in this folder)."""

from __future__ import annotations

# Filled in by test_crash.py; printed by pytest_terminal_summary even without -s.
CRASH: dict[str, object] = {}
# Filled in by conftest.pytest_runtest_logreport from the rows of test_bad_input.py.
BAD_INPUT = {"bad_tried": 0, "bad_passed": 0, "good_tried": 0, "good_passed": 0}
# Filled in by test_csv_fuzz.py: mutated CSV exports imported whole (and checked clean) or refused by file and row.
CSV_FUZZ: dict[str, float] = {"imported": 0, "refused": 0, "seconds": 0.0, "max_examples": 0}
# Filled in by conftest.pytest_runtest_logreport: the tests of issue 16, one or more per failure it reported
# (untrusted books and the files beside them, CSV imports, exports and copies, command boundaries).
UNTRUSTED: dict[str, int] = {"tried": 0, "passed": 0}
