"""The desktop tests' shared book and window: three contracts, and the main window on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from desktop.window.main_window import MainWindow
from models import ops

TODAY = date(2026, 3, 10)
NOW = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)  # the window's clock for feedback: noon UTC of TODAY


def two_contracts() -> None:
    """In the open book: Ana Ruiz's two contracts, "Logo redesign" with a milestone in escrow and "Annual report"."""
    ana = ops.create_freelancer("Ana Ruiz")
    logo = ops.create_contract("Logo redesign", ana, started_on=date(2026, 3, 1), today=TODAY)
    ops.fund_milestone(ops.add_milestone(logo, "Sketches", 30_000), today=date(2026, 3, 2))
    ops.create_contract("Annual report", ana, started_on=date(2026, 2, 1), today=TODAY)


def titles(window) -> list[str]:
    """The titles of the contracts the window's table has, in its order."""
    return [r.title for r in window.model.rows]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def filled(book):
    """Three contracts: two active (USD, EUR), one ended with its closeout open."""
    ana = ops.create_freelancer("Ana Ruiz")
    bo = ops.create_freelancer("Bo Lindqvist")
    logo = ops.create_contract("Logo redesign", ana, started_on=date(2026, 3, 1), today=TODAY)
    m = ops.add_milestone(logo, "Sketches", 30_000)
    ops.fund_milestone(m, today=date(2026, 3, 2))
    site = ops.create_contract("Website", bo, currency="EUR", external_id="UP-555", started_on=date(2026, 3, 1),
                               today=TODAY)  # fmt: skip
    w = ops.add_milestone(site, "Pages", 80_000)
    ops.fund_milestone(w, today=date(2026, 3, 2))
    ops.release_payment(w, today=date(2026, 3, 5))
    old = ops.create_contract("Annual report", ana, started_on=date(2026, 2, 1), today=TODAY)
    ops.end_contract(old, agreed=True, today=date(2026, 3, 3))
    return {"logo": logo, "site": site, "old": old}


@pytest.fixture
def window(qtbot, book, filled, settings, prompts):
    w = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
    qtbot.addWidget(w)
    w.warnings = prompts.warnings  # every warning, the window's and its page's (confirmations say yes)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.status_attention.text() != "")  # filled in once the book is on screen
    return w


@pytest.fixture
def demo(tmp_path):
    """A demo book of 60 contracts (seed 1) up to 26 Nov 2026, open (models.demo)."""
    from models.book import open_book
    from models.demo import generate
    from tests.desktop.statements import DEMO_TODAY

    path = tmp_path / "demo.book"
    generate(path, 60, seed=1, today=DEMO_TODAY)
    b = open_book(path, create=False)
    yield b
    b.close()


@pytest.fixture
def demo_window(qtbot, demo, settings, prompts):
    """The main window on the demo book, its clock on the demo's last day."""
    from tests.desktop.statements import DEMO_TODAY

    noon = datetime.combine(DEMO_TODAY, time(12, 0), tzinfo=UTC)
    w = MainWindow(demo, today=DEMO_TODAY, now=lambda: noon, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.status_attention.text() != "")
    return w


@pytest.fixture
def show(qtbot):
    """Open a dialog the way the app does (open(), never a blocking exec())."""

    def opened(dialog: QDialog) -> QDialog:
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    return opened


@pytest.fixture(autouse=True)
def statement_formats(tmp_path, monkeypatch):
    """The client's own statement formats (the mapping step saves them there): the test's own folder."""
    folder = tmp_path / "statement-formats"
    monkeypatch.setenv("ESCROWBOOK_STATEMENT_FORMATS", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _prompts_guarded(no_modal_prompts):
    """No test here waits forever on a modal confirmation nobody answers (tests/conftest.py)."""
