"""Charts for the reports, painted with QPainter: spend per period stacked by kind or by freelancer, escrow held
over time, budget against actual.

Why QPainter and not Qt Charts: Qt Charts (QtCharts) ships in PySide6-Addons, not in the PySide6-Essentials wheel
the app pins (DESIGN.md, "Stack and versions"); adding it would add the Addons wheel to the installer for three
charts. These painters need nothing beyond QtGui.

Each `paint_*(painter, rect, data, palette)` takes plain data (models/report_views.ChartData: categories, series of
integer minor units, one currency) and a palette, and paints into any QPainter: the `ChartWidget` below on screen,
or a QPdfWriter page. Colours come from the palette (light or dark) and every series also has its own hatching,
so a chart printed in black and white still reads; the legend names each series, the value axis is in money (the
app's one formatter), and figures are written on the chart where they fit.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop import formatting
from models import report_views
from models.money import CURRENCY_EXPONENT

_ROLE = QPalette.ColorRole
# Series colours (on light, on dark): told apart by hue and lightness, and by PATTERNS without colour.
SERIES_COLOURS = (
    ("#1f5fbf", "#8ab4f8"),
    ("#b35c00", "#f0a540"),
    ("#2e7d32", "#81c995"),
    ("#8e24aa", "#d7aefb"),
    ("#00838f", "#78d9e4"),
    ("#6d4c41", "#c8a597"),
)
PATTERNS = (
    Qt.BrushStyle.NoBrush,  # the first series solid
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.Dense5Pattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.DiagCrossPattern,
)
WARNING = ("#8a4b00", "#f0a540")  # desktop/widgets/appearance.COLOURS["warning"]
EMPTY = "Nothing to show for these dates and filters."
PAD = 8


def _dark(palette: QPalette) -> bool:
    return palette.color(_ROLE.Base).lightness() < 128


def series_colour(i: int, palette: QPalette) -> QColor:
    light, dark = SERIES_COLOURS[i % len(SERIES_COLOURS)]
    return QColor(dark if _dark(palette) else light)


def series_brush(i: int, palette: QPalette) -> tuple[QBrush, QBrush | None]:
    """The fill of series `i` and its hatching (None for the first, solid), in the palette's colours."""
    fill = QBrush(series_colour(i, palette))
    style = PATTERNS[i % len(PATTERNS)]
    if style == Qt.BrushStyle.NoBrush:
        return fill, None
    return fill, QBrush(palette.color(_ROLE.Base), style)


def _fill(painter: QPainter, rect: QRectF, i: int, palette: QPalette) -> None:
    fill, hatch = series_brush(i, palette)
    painter.fillRect(rect, fill)
    if hatch is not None:
        painter.fillRect(rect, hatch)
    painter.setPen(QPen(palette.color(_ROLE.Text), 0.8))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)


def money_label(value: int, currency: str, *, short: bool = False) -> str:
    """A figure as the app shows money; `short` drops the minor units of a round figure (for the axis)."""
    if short and currency in CURRENCY_EXPONENT:
        unit = 10 ** CURRENCY_EXPONENT[currency]
        if value % unit == 0:
            text = formatting.money(value, currency)
            decimals = CURRENCY_EXPONENT[currency]
            if decimals:
                sep_at = text.rfind("." + "0" * decimals)
                if sep_at >= 0:
                    return text[:sep_at] + text[sep_at + 1 + decimals :]
            return text
    return formatting.money(value, currency)


def nice_step(span: int, currency: str, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten of whole units) giving about `ticks` steps over `span`."""
    unit = 10 ** CURRENCY_EXPONENT.get(currency, 2)
    raw = max(span / max(ticks, 1), unit)
    step = unit
    while True:
        for m in (1, 2, 5):
            if step * m >= raw:
                return step * m
        step *= 10


def _style(data, i: int) -> int:
    """The fill of series `i`: budget against actual paints the budget hatched and the actual solid."""
    return (1 - i) if data.kind == "budget" and i < 2 else i


def _header(painter: QPainter, rect: QRectF, data, palette: QPalette) -> QRectF:
    """The title and the legend at the top, the note at the bottom; returns what is left for the plot."""
    text = palette.color(_ROLE.Text)
    painter.setPen(text)
    font = QFont(painter.font())
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    fm = QFontMetrics(bold)
    title = f"{data.title} ({data.currency})" if data.currency else data.title
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), fm.height()), Qt.AlignmentFlag.AlignLeft,
                     fm.elidedText(title, Qt.TextElideMode.ElideRight, int(rect.width())))  # fmt: skip
    painter.setFont(font)
    fm = QFontMetrics(font)
    y = rect.top() + fm.height() + 4
    x = rect.left()
    box = fm.height() - 4
    for i, s in enumerate(data.series if data.kind != "area" else data.series[:1]):
        name = fm.elidedText(s.name, Qt.TextElideMode.ElideRight, int(rect.width() / 3))
        w = box + 6 + fm.horizontalAdvance(name) + 16
        if x + w > rect.right() and x > rect.left():
            x = rect.left()
            y += fm.height() + 2
        _fill(painter, QRectF(x, y + 2, box, box), _style(data, i), palette)
        painter.setPen(text)
        painter.drawText(QPointF(x + box + 6, y + fm.ascent()), name)
        x += w
    top = y + fm.height() + 6
    bottom = rect.bottom()
    if data.note:
        lines = _wrap(data.note, fm, rect.width())
        bottom -= len(lines) * fm.height() + 2
        painter.setPen(text)
        for n, line in enumerate(lines):
            painter.drawText(QPointF(rect.left(), bottom + 2 + fm.ascent() + n * fm.height()), line)
    return QRectF(rect.left(), top, rect.width(), max(bottom - top, 0))


def _wrap(text: str, fm: QFontMetrics, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if fm.horizontalAdvance(trial) > width and line:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def _empty(painter: QPainter, plot: QRectF, palette: QPalette) -> None:
    painter.setPen(palette.color(_ROLE.PlaceholderText))
    painter.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, EMPTY)


def _value_axis(painter, plot: QRectF, low: int, high: int, data, palette) -> tuple[QRectF, callable]:
    """Gridlines and money labels on the left; returns the plot without the labels and value -> y."""
    fm = QFontMetrics(painter.font())
    span = max(high - low, 1)
    room = int((plot.height() - fm.height() * 2) // (fm.height() * 1.5))  # (labels a line and a half apart, at least)
    step = nice_step(span, data.currency, max(1, min(4, room)))
    high = -(-high // step) * step
    if low < 0:  # room below zero for what is there, not a whole step more (a small refund, say)
        low = min(low - span // 20, -step // 5)
    if high == low:
        high = low + step
    ticks = list(range(-(-low // step) * step, high + 1, step))
    labels = [money_label(t, data.currency, short=True) for t in ticks]
    left = max(fm.horizontalAdvance(t) for t in labels) + 6
    area = QRectF(
        plot.left() + left, plot.top() + fm.height() / 2, plot.width() - left, plot.height() - fm.height() * 2
    )

    def y_of(v: int) -> float:
        return area.bottom() - (v - low) / (high - low) * area.height()

    grid = QColor(palette.color(_ROLE.Text))
    grid.setAlpha(50)
    for t, text in zip(ticks, labels, strict=True):
        y = y_of(t)
        painter.setPen(QPen(grid, 1, Qt.PenStyle.SolidLine if t == 0 else Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        painter.setPen(palette.color(_ROLE.Text))
        painter.drawText(QRectF(plot.left(), y - fm.height() / 2, left - 6, fm.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)  # fmt: skip
    return area, y_of


def _category_labels(painter, area: QRectF, categories, palette) -> None:
    fm = QFontMetrics(painter.font())
    n = len(categories)
    slot = area.width() / n
    widest = max(fm.horizontalAdvance(c) for c in categories) + 8
    every = max(1, -(-int(widest) // max(int(slot), 1)))
    painter.setPen(palette.color(_ROLE.Text))
    for i, c in enumerate(categories):
        if i % every:
            continue
        x = area.left() + slot * i + slot / 2
        painter.drawText(QRectF(x - widest / 2, area.bottom() + 4, widest, fm.height()), Qt.AlignmentFlag.AlignCenter,
                         c)  # fmt: skip


def paint_stacked(painter: QPainter, rect: QRectF, data, palette: QPalette) -> None:
    """Bars per category with the series stacked (positive values up, negative ones down from zero), each
    category's total written above its bar where it fits."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(rect, palette.color(_ROLE.Base))
    inner = QRectF(rect).adjusted(PAD, PAD, -PAD, -PAD)
    plot = _header(painter, inner, data, palette)
    n = len(data.categories)
    if not n or not any(v for s in data.series for v in s.values):
        _empty(painter, plot, palette)
        painter.restore()
        return
    ups = [sum(max(s.values[i], 0) for s in data.series) for i in range(n)]
    downs = [sum(min(s.values[i], 0) for s in data.series) for i in range(n)]
    area, y_of = _value_axis(painter, plot, min(min(downs), 0), max(max(ups), 0), data, palette)
    slot = area.width() / n
    bar = max(min(slot * 0.7, 64), 2)
    fm = QFontMetrics(painter.font())
    for i in range(n):
        x = area.left() + slot * i + (slot - bar) / 2
        up = down = 0
        for k, s in enumerate(data.series):
            v = s.values[i]
            if not v:
                continue
            start = up if v > 0 else down
            end = start + v
            top, bottom = y_of(max(start, end)), y_of(min(start, end))
            _fill(painter, QRectF(x, top, bar, max(bottom - top, 1)), k, palette)
            if v > 0:
                up = end
            else:
                down = end
        if data.totals:
            text = money_label(data.totals[i], data.currency)
            if fm.horizontalAdvance(text) <= slot - 2:
                painter.setPen(palette.color(_ROLE.Text))
                painter.drawText(QRectF(area.left() + slot * i, y_of(up) - fm.height() - 2, slot, fm.height()),
                                 Qt.AlignmentFlag.AlignCenter, text)  # fmt: skip
    _category_labels(painter, area, data.categories, palette)
    painter.restore()


def paint_area(painter: QPainter, rect: QRectF, data, palette: QPalette) -> None:
    """The first series as a line over the categories, filled down to zero, with a marker at each point and the
    last and the highest figures written beside their points."""
    painter.save()
    painter.fillRect(rect, palette.color(_ROLE.Base))
    inner = QRectF(rect).adjusted(PAD, PAD, -PAD, -PAD)
    plot = _header(painter, inner, data, palette)
    values = data.series[0].values if data.series else ()
    if not values or not any(values):
        _empty(painter, plot, palette)
        painter.restore()
        return
    area, y_of = _value_axis(painter, plot, min(min(values), 0), max(max(values), 0), data, palette)
    n = len(values)
    slot = area.width() / n
    points = [QPointF(area.left() + slot * i + slot / 2, y_of(v)) for i, v in enumerate(values)]
    colour = series_colour(0, palette)
    path = QPainterPath(QPointF(points[0].x(), y_of(0)))
    for p in points:
        path.lineTo(p)
    path.lineTo(QPointF(points[-1].x(), y_of(0)))
    path.closeSubpath()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    soft = QColor(colour)
    soft.setAlpha(70)
    painter.fillPath(path, soft)
    painter.fillPath(path, QBrush(palette.color(_ROLE.Text), Qt.BrushStyle.BDiagPattern))
    painter.setPen(QPen(colour, 2.5))
    for a, b in pairwise(points):
        painter.drawLine(a, b)
    painter.setBrush(palette.color(_ROLE.Base))
    painter.setPen(QPen(colour, 2))
    for p in points:
        painter.drawEllipse(p, 3.5, 3.5)
    fm = QFontMetrics(painter.font())
    painter.setPen(palette.color(_ROLE.Text))
    marked = {n - 1, max(range(n), key=lambda i: values[i])}
    for i in sorted(marked):
        text = money_label(values[i], data.currency)
        w = fm.horizontalAdvance(text)
        x = min(max(points[i].x() - w / 2, area.left()), area.right() - w)
        painter.drawText(QPointF(x, points[i].y() - 8), text)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    _category_labels(painter, area, data.categories, palette)
    painter.restore()


def paint_budget(painter: QPainter, rect: QRectF, data, palette: QPalette) -> None:
    """Per category (a contract) two horizontal bars, budget (hatched) and actual (solid), the contract's title
    on the left and its flag in words on the right ("Over budget" also in the warning colour)."""
    painter.save()
    painter.fillRect(rect, palette.color(_ROLE.Base))
    inner = QRectF(rect).adjusted(PAD, PAD, -PAD, -PAD)
    plot = _header(painter, inner, data, palette)
    n = len(data.categories)
    if not n:
        _empty(painter, plot, palette)
        painter.restore()
        return
    fm = QFontMetrics(painter.font())
    top_value = max([max(s.values) for s in data.series if s.values] + [1])
    label_w = min(plot.width() * 0.3, max(fm.horizontalAdvance(c) for c in data.categories) + 8)
    flag_w = max((fm.horizontalAdvance(f) for f in data.flags), default=0) + 8
    value_w = fm.horizontalAdvance(money_label(top_value, data.currency)) + 8
    bars = QRectF(plot.left() + label_w, plot.top(), plot.width() - label_w - flag_w - value_w, plot.height())
    font_ = QFont(painter.font())
    small = QFont(font_)
    small.setPointSizeF(max(font_.pointSizeF() * 0.85, 6))
    row_min = QFontMetrics(small).height() * 1.6 + 4  # (a contract's two bars, each with its amount)
    if bars.height() // row_min < n:  # too low a chart for every contract: the first ones, and a line saying so
        bars.setHeight(max(bars.height() - fm.height(), 0))
        shown = int(bars.height() // row_min)
        if shown > 1:
            words = f"The first {shown} of these {n} contracts shown: a taller window shows them all."
        elif shown == 1:
            words = f"Only the first of these {n} contracts shown: a taller window shows them all."
        else:
            words = f"No room for these {n} contracts: a taller window shows them."
        painter.setPen(palette.color(_ROLE.PlaceholderText))
        painter.drawText(QRectF(plot.left(), bars.bottom() if shown else plot.top(), plot.width(), fm.height()),
                         Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(words, Qt.TextElideMode.ElideRight, int(plot.width())))  # fmt: skip
        if not shown:
            painter.restore()
            return
        n = shown
    row_h = min(bars.height() / n, fm.height() * 2.6)
    warning = QColor(WARNING[1] if _dark(palette) else WARNING[0])
    for i, title in enumerate(data.categories[:n]):
        y = bars.top() + row_h * i
        painter.setPen(palette.color(_ROLE.Text))
        shown = fm.elidedText(title, Qt.TextElideMode.ElideRight, int(label_w - 8))
        painter.drawText(QRectF(plot.left(), y, label_w - 8, row_h), Qt.AlignmentFlag.AlignVCenter |
                         Qt.AlignmentFlag.AlignLeft, shown)  # fmt: skip
        h = max((row_h - 6) / 2, 2)
        for k, s in enumerate(data.series[:2]):
            v = s.values[i]
            w = max(v, 0) / top_value * bars.width()
            r = QRectF(bars.left(), y + 2 + k * h, max(w, 1), h - 1)
            _fill(painter, r, _style(data, k), palette)
            painter.setPen(palette.color(_ROLE.Text))
            painter.setFont(small)
            painter.drawText(QRectF(r.right() + 4, r.top() - 3, value_w, h + 6), Qt.AlignmentFlag.AlignVCenter,
                             money_label(v, data.currency))  # fmt: skip
            painter.setFont(font_)
        flag = data.flags[i] if i < len(data.flags) else ""
        if flag:
            over = flag.lower().startswith("over")
            font = QFont(painter.font())
            font.setBold(over)
            painter.setFont(font)
            painter.setPen(warning if over else palette.color(_ROLE.Text))
            painter.drawText(QRectF(plot.right() - flag_w, y, flag_w, row_h),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, flag)  # fmt: skip
            font.setBold(False)
            painter.setFont(font)
    painter.restore()


PAINTERS = {"stacked": paint_stacked, "area": paint_area, "budget": paint_budget}


def paint_chart(painter: QPainter, rect: QRectF, data, palette: QPalette) -> None:
    """The painter of `data.kind`."""
    PAINTERS[data.kind](painter, QRectF(rect), data, palette)


def legend_texts(data) -> list[str]:
    """The names the legend shows, in order."""
    return [s.name for s in (data.series if data.kind != "area" else data.series[:1])]


class ChartWidget(QWidget):
    """Shows one chart (ChartData), painted with the widget's own palette; None shows nothing to chart."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chartWidget")
        self.setAccessibleName("Chart")
        self.data = None
        self.message = "This report has no chart."  # shown when there is no data
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 96)  # (a low window: fewer bars, said so, rather than a chart cut off)

    def set_message(self, text: str) -> None:
        """No chart yet: `text` says why (it is being read, say)."""
        self.data = None
        self.message = text
        self.setAccessibleDescription(text)
        self.update()

    def set_data(self, data) -> None:
        self.data = data
        self.message = "This report has no chart."
        if data is not None:
            self.setAccessibleDescription(f"{data.title} in {data.currency}: {', '.join(legend_texts(data))}")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self.data is None:
            painter.fillRect(self.rect(), self.palette().color(_ROLE.Base))
            painter.setPen(self.palette().color(_ROLE.PlaceholderText))
            painter.drawText(QRectF(self.rect()).adjusted(24, 0, -24, 0),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)  # fmt: skip
        else:
            paint_chart(painter, QRectF(self.rect()), self.data, self.palette())
        painter.end()


def pack_charts() -> dict[str, Callable[[QPainter, QRectF, object, QPalette], None]]:
    """The year-end pack's charts, by the key of the table they stand above (models/pack.py; desktop/pack_pdf.py
    paints them): spend per month by kind, escrow held at each month end, budget against actual. Each is drawn in
    the pack's home currency when it has one, else in the currency most of the report's rows are in."""

    def drawn(make: Callable[[object, str], object]) -> Callable[[QPainter, QRectF, object, QPalette], None]:
        def paint(painter: QPainter, rect: QRectF, report, palette: QPalette) -> None:
            shown = report_views.currencies(report)
            if shown:
                paint_chart(painter, rect, make(report, shown[0]), palette)

        return paint

    return {
        "spend-by-month": drawn(report_views.spend_chart),
        "escrow-by-month-end": drawn(report_views.escrow_chart),
        "budget-against-actual": drawn(report_views.budget_chart),
    }
