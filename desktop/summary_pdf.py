"""Contract summaries on paper: laid out here and painted with QPainter, page by page, onto a QPdfWriter
(or a QPrinter), with a footer on every page: the book, when it was generated, and "Page N of M".

The data comes from models.report (no Qt there). `summary_blocks` says what a summary shows, as paragraphs
and tables (`Para`, `Grid`); `Pages` lays them out and paints them. Tables repeat their header row on every
page they run onto. Fonts are embedded by Qt's PDF engine. The paper is A4, or Letter where the locale uses
it. Files are written to a temporary name beside the target and moved into place, so a failed or cancelled
export never leaves a half-written PDF.

Why not QTextDocument (as before): a summary is written a thousand times in a batch, and laying out its HTML
took 9.5 ms of the 24 ms of CPU a summary took, painting it 6 more. Here each table's columns are known before
its rows are read, a cell that fits on its line is one drawText at its baseline, and only text that wraps gets
a QTextLayout; the widths of texts met before (dates, amounts, labels) come from a cache that every summary of
a batch shares, with the fonts and their metrics: about 1 ms to lay a summary out and 3 ms to paint it. Most
of what is left is Qt embedding the two faces (regular and bold) in QPainter.end(), about 9.5 ms: some 2 ms a
face and 45 µs a glyph used, measured here; bold stays bold, so both are embedded.
"""

from __future__ import annotations

import errno
import functools
import math
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QLocale, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)

from models.money import format_money
from models.partfiles import incomplete, remove_leftovers, sync, temporary_beside
from models.report import ContractSummary, FeedbackView, contract_summary

RESOLUTION = 300  # dots per inch of the PDF's coordinate system (text and lines stay vectors)
MARGINS_MM = QMarginsF(16, 14, 16, 14)
FONT_FAMILIES = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "sans-serif"]
BODY_PT = 9.0
FOOTER_PT = 7.5
FOOTER_GAP_MM = 4  # between the body and the footer line
H1_PT, H2_PT = 18.0, 13.5  # the title, and the heading of each part
TABLE_PT, SMALL_PT = 8.5, 7.2  # table cells, and the smaller line under some (submissions, a support case)

# Countries that print on US Letter; everyone else on A4.
LETTER_TERRITORIES = {
    QLocale.Country.UnitedStates,
    QLocale.Country.Canada,
    QLocale.Country.Mexico,
    QLocale.Country.Philippines,
    QLocale.Country.Chile,
    QLocale.Country.Colombia,
    QLocale.Country.Venezuela,
    QLocale.Country.CostaRica,
    QLocale.Country.Guatemala,
    QLocale.Country.PuertoRico,
}

# Tables are banded rather than ruled. Both greys print in black and white.
GREY = "#444444"
HEADER_FILL = "#d6d6d6"
BAND_FILL = "#f0f0f0"  # every other row


def page_size_for(locale: QLocale | None = None) -> QPageSize:
    """A4, or Letter where the locale prints on it."""
    locale = locale or QLocale()
    letter = locale.territory() in LETTER_TERRITORIES
    return QPageSize(QPageSize.PageSizeId.Letter if letter else QPageSize.PageSizeId.A4)


FSI, PDI = "\u2068", "\u2069"  # first strong isolate ... pop directional isolate


def isolate(text) -> str:
    """User text set apart from the text around it (FSI ... PDI): its own direction, whatever it holds, so a
    U+202E in a marketplace id cannot reverse the rest of a line, and Arabic or Hebrew reads as written."""
    text = str(text or "")
    return f"{FSI}{text}{PDI}" if text else ""


NBSP = "\u00a0"  # dates and amounts never break across lines
LINE_BREAK = "\u2028"  # a new line inside a paragraph (a comment's, a note's)


@functools.lru_cache(maxsize=4096)  # (a batch writes the same days again and again; strftime is not quick)
def _day(d: date | None) -> str:
    return "" if d is None else f"{d.day}{NBSP}{d:%b}{NBSP}{d:%Y}"


def _stamp(t: datetime | None) -> str:
    return "" if t is None else f"{t.day} {t:%b %Y, %H:%M} UTC"


# ------------------------------------------------------------------ what a summary shows
@dataclass(frozen=True)
class Para:
    """A paragraph. `kind`: "h1" (the title), "h2" (a part's heading), "sub" (the line under the title), "p",
    or "label" (a paragraph that introduces the table under it, kept with it like a heading). The first `bold`
    characters are bold (a lead-in such as "Notes on the contract:")."""

    text: str
    kind: str = "p"
    grey: bool = False
    bold: int = 0


Cell = str | tuple[str, str]  # a cell's text, or its text and a smaller line under it


@dataclass(frozen=True)
class Grid:
    """A table: a header row (repeated on each page the table runs onto), then rows banded in grey. Its columns
    take `widths` percent of its width (or share it by their content), and it takes `width` percent of the page.
    `numeric` columns align right and, like `nowrap` ones, never wrap: a column too narrow for them grows.
    `facts`: the two-column list under the title, in the body font, unbanded, its labels (`grey`) in grey."""

    headers: list[str] | None
    rows: list[list[Cell]]
    numeric: frozenset[int] = frozenset()
    nowrap: frozenset[int] = frozenset()
    widths: tuple[int, ...] | None = None
    width: int = 100
    bold_rows: frozenset[int] = frozenset()
    facts: bool = False
    grey: frozenset[int] = frozenset()


Block = Para | Grid


def _grey(text: str) -> Para:
    return Para(text, grey=True)


def _paragraph(text: str) -> str:
    """Typed text with its new lines kept (a comment, a note)."""
    return text.replace("\r\n", "\n").replace("\n", LINE_BREAK)


def summary_blocks(s: ContractSummary) -> list[Block]:
    """The summary of one contract: what it shows, in order, as paragraphs and tables."""
    money = lambda minor: "" if minor is None else format_money(minor, s.currency).replace(" ", NBSP)  # noqa: E731
    out: list[Block] = [Para(isolate(s.title), "h1")]
    sub = [f"Contract #{s.contract_id}"]
    if s.external_id:
        sub.append(f"marketplace id {isolate(s.external_id)}")
    sub.append(s.status + (f" on {_day(s.ended_on)}" if s.ended_on else ""))
    out.append(Para(" · ".join(sub), "sub", grey=True))

    facts = [
        ("Freelancer", isolate(s.freelancer)),
        ("Agency", isolate(s.agency) or "none"),
        ("Email", isolate(s.email) or "not recorded"),
        ("Policy", s.policy),
        ("Currency", s.currency),
        ("Status", s.status),
        ("Started", _day(s.started_on)),
        ("Ended", _day(s.ended_on) or "not ended"),
    ]
    if s.end_reason:
        facts.append(("End reason", isolate(s.end_reason)))
    if len(facts) % 2:
        facts.append(("", ""))
    pairs = [
        [f"{k}:", v, "", f"{k2}:" if k2 else "", v2] for (k, v), (k2, v2) in zip(facts[::2], facts[1::2], strict=True)
    ]
    out.append(Grid(None, pairs, widths=(17, 31, 4, 17, 31), facts=True, grey=frozenset({0, 3})))

    out.append(Para("Money", "h2"))
    figures = [(k, money(v) if v is not None else "not set") for k, v in s.money]
    half = (len(figures) + 1) // 2
    rows = [[*left, "", *right] for left, right in zip(figures[:half], [*figures[half:], ("", "")], strict=False)]
    amount = f"Amount ({s.currency})"
    out.append(
        Grid(["", amount, "", "", amount], rows, numeric=frozenset({1, 4}), widths=(25, 21, 6, 27, 21), width=78)
    )

    out.append(Para("Milestones", "h2"))
    if s.milestones:
        rows = [
            [
                str(m.position),
                (isolate(m.title), m.submissions) if m.submissions else isolate(m.title),
                _day(m.due_on),
                money(m.amount),
                money(m.funded),
                money(m.released),
                m.state,
            ]
            for m in s.milestones
        ]
        out.append(
            Grid(
                ["#", "Milestone", "Due", "Amount", "Funded", "Released", "State"],
                rows,
                numeric=frozenset({0, 3, 4, 5}),
                nowrap=frozenset({2}),
                widths=(4, 31, 14, 13, 13, 13, 12),
            )
        )
    else:
        out.append(_grey("No milestones."))

    out.append(Para("Ledger", "h2"))
    if s.ledger:
        rows = [
            [
                _day(e.date),
                str(e.id),
                (e.entry, isolate(e.support)) if e.support else e.entry,
                isolate(e.milestone),
                isolate(e.memo),
                money(e.amount),
                money(e.escrow_after),
            ]
            for e in s.ledger
        ]
        headers = ["Date", "#", "Entry", "Milestone", "Memo", "Amount", "Escrow after"]
        widths = (13, 6, 19, 18, 16, 14, 14)
        if any(e.made_by for e in s.ledger):  # a shared book: who recorded each entry (a book file has one user)
            for row, e in zip(rows, s.ledger, strict=True):
                row.append(isolate(e.made_by))
            headers.append("Recorded by")
            widths = (12, 5, 15, 13, 12, 12, 13, 18)
        out.append(Grid(headers, rows, numeric=frozenset({5, 6}), nowrap=frozenset({0, 1}), widths=widths))
    else:
        out.append(_grey("No money has moved yet."))

    out.append(Para("Escrow refund requests and disputes", "h2"))
    if s.requests:
        rows = [
            [_day(r.requested_on), money(r.amount), _day(r.reply_due), r.status, _day(r.answered_on)]
            for r in s.requests
        ]
        out.append(
            Grid(
                ["Requested", "Amount", "Reply due", "Status", "Answered"],
                rows,
                numeric=frozenset({1}),
                nowrap=frozenset({0, 2, 4}),
            )
        )
    else:
        out.append(_grey("No escrow refund requests."))
    for d in s.disputes:
        outcome = "; ".join(f"{what}: {money(amount)}" for what, amount in d.outcome) or "no outcome yet"
        row = [
            _day(d.opened_on),
            money(d.amount),
            _day(d.answer_due),
            _day(d.answered_on),
            _day(d.mediation_ends),
            d.status,
            outcome,
        ]
        out.append(
            Grid(
                ["Dispute opened", "Amount", "Your answer due", "Answered", "Mediation ends", "Status", "Outcome"],
                [row],
                numeric=frozenset({1}),
                nowrap=frozenset({0, 2, 3, 4}),
            )
        )

    out.append(Para("Closeout", "h2"))
    if s.closeout:
        rows = [[label, _day(done) or "open", isolate(note)] for label, done, note in s.closeout]
        out.append(Grid(["Checklist item", "Done on", "Note"], rows, nowrap=frozenset({1}), widths=(55, 15, 30)))
    else:
        out.append(_grey("The closeout checklist starts when the contract ends."))
    if s.access:
        rows = [
            [isolate(label), isolate(where), _day(given), _day(revoked) or "not revoked"]
            for label, where, given, revoked in s.access
        ]
        out.append(
            Grid(
                ["Access given", "Where", "Given on", "Revoked on"],
                rows,
                nowrap=frozenset({2, 3}),
                widths=(40, 30, 15, 15),
            )
        )
    else:
        out.append(_grey("No access recorded in the access register."))
    if s.deliverables:
        rows = [
            [isolate(label), kind, _day(received) or "not yet", isolate(note)]
            for label, kind, received, note in s.deliverables
        ]
        out.append(
            Grid(
                ["To receive back", "Kind", "Received on", "Note"],
                rows,
                nowrap=frozenset({2}),
                widths=(40, 13, 15, 32),
            )
        )

    out.append(Para("Feedback", "h2"))
    if s.status == "Active" and s.client_feedback is None and s.freelancer_feedback is None:
        out.append(_grey("Feedback is left when the contract ends."))
    else:
        out += _feedback_blocks("Your feedback on the freelancer", s.client_feedback, "You have not left feedback.")
        out += _feedback_blocks("The freelancer's feedback on you", s.freelancer_feedback, s.freelancer_feedback_note)

    if s.include_private:
        out.append(Para("Private notes", "h2"))
        out.append(_grey("Included because “include private notes” was ticked."))
        notes = s.private_notes + (s.client_feedback.private if s.client_feedback else [])
        if notes:
            out += [Para(_paragraph(f"{what}: {isolate(text)}"), bold=len(what) + 1) for what, text in notes]
        else:
            out.append(_grey("No private notes."))
    return out


def _feedback_blocks(heading: str, fb: FeedbackView | None, missing: str) -> list[Block]:
    if fb is None:
        return [Para(heading, "label", bold=len(heading)), _grey(missing)]
    rows: list[list[Cell]] = [[cat, f"{stars} of 5"] for cat, stars in fb.ratings]
    if fb.score:  # the six-category form's mean; the single rating (v2) is its own score
        rows.append(["Overall score", f"{fb.score} of 5"])
    out: list[Block] = [
        Para(f"{heading} (submitted {_stamp(fb.submitted_at)})", "label", bold=len(heading)),
        Grid(
            ["Category" if fb.score else "Public rating", "Stars"],
            rows,
            numeric=frozenset({1}),
            widths=(70, 30),
            width=55,
            bold_rows=frozenset({len(rows) - 1}) if fb.score else frozenset(),
        ),
    ]
    if fb.comment:
        out.append(Para(_paragraph(f"Comment: {isolate(fb.comment)}")))
    return out


def contents_blocks(entries: list[tuple[ContractSummary, int]]) -> list[Block]:
    """The contents page of a combined PDF: each summary with the page it starts on."""
    rows = [[isolate(s.title), isolate(s.freelancer), s.status, str(page)] for s, page in entries]
    return [
        Para("Contract summaries", "h1"),
        Para(f"{len(entries)} contract{'s' if len(entries) != 1 else ''}", "sub", grey=True),
        Grid(["Contract", "Freelancer", "Status", "Page"], rows, numeric=frozenset({3}), widths=(48, 30, 12, 10)),
    ]


def blocks_text(blocks: Iterable[Block]) -> str:
    """The text of the blocks, a line for each paragraph and each row, cells apart by tabs (for tests, and the
    benchmark's baseline)."""
    lines = []
    for b in blocks:
        if isinstance(b, Para):
            lines.append(b.text)
            continue
        for row in [b.headers or [], *b.rows]:
            lines.append("\t".join(c if isinstance(c, str) else f"{c[0]} {c[1]}" for c in row))
    return "\n".join(lines)


# ------------------------------------------------------------------ fonts, and where text goes
def _font(pt: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(pt)
    font.setBold(bold)
    # No Latin ligatures: "fi" stays two letters, so the PDF's text is searched and copied as written.
    # (Scripts that join their letters, such as Arabic, are still shaped.)
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


FONTS = {  # key: (points, bold)
    "h1": (H1_PT, True),
    "h2": (H2_PT, True),
    "body": (BODY_PT, False),
    "bold": (BODY_PT, True),
    "table": (TABLE_PT, False),
    "th": (TABLE_PT, True),
    "small": (SMALL_PT, False),
    "footer": (FOOTER_PT, False),
}
# Space around blocks, in CSS pixels (1/96 inch) as the earlier HTML had it: (above, below). Two paragraphs'
# margins overlap (the larger counts); a table has none above and 6 px below, added to what follows.
MARGINS = {"h1": (0, 3), "sub": (12, 8), "p": (12, 12), "label": (12, 12), "h2": (18, 5)}
TABLE_BELOW = 6
PAD, FACTS_PAD = 4, 2  # inside a table's cells, and the facts' (CSS pixels)
KEEP = {"h1", "h2", "label"}  # kept with the first line or row of what follows
_CACHED_WIDTHS = 20_000  # texts whose width is remembered, per font (the cache starts again beyond)


class _Style:
    """The fonts at one resolution with their metrics, and the widths of the texts already measured: made
    once and shared by every summary a batch writes (each on its own writer, all at the same resolution)."""

    def __init__(self, device):
        self.px = device.logicalDpiY() / 96  # device pixels in a CSS pixel
        self.fonts = {key: _font(pt, bold) for key, (pt, bold) in FONTS.items()}
        metrics = {key: QFontMetricsF(font, device) for key, font in self.fonts.items()}
        self.advance = {key: m.horizontalAdvance for key, m in metrics.items()}
        self.ascent = {key: m.ascent() for key, m in metrics.items()}
        self.line = {key: math.ceil(m.ascent() + m.descent()) for key, m in metrics.items()}  # as QTextLayout's
        self.widths: dict[str, dict[str, float]] = {key: {} for key in self.fonts}
        self.wrap = QTextOption()
        self.wrap.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.wrap_right = QTextOption(self.wrap)
        self.wrap_right.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.bold_format = QTextCharFormat()
        self.bold_format.setFont(self.fonts["bold"])
        self.colors = {name: QColor(name) for name in ("black", GREY, HEADER_FILL, BAND_FILL)}

    def width(self, font: str, text: str) -> float:
        cache = self.widths[font]
        w = cache.get(text)
        if w is None:
            if len(cache) >= _CACHED_WIDTHS:
                cache.clear()
            w = cache[text] = self.advance[font](text)
        return w


_STYLES: dict[tuple[int, int], _Style] = {}


def _style(device) -> _Style:
    key = (device.logicalDpiX(), device.logicalDpiY())
    if key not in _STYLES:
        _STYLES[key] = _Style(device)
    return _STYLES[key]


class _Unit:
    """What a page cut never splits (save a row taller than a page): a line of a paragraph, or a table row.
    `ops` are (font, grey, position, text) drawn with drawText at their baseline, or (None, grey, position,
    QTextLayout or QTextLine) drawn from their top-left; `fill` is the row's band."""

    __slots__ = ("fill", "h", "ops", "y")

    def __init__(self, y: float, h: float, fill: tuple[QRectF, QColor] | None, ops: list):
        self.y, self.h, self.fill, self.ops = y, h, fill, ops


Cut = tuple[float, _Unit | None]  # where a page may start, and the table header to repeat there


@dataclass
class _Doc:
    """A laid-out document and its pages: each a band of it, and the table header it repeats first."""

    units: list[_Unit]
    bands: list[tuple[tuple[float, float], _Unit | None]]
    layouts: list = field(default_factory=list)  # the QTextLayouts its QTextLines belong to (kept alive)

    @property
    def pages(self) -> int:
        return len(self.bands)


class _Layout:
    """Places blocks one under the other on one long page, and notes where a page may be cut: between lines
    and between table rows, never between a table's header and its first row, never right after a heading."""

    def __init__(self, style: _Style, device, width: float, height: float):
        self.st = style
        self.device = device
        self.width = width
        self.height = height  # of a page's body
        self.units: list[_Unit] = []
        self.cuts: list[Cut] = []
        self.layouts: list[QTextLayout] = []
        self.y = 0.0
        self.prev: str | None = None  # the kind of the block above
        self.keep = False  # the block above is kept with this one

    def _begin(self, kind: str) -> None:
        prev, px = self.prev, self.st.px
        if prev is None:
            gap = 0.0
        elif kind == "table":
            gap = TABLE_BELOW if prev == "table" else 0
        elif prev == "table":
            gap = TABLE_BELOW + MARGINS[kind][0]
        else:
            gap = max(MARGINS[prev][1], MARGINS[kind][0])
        self.y += gap * px
        self.prev = kind

    def _add(self, unit: _Unit, *, cut: bool, header: _Unit | None = None) -> None:
        if cut:
            self.cuts.append((unit.y, header))
        self.units.append(unit)
        self.y = unit.y + unit.h

    def wrapped(self, text: str, font: str, width: float, *, right: bool = False, bold: int = 0):
        """`text` laid out in lines of `width`; returns the layout and its height."""
        layout = QTextLayout(text, self.st.fonts[font], self.device)
        layout.setTextOption(self.st.wrap_right if right else self.st.wrap)
        if bold:
            lead = QTextLayout.FormatRange()
            lead.start, lead.length, lead.format = 0, bold, self.st.bold_format
            layout.setFormats([lead])
        layout.beginLayout()
        y = 0.0
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            line.setPosition(QPointF(0, y))
            y += line.height()
        layout.endLayout()
        return layout, y

    # ------------------------------------------------------------ paragraphs
    def para(self, p: Para) -> None:
        self._begin(p.kind)
        font = {"h1": "h1", "h2": "h2"}.get(p.kind, "body")
        cut = not self.keep
        if not p.bold and LINE_BREAK not in p.text and self.st.width(font, p.text) <= self.width:
            base = QPointF(0, self.y + self.st.ascent[font])
            self._add(_Unit(self.y, self.st.line[font], None, [(font, p.grey, base, p.text)]), cut=cut)
        else:
            layout, _ = self.wrapped(p.text, font, self.width, bold=p.bold)
            self.layouts.append(layout)
            top = self.y
            for i in range(layout.lineCount()):
                line = layout.lineAt(i)
                unit = _Unit(top + line.y(), line.height(), None, [(None, p.grey, QPointF(0, top), line)])
                self._add(unit, cut=cut or i > 0)
        self.keep = p.kind in KEEP

    # ------------------------------------------------------------ tables
    def grid(self, g: Grid) -> None:
        st = self.st
        pad = (FACTS_PAD if g.facts else PAD) * st.px
        plain, bold = ("body", "body") if g.facts else ("table", "th")
        cols = self._columns(g, self.width * g.width / 100, pad, plain, bold)
        xs = [0.0]
        for w in cols[:-1]:
            xs.append(xs[-1] + w)
        self._begin("table")
        header = None
        if g.headers is not None:
            header = self._row(g.headers, g, cols, xs, pad, bold, HEADER_FILL, header=True)
            self._add(header, cut=not self.keep)
        for n, cells in enumerate(g.rows):
            fill = BAND_FILL if n % 2 and not g.facts else None
            unit = self._row(cells, g, cols, xs, pad, bold if n in g.bold_rows else plain, fill)
            if n:
                self._add(unit, cut=True, header=header)
            else:
                self._add(unit, cut=header is None and not self.keep)
            if unit.h > self.height:
                self._inner_cuts(unit, header)
        self.keep = False

    def _inner_cuts(self, unit: _Unit, header: _Unit | None) -> None:
        """A row taller than a page (a memo of thousands of words) may be cut between the lines of its longest
        cell; the page after such a cut repeats the table's header."""
        tallest = max((op for op in unit.ops if op[0] is None), key=lambda op: op[3].boundingRect().height())
        _, _, pos, layout = tallest
        self.cuts.extend((pos.y() + layout.lineAt(i).y(), header) for i in range(1, layout.lineCount()))

    def _row(self, cells, g: Grid, cols, xs, pad, font: str, fill: str | None, *, header: bool = False) -> _Unit:
        """One row of `g` at the current height: each cell on one line when it fits (or never wraps), else
        wrapped in its column; a cell's smaller second text under it; `fill` the row's band."""
        st = self.st
        top = self.y + pad
        base = top + st.ascent[font]
        line = st.line[font]
        height = line
        ops = []
        numeric, nowrap, grey = g.numeric, () if header else g.nowrap, g.grey
        for i, cell in enumerate(cells):
            if not cell:
                continue
            small = ""
            if type(cell) is tuple:
                cell, small = cell
            x = xs[i] + pad
            room = cols[i] - 2 * pad
            h = line
            if i in numeric and (not header or st.width(font, cell) <= room):
                ops.append((font, i in grey, QPointF(x + room - st.width(font, cell), base), cell))
            elif i in nowrap or (i not in numeric and st.width(font, cell) <= room):
                ops.append((font, i in grey, QPointF(x, base), cell))
            else:
                layout, h = self.wrapped(cell, font, room, right=i in numeric)
                ops.append((None, i in grey, QPointF(x, top), layout))
            if small:
                layout, more = self.wrapped(small, "small", room)
                ops.append((None, i in grey, QPointF(x, top + h), layout))
                h += more
            height = max(height, h)
        band = None
        if fill is not None:
            band = (QRectF(0, self.y, xs[-1] + cols[-1], height + 2 * pad), self.st.colors[fill])
        return _Unit(self.y, height + 2 * pad, band, ops)

    def _columns(self, g: Grid, width: float, pad: float, plain: str, bold: str) -> list[float]:
        """Each column's width: its share, widened to the widest text of a column that never wraps (taken from
        the others); without shares, by content, as HTML's automatic table layout does."""
        st = self.st
        n = len(g.headers or g.rows[0])
        fixed = g.numeric | g.nowrap
        texts = [[c if isinstance(c, str) else c[0] for c in row] for row in g.rows]
        if g.widths:
            cols = [width * share / 100 for share in g.widths]
            grown = 0.0
            for i in fixed:
                need = max((st.width(plain, row[i]) for row in texts), default=0.0) + 2 * pad
                if need > cols[i]:
                    grown += need - cols[i]
                    cols[i] = need
            others = [i for i in range(n) if i not in fixed]
            if grown and others:
                room = sum(cols[i] for i in others)
                for i in others:
                    cols[i] -= grown * cols[i] / room
            return cols
        most, least = [0.0] * n, [0.0] * n
        for font, rows in ((bold, [g.headers] if g.headers else []), (plain, texts)):
            for row in rows:
                for i, text in enumerate(row):
                    w = st.width(font, text)
                    most[i] = max(most[i], w)
                    if i in fixed:
                        least[i] = max(least[i], w)
                    else:
                        least[i] = max(least[i], max((st.width(font, word) for word in text.split()), default=0.0))
        most = [w + 2 * pad for w in most]
        least = [w + 2 * pad for w in least]
        if sum(most) <= width:
            return [w * width / sum(most) for w in most]
        flex = sum(m - lo for m, lo in zip(most, least, strict=True)) or 1.0
        spare = width - sum(least)
        return [lo + spare * (m - lo) / flex for m, lo in zip(most, least, strict=True)]


# ------------------------------------------------------------------ pages
class Pages:
    """Lays out documents for one paged device and paints them, each page with its footer.

    A document is laid out as one long page (`_Layout`) and cut into pages here, only where a cut is allowed.
    A table that runs onto a new page repeats its header row there. A row taller than a page (a very long
    memo) is cut between the lines of its longest cell, each page showing the lines that start on it.
    """

    def __init__(self, device: QPagedPaintDevice, footer_left: str):
        self.device = device
        self.footer_left = footer_left
        self.style = _style(device)
        dpi = device.resolution()  # QPdfWriter and QPrinter both have one
        self.rect = device.pageLayout().paintRectPixels(dpi)
        self.footer_font = self.style.fonts["footer"]
        line = QFontMetricsF(self.footer_font, device).height()
        self.footer_height = line + FOOTER_GAP_MM / 25.4 * dpi
        self.body = QSizeF(self.rect.width(), math.floor(self.rect.height() - self.footer_height))

    def layout(self, blocks: Iterable[Block]) -> _Doc:
        flow = _Layout(self.style, self.device, self.body.width(), self.body.height())
        for block in blocks:
            if isinstance(block, Grid):
                flow.grid(block)
            else:
                flow.para(block)
        return _Doc(flow.units, self._bands(flow.cuts, flow.y), flow.layouts)

    def _bands(self, cuts: list[Cut], end: float) -> list[tuple[tuple[float, float], _Unit | None]]:
        cuts = [*cuts, (end, None)]
        ys = [y for y, _ in cuts]
        height = self.body.height()
        bands: list[tuple[tuple[float, float], _Unit | None]] = []
        start, header = 0.0, None
        while start < end - 0.5:
            room = height - (header.h if header is not None else 0)
            i = bisect_right(ys, start + room) - 1  # the last cut that fits...
            if i >= 0 and ys[i] > start + 0.01:
                y, next_header = cuts[i]
            else:  # ...or, for a single thing taller than a page, where the page ends
                y, next_header = start + room, header
            bands.append(((start, y), header))
            start, header = y, next_header
        return bands or [((0.0, 0.0), None)]

    def paint(self, docs: list[_Doc], *, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Paint every page of `docs` in order; False if cancelled before the end."""
        total = sum(d.pages for d in docs)
        painter = QPainter(self.device)
        try:
            number = 0
            for d in docs:
                units, i = d.units, 0  # the first unit not yet painted whole
                for (y0, y1), header in d.bands:
                    if cancelled():
                        return False
                    if number:
                        self.device.newPage()
                    number += 1
                    pen = _Pen(painter, self.style)
                    at = 0.0
                    if header is not None:
                        painter.translate(0, -header.y)
                        pen.draw(header)
                        painter.translate(0, header.y)
                        at = header.h
                    painter.translate(0, at - y0)
                    while i < len(units) and units[i].y < y1 - 0.01:
                        u = units[i]
                        if u.y >= y0 - 0.01 and u.y + u.h <= y1 + 0.01:
                            pen.draw(u)
                        else:
                            pen.draw_part(u, y0, y1)
                        if u.y + u.h > y1 + 0.01:
                            break  # (it goes on on the next page)
                        i += 1
                    painter.translate(0, y0 - at)
                    self._footer(painter, number, total)
        finally:
            painter.end()
        return True

    def _footer(self, painter: QPainter, number: int, total: int) -> None:
        painter.save()
        painter.setFont(self.footer_font)
        painter.setPen(QColor("black"))
        top = self.rect.height() - QFontMetricsF(self.footer_font, self.device).height()
        box = QRectF(0, top, self.body.width(), self.rect.height() - top)
        pen = painter.pen()
        pen.setWidthF(max(1.0, self.device.logicalDpiY() / 300))
        painter.setPen(pen)
        painter.drawLine(0, int(top - 4), int(self.body.width()), int(top - 4))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.footer_left)
        painter.drawText(
            box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"Page {number} of {total}"
        )
        painter.restore()


class _Pen:
    """Paints units, setting the painter's font and colour only when they change."""

    def __init__(self, painter: QPainter, style: _Style):
        self.painter = painter
        self.fonts = style.fonts
        self.ascent = style.ascent
        self.colors = {False: style.colors["black"], True: style.colors[GREY]}
        self.font: str | None = None  # (a new page starts with the painter's own)
        self.grey: bool | None = None

    def draw(self, u: _Unit) -> None:
        p = self.painter
        if u.fill is not None:
            p.fillRect(*u.fill)
        for font, grey, pos, what in u.ops:
            if grey is not self.grey:
                p.setPen(self.colors[grey])
                self.grey = grey
            if font is None:
                what.draw(p, pos)
            else:
                if font != self.font:
                    p.setFont(self.fonts[font])
                    self.font = font
                p.drawText(pos, what)

    def draw_part(self, u: _Unit, y0: float, y1: float) -> None:
        """The lines of a row taller than a page that start on this page (from y0 to y1), each written once."""
        on_page = lambda y: y0 - 0.01 <= y < y1 - 0.01  # noqa: E731
        part = []
        for font, grey, pos, what in u.ops:
            if font is not None:
                if on_page(pos.y() - self.ascent[font]):
                    part.append((font, grey, pos, what))
            else:
                lines = (what.lineAt(i) for i in range(what.lineCount()))
                part += [(None, grey, pos, line) for line in lines if on_page(pos.y() + line.y())]
        fill = None if u.fill is None else (u.fill[0].intersected(QRectF(0, y0, u.fill[0].width(), y1 - y0)), u.fill[1])
        self.draw(_Unit(y0, y1 - y0, fill, part))


def footer_text(book_name: str, generated_at: datetime) -> str:
    return f"{isolate(book_name)} · generated {_stamp(generated_at)} by Escrowbook"


def pdf_writer(path: Path, title: str, page_size: QPageSize | None) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            page_size or page_size_for(), QPageLayout.Orientation.Portrait, MARGINS_MM, QPageLayout.Unit.Millimeter
        )
    )
    writer.setTitle(title)
    writer.setCreator("Escrowbook")
    return writer


def paint_summaries(
    device: QPagedPaintDevice,
    summaries: list[ContractSummary],
    *,
    book_name: str,
    generated_at: datetime,
    contents: bool = False,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Lay out and paint summaries onto a PDF writer or a printer; a contents page first if asked."""
    pages = Pages(device, footer_text(book_name, generated_at))
    docs = [pages.layout(summary_blocks(s)) for s in summaries]
    if contents:
        # The contents' own length decides where each summary starts: lay it out once to count its pages.
        guess = pages.layout(contents_blocks([(s, 0) for s in summaries])).pages
        start, entries = guess + 1, []
        for s, d in zip(summaries, docs, strict=True):
            entries.append((s, start))
            start += d.pages
        docs.insert(0, pages.layout(contents_blocks(entries)))
    return pages.paint(docs, cancelled=cancelled)


def write_pdf(
    path: str | os.PathLike,
    summaries: list[ContractSummary],
    *,
    book_name: str,
    generated_at: datetime,
    contents: bool = False,
    page_size: QPageSize | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    tidy: bool = True,
) -> bool:
    """Write one PDF (one summary, or many with `contents`) through a temporary file; False if cancelled.

    The temporary is checked whole (`check_pdf`) before it replaces `path`: QPdfWriter says nothing when the
    disk fills, so a file it could not finish raises OSError here, and whatever was at `path` stays as it was.
    """
    path = Path(path)
    title = summaries[0].title if len(summaries) == 1 else "Contract summaries"
    if tidy:  # (a batch tidies its folder once)
        remove_leftovers(path.parent)  # what a killed export left here (private notes, maybe)
    with temporary_beside(path, "pdf") as tmp:
        writer = pdf_writer(tmp, title, page_size)
        done = paint_summaries(
            writer, summaries, book_name=book_name, generated_at=generated_at, contents=contents, cancelled=cancelled
        )
        del writer  # flushes and closes the file
        if not done:
            return False
        check_pdf(tmp)
        os.replace(tmp, path)
        return True


def check_pdf(path: Path) -> None:
    """Raise OSError unless the PDF at `path` is whole: on the disk, not empty, and ending in its trailer
    (`startxref`, an offset that points at the cross-reference inside the file, `%%EOF`)."""
    try:
        sync(path)
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            f.seek(max(0, size - 1024))
            m = _TRAILER.search(f.read())
            offset = int(m.group(1)) if m else -1
            xref = b""
            if 0 < offset < size:
                f.seek(offset)
                xref = f.read(32)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, "the disk is full", str(path)) from None
        raise
    if size == 0 or not head.startswith(b"%PDF-") or not (xref.startswith(b"xref") or _XREF_OBJ.match(xref)):
        raise incomplete(path, "PDF")


_TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")  # a cross-reference stream

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# Bidi controls (embeddings, overrides, isolates, marks): in a file name they can make "exe.pdf" look like
# "fdp.exe". They never reach one.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]+")
NAME_BYTES = 200  # of the title in a file name, in UTF-8: most systems allow 255 bytes for a whole name


def file_name(contract_id: int, title: str) -> str:
    """A file name that says which contract it is and is valid on every system: no characters a system
    forbids, no bidi controls, the title cut to 200 bytes of UTF-8 on a character boundary."""
    title = _UNSAFE.sub(" ", _BIDI.sub("", title)).strip().strip(".")
    title = _cut(title, NAME_BYTES).strip().strip(".").strip() or "contract"
    return f"{contract_id:05d} {title}.pdf"


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def export_summaries(
    contract_ids: list[int],
    out: str | os.PathLike,
    *,
    book_name: str,
    combined: bool = False,
    include_private: bool = False,
    now: datetime,
    page_size: QPageSize | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Path]:
    """Summaries of these contracts: one PDF each into the folder `out`, or one combined PDF at `out`.

    Returns the files written. Cancelling stops at once and removes the file being written; the
    summaries already finished in a folder stay there, whole. A file that cannot be written whole (a full
    disk) stops the batch with OSError, whose `written` lists the files finished before it.
    """
    out = Path(out)
    total = len(contract_ids)
    if combined:
        summaries = []
        for n, cid in enumerate(contract_ids, start=1):
            if cancelled():
                return []
            summaries.append(contract_summary(cid, include_private=include_private, now=now))
            progress(n, total)
        done = write_pdf(
            out, summaries, book_name=book_name, generated_at=now, contents=True, page_size=page_size,
            cancelled=cancelled,
        )  # fmt: skip
        return [out] if done else []
    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)  # what a killed export left here (private notes, maybe)
    written = []
    for n, cid in enumerate(contract_ids, start=1):
        if cancelled():
            break
        s = contract_summary(cid, include_private=include_private, now=now)
        target = out / file_name(s.contract_id, s.title)
        try:
            done = write_pdf(
                target, [s], book_name=book_name, generated_at=now, page_size=page_size, cancelled=cancelled,
                tidy=False,
            )  # fmt: skip
        except OSError as exc:
            exc.written = written
            raise
        if done:
            written.append(target)
        progress(n, total)
    return written
