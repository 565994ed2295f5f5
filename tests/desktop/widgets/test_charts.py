"""The report charts (desktop/widgets/charts.py): each painter paints plain data into any QPainter (an image
here, as a PDF page would be) without error for no series, one and many, in light and dark; the legend names
each series; the value axis is in money; the series are told apart without colour (each its own hatching)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from desktop.widgets import appearance, charts
from models.report_views import ChartData, Series

MONTHS = ("Jan 2026", "Feb 2026", "Mar 2026")


def stacked(n_series: int, categories=MONTHS) -> ChartData:
    series = tuple(
        Series(f"Freelancer {i}", tuple((i + 1) * 10_000 * (j + 1) for j in range(len(categories))))
        for i in range(n_series)
    )
    totals = tuple(sum(s.values[j] for s in series) for j in range(len(categories)))
    return ChartData("stacked", "Spend by month, by freelancer", "USD", tuple(categories), series, (), "", "Spend",
                     totals)  # fmt: skip


def area(values) -> ChartData:
    cats = tuple(f"M{i}" for i in range(len(values)))
    return ChartData("area", "Escrow held at each month end", "EUR", cats, (Series("Held in escrow", tuple(values)),))


def budget(n: int) -> ChartData:
    cats = tuple(f"Contract {i} " + "with a long title " * 8 for i in range(n))
    series = (Series("Budget", tuple(50_000 for _ in range(n))), Series("Actual", tuple(30_000 * i for i in range(n))))
    flags = tuple("Over budget" if 30_000 * i > 50_000 else "Under budget" for i in range(n))
    return ChartData("budget", "Budget against actual", "USD", cats, series, flags, "The 12 largest budgets.")


def painted(data: ChartData, dark: bool = False) -> QImage:
    image = QImage(640, 360, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ff00ff"))
    palette = appearance.dark_palette() if dark else appearance.light_palette()
    painter = QPainter(image)
    charts.paint_chart(painter, QRectF(0, 0, 640, 360), data, palette)
    painter.end()
    return image


def colours(image: QImage) -> set[int]:
    return {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}


CASES = {
    "stacked, none": stacked(0),
    "stacked, one": stacked(1),
    "stacked, many": stacked(8, tuple(f"{m} 2026" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun") * 4)),
    "stacked, no categories": stacked(2, ()),
    "area, none": area(()),
    "area, one": area((12_345,)),
    "area, many": area(tuple((i * 7919) % 50_000 for i in range(40))),
    "area, negative": area((-5_000, 10_000)),
    "budget, none": budget(0),
    "budget, one": budget(1),
    "budget, many": budget(12),
}


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", list(CASES))
def test_each_chart_paints_without_error_for_no_one_or_many_series(qapp, name, dark):
    image = painted(CASES[name], dark)
    background = appearance.dark_palette() if dark else appearance.light_palette()
    base = background.color(background.ColorRole.Base).rgb()
    assert image.pixel(1, 1) == base  # the whole rect painted, in the palette's own background
    assert len(colours(image)) > 2  # and something drawn on it (a title at least)


def test_an_empty_chart_says_there_is_nothing_to_show(qapp):
    data = stacked(0)
    assert charts.EMPTY == "Nothing to show for these dates and filters."
    assert painted(data) != painted(stacked(1))


def test_the_legend_names_each_series(qapp):
    assert charts.legend_texts(stacked(3)) == ["Freelancer 0", "Freelancer 1", "Freelancer 2"]
    assert charts.legend_texts(area((1, 2))) == ["Held in escrow"]
    assert charts.legend_texts(budget(2)) == ["Budget", "Actual"]


def test_series_are_told_apart_without_colour():
    """In black and white the fills' hatching differs for each of the first six series."""
    assert len(set(charts.PATTERNS)) == len(charts.PATTERNS) == len(charts.SERIES_COLOURS)
    for dark in (False, True):
        palette = appearance.dark_palette() if dark else appearance.light_palette()
        first, hatch = charts.series_brush(0, palette)
        assert hatch is None and first.color() == charts.series_colour(0, palette)
        styles = [charts.series_brush(i, palette)[1].style() for i in range(1, 6)]
        assert len(set(styles)) == 5 and all(s != Qt.BrushStyle.SolidPattern for s in styles)


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [(1_500_000, "USD", "$15,000"), (1_500_050, "USD", "$15,000.50"), (500_000, "JPY", "¥500,000"),
     (-500_000, "EUR", "−€5,000"), (12_500, "KWD", "12.500 KWD")],
)  # fmt: skip
def test_the_value_axis_is_in_money(value, currency, text):
    assert charts.money_label(value, currency, short=True) == text


def test_axis_steps_are_round(qapp):
    assert charts.nice_step(1_000_000, "USD") == 500_000  # $10,000 in four steps: $2,500 each, rounded to $5,000
    assert charts.nice_step(3, "USD") == 100  # never less than one whole unit
    assert charts.nice_step(40_000, "JPY") == 10_000


def test_the_chart_widget_paints_its_data_and_nothing(qtbot):
    widget = charts.ChartWidget()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    assert not widget.grab().isNull()
    widget.set_data(budget(3))
    assert "Budget against actual in USD" in widget.accessibleDescription()
    assert not widget.grab().isNull()


class Recording(QPainter):
    """A painter that keeps each text it draws, with where (a QRectF, or a QPointF)."""

    def __init__(self, device):
        super().__init__(device)
        self.texts: list[tuple[object, str]] = []

    def drawText(self, *args):  # (Qt's name)
        self.texts.append((args[0], args[-1]))
        super().drawText(*args)


def drawn(data: ChartData, width: int, height: int) -> list[tuple[object, str]]:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    painter = Recording(image)
    charts.paint_chart(painter, QRectF(0, 0, width, height), data, appearance.light_palette())
    painter.end()
    return painter.texts


def test_a_chart_too_low_for_every_contract_draws_those_that_fit_and_says_so(qapp):
    """A low window (a small screen at 200%) has room for only some of the budget chart's contracts: it draws those
    that fit, one under the other, and says how many of them it shows, rather than drawing them over each other."""
    titles = lambda texts: [t for _, t in texts if t.startswith("Contract ")]  # noqa: E731
    tall = drawn(budget(12), 640, 360)
    assert len(titles(tall)) == 12 and not [t for _, t in tall if "taller window" in t]
    low = drawn(budget(12), 640, 150)
    shown = titles(low)
    assert 1 < len(shown) < 12
    assert f"The first {len(shown)} of these 12 contracts shown: a taller window shows them all." in [t for _, t in low]
    tops = [where.top() for where, t in low if t.startswith("Contract ")]
    heights = [where.height() for where, t in low if t.startswith("Contract ")]
    assert all(b - a >= h for a, b, h in zip(tops, tops[1:], heights, strict=False))  # (none over another)
    lowest = drawn(budget(12), 640, 70)
    assert titles(lowest) == [] and "No room for these 12 contracts: a taller window shows them." in [
        t for _, t in lowest
    ]


def test_a_low_chart_has_fewer_steps_on_its_value_axis_never_one_label_over_another(qapp):
    for height in (360, 160, 110):
        texts = drawn(stacked(2), 640, height)
        axis = sorted((where for where, t in texts if t.startswith("$") and isinstance(where, QRectF)
                       and where.left() < 10), key=lambda r: r.top())  # fmt: skip
        assert len(axis) >= 2, height  # ($0 and a step at least)
        assert all(b.top() - a.top() >= a.height() for a, b in pairwise(axis)), height
    assert len([t for _, t in drawn(stacked(2), 640, 360) if t.startswith("$")]) > len(
        [t for _, t in drawn(stacked(2), 640, 110) if t.startswith("$")]
    )
