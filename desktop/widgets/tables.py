"""Small read-only tables (the contract page's tabs): rows selected whole, amounts right-aligned."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
)

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def item(text: str, *, right: bool = False, data=None) -> QTableWidgetItem:
    """A read-only cell; `data` is kept under UserRole (the row's id), amounts are right-aligned."""
    cell = QTableWidgetItem(text)
    cell.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if right:
        cell.setTextAlignment(RIGHT)
    if data is not None:
        cell.setData(Qt.ItemDataRole.UserRole, data)
    return cell


def table(name: str, headers: list[str], right: set[int]) -> QTableWidget:
    """A read-only table of whole-row single selection; the columns in `right` hold amounts."""
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setAccessibleName(name)
    t.setHorizontalHeaderLabels(headers)
    for col in right:
        t.horizontalHeaderItem(col).setTextAlignment(RIGHT)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return t
