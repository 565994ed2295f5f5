"""R15 Dormancy in the window: a contract under the second marketplace version with nothing recorded for 90
days says so in the contracts table (status and next deadline) and in "needs attention", with the day it
became dormant; the day before, it does not."""

from __future__ import annotations

import os
from datetime import date

import pytest
from PySide6.QtWidgets import QApplication

from desktop.window.contracts_model import COLUMN_KEYS
from desktop.window.main_window import MainWindow
from models import ops

V2_START = date(2026, 12, 1)
LAST = date(2027, 3, 1)  # the last record: dormant on 30 May 2027
SHOTS = "/tmp/shots-v2-r15"


@pytest.fixture
def dormant_book(book):
    ana = ops.create_freelancer("Ana Ruiz")
    old = ops.create_contract("Logo redesign", ana, started_on=date(2026, 3, 1), today=date(2026, 3, 1))  # v1
    ops.fund_milestone(ops.add_milestone(old, "Sketches", 30_000), today=date(2026, 3, 2))
    brand = ops.create_contract("Brand book", ana, started_on=V2_START, today=V2_START)
    m = ops.add_milestone(brand, "Guidelines", 50_000)
    ops.fund_milestone(m, today=V2_START)
    ops.submit_work(m, today=date(2027, 2, 15))
    ops.release_payment(m, today=LAST)
    return {"old": old, "brand": brand}


def open_window(qtbot, book, settings, today):
    w = MainWindow(book, today=today, settings=settings)
    qtbot.addWidget(w)
    w.resize(1300, 520)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.status_attention.text() != "")
    w.attention_dock.show()
    w.attention.refresh()
    return w


def cell(w, contract_id, key):
    model = w.model
    row = model.row_of(contract_id)
    return model.data(model.index(row, COLUMN_KEYS.index(key)))


def shot(widget, name):
    os.makedirs(SHOTS, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(f"{SHOTS}/{name}.png")


def test_r15_the_table_and_attention_show_a_dormant_contract_from_day_90(qtbot, dormant_book, book, settings):
    brand, old = dormant_book["brand"], dormant_book["old"]
    w = open_window(qtbot, book, settings, date(2027, 5, 30))
    assert cell(w, brand.id, "status") == "Dormant since 30 May 2027"
    assert cell(w, brand.id, "next") == "Dormant since 30 May 2027"
    assert cell(w, old.id, "status") == "Active"  # version 1: never dormant
    assert "Dormant since 30 May 2027: nothing recorded on “Brand book” for 90 days" in w.attention.lines()
    assert not any("Logo redesign" in line and "ormant" in line for line in w.attention.lines())
    shot(w, "dormant-window")
    shot(w.attention, "dormant-attention")


def test_r15_on_day_89_the_contract_is_not_dormant_yet(qtbot, dormant_book, book, settings):
    brand = dormant_book["brand"]
    w = open_window(qtbot, book, settings, date(2027, 5, 29))
    assert cell(w, brand.id, "status") == "Active"
    assert cell(w, brand.id, "next") == "tomorrow · Becomes dormant"
    assert not any("ormant" in line for line in w.attention.lines())


def test_r15_days_later_the_line_counts_the_days_since_the_last_record(qtbot, dormant_book, book, settings):
    w = open_window(qtbot, book, settings, date(2027, 6, 4))
    assert "Dormant since 30 May 2027: nothing recorded on “Brand book” for 95 days" in w.attention.lines()
