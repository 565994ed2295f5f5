"""The window's layout with real data on small screens: a 200-character title and an Arabic freelancer name at
1024×600 and at scale 2 on a 1366×768 screen (683×384 logical); long text elided with the whole in a tooltip; the
subtitle in the app's direction; the contracts table never below five rows; size and splitter kept in settings.

The offscreen platform reads its screen size (QT_QPA_PLATFORM=offscreen:configfile=…) and QT_SCALE_FACTOR once,
when the QApplication starts, and a test process has one QApplication: each screen is measured by
tests/desktop/window/layout_probe.py in a process of its own, which prints its measurements as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from desktop.window.contracts_model import COLUMN_KEYS
from desktop.window.main_window import MIN_ROWS, MainWindow
from models import ops
from tests.desktop.conftest import NOW, TODAY
from tests.desktop.window.layout_probe import ARABIC_NAME, LONG_TITLE, TABS, ink_left

ROOT = Path(__file__).resolve().parents[3]


def probe(tmp_path: Path, width: int, height: int, scale: int) -> dict:
    """The layout measured by layout_probe.py on a screen of width×height pixels at QT_SCALE_FACTOR=scale."""
    config = tmp_path / f"screens-{width}x{height}.json"
    screen = {"name": "s", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "logicalBaseDpi": 96}
    config.write_text(json.dumps({"screens": [{**screen, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": str(scale)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "tests.desktop.window.layout_probe", "--settings", str(tmp_path / "probe.ini")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def fits(measured: dict) -> bool:
    sx, sy, sw, sh = measured["screen"]
    x, y, w, h = measured["frame"]
    return sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh


@pytest.mark.parametrize(("width", "height", "scale"), [(1024, 600, 1), (1366, 768, 2)], ids=["1024x600", "scale2"])
def test_layout_fits_small_screens_with_a_long_title_and_an_arabic_name(tmp_path, width, height, scale):
    out = probe(tmp_path, width, height, scale)
    logical = [0, 0, width // scale, height // scale]
    assert out["opened"]["screen"] == logical
    minimum = out["opened"]["minimum"]
    assert minimum[0] <= min(1024, logical[2]) and minimum[1] <= min(600, logical[3])
    for where, measured in [("opened", out["opened"]), *out["tabs"].items(), ("attention", out["attention"])]:
        assert fits(measured), (where, measured)  # never wider or taller than the screen, title or no title
        assert measured["minimum"][0] <= logical[2], where
        assert measured["rows"] >= MIN_ROWS, (where, measured)  # each tab opened, and the attention panel
    assert list(out["tabs"]) == list(TABS)
    assert out["title"]["text"] == LONG_TITLE and out["title"]["tooltip"] == LONG_TITLE  # elided, whole in its tip
    assert out["subtitle"]["text"].startswith(f"\u2068{ARABIC_NAME}\u2069")
    assert out["subtitle"]["direction"] == "ltr" and out["subtitle"]["ink_left"] < 12  # starts at the left
    assert out["saved"] == {"window/geometry": True, "window/splitter": True}


@pytest.fixture
def layla(window, filled):
    """The window showing a contract with a 200-character title, for a freelancer with an Arabic name."""
    f = ops.create_freelancer(ARABIC_NAME)
    c = ops.create_contract(LONG_TITLE, f, external_id="UP-1", started_on=filled["logo"].started_on, today=TODAY)
    window.refresh_all()
    window.select_contract(c.id)
    return c


def test_layout_long_title_is_elided_with_the_whole_in_its_tooltip(window, layla, qtbot):
    window.resize(900, 600)
    title = window.page.title
    qtbot.waitUntil(lambda: title.width() < title.sizeHint().width())
    assert title.text() == LONG_TITLE and title.toolTip() == LONG_TITLE
    assert title.is_elided() and title.shown_lines()[0].endswith("…")
    assert title.minimumSizeHint().width() < 100 and window.minimumSizeHint().width() <= 1024
    window.select_contract(window.model.rows[0].id)  # a short title: whole, and no tooltip
    qtbot.waitUntil(lambda: title.text() != LONG_TITLE)
    assert not title.is_elided() and title.toolTip() == ""


def test_layout_subtitle_keeps_the_apps_direction_with_an_arabic_name(window, layla, qtbot):
    subtitle = window.page.subtitle
    assert subtitle.text().startswith(f"\u2068{ARABIC_NAME}\u2069")  # the name isolated from the rest
    assert subtitle.layoutDirection() == QApplication.layoutDirection()
    wide = subtitle.width()
    assert wide > subtitle.fontMetrics().horizontalAdvance(subtitle.lines()[0]) + 50  # room: alignment shows
    assert ink_left(subtitle) < 12  # the line starts at the left edge, as the app's direction says


def test_layout_table_keeps_five_rows_with_every_tab_and_the_attention_panel(window, layla, qtbot):
    window.resize(1024, 600)
    page = window.page
    for attr in TABS:
        page.tabs.setCurrentWidget(getattr(page, attr))
        qtbot.wait(20)
        assert window.table.viewport().height() >= MIN_ROWS * window.table.rowHeight(0), attr
    window.attention_dock.toggleViewAction().trigger()
    qtbot.waitUntil(window.attention_dock.isVisible)
    assert window.table.viewport().height() >= MIN_ROWS * window.table.rowHeight(0)


def test_layout_geometry_and_splitter_are_restored_from_settings(window, book, settings, qtbot):
    window.resize(720, 520)
    window.splitter.setSizes([320, 200])
    qtbot.wait(20)
    sizes = window.splitter.sizes()
    window.save_settings()
    again = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == (720, 520)
    assert again.splitter.sizes() == sizes


def test_layout_first_start_fits_the_screen(book, filled, settings, qtbot):
    w = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)  # no saved geometry
    qtbot.addWidget(w)
    screen = w.screen().availableGeometry()
    assert screen.contains(w.geometry())
    assert w.width() <= 1280 and w.height() <= 800


def test_layout_money_and_date_columns_fit_a_larger_font(book, filled, settings, qtbot):
    app = QApplication.instance()
    before = app.font()
    big = QFont(before)
    big.setPointSizeF(before.pointSizeF() * 1.6)
    app.setFont(big)
    try:
        w = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
        qtbot.addWidget(w)
        metrics = w.table.fontMetrics()
        model = w.table.model()
        columns = [COLUMN_KEYS.index(k) for k in ("budget", "escrow", "paid", "refunded", "started", "ended")]
        shown = [(col, model.data(model.index(row, col))) for row in range(model.rowCount()) for col in columns]
        assert any(text and text[0].isdigit() for _, text in shown)  # amounts and dates are shown
        for col, text in shown:  # each whole in its column, in the larger font
            assert w.table.columnWidth(col) > metrics.horizontalAdvance(text or ""), (COLUMN_KEYS[col], text)
    finally:
        app.setFont(before)


def test_layout_milestone_buttons_wrap_in_a_narrow_window(window, layla, qtbot):
    tab = window.page.milestones
    assert tab.minimumSizeHint().width() < 400  # ten buttons do not set the page's width
    window.resize(640, 560)
    qtbot.waitUntil(lambda: window.page_area.viewport().width() < 640)
    shown = [b for b in (tab.add_button, tab.release_button, tab.submit_button) if b.isVisible()]
    rows = {b.y() for b in shown}
    assert len(rows) > 1  # on two lines
    assert all(b.geometry().right() <= tab.width() for b in shown)  # none cut off at the right
