"""Issue 9, reliability: the figures of the crash test and the bad-input catalogue, printed at the end of
every run that includes them (in the terminal summary, so they show without -s)."""

from __future__ import annotations

import subprocess

import pytest

from .figures import BAD_INPUT, CRASH, CSV_FUZZ, UNTRUSTED

BAD_INPUT_FILE = "tests/reliability/test_bad_input.py"
UNTRUSTED_FILES = tuple(
    f"tests/reliability/{name}.py"
    for name in ("test_untrusted_books", "test_untrusted_csv", "test_files", "test_boundaries")
)


def pytest_runtest_logreport(report):
    """Count each row of the bad-input catalogue that ran, and each that passed (refused as it should); the
    right-to-left and emoji rows apart, as they are good input, to be accepted."""
    if report.when == "call" and report.nodeid.startswith(BAD_INPUT_FILE):
        kind = "good" if "right_to_left" in report.nodeid else "bad"
        BAD_INPUT[f"{kind}_tried"] += 1
        BAD_INPUT[f"{kind}_passed"] += int(report.passed)
    if report.when == "call" and report.nodeid.startswith(UNTRUSTED_FILES):
        UNTRUSTED["tried"] += 1
        UNTRUSTED["passed"] += int(report.passed)


def pytest_terminal_summary(terminalreporter):
    fuzzed = CSV_FUZZ["imported"] + CSV_FUZZ["refused"]
    if not CRASH and not BAD_INPUT["bad_tried"] + BAD_INPUT["good_tried"] and not fuzzed and not UNTRUSTED["tried"]:
        return
    tr = terminalreporter
    tr.section("reliability (issues 9 and 16)")
    if UNTRUSTED["tried"]:
        tr.write_line(
            f"untrusted books, files beside them, CSV imports, exports and commands tried: {UNTRUSTED['tried']}, "
            f"refused in words or kept whole, files left as they were: {UNTRUSTED['passed']}"
        )
    if fuzzed:
        f = CSV_FUZZ
        tr.write_line(
            f"CSV import fuzz (max_examples {f['max_examples']:,}): {fuzzed:,} mutated exports tried, "
            f"{f['imported']:,} imported whole and checked clean, {f['refused']:,} refused by file and row with "
            f"the book unchanged, in {f['seconds']:.1f} s"
        )
    c = CRASH
    if "seed" in c:
        tr.write_line(
            f"crash safety (seed {c['seed']}): {c['kills']} SIGKILLs survived of {c['planned']} planned "
            f"({c['inside']} inside an operation, {c['between']} between operations, {c['opening']} while "
            f"opening the book), books found damaged: {c['damaged']}, operations half-applied: "
            f"{c['half_applied']}, reports lost then found whole: {c['lost_reports']}; "
            f"{c['steps']:,} operations committed on one growing book in {c['seconds']:.1f} s"
        )
    if "creation_kills" in c:
        tr.write_line(
            f"book creation: {c['creation_kills']} SIGKILLs while a new book was being created "
            f"({c['creation_made']} left a whole empty book, the others no file), books left that could not "
            f"be opened: {c['creation_damaged']}"
        )
    if BAD_INPUT["bad_tried"] + BAD_INPUT["good_tried"]:
        b = BAD_INPUT
        tr.write_line(
            f"bad inputs tried: {b['bad_tried']}, refused with their message and the book unchanged: "
            f"{b['bad_passed']}; right-to-left, emoji and markup text tried: {b['good_tried']}, accepted, stored "
            f"and shown exactly: {b['good_passed']}"
        )


@pytest.fixture(autouse=True)
def _prompts_guarded(no_modal_prompts):
    """No test here waits forever on a modal confirmation nobody answers (tests/conftest.py)."""


@pytest.fixture
def tmpfs(tmp_path):
    """`tmpfs(size="4m", read_only=False, required=True)`: a file system of its own, in memory, mounted under the
    test's folder (a small disk to fill, a read-only disk), unmounted after the test. These tests run as root,
    in CI too: where mounting is impossible a required one fails the test; one that is not required is None
    (the caller then has a way of its own)."""
    mounts = []

    def mount(size: str = "4m", *, read_only: bool = False, required: bool = True):
        folder = tmp_path / f"tmpfs-{len(mounts)}"
        folder.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
        if done.returncode != 0:
            if required:
                pytest.fail(f"a tmpfs could not be mounted (these tests run as root): {done.stderr.decode().strip()}")
            return None
        mounts.append(folder)
        return folder

    yield mount
    for folder in mounts:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.fixture
def small_disk(tmpfs):
    """A 4 MiB disk of its own to fill."""
    return tmpfs("4m")
