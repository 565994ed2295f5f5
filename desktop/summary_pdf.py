"""Contract summaries on paper: laid out with QTextDocument, painted page by page onto a QPdfWriter
(or a QPrinter), with a footer on every page: the book, when it was generated, and "Page N of M".

The data comes from models.report (no Qt there); this module only lays it out. Tables repeat their
header row on every page they run onto. Fonts are embedded by Qt's PDF engine. The paper is A4,
or Letter where the locale uses it. Files are written to a temporary name beside the target and
moved into place, so a failed or cancelled export never leaves a half-written PDF.
"""

from __future__ import annotations

import errno
import html
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QLocale, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
    QTextTable,
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

# Styled with HTML attributes and a few inline styles, not a style sheet (Qt matches a style sheet's
# selectors against every cell), and tables are banded rather than ruled: cell borders, collapsed,
# cost Qt more than the rest of the layout and painting together. Both greys print in black and white.
H1 = '<h1 style="font-size: 16pt; margin-top: 0px; margin-bottom: 3px;">'
H2 = '<h2 style="font-size: 11pt; margin-top: 18px; margin-bottom: 5px;">'
GREY = "#444444"
TABLE_STYLE = "font-size: 8.5pt; margin-bottom: 6px;"
HEADER_FILL = "#d6d6d6"
BAND_FILL = "#f0f0f0"  # every other row


def page_size_for(locale: QLocale | None = None) -> QPageSize:
    """A4, or Letter where the locale prints on it."""
    locale = locale or QLocale()
    letter = locale.territory() in LETTER_TERRITORIES
    return QPageSize(QPageSize.PageSizeId.Letter if letter else QPageSize.PageSizeId.A4)


def _e(text) -> str:
    return html.escape(str(text or ""), quote=False)


FSI, PDI = "\u2068", "\u2069"  # first strong isolate ... pop directional isolate


def isolate(text) -> str:
    """User text set apart from the text around it (FSI ... PDI): its own direction, whatever it holds, so a
    U+202E in a marketplace id cannot reverse the rest of a line, and Arabic or Hebrew reads as written."""
    text = str(text or "")
    return f"{FSI}{text}{PDI}" if text else ""


def _u(text) -> str:
    """User text, escaped and isolated."""
    return _e(isolate(text))


NBSP = "\u00a0"  # dates and amounts never break across lines


def _day(d: date | None) -> str:
    return "" if d is None else f"{d.day}{NBSP}{d:%b}{NBSP}{d:%Y}"


def _stamp(t: datetime | None) -> str:
    return "" if t is None else f"{t.day} {t:%b %Y, %H:%M} UTC"


def _table(
    headers: list[str],
    rows: Iterable[list[str]],
    numeric: set[int] = frozenset(),
    widths: list[int] | None = None,
    nowrap: set[int] = frozenset(),
    width: int = 100,
) -> str:
    """A grid whose header row repeats on every page it runs onto (<thead>). Numbers align right and,
    like dates (`nowrap`), never break across lines."""

    def attrs(i: int) -> str:
        return ' align="right" nowrap' if i in numeric else (" nowrap" if i in nowrap else "")

    cols = "".join(
        f'<th bgcolor="{HEADER_FILL}" align="{"right" if i in numeric else "left"}"{_width(widths, i)}>{_e(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        (f'<tr bgcolor="{BAND_FILL}">' if n % 2 else "<tr>")
        + "".join(f"<td{attrs(i)}>{cell}</td>" for i, cell in enumerate(r))
        + "</tr>"
        for n, r in enumerate(rows)
    )
    return (
        f'<table border="0" width="{width}%" cellspacing="0" cellpadding="4" style="{TABLE_STYLE}">'
        f"<thead><tr>{cols}</tr></thead><tbody>{body}</tbody></table>"
    )


def _width(widths, i) -> str:
    return f' width="{widths[i]}%"' if widths else ""


def _none(text: str) -> str:
    return f'<p style="color: {GREY};">{_e(text)}</p>'


def summary_html(s: ContractSummary) -> str:
    """The summary of one contract as the rich text Qt lays out."""
    money = lambda minor: "" if minor is None else _e(format_money(minor, s.currency)).replace(" ", NBSP)  # noqa: E731
    out = [f"{H1}{_u(s.title)}</h1>"]
    sub = [f"Contract #{s.contract_id}"]
    if s.external_id:
        sub.append(f"marketplace id {_u(s.external_id)}")
    sub.append(s.status + (f" on {_day(s.ended_on)}" if s.ended_on else ""))
    out.append(f'<p style="color: {GREY}; margin-bottom: 8px;">{" · ".join(sub)}</p>')

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
    cells = [f'<td width="17%"><font color="{GREY}">{_e(k)}:</font></td><td width="31%">{_e(v)}</td>' for k, v in facts]
    if len(cells) % 2:
        cells.append("<td></td><td></td>")
    rows = "".join(f'<tr>{cells[i]}<td width="4%"></td>{cells[i + 1]}</tr>' for i in range(0, len(cells), 2))
    out.append(f'<table width="100%" cellspacing="0" cellpadding="2">{rows}</table>')

    out.append(f"{H2}Money</h2>")
    figures = [[_e(k), money(v) if v is not None else "not set"] for k, v in s.money]
    half = (len(figures) + 1) // 2
    pairs = [[*left, "", *right] for left, right in zip(figures[:half], [*figures[half:], ["", ""]], strict=False)]
    out.append(
        _table(
            ["", f"Amount ({s.currency})", "", "", f"Amount ({s.currency})"],
            pairs,
            numeric={1, 4},
            widths=[25, 21, 6, 27, 21],
            width=78,
        )
    )

    out.append(f"{H2}Milestones</h2>")
    if s.milestones:
        out.append(
            _table(
                ["#", "Milestone", "Due", "Amount", "Funded", "Released", "State"],
                (
                    [
                        str(m.position),
                        _u(m.title) + (f"<br/><small>{_e(m.submissions)}</small>" if m.submissions else ""),
                        _day(m.due_on),
                        money(m.amount),
                        money(m.funded),
                        money(m.released),
                        _e(m.state),
                    ]
                    for m in s.milestones
                ),
                numeric={0, 3, 4, 5},
                nowrap={2},
                widths=[4, 31, 14, 13, 13, 13, 12],
            )
        )
    else:
        out.append(_none("No milestones."))

    out.append(f"{H2}Ledger</h2>")
    if s.ledger:
        out.append(
            _table(
                ["Date", "#", "Entry", "Milestone", "Memo", "Amount", "Escrow after"],
                (
                    [
                        _day(e.date),
                        str(e.id),
                        _e(e.entry) + (f"<br/><small>{_u(e.support)}</small>" if e.support else ""),
                        _u(e.milestone),
                        _u(e.memo),
                        money(e.amount),
                        money(e.escrow_after),
                    ]
                    for e in s.ledger
                ),
                numeric={5, 6},
                nowrap={0, 1},
                widths=[13, 6, 19, 18, 16, 14, 14],
            )
        )
    else:
        out.append(_none("No money has moved yet."))

    out.append(f"{H2}Escrow refund requests and disputes</h2>")
    if s.requests:
        out.append(
            _table(
                ["Requested", "Amount", "Reply due", "Status", "Answered"],
                (
                    [_day(r.requested_on), money(r.amount), _day(r.reply_due), _e(r.status), _day(r.answered_on)]
                    for r in s.requests
                ),
                numeric={1},
                nowrap={0, 2, 4},
            )
        )
    else:
        out.append(_none("No escrow refund requests."))
    for d in s.disputes:
        outcome = "; ".join(f"{_e(what)}: {money(amount)}" for what, amount in d.outcome) or "no outcome yet"
        out.append(
            _table(
                ["Dispute opened", "Amount", "Your answer due", "Answered", "Mediation ends", "Status", "Outcome"],
                [
                    [
                        _day(d.opened_on),
                        money(d.amount),
                        _day(d.answer_due),
                        _day(d.answered_on),
                        _day(d.mediation_ends),
                        _e(d.status),
                        outcome,
                    ]
                ],
                numeric={1},
                nowrap={0, 2, 3, 4},
            )
        )

    out.append(f"{H2}Closeout</h2>")
    if s.closeout:
        out.append(
            _table(
                ["Checklist item", "Done on", "Note"],
                ([_e(label), _day(done) or "open", _u(note)] for label, done, note in s.closeout),
                widths=[55, 15, 30],
                nowrap={1},
            )
        )
    else:
        out.append(_none("The closeout checklist starts when the contract ends."))
    if s.access:
        out.append(
            _table(
                ["Access given", "Where", "Given on", "Revoked on"],
                (
                    [_u(label), _u(where), _day(given), _day(revoked) or "not revoked"]
                    for label, where, given, revoked in s.access
                ),
                widths=[40, 30, 15, 15],
                nowrap={2, 3},
            )
        )
    else:
        out.append(_none("No access recorded in the access register."))
    if s.deliverables:
        out.append(
            _table(
                ["To receive back", "Kind", "Received on", "Note"],
                (
                    [_u(label), _e(kind), _day(received) or "not yet", _u(note)]
                    for label, kind, received, note in s.deliverables
                ),
                widths=[40, 13, 15, 32],
                nowrap={2},
            )
        )

    out.append(f"{H2}Feedback</h2>")
    if s.status == "Active" and s.client_feedback is None and s.freelancer_feedback is None:
        out.append(_none("Feedback is left when the contract ends."))
    else:
        out.append(_feedback_html("Your feedback on the freelancer", s.client_feedback, "You have not left feedback."))
        out.append(
            _feedback_html("The freelancer's feedback on you", s.freelancer_feedback, s.freelancer_feedback_note)
        )

    if s.include_private:
        out.append(f"{H2}Private notes</h2>")
        out.append(_none("Included because “include private notes” was ticked."))
        notes = s.private_notes + (s.client_feedback.private if s.client_feedback else [])
        if notes:
            for what, text in notes:
                out.append(f"<p><b>{_e(what)}:</b> {_u(text)}</p>".replace("\n", "<br>"))
        else:
            out.append(_none("No private notes."))
    return f"<html><body>{''.join(out)}</body></html>"


def _feedback_html(heading: str, fb: FeedbackView | None, missing: str) -> str:
    if fb is None:
        return f"<p><b>{_e(heading)}</b></p>" + _none(missing)
    rows = [[_e(cat), f"{stars} of 5"] for cat, stars in fb.ratings]
    if fb.score:  # the six-category form's mean; the single rating (v2) is its own score
        rows.append(["<b>Overall score</b>", f"<b>{fb.score} of 5</b>"])
    parts = [
        f"<p><b>{_e(heading)}</b> (submitted {_stamp(fb.submitted_at)})</p>",
        _table(["Category" if fb.score else "Public rating", "Stars"], rows, numeric={1}, widths=[70, 30], width=55),
    ]
    if fb.comment:
        parts.append(f"<p>Comment: {_u(fb.comment)}</p>".replace("\n", "<br>"))
    return "".join(parts)


def contents_html(entries: list[tuple[ContractSummary, int]]) -> str:
    rows = ([_u(s.title), _u(s.freelancer), _e(s.status), str(page)] for s, page in entries)
    table = _table(["Contract", "Freelancer", "Status", "Page"], rows, numeric={3}, widths=[48, 30, 12, 10])
    return (
        f"<html><body>{H1}Contract summaries</h1>"
        f'<p style="color: {GREY};">{len(entries)} contract{"s" if len(entries) != 1 else ""}</p>{table}</body></html>'
    )


# ------------------------------------------------------------------ painting pages
Slice = tuple[float, float]  # a band of the laid-out document, from y0 to y1


@dataclass
class _Doc:
    """A laid-out document and its pages: each a band of it, and the table header it repeats first."""

    doc: QTextDocument
    bands: list[tuple[Slice, Slice | None]]

    @property
    def pages(self) -> int:
        return len(self.bands)


class Pages:
    """Lays out documents for one paged device and paints them, each page with its footer.

    The document is laid out as one long page and cut into pages here, only where a cut is allowed:
    between lines, between table rows (never between a table's header and its first row), and never
    right after a heading. A table that runs onto a new page repeats its header row there.
    (Qt's own pagination can leave a line across a page break after some tables.)
    """

    def __init__(self, device: QPagedPaintDevice, footer_left: str):
        self.device = device
        self.footer_left = footer_left
        dpi = device.resolution()  # QPdfWriter and QPrinter both have one
        self.rect = device.pageLayout().paintRectPixels(dpi)
        self.body_font = QFont()
        self.body_font.setFamilies(FONT_FAMILIES)
        self.body_font.setPointSizeF(BODY_PT)
        # No Latin ligatures: "fi" stays two letters, so the PDF's text is searched and copied as written.
        # (Scripts that join their letters, such as Arabic, are still shaped.)
        for tag in ("liga", "clig"):
            self.body_font.setFeature(QFont.Tag(tag), 0)
        self.footer_font = QFont(self.body_font)
        self.footer_font.setPointSizeF(FOOTER_PT)
        line = QFontMetricsF(self.footer_font, device).height()
        self.footer_height = line + FOOTER_GAP_MM / 25.4 * dpi
        self.body = QSizeF(self.rect.width(), math.floor(self.rect.height() - self.footer_height))

    def layout(self, html_text: str) -> _Doc:
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(self.device)
        doc.setDefaultFont(self.body_font)
        doc.setDocumentMargin(0)
        # The width first: setHtml lays the document out, and a width set after it would lay it out again.
        doc.setTextWidth(self.body.width())  # one long page: the cuts are made below
        doc.setHtml(html_text)
        return _Doc(doc, self._bands(doc))

    def _cuts(self, doc: QTextDocument) -> list[tuple[float, Slice | None]]:
        """Where a page may end, in order: (y, the table header to repeat on the next page, if any)."""
        layout = doc.documentLayout()
        cuts: list[tuple[float, Slice | None]] = []
        keep_next = False  # the previous block was a heading
        below = 0.0  # the foot of the last table: Qt may place the block after a table inside its last row
        block = doc.begin()
        while block.isValid():
            table = QTextCursor(block).currentTable()
            if table is not None:
                table_cuts, below = self._table_cuts(table, layout, allow_first=not keep_next)
                cuts.extend(table_cuts)
                keep_next = False
                block = table.lastCursorPosition().block().next()
                continue
            lines = block.layout()
            top = layout.blockBoundingRect(block).top()
            for i in range(lines.lineCount()):
                y = top + lines.lineAt(i).y()
                if (i or not keep_next) and y >= below:
                    cuts.append((y, None))
            keep_next = lines.lineCount() > 0 and block.blockFormat().headingLevel() > 0
            block = block.next()
        cuts.append((layout.documentSize().height(), None))
        return cuts

    @staticmethod
    def _table_cuts(table: QTextTable, layout, *, allow_first: bool) -> tuple[list[tuple[float, Slice | None]], float]:
        """Cuts between rows, halfway between one row's text and the next (the header row repeats after each),
        and the foot of the table."""
        # Each block of the table once, in order: where its row's text starts and ends (a block knows its place
        # in its cell; the layout, in the document). A row starts where its first cell does (no merged cells here).
        rows = table.rows()
        tops, bottoms = [math.inf] * rows, [-math.inf] * rows
        starts = [table.cellAt(r, 0).firstPosition() for r in range(1, rows)] + [table.lastPosition() + 1]
        block, r = table.firstCursorPosition().block(), 0
        while block.isValid() and (position := block.position()) < starts[-1]:
            while position >= starts[r]:
                r += 1
            _, y, _, h = layout.blockBoundingRect(block).getRect()
            tops[r] = min(tops[r], y)
            bottoms[r] = max(bottoms[r], y + h)
            block = block.next()

        def rule(r: int) -> float:  # between row r - 1 and row r
            return (bottoms[r - 1] + tops[r]) / 2

        frame = layout.frameBoundingRect(table)
        cuts = [(frame.top(), None)] if allow_first else []
        headers = table.format().headerRowCount()
        header = (frame.top(), rule(headers)) if 0 < headers < rows else None
        for r in range(headers + 1, rows):
            cuts.append((rule(r), header))
        return cuts, frame.bottom()

    def _bands(self, doc: QTextDocument) -> list[tuple[Slice, Slice | None]]:
        cuts = self._cuts(doc)
        end = cuts[-1][0]
        height = self.body.height()
        bands: list[tuple[Slice, Slice | None]] = []
        start, header = 0.0, None
        while start < end - 0.5:
            room = height - (header[1] - header[0] if header else 0)
            fits = [c for c in cuts if start < c[0] <= start + room]
            # The last cut that fits; a single thing taller than a page is cut where the page ends.
            y, next_header = fits[-1] if fits else (start + room, header)
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
                for band, header in d.bands:
                    if cancelled():
                        return False
                    if number:
                        self.device.newPage()
                    number += 1
                    y = 0.0
                    if header is not None:
                        y = self._draw(painter, d.doc, header, y)
                    self._draw(painter, d.doc, band, y)
                    self._footer(painter, number, total)
        finally:
            painter.end()
        return True

    def _draw(self, painter: QPainter, doc: QTextDocument, band: Slice, at: float) -> float:
        """Paint one band of the document at height `at` of the page; returns where it ends."""
        y0, y1 = band
        painter.save()
        painter.translate(0, at - y0)
        doc.drawContents(painter, QRectF(0, y0, self.body.width(), y1 - y0))
        painter.restore()
        return at + y1 - y0

    def _footer(self, painter: QPainter, number: int, total: int) -> None:
        painter.save()
        painter.setFont(self.footer_font)
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
    docs = [pages.layout(summary_html(s)) for s in summaries]
    if contents:
        # The contents' own length decides where each summary starts: lay it out once to count its pages.
        guess = pages.layout(contents_html([(s, 0) for s in summaries])).pages
        start, entries = guess + 1, []
        for s, d in zip(summaries, docs, strict=True):
            entries.append((s, start))
            start += d.pages
        docs.insert(0, pages.layout(contents_html(entries)))
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
