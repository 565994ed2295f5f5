"""Long and right-to-left text on small screens (issue 19): with every contract titled in 200 characters and
every freelancer named in Arabic, no dialog is wider or taller than the screen's available area and the main
window fits it; on the offscreen platform's default screen and, in a child pytest, on a 1024×600 screen (the
smallest Escrowbook is made for; the screen size is read once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from models import ops
from models.entities import Contract, Freelancer
from tests.desktop.every_dialog import every_dialog

TITLE = (
    "Redesign of the customer onboarding flow, the billing settings and the account recovery pages, with "
    "usability tests in three markets and a hand-over of every source file, design token and written note"
)[:200]
ARABIC = "ليلى عبد الرحمن"
ROOT = Path(__file__).resolve().parents[2]


def long_names(window) -> None:
    for i, f in enumerate(Freelancer.select().order_by(Freelancer.id)):
        ops.edit_freelancer(f, f"{ARABIC} {i}", agency=f.agency, email=f.email)
    for c in Contract.select().order_by(Contract.id):
        ops.edit_contract(c, title=f"{TITLE[: 200 - len(str(c.id)) - 1]} {c.id}")
    window.refresh_all()


def test_no_dialog_is_larger_than_the_screen_with_long_titles_and_arabic_names(qtbot, demo_window, tmp_path):
    long_names(demo_window)
    assert len(Contract.get_by_id(1).title) == 200
    screen = QApplication.primaryScreen().availableGeometry()
    too_big, seen = [], []
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path):
        seen.append(name)
        size = dialog.frameGeometry()
        if not screen.contains(size):
            too_big.append((name, size.x(), size.y(), size.width(), size.height()))
    assert {"end contract", "refund", "feedback", "edit contract", "reconcile", "help"} <= set(seen)
    assert too_big == [], f"on a {screen.width()}×{screen.height()} screen: {too_big}"
    assert screen.contains(demo_window.frameGeometry())


def test_no_dialog_is_larger_than_a_1024x600_screen_with_long_titles_and_arabic_names(tmp_path):
    config = tmp_path / "screen.json"
    screen = {"name": "small", "x": 0, "y": 0, "width": 1024, "height": 600}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    name = test_no_dialog_is_larger_than_the_screen_with_long_titles_and_arabic_names.__name__
    test = f"{Path(__file__).relative_to(ROOT)}::{name}"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
