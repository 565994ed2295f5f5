"""The mapping step of File → Reconcile Statement…: a statement whose header row no format knows.

The client says which column holds each field (the date, amount and transaction type are needed; the
description, reference, freelancer and currency help to find each row's contract), sees the first rows'
values under each column chosen, and names the format. The description may join several columns (a summary,
its details, a milestone's name): they are ticked in a list, the headers that say "description", "summary"
or "details" ticked first. OK saves it (models.statements.save_format) into
the client's own formats folder, where the next import finds it by itself; the window then reads the
statement again with it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.fields import FieldError, action_and_cancel
from desktop.widgets.screen_fit import keep_on_screen
from models import statements as st
from models.errors import RuleError

NONE = "(none)"
DESCRIPTION = "description"  # the field read from several columns (their texts joined, in the file's order)
LIST_ROWS = 4  # the description's list shows this many headers at once (it scrolls past them)
DEFAULT_NAME = "My statement format"
PREVIEW_ROWS = 3
PREVIEW_BYTES = 256 * 1024
MNEMONICS = {"date": "&Date", "amount": "&Amount", "type": "&Transaction type", "description": "D&escription",
             "reference": "&Reference", "freelancer": "&Freelancer", "currency": "&Currency"}  # fmt: skip
# Words in a header that say which field it is, most telling first (a first guess the client can change).
GUESSES = {
    "date": ("date", "day", "when", "posted"),
    "amount": ("amount", "value", "sum", "total"),
    "type": ("type", "kind", "category"),
    "description": ("description", "summary", "details", "memo", "narrative"),
    # (the row's own number before a "Ref ID": in the 2025 export that one is the contract's reference)
    "reference": ("reference", "transaction id", "transaction number", "txn", "ref", "id"),
    "freelancer": ("freelancer", "payee", "contractor", "counterparty"),
    "currency": ("currency",),
}
NOT_GUESSED = ("balance", "local currency", "exchange")


def first_rows(path: Path, separator: str, header_row: int, n: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first `n` records after the header row (line `header_row`), for the preview: read from the file's
    first bytes only, as text whatever it holds (a preview never refuses)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(PREVIEW_BYTES)
    except OSError:
        return []
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            if reader.line_num <= header_row:
                continue
            if any(c.strip() for c in cells):
                rows.append(cells)
            if len(rows) >= n:
                break
    except csv.Error:
        pass
    return rows


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.casefold())) + " "


def _says(header: str, word: str) -> bool:
    """The header holds `word` as a whole word ("Ref ID" says "id"; "Amount paid" does not)."""
    return f" {word} " in _words(header)


def _excluded(header: str) -> bool:
    return any(x in header.casefold() for x in NOT_GUESSED)


def guess(headers: list[str]) -> dict[str, str | list[str]]:
    """A first choice of column for each field, from the headers' words (each header used once); for the
    description, every header that says one of its words, in the file's order."""
    chosen: dict[str, str | list[str]] = {}
    used: set[str] = set()
    for fld in st.FIELDS:
        if fld == DESCRIPTION:
            fits = [
                h for h in headers
                if h and h not in used and not _excluded(h) and any(_says(h, w) for w in GUESSES[fld])
            ]  # fmt: skip
            if fits:
                chosen[fld] = fits
                used.update(fits)
            continue
        for word in GUESSES[fld]:
            fits = [h for h in headers if h not in used and _says(h, word) and not _excluded(h)]
            if fits:
                exact = [h for h in fits if _words(h).strip() == word]
                chosen[fld] = (exact or fits)[0]
                used.add(chosen[fld])
                break
    return chosen


class StatementMappingDialog(QDialog):
    """Which column is which, and a name for the format; OK saves it (`self.format`)."""

    def __init__(self, parent: QWidget | None, *, path: Path, unknown: st.UnknownFormat, folder: Path):
        super().__init__(parent)
        keep_on_screen(self)  # never larger than the screen
        self.setObjectName("statementMappingDialog")
        self.setWindowTitle("Match the Statement's Columns")
        self.setAccessibleName("Match the statement's columns")
        self.path = Path(path)
        self.folder = folder
        self.headers = [h for h in unknown.headers]
        self.format: st.Format | None = None
        self.rows = first_rows(self.path, unknown.separator, unknown.header_row)

        heading = QLabel(f"Escrowbook does not know the columns of “{self.path.name}” yet.")
        heading.setObjectName("mappingHeading")
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Say which column holds each of these once: the format is saved under its name, and the next "
            "statement with these columns is read by itself. Date, amount and transaction type are needed; the "
            "others help to find each row's contract."
        )
        intro.setObjectName("mappingIntro")
        intro.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        column_head = QLabel("Column")
        sample_head = QLabel(f"First {len(self.rows)} rows" if self.rows else "First rows")
        for label in (column_head, sample_head):
            bold = label.font()
            bold.setBold(True)
            label.setFont(bold)
        grid.addWidget(column_head, 0, 1)
        grid.addWidget(sample_head, 0, 2)
        self.combos: dict[str, QComboBox] = {}
        self.previews: dict[str, QLabel] = {}
        guessed = guess(self.headers)
        for r, fld in enumerate(st.FIELDS, start=1):
            words = st.FIELD_WORDS[fld]
            required = fld in st.REQUIRED_FIELDS
            label = QLabel(MNEMONICS[fld] + (" (needed)" if required else ""))
            if fld == DESCRIPTION:
                self._description_row(grid, r, label, guessed.get(fld, []))
                continue
            combo = QComboBox()
            combo.setObjectName(f"column_{fld}")
            combo.setAccessibleName(f"Column of the {words.lower()}")
            combo.addItem(NONE, "")
            for h in self.headers:
                combo.addItem(h or "(no name)", h)
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            if fld in guessed:
                combo.setCurrentIndex(self.headers.index(guessed[fld]) + 1)
            label.setBuddy(combo)
            preview = QLabel()
            preview.setObjectName(f"preview_{fld}")
            preview.setAccessibleName(f"First values of the {words.lower()}")
            preview.setTextFormat(Qt.TextFormat.PlainText)
            preview.setMinimumWidth(280)
            combo.currentIndexChanged.connect(lambda _=0, f=fld: self._changed(f))
            grid.addWidget(label, r, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(combo, r, 1)
            grid.addWidget(preview, r, 2)
            self.combos[fld] = combo
            self.previews[fld] = preview
        grid.setColumnStretch(2, 1)
        self.combo_width = max(c.sizeHint().width() for c in self.combos.values())
        self.descriptions.setFixedWidth(self.combo_width)

        name_label = QLabel("Format &name")
        self.name_edit = QLineEdit(DEFAULT_NAME)
        self.name_edit.setObjectName("formatName")
        self.name_edit.setAccessibleName("Name of the format")
        self.name_edit.setMaxLength(80)
        self.name_edit.textChanged.connect(lambda _: self._validate())
        name_label.setBuddy(self.name_edit)
        grid.addWidget(name_label, len(st.FIELDS) + 1, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.name_edit, len(st.FIELDS) + 1, 1, 1, 2)

        self.missing = QLabel()
        self.missing.setObjectName("mappingMissing")
        self.missing.setWordWrap(True)
        self.error = FieldError(self, name="mappingError", accessible_name="Problem saving the format")
        buttons, self.ok_button = action_and_cancel(
            self, "&Save and read", "saveFormatButton", "Save the format and read the statement", self.save
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.missing)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        for fld in st.FIELDS:
            self._show_preview(fld)
        self._validate()
        self.resize(max(720, self.sizeHint().width()), self.sizeHint().height())

    def _description_row(self, grid: QGridLayout, r: int, label: QLabel, ticked: list[str]) -> None:
        """The description's row: a list of the headers, each with a box to tick (one or more, or none)."""
        self.descriptions = QListWidget()
        self.descriptions.setObjectName("column_description")
        self.descriptions.setAccessibleName("Columns of the description: tick one or more")
        self.descriptions.setToolTip("Tick each column that describes the row: their texts are read as one.")
        self.descriptions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.descriptions.setUniformItemSizes(True)
        row_height = self.descriptions.fontMetrics().height() + 6
        for h in self.headers:
            if not h:
                continue  # (a column with no name cannot be named in a format)
            item = QListWidgetItem(h)
            item.setData(Qt.ItemDataRole.UserRole, h)
            item.setSizeHint(QSize(0, row_height))
            item.setToolTip(h)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if h in ticked else Qt.CheckState.Unchecked)
            self.descriptions.addItem(item)
        rows = max(1, min(LIST_ROWS, self.descriptions.count()))
        self.descriptions.setFixedHeight(rows * row_height + 2 * self.descriptions.frameWidth())
        first = next((i for i in range(self.descriptions.count()) if self._ticked(i)), 0)
        self.descriptions.scrollToItem(self.descriptions.item(first), QAbstractItemView.ScrollHint.PositionAtTop)
        self.descriptions.itemChanged.connect(lambda _: self._changed(DESCRIPTION))
        label.setText(f"{label.text()}\n(one or more)")
        label.setAlignment(Qt.AlignmentFlag.AlignRight)
        label.setContentsMargins(0, 3, 0, 0)  # (level with the first header's text)
        label.setBuddy(self.descriptions)
        preview = QLabel()
        preview.setObjectName(f"preview_{DESCRIPTION}")
        preview.setAccessibleName("First values of the description")
        preview.setTextFormat(Qt.TextFormat.PlainText)
        preview.setMinimumWidth(280)
        preview.setContentsMargins(0, 3, 0, 0)
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(label, r, 0, Qt.AlignmentFlag.AlignRight | top)
        grid.addWidget(self.descriptions, r, 1, top)
        grid.addWidget(preview, r, 2, top)
        self.previews[DESCRIPTION] = preview

    def _ticked(self, i: int) -> bool:
        return self.descriptions.item(i).checkState() == Qt.CheckState.Checked

    # ------------------------------------------------------------ choosing
    def mapping(self) -> dict[str, str | list[str]]:
        """Field -> the header chosen for it (fields left at "(none)" are not in it); the description -> the
        headers ticked, in the file's order (not in it when none is)."""
        chosen: dict[str, str | list[str]] = {f: c.currentData() for f, c in self.combos.items() if c.currentData()}
        ticked = self.description_columns()
        if ticked:
            chosen[DESCRIPTION] = ticked
        return {f: chosen[f] for f in st.FIELDS if f in chosen}

    def description_columns(self) -> list[str]:
        """The headers ticked for the description, in the file's order."""
        return [
            self.descriptions.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.descriptions.count())
            if self._ticked(i)
        ]

    def choose(self, fld: str, header: str | list[str]) -> None:
        """Choose the column `header` for `fld` (as picking it in the box does); "" for none. For the
        description, the columns ticked are exactly `header` (one header, a list of them, or "" for none)."""
        if fld == DESCRIPTION:
            wanted = {header} if isinstance(header, str) else set(header)
            for i in range(self.descriptions.count()):
                item = self.descriptions.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            return
        combo = self.combos[fld]
        combo.setCurrentIndex(combo.findData(header) if header else 0)

    def _changed(self, fld: str) -> None:
        self._show_preview(fld)
        self._validate()

    def _show_preview(self, fld: str) -> None:
        if fld == DESCRIPTION:
            self._show_description()
            return
        header = self.combos[fld].currentData()
        label = self.previews[fld]
        if not header:
            label.setText("")
            label.setToolTip("")
            return
        at = self.headers.index(header)
        values = [" ".join(r[at].split()) for r in self.rows if at < len(r)]
        text = "  ·  ".join(v or "(empty)" for v in values)
        label.setText(label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, 420))
        label.setToolTip("\n".join(values))

    def _show_description(self) -> None:
        """The first rows' descriptions, one a line, each as it will be read (the ticked columns joined)."""
        label = self.previews[DESCRIPTION]
        at = [self.headers.index(h) for h in self.description_columns()]
        values = [" · ".join(" ".join(r[i].split()) for i in at if i < len(r) and r[i].strip()) for r in self.rows]
        if not at:
            values = []
        width = 420
        label.setText("\n".join(label.fontMetrics().elidedText(v or "(empty)", Qt.TextElideMode.ElideRight, width)
                                for v in values))  # fmt: skip
        label.setToolTip("\n".join(values))

    def _validate(self) -> bool:
        mapping = self.mapping()
        missing = [st.FIELD_WORDS[f] for f in st.REQUIRED_FIELDS if f not in mapping]
        named = bool(self.name_edit.text().strip())
        problems = []
        if missing:
            problems.append(f"Choose the column of: {', '.join(m.lower() for m in missing)}.")
        if not named:
            problems.append("Give the format a name.")
        self.missing.setText(" ".join(problems))
        self.missing.setVisible(bool(problems))
        ok = not problems
        self.ok_button.setEnabled(ok)
        return ok

    # ------------------------------------------------------------ saving
    def save(self) -> bool:
        """The one write: the format saved into the client's formats folder."""
        if not self._validate():
            return False
        try:
            self.format = st.save_format(self.name_edit.text(), self.headers, self.mapping(), self.folder)
        except RuleError as exc:
            self.error.setMessage(exc.message)
            return False
        except OSError as exc:
            from models.refusals import reason

            self.error.setMessage(f"The format could not be saved in {self.folder}: {reason(exc)}.")
            return False
        self.error.clear()
        self.accept()
        return True
