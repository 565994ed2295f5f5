"""Small read-only tables (the contract page's tabs): rows selected whole, amounts right-aligned."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
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


class _OneLine(QStyledItemDelegate):
    """Cells on one line, cut with "…" when the column is narrower (never wrapped into a row too low for two)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        option.textElideMode = Qt.TextElideMode.ElideRight


def person_column(t: QTableWidget, col: int) -> None:
    """Column `col` of `t` names people (who recorded each row, in a shared book): each name on one line, cut with
    "…" where the column is narrower; the whole name is in the cell's tooltip (`person_cell`)."""
    t.setItemDelegateForColumn(col, _OneLine(t))


def person_cell(name: str) -> QTableWidgetItem:
    """A cell naming a person (see `person_column`): the whole name in its tooltip too."""
    cell = item(name)
    if name:
        cell.setToolTip(name)
    return cell
