"""What the statement tests share: a demo book's own statement written and altered as the tests need, and
reading it in through File → Reconcile Statement… as a user does (the file chosen, the menu item)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from models.statement_writer import write_statement

DEMO_TODAY = date(2026, 11, 26)  # the demo book is generated up to this day, and the window's clock says it


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def statement(path: Path, edit=None) -> Path:
    """The open book's statement (the 2025 export) at `path`; `edit(rows)` changes its rows (header first)."""
    write_statement(path)
    if edit is not None:
        rows = read_rows(path)
        edit(rows)
        write_rows(path, rows)
    return path


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def cent_more(rows, n: int) -> None:
    """Row `n` (1: the first after the header) one cent more on the statement."""
    at = column(rows, "Amount $")
    rows[n][at] = f"{float(rows[n][at]) - 0.01:.2f}"  # (money out is negative: one cent more out)


def days_later(rows, n: int, days: int) -> None:
    at = column(rows, "Date")
    rows[n][at] = (date.fromisoformat(rows[n][at]) + timedelta(days=days)).isoformat()


def reconcile(window, path: Path):
    """File → Reconcile Statement… with `path` chosen in the file dialog: the dialog that opens (the
    reconciliation, or the mapping step), or None."""
    window.reconcile_dialog = window.mapping_dialog = None
    window.choose_statement_file = lambda: str(path)
    window.act_reconcile.trigger()
    return window.reconcile_dialog or window.mapping_dialog


def statuses(view) -> list[str]:
    """The status column of every row the view's table has read, as the user reads it."""
    model = view.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def select(view, predicate) -> list[int]:
    """Select (as a user would, rows whole) the rows whose models.reconcile.Row fits `predicate`."""
    from PySide6.QtCore import QItemSelectionModel

    view.table.clearSelection()
    picked = [i for i, r in enumerate(view.model.rows) if predicate(r)]
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for i in picked:
        view.table.selectionModel().select(view.model.index(i, 0), flags)
    return picked


# A statement whose header row no format knows: the 2025 export's rows as another tool would export them (its
# own headers, fewer columns, one description joining the summary and its details).
CUSTOM = ["Posted on", "Txn No", "Category", "Narrative", "Payee", "Value", "Cur", "Running balance"]


def custom_export(source: Path, target: Path) -> Path:
    rows = read_rows(source)
    at = {name: column(rows, name) for name in rows[0]}
    out = [CUSTOM]
    for r in rows[1:]:
        narrative = f"{r[at['Transaction Summary']]} - {r[at['Transaction Summary Details']]}"
        out.append([r[at["Date"]], r[at["Transaction ID"]], r[at["Transaction Type"]], narrative,
                    r[at["Freelancer"]], r[at["Amount $"]], r[at["Currency"]], r[at["Current Balance $"]]])  # fmt: skip
    return write_rows(target, out)
