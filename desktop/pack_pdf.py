"""The year-end pack on paper, and the whole pack written: its PDF and its CSV files (models/pack.py arranges
what they hold; this module only lays it out and writes).

The PDF: a title and contents page (each part with the page it starts on, and where each report's figures
are), each report as a table on pages of its own, the exchange rates used and the days without one, then the
freelancers and their contracts, A to Z, as one table: a row naming each freelancer, their contracts (each
contract of the year listed once in the whole PDF, with its spend and its budget against actual), their totals.
Spend by contract and budget against actual show only their totals and point to those pages (their CSV files
hold every contract). Converted figures are columns beside the amounts, not rows of their own. The volume is
what costs: QPdfWriter took 2-5 ms a page (newPage, which writes out the page's text) and 15-30 µs a drawText
here, and the earlier layout (a converted row under each group, each contract three times) was 7,282 pages and
374,186 rows for the demo book of 100,000 contracts. Every page has the book's name, when it was generated
and "Page N of M"; a table that runs onto the next page repeats its header row there; a freelancer's name is
kept with their first row; long titles wrap inside their cell; user text (titles, names) is isolated so that
Arabic or Hebrew reads as written. The fonts are those of the contract summaries (desktop/summary_pdf.py),
embedded by Qt's PDF engine.

Why not QTextDocument, as the summaries: a year of a big book is tens of thousands of table rows (70,000
contracts active in 2026 in the demo book of 100,000), and QTextDocument took 0.6 ms a row to lay out and
cut into pages (measured here), a minute and more for such a pack. The rows are painted directly with
QPainter, each cell one drawText at its baseline (a third faster than into an aligned rectangle; a QTextLayout
per row with tab stops was slower than that, one per page slower still, and a glyph run built in Python
slower too: measured here). So this module lays its tables out itself, in two passes over the same code: the
first measures (pages, where each section starts), the second paints.

Charts: `charts` maps a table's key ("spend-by-month", ...) to a function `paint(painter, rect, report,
palette)` that paints that report's chart into `rect`; a report with a chart gets CHART_MM of its first page
for it, above its table (`_chart`). None is drawn for a report without one.

Writing (`write_pack`): every file is written first under a temporary name in the target folder (each checked
whole: the PDF's trailer, the CSV's length), and only when all of them are whole are they moved into place.
A failure or a cancel removes the temporaries and leaves whatever was there before, untouched.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageSize,
    QPainter,
    QTextLayout,
    QTextOption,
)

from desktop.summary_pdf import (
    BAND_FILL,
    BODY_PT,
    FONT_FAMILIES,
    FOOTER_PT,
    GREY,
    HEADER_FILL,
    RESOLUTION,
    check_pdf,
    footer_text,
    isolate,
    pdf_writer,
)
from models.labels import day_text
from models.pack import (
    GROUP,
    ROW,
    TOTAL,
    Pack,
    PackCancelled,
    Table,
    csv_tables,
    file_names,
    freelancers_table,
    generated_words,
    rates_table,
    write_csv_file,
)
from models.partfiles import remove_leftovers, temporary_beside
from models.reports import many_objects

TABLE_PT = 7.5
H1_PT = 16.0
H2_PT = 12.5
MM = RESOLUTION / 25.4  # device pixels per millimetre
PAD_X, PAD_Y = 1.0 * MM, 0.4 * MM
GROUP_GAP = 1.5 * MM  # above a freelancer's name in the freelancers' table
GAP = 3.0 * MM  # between blocks
CHART_MM = 70.0
FIRST_COLUMN = 0.25  # of the page: a table's first column (titles, names) is at least this wide
CONTENTS_FREELANCERS = 300  # freelancers named in the contents, each with its page (more: where they start)
FOOTER_GAP_MM = 4.0
ChartPainter = Callable[[QPainter, QRectF, object, object], None]


def _font(pt: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(pt)
    font.setBold(bold)
    for tag in ("liga", "clig"):  # "fi" stays two letters: the PDF's text is searched and copied as written
        font.setFeature(QFont.Tag(tag), 0)
    return font


class _Flow:
    """Places blocks on pages, top to bottom. Without a painter it only measures (pages, each table's rows);
    `measured` keeps what it measured for the flow that paints."""

    def __init__(self, device, footer_left: str, painter: QPainter | None = None, *, total: int = 0,
                 measured: dict | None = None, charts: Mapping[str, ChartPainter] = {}, palette=None,
                 cancelled: Callable[[], bool] = lambda: False,
                 progress: Callable[[int, int], None] = lambda done, total: None):  # fmt: skip
        self.device = device
        self.painter = painter
        self.footer_left = footer_left
        self.total = total
        self.measured = {} if measured is None else measured
        self.charts = charts
        self.palette = palette
        self.cancelled = cancelled
        self.progress = progress
        rect = device.pageLayout().paintRectPixels(device.resolution())
        self.width = float(rect.width())
        self.page_height = float(rect.height())
        self.fonts = {
            "body": _font(BODY_PT),
            "h1": _font(H1_PT, bold=True),
            "h2": _font(H2_PT, bold=True),
            "footer": _font(FOOTER_PT),
        }
        self.metrics = {k: QFontMetricsF(f, device) for k, f in self.fonts.items()}
        self.line = {k: m.height() for k, m in self.metrics.items()}
        self.height = self.page_height - self.line["footer"] - FOOTER_GAP_MM * MM
        self.page = 1
        self.y = 0.0
        self.fresh = True  # nothing on this page yet
        self._font_set = ""  # the painter's font (set only when it changes)
        self._fills = {c: QColor(c) for c in (HEADER_FILL, BAND_FILL)}

    # ------------------------------------------------------------ pages
    def new_page(self) -> None:
        if self.fresh and self.y == 0:
            return
        if self.painter is not None:
            self._footer()
            if self.cancelled():
                raise PackCancelled
            self.device.newPage()
            self.progress(self.page, self.total)
        self.page += 1
        self.y = 0.0
        self.fresh = True

    def finish(self) -> None:
        if self.painter is not None:
            self._footer()
            self.progress(self.page, self.total)

    def _room(self, height: float) -> None:
        if self.y + height > self.height and not self.fresh:
            self.new_page()

    def _footer(self) -> None:
        p = self.painter
        p.save()
        p.setFont(self.fonts["footer"])
        p.setPen(QColor("black"))
        top = self.page_height - self.line["footer"]
        p.drawLine(QPointF(0, top - 0.4 * MM), QPointF(self.width, top - 0.4 * MM))
        box = QRectF(0, top, self.width, self.line["footer"])
        flags = Qt.AlignmentFlag.AlignVCenter
        p.drawText(box, int(Qt.AlignmentFlag.AlignLeft | flags), self.footer_left)
        p.drawText(box, int(Qt.AlignmentFlag.AlignRight | flags), f"Page {self.page} of {self.total}")
        p.restore()

    # ------------------------------------------------------------ text
    def _lines(self, text: str, font: str, width: float) -> list[QTextLayout]:
        """Each paragraph of `text` laid out to `width` (words kept whole unless one is wider than the line)."""
        out = []
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        for part in text.split("\n"):
            layout = QTextLayout(part, self.fonts[font], self.device)
            layout.setTextOption(option)
            layout.beginLayout()
            y = 0.0
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(width)
                line.setPosition(QPointF(0, y))
                y += self.line[font]
            layout.endLayout()
            out.append(layout)
        return out

    def paragraph(self, text: str, font: str = "body", *, grey: bool = False, after: float = GAP) -> None:
        """Text wrapped to the page's width, cut between lines across pages."""
        h = self.line[font]
        for layout in self._lines(text, font, self.width):
            for i in range(layout.lineCount()):
                self._room(h)
                if self.painter is not None:
                    self.painter.save()
                    self.painter.setPen(QColor(GREY if grey else "black"))
                    line = layout.lineAt(i)
                    line.draw(self.painter, QPointF(0, self.y - line.y()))
                    self.painter.restore()
                self.y += h
                self.fresh = False
        self.y += after

    def heading(self, text: str, level: int = 1) -> None:
        font = "h1" if level == 1 else "h2"
        self._room(self.line[font] * 3)  # a heading never ends a page
        self.paragraph(text, font, after=GAP / 2)

    # ------------------------------------------------------------ charts
    def chart(self, table: Table) -> None:
        """The place of a report's chart, above its table: painted by `charts[table.key]` when there is one."""
        paint = self.charts.get(table.key)
        if paint is None or table.report is None or not table.rows:
            return
        height = CHART_MM * MM
        self._room(height)
        if self.painter is not None:
            self.painter.save()
            paint(self.painter, QRectF(0, self.y, self.width, height), table.report, self.palette)
            self.painter.restore()
        self.y += height + GAP
        self.fresh = False

    # ------------------------------------------------------------ tables
    def _scaled(self, scale: float) -> tuple[str, str]:
        """The keys of the table fonts (plain, bold) at `scale` of TABLE_PT, made once."""
        keys = (f"table@{scale:.2f}", f"bold@{scale:.2f}")
        if keys[0] not in self.fonts:
            for key, bold in zip(keys, (False, True), strict=True):
                self.fonts[key] = _font(TABLE_PT * scale, bold=bold)
                self.fonts[key].setKerning(False)  # a text's width is the sum of its characters' (_Widths)
                self.metrics[key] = QFontMetricsF(self.fonts[key], self.device)
                self.line[key] = self.metrics[key].height()
        return keys

    def _width_of(self, font: str) -> _Widths:
        """The width of a text in a table font, each text measured once (see _Widths)."""
        widths = self.measured.get(("widths", font))
        if widths is None:
            widths = self.measured["widths", font] = _Widths(self.metrics[font])
        return widths

    def _columns(self, table: Table, bold: str) -> list[float]:
        """Every column but the first as wide as its widest cell (in bold: totals and headers are); the first
        takes the rest."""
        width = self._width_of(bold)
        n = len(table.headers)
        widths = [0.0] * n
        for i, texts in enumerate(self._texts(table), start=1):
            widest = max((width[part] for part in table.headers[i].split("\n")), default=0.0)
            if texts:
                # The longest texts first: once a text that long cannot be wider than the widest yet, however
                # wide its characters, no shorter one can (figures are many, and mostly alike).
                most = max(width.chars[ch] for ch in set("".join(texts)))
                for text in sorted(texts, key=len, reverse=True):
                    if len(text) * most <= widest:
                        break
                    widest = max(widest, width[text])
            widths[i] = widest * 1.04 + 2 * PAD_X
        widths[0] = self.width - sum(widths[1:])
        return widths

    def _texts(self, table: Table) -> list[set[str]]:
        """Each column's texts but the first's (each line of them), once each (a freelancer's row aside)."""
        key = ("texts", table.key)
        if key not in self.measured:
            rows = [r for r, k in zip(table.rows, table.kinds, strict=True) if k != GROUP]
            columns = []
            for i in range(1, len(table.headers)):
                texts = set(map(itemgetter(i), rows))
                if any("\n" in t for t in texts):
                    texts = {part for t in texts for part in t.split("\n")}
                texts.discard("")
                columns.append(texts)
            self.measured[key] = columns
        return self.measured[key]

    def _fit(self, text: str, font: str, avail: float, *, user: bool = True):
        """A first column's text made to fit `avail`: None (as it is, on one line), a text to draw on one line
        (user text isolated), the lines of a text wrapped at its spaces (a tuple), or Qt's layouts of a text in a
        script whose width is not the sum of its characters' (a list). Words are kept whole unless one is wider
        than the line."""
        if not text:
            return None
        if not _COMPLEX.search(text):
            if "\n" not in text and self._width_of(font)[text] <= avail:
                return None
            return tuple(line for part in text.split("\n") for line in self._wrap(part, font, avail))
        parts = [isolate(part) if user else part for part in text.split("\n")]
        if len(parts) == 1 and self.metrics[font].horizontalAdvance(parts[0]) <= avail:
            return parts[0]
        return [layout for part in parts for layout in self._lines(part, font, avail)]

    def _wrap(self, text: str, font: str, avail: float) -> list[str]:
        """A line of text (without a script that shapes its letters) cut at its spaces into lines of `avail` at
        most, a word wider than a line cut where it reaches the line's end."""
        width = self._width_of(font)
        chars = width.chars
        space = chars[" "]
        lines: list[str] = []
        line, used = "", 0.0
        for word in text.split(" "):
            w = width[word]
            if line and used + space + w <= avail:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                lines.append(line)
            while w > avail and len(word) > 1:
                reach, k = 0.0, 0
                for k, ch in enumerate(word):  # noqa: B007 - k is where the word is cut
                    reach += chars[ch]
                    if reach > avail:
                        break
                lines.append(word[: max(k, 1)])
                word = word[max(k, 1) :]
                w = width[word]
            line, used = word, w
        lines.append(line)
        return lines

    @staticmethod
    def _count(first) -> int:
        """How many lines a first column fitted by `_fit` takes."""
        if first is None or isinstance(first, str):
            return 1
        if isinstance(first, tuple):
            return len(first)
        return sum(layout.lineCount() for layout in first)

    def _measure(self, table: Table) -> _Measured:
        """The table's fonts, columns, row heights and first columns fitted (measured once: the cache is shared
        by the measuring and the painting flows). A table whose figures leave its first column less than a
        quarter of the page is set smaller, so that no figure is ever cut (down to 70%; narrower still, the
        first column wraps more)."""
        m = self.measured.get(table.key)
        if m is None:
            scale = 1.0
            plain, bold = self._scaled(scale)
            widths = self._columns(table, bold)
            if widths[0] < self.width * FIRST_COLUMN:
                scale = max(0.7, math.floor(100 * (1 - FIRST_COLUMN) * self.width / sum(widths[1:])) / 100)
                plain, bold = self._scaled(scale)
                widths = self._columns(table, bold)
            if widths[0] < self.width * 0.12:  # (never: a table of a few figures)
                widths = [w * self.width / (sum(widths[1:]) + self.width * 0.12) for w in widths]
                widths[0] = self.width - sum(widths[1:])
            avail = widths[0] - 2 * PAD_X
            heights, firsts = [], []
            line = {plain: self.line[plain], bold: self.line[bold]}
            for r, kind in zip(table.rows, table.kinds, strict=True):
                if kind == GROUP:  # a freelancer's name across the whole width
                    first = self._fit(_group_text(r), bold, self.width - 2 * PAD_X, user=False)
                    firsts.append(first)
                    heights.append(self._count(first) * line[bold] + 2 * PAD_Y + GROUP_GAP)
                    continue
                first = self._fit(r[0], plain if kind != TOTAL else bold, avail)
                firsts.append(first)
                most = self._count(first)
                if "\n" in "".join(r[1:]):
                    most = max(most, *(c.count("\n") + 1 for c in r[1:]))
                heights.append(most * line[bold if kind == TOTAL else plain] + 2 * PAD_Y)
            header = self._fit(table.headers[0], bold, avail, user=False)
            head_lines = max(self._count(header), *(h.count("\n") + 1 for h in table.headers[1:]))
            lefts = [sum(widths[:i]) for i in range(len(widths))]
            columns = [(i, lefts[i] + widths[i] - PAD_X if i in table.numeric else round(lefts[i] + PAD_X),
                        i in table.numeric) for i in range(1, len(widths))]  # fmt: skip
            m = _Measured(scale, plain, bold, widths, round(PAD_X), columns, heights, firsts, header,
                          head_lines * line[bold] + 2 * PAD_Y)  # fmt: skip
            self.measured[table.key] = m
        self._scaled(m.scale)  # (the fonts made in this flow too)
        return m

    def table(self, table: Table, starts: dict[str, int] | None = None) -> None:
        """The header row, then each row; a row that does not fit starts a page, which repeats the header.
        Only the first column wraps (the others are as wide as their widest cell); numbers keep their lines.
        A GROUP row (a freelancer's name) is kept with the row after it; `starts` gets the page of each."""
        if not table.rows:
            self.paragraph(table.empty, grey=True)
            return
        m = self._measure(table)
        heights, kinds, firsts, rows = m.heights, table.kinds, m.firsts, table.rows
        paint = self.painter is not None
        self._room(m.header_height + heights[0])
        self._header(table, m)
        band = False
        last = len(rows) - 1
        for i, kind in enumerate(kinds):
            h = heights[i]
            need = h + heights[i + 1] if kind == GROUP and i < last else h
            if self.y + need > self.height:
                self.new_page()
                self._header(table, m)
            if kind == GROUP:
                band = False
                if starts is not None:
                    starts[table.keys[i]] = self.page
                if paint:
                    self._group(rows[i], firsts[i], m)
            else:
                band = not band
                if paint:
                    self._cells(rows[i], firsts[i], m, m.bold if kind == TOTAL else m.plain, h,
                                BAND_FILL if band and kind == ROW else None)  # fmt: skip
            self.y += h
        self.fresh = False
        self.y += GAP

    def _header(self, table: Table, m: _Measured) -> None:
        if self.painter is not None:
            self._cells(table.headers, m.header, m, m.bold, m.header_height, HEADER_FILL)
        self.y += m.header_height
        self.fresh = False

    def _cells(self, cells, first, m: _Measured, font: str, height: float, fill: str | None) -> None:
        """One row: each cell one drawText at its baseline, a number's right edge at its column's (faster than
        drawText into a rectangle with an alignment, or a QTextLayout per row: measured here). At whole device
        pixels (300 a inch): drawText(x, y, text) is a third faster than at a QPointF."""
        p = self.painter
        y = self.y
        if fill is not None:
            p.fillRect(QRectF(0, y, self.width, height), self._fills[fill])
        if font != self._font_set:
            p.setFont(self.fonts[font])
            self._font_set = font
        top = y + PAD_Y
        base = round(top + self.metrics[font].ascent())
        draw = p.drawText
        if first is None:
            if cells[0]:
                draw(m.left, base, cells[0])
        else:
            self._first(first, top, base, self.line[font])
        width = self._width_of(font)
        for i, x, numeric in m.columns:
            text = cells[i]
            if text:
                if "\n" in text:
                    self._lines_of(text, x, numeric, base, font)
                elif numeric:
                    draw(round(x - width[text]), base, text)
                else:
                    draw(x, base, text)

    def _lines_of(self, text: str, x: float, numeric: bool, base: float, font: str) -> None:
        """A cell of several lines, each at its baseline."""
        width = self._width_of(font)
        for part in text.split("\n"):
            self.painter.drawText(round(x - width[part]) if numeric else x, round(base), part)
            base += self.line[font]

    def _first(self, first, top: float, base: float, lh: float) -> None:
        """A first column fitted by `_fit` (other than as it is)."""
        p = self.painter
        if isinstance(first, str):
            p.drawText(round(PAD_X), round(base), first)
        elif isinstance(first, tuple):
            for line in first:
                p.drawText(round(PAD_X), round(base), line)
                base += lh
        else:
            for layout in first:
                layout.draw(p, QPointF(PAD_X, top))
                top += layout.lineCount() * lh

    def _group(self, cells, first, m: _Measured) -> None:
        """A freelancer's name, number and agency across the whole width, a little apart from the rows above."""
        p = self.painter
        top = self.y + GROUP_GAP
        p.drawLine(QPointF(0, top), QPointF(self.width, top))
        if m.bold != self._font_set:
            p.setFont(self.fonts[m.bold])
            self._font_set = m.bold
        base = top + PAD_Y + self.metrics[m.bold].ascent()
        if first is None:
            p.drawText(QPointF(PAD_X, base), _group_text(cells))
        else:
            self._first(first, top + PAD_Y, base, self.line[m.bold])


@dataclass(frozen=True)
class _Measured:
    """A table measured: its fonts (keys), columns, each row's height and first column fitted (`_Flow._fit`)."""

    scale: float
    plain: str
    bold: str
    widths: list[float]
    left: int  # where the first column's text starts
    columns: list[tuple[int, float, bool]]  # each column but the first: where it is drawn from, numeric or not
    heights: list[float]
    firsts: list
    header: object  # the header's first column, fitted
    header_height: float


class _Widths(dict):
    """Each text's width in a table font (set without kerning and ligatures, so that the sum of its characters'
    advances is its width), measured when first asked for: a call to the font's metrics per figure cost as much as
    a third of its drawing, and the same figures come back often."""

    def __init__(self, metrics: QFontMetricsF):
        super().__init__()
        self.chars = _Advances(metrics.horizontalAdvance)

    def __missing__(self, text: str) -> float:
        w = self[text] = sum(map(self.chars.__getitem__, text))
        return w


class _Advances(dict):
    """Each character's advance in one font, measured when first asked for."""

    def __init__(self, measure: Callable[[str], float]):
        super().__init__()
        self.measure = measure

    def __missing__(self, ch: str) -> float:
        w = self[ch] = self.measure(ch)
        return w


# Text outside these ranges (right-to-left scripts, scripts that join or combine their letters, direction marks)
# is measured and wrapped by Qt's text layout, isolated; within them, a text's width is the sum of its characters'.
_COMPLEX = re.compile("[^\u0020-\u007e\u00a0-\u02ff\u0370-\u052f\u1e00-\u1fff\u2010-\u2027\u2030-\u205e\u20a0-\u20cf"
                      "\u2100-\u2bff]")  # fmt: skip


def _group_text(cells) -> str:
    """A freelancer's row of the freelancers' table: "Name · Freelancer #7 · agency Name" (user text isolated)."""
    name, number, agency = cells[0], cells[1], cells[2]
    return f"{isolate(name)}  ·  {number}" + (f"  ·  agency {isolate(agency)}" if agency else "")


# ------------------------------------------------------------------ the pack on paper
def _contents_table(pack: Pack, starts: dict[str, int]) -> Table:
    """Each part with the page it starts on, and where each report's figures are."""
    rows, kinds = [], []
    where = f"(each contract on its freelancer's page, from page {starts.get('freelancers', 0)})"
    for t in pack.tables:
        title = f"{t.title}: the totals {where}" if t.summary else t.title
        rows.append((title, str(starts.get(t.key, 0))))
        kinds.append("row")
    if pack.home:
        rows.append(("Exchange rates used", str(starts.get("rates", 0))))
        kinds.append("row")
    if pack.freelancers:
        rows.append(("Freelancers and their contracts: each contract of the year with its spend and its budget "
                     "against actual, then each freelancer's totals", str(starts.get("freelancers", 0))))  # fmt: skip
        kinds.append("row")
    if len(pack.freelancers) <= CONTENTS_FREELANCERS:
        for f in pack.freelancers:
            rows.append((f"    {f.name}", str(starts.get(f"freelancer-{f.freelancer_id}", 0))))
            kinds.append("row")
    return Table("contents", "Contents", "", ("Report or freelancer", "Page"), frozenset({1}), rows, kinds, (), [])


def _body(flow: _Flow, pack: Pack, starts: dict[str, int], pages: dict[str, int]) -> None:
    """The reports, the rates, the freelancers; `starts` gets where each begins (`pages`: those of the measuring
    pass, for the words that point to a page)."""
    for t in pack.tables:
        flow.new_page()
        starts[t.key] = flow.page
        flow.heading(t.title)
        if t.intro:
            flow.paragraph(t.intro, grey=True)
        flow.chart(t)
        flow.table(t)
        if t.summary and pack.freelancers:
            flow.paragraph(f"Each contract: on its freelancer's page (Freelancers and their contracts, from page "
                           f"{pages.get('freelancers', 0)}).")  # fmt: skip
    if pack.home:
        flow.new_page()
        starts["rates"] = flow.page
        rates = rates_table(pack)
        flow.heading(rates.title)
        flow.paragraph(rates.intro, grey=True)
        for words in pack.missing:
            flow.paragraph(words)
        flow.table(rates)
    if pack.freelancers:
        flow.new_page()
        starts["freelancers"] = flow.page
        flow.heading("Freelancers and their contracts")
        home = f" and its spend in {pack.home}" if pack.home else ""
        flow.paragraph(f"Each freelancer paid, charged fees on or refunded in {pack.year}, or with a contract active "
                       f"in it, A to Z. Each contract once: its payments, fees and refunds in the year{home}, its "
                       f"budget against everything paid on it up to {day_text(pack.last)}, and whether it is over "
                       "or under budget; then the freelancer's totals of the year.", grey=True)  # fmt: skip
        flow.table(freelancers_table(pack), starts)


def _front(flow: _Flow, pack: Pack, book_name: str, generated_at: datetime, contents: Table) -> None:
    flow.heading(f"Year-end pack {pack.year}")
    for words in generated_words(pack, book_name, generated_at):
        flow.paragraph(words, grey=True, after=GAP / 3)
    flow.y += GAP
    flow.heading("Contents", 2)
    flow.table(contents)


def paint_pack(
    device,
    pack: Pack,
    *,
    book_name: str,
    generated_at: datetime,
    charts: Mapping[str, ChartPainter] = {},
    palette=None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Measure, then paint the pack onto a PDF writer (or a printer); returns its pages. Raises PackCancelled."""
    footer = footer_text(book_name, generated_at)
    placeholder = {}
    contents_pages = _Flow(device, footer, charts=charts)
    _front(contents_pages, pack, book_name, generated_at, _contents_table(pack, placeholder))
    measured: dict = {}
    body = _Flow(device, footer, measured=measured, charts=charts)
    body.page = contents_pages.page
    body.y, body.fresh = contents_pages.y, contents_pages.fresh
    starts: dict[str, int] = {}
    _body(body, pack, starts, {})
    total = body.page
    if cancelled():
        raise PackCancelled
    painter = QPainter(device)
    try:
        flow = _Flow(device, footer, painter, total=total, measured=measured, charts=charts, palette=palette,
                     cancelled=cancelled, progress=progress)  # fmt: skip
        _front(flow, pack, book_name, generated_at, _contents_table(pack, starts))
        _body(flow, pack, {}, starts)
        flow.finish()
    finally:
        painter.end()
    return total


def write_pack(
    pack: Pack,
    folder: str | os.PathLike,
    *,
    book_name: str,
    generated_at: datetime,
    charts: Mapping[str, ChartPainter] = {},
    palette=None,
    page_size: QPageSize | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Path]:
    """The pack's PDF and CSV files into `folder` (made if missing); returns the files, PDF first.

    All or nothing: each file is written under a temporary name beside its place and checked whole, and only
    then are they all moved into place. Raises OSError (nothing of the pack left behind, any earlier pack
    untouched) or PackCancelled (likewise)."""
    with many_objects():  # (a table's rows and a page's texts: many objects, none in a cycle)
        return _write_pack(pack, Path(folder), book_name=book_name, generated_at=generated_at, charts=charts,
                           palette=palette, page_size=page_size, progress=progress, cancelled=cancelled)  # fmt: skip


def _write_pack(pack: Pack, folder: Path, *, book_name: str, generated_at: datetime, charts, palette, page_size,
                progress, cancelled) -> list[Path]:  # fmt: skip
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    names = file_names(pack)
    try:
        remove_leftovers(folder)  # what a killed pack left here
        with contextlib.ExitStack() as stack:
            parts: list[tuple[Path, Path]] = []
            pdf_part = stack.enter_context(temporary_beside(folder / names["pdf"], "pdf"))
            writer = pdf_writer(pdf_part, f"Year-end pack {pack.year}", page_size)
            try:
                paint_pack(writer, pack, book_name=book_name, generated_at=generated_at, charts=charts,
                           palette=palette, progress=progress, cancelled=cancelled)  # fmt: skip
            finally:
                del writer  # flushes and closes the file
            check_pdf(pdf_part)
            parts.append((pdf_part, folder / names["pdf"]))
            for t in csv_tables(pack):
                if cancelled():
                    raise PackCancelled
                part = stack.enter_context(temporary_beside(folder / names[t.key], "csv"))
                write_csv_file(part, t.csv_headers, t.csv_rows)
                parts.append((part, folder / names[t.key]))
            for part, target in parts:
                os.replace(part, target)
            return [target for _, target in parts]
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # (only when empty: nothing of anyone's is removed)
        raise
