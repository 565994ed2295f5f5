"""Plain words (issue 19): no rule number ("R3", "(R12)") in anything a client sees, and Help never tells a
client to run a command. The rule numbers belong to the code (comments, docstrings, `RuleError.rule`) and
to the tests, never to a window, a dialog, a tooltip, a menu, a table, a PDF summary or a help page.

The window on the demo book is walked as a client would see it: each contract page tab of contracts of every
kind, the main dialogs (release wizard, end contract, refund, feedback, export, help, reconciliation), every
widget's texts, tooltips, status tips and accessible names, the menus' actions and the tables' cells."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QWidget,
    QWizard,
)

from desktop.summary_pdf import export_summaries
from models.entities import Contract
from models.resources import resource
from tests.desktop.every_dialog import contract_kinds, each_contract_tab, every_dialog
from tests.desktop.statements import DEMO_TODAY

RULE_NUMBER = re.compile(r"\bR\d{1,2}\b")
COMMAND = re.compile(r"\bescrowbook\s+[a-z-]+|\bterminal\b|\bcommand line\b")  # the program, lower case
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.StatusTipRole,
         Qt.ItemDataRole.AccessibleTextRole)  # fmt: skip
NOON = datetime.combine(DEMO_TODAY, time(12, 0), tzinfo=UTC)


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    """The columns under `parent`; a list model (whose columnCount Qt keeps private) has one, and no children."""
    try:
        return model.columnCount(parent)
    except TypeError:
        return 0 if parent.isValid() else 1


def _model_texts(model: QAbstractItemModel, rows: int = 300) -> list[str]:
    """The cells (and header) a table or tree shows: display text, tooltip, status tip, accessible text."""
    out = []
    columns = _columns(model, QModelIndex())
    for c in range(columns):
        for orientation in (Qt.Orientation.Horizontal,):
            for role in ROLES:
                out.append(model.headerData(c, orientation, role))

    def walk(parent, depth: int) -> None:
        for r in range(min(model.rowCount(parent), rows)):
            for c in range(_columns(model, parent)):
                index = model.index(r, c, parent)
                out.extend(index.data(role) for role in ROLES)
            first = model.index(r, 0, parent)
            if depth < 3 and _columns(model, first) and model.rowCount(first) > 0:
                walk(first, depth + 1)

    walk(QModelIndex(), 0)
    return [t for t in out if isinstance(t, str)]


def _action_texts(actions) -> list[str]:
    out = []
    for a in actions:
        out += [a.text(), a.toolTip(), a.statusTip(), a.whatsThis(), a.iconText()]
        menu = a.menu()
        if isinstance(menu, QMenu):
            out += [menu.title(), *_action_texts(menu.actions())]
    return out


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """Every text `root` and its children show or speak, with the object name it came from."""
    found: list[tuple[str, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        name = w.objectName() or type(w).__name__
        texts = [w.toolTip(), w.statusTip(), w.whatsThis(), w.windowTitle(), w.accessibleName(),
                 w.accessibleDescription()]  # fmt: skip
        for attr in ("text", "title", "placeholderText", "subTitle", "labelText", "currentText", "prefix", "suffix"):
            get = getattr(w, attr, None)
            if callable(get):
                try:
                    value = get()
                except TypeError:  # a method of that name that needs an argument
                    continue
                if isinstance(value, str):
                    texts.append(value)
        if isinstance(w, (QTextEdit, QPlainTextEdit)):
            texts.append(w.toPlainText())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            texts += _model_texts(w.model())
        if hasattr(w, "count") and hasattr(w, "tabText"):  # tab widgets and tab bars
            texts += [w.tabText(i) for i in range(w.count())] + [w.tabToolTip(i) for i in range(w.count())]
        if hasattr(w, "itemText") and hasattr(w, "count"):  # combo boxes
            texts += [w.itemText(i) for i in range(w.count())]
        texts += _action_texts(QWidget.actions(w))
        found += [(name, t) for t in texts if t]
    return found


def rule_numbers(root: QWidget) -> list[tuple[str, str]]:
    return [(name, text) for name, text in visible_texts(root) if RULE_NUMBER.search(text)]


def test_the_walk_finds_a_rule_number_where_there_is_one(demo_window):
    """The walk reaches tooltips, menus and cells: a rule number put in any of them is found."""
    assert rule_numbers(demo_window) == []
    demo_window.page.setToolTip("Refunds follow R9.")
    demo_window.menuBar().actions()[0].menu().actions()[0].setStatusTip("See (R12)")
    cells = QTableWidget(1, 1, demo_window.page)
    cells.setItem(0, 0, QTableWidgetItem("Paid"))
    cells.item(0, 0).setToolTip("Refundable (R9)")
    found = {text for _, text in rule_numbers(demo_window)}
    assert found == {"Refunds follow R9.", "See (R12)", "Refundable (R9)"}


def test_no_rule_number_in_the_window_nor_on_any_contract_tab(demo_window):
    window = demo_window
    assert rule_numbers(window) == []
    for c, tab in each_contract_tab(window):
        assert window.page.contract.id == c.id
        assert rule_numbers(window) == [], (c.title, tab)


def test_no_rule_number_in_any_dialog(qtbot, demo_window, tmp_path):
    """Every dialog of desktop/dialogs/ as it opens (the release wizard's pages all at once), and help's pages."""
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path, wizard_pages=False):
        if isinstance(dialog, QWizard):
            for i in dialog.pageIds():
                assert rule_numbers(dialog.page(i)) == [], (name, dialog.page(i).title())
        assert rule_numbers(dialog) == [], name
        if name == "help":
            dialog.browser.setSource(dialog.browser.source().resolved("ending.html"))
            assert rule_numbers(dialog) == [], "help: ending"


def test_no_rule_number_in_the_summary_of_a_contract_of_each_kind(demo, tmp_path):
    kinds = contract_kinds()
    assert {c.status for c in kinds} == {Contract.ACTIVE, Contract.ENDED}
    out = tmp_path / "summaries.pdf"
    assert export_summaries([c.id for c in kinds], out, book_name="demo.book", combined=True, now=NOON,
                            include_private=True) == [out]  # fmt: skip
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    read = " ".join(text.split())
    assert all(c.title in read for c in kinds)  # the text was read, every summary in it
    assert RULE_NUMBER.findall(text) == []


@pytest.mark.parametrize("page", sorted(p.name for p in Path(resource("help")).glob("*.html")))
def test_help_names_no_rule_and_no_command(page):
    html = Path(resource("help", page)).read_text(encoding="utf-8")
    assert RULE_NUMBER.findall(html) == []
    assert COMMAND.findall(html) == []  # what to do in the app, never a command to type
