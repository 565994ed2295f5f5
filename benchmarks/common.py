"""What every benchmark script shares: one figure of its JSON line (DESIGN.md's format)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def figure(value: float, budget: float | None, unit: str, **extra) -> dict:
    """{"value": …, "unit": …, "budget": …, "ok": …}; without a budget, no verdict."""
    out = {"value": round(value, 3), "unit": unit, **extra}
    if budget is not None:
        out.update(budget=budget, ok=value <= budget)
    return out


def demo_book(path: Path, contracts: int) -> Path:
    """Write a demo book with `escrowbook demo`, as a user would (a separate process, from the source tree)."""
    subprocess.run(
        [sys.executable, "-m", "desktop", "demo", str(path), "--contracts", str(contracts)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return path


def given_or_demo(given: Path | None, folder: Path, contracts: int) -> Path:
    """The book given with --book, or else a demo book of `contracts` written into `folder`."""
    return given if given is not None else demo_book(folder / "big.book", contracts)
