"""View → Appearance: System, Light, Dark, saved and restored; the app's own colours read in both (WCAG AA)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop.widgets import appearance
from desktop.widgets.fields import FieldError
from desktop.widgets.star_rating import StarRating
from desktop.window.main_window import MainWindow
from models.book import open_book
from tests.desktop.conftest import NOW, TODAY

R = QPalette.ColorRole
AA = 4.5


def luminance(colour: str | QColor) -> float:
    """WCAG 2 relative luminance: 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels."""
    c = QColor(colour)

    def linear(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_formula_gives_the_known_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.fixture
def qt(qtbot):
    app = QApplication.instance()
    yield app
    appearance.apply(app, "light")


def pairs(palette: QPalette) -> list[tuple[str, str, QColor]]:
    """Every text/background pair the app draws: the palette's own and the app's own colours on them."""
    c = palette.color
    own = appearance.colour
    found = [
        ("text on base", c(R.Text), c(R.Base)),
        ("text on alternate rows", c(R.Text), c(R.AlternateBase)),
        ("window text", c(R.WindowText), c(R.Window)),
        ("button text", c(R.ButtonText), c(R.Button)),
        ("tooltip", c(R.ToolTipText), c(R.ToolTipBase)),
        ("selected text", c(R.HighlightedText), c(R.Highlight)),
        ("link", c(R.Link), c(R.Base)),
        ("checked filter button", own("checked_text", palette), own("checked_background", palette)),
    ]
    # labels on the window, fields, table rows; the deadlines' states (overdue, due today, coming up), text and icons
    for name in ("error", "warning", "star", "overdue", "due_today", "upcoming"):
        for where, role in (("window", R.Window), ("base", R.Base), ("alternate rows", R.AlternateBase)):
            found.append((f"{name} on {where}", own(name, palette), c(role)))
    # attention, overdue and toolbar icons are drawn in the window text colour (desktop/icons.py)
    found.append(("icons", c(R.WindowText), c(R.Window)))
    return found


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_text_and_background_pair_meets_wcag_aa(qt, mode):
    appearance.apply(qt, mode)
    palette = qt.palette()
    assert appearance.is_dark(palette) == (mode == "dark")
    low = [(name, round(contrast(fg, bg), 2)) for name, fg, bg in pairs(palette) if contrast(fg, bg) < AA]
    assert low == []


def test_choosing_each_mode_changes_the_palette_and_is_saved_and_restored(
    qt, qtbot, tmp_path, settings, prompts, monkeypatch
):
    monkeypatch.setattr(appearance, "system_is_dark", lambda: True)  # the desktop says dark
    window = MainWindow(open_book(tmp_path / "one.book"), today=TODAY, now=lambda: NOW, settings=settings)
    qtbot.addWidget(window)
    window.show()
    actions = {m: window.findChild(type(window.act_open), f"actionAppearance_{m}") for m, _ in appearance.MODES}
    assert actions["system"].isChecked()  # nothing chosen yet: as the system says
    assert window.appearance_menu.title() == "&Appearance"
    assert [a.text() for a in window.appearance_menu.actions()] == ["&System", "&Light", "&Dark"]

    seen = {}
    for mode in ("light", "dark", "system"):
        actions[mode].trigger()
        assert [m for m, a in actions.items() if a.isChecked()] == [mode]
        assert settings.value(appearance.SETTING) == mode
        p = qt.palette()
        seen[mode] = (p.color(R.Window).name(), p.color(R.Base).name(), p.color(R.Text).name())
    assert seen["light"] == ("#efefef", "#ffffff", "#1a1a1a")
    assert seen["dark"] == ("#2b2d30", "#1e1f22", "#dfe1e5")
    assert seen["system"] == seen["dark"]
    # the checked filter button follows: its colours are the dark ones
    assert appearance.COLOURS["checked_background"][1] in window.filter_buttons["all"].styleSheet()

    actions["light"].trigger()
    window.close()
    appearance.apply(qt, "dark")  # as a new start would, before reading the choice
    appearance.apply(qt, appearance.chosen(settings))
    again = MainWindow(open_book(tmp_path / "two.book"), today=TODAY, now=lambda: NOW, settings=settings)
    qtbot.addWidget(again)
    assert appearance.chosen(settings) == "light"
    assert again.findChild(type(again.act_open), "actionAppearance_light").isChecked()
    assert appearance.COLOURS["checked_background"][0] in again.filter_buttons["all"].styleSheet()
    again.close()


def test_make_app_applies_the_saved_choice(qt, monkeypatch):
    from desktop import app

    monkeypatch.setattr(app, "QSettings", lambda: _Fake("dark"))  # the saved choice: Dark
    app.make_app()
    assert appearance.is_dark(qt.palette())


@pytest.mark.parametrize("system_dark", [True, False])
@pytest.mark.parametrize("palette_dark", [True, False])
def test_a_start_in_the_systems_colours_guesses_from_its_palette_then_follows_the_system(
    qt, monkeypatch, system_dark, palette_dark
):
    """At start-up "System" is read from the palette the system gave (asking would cost the first paint:
    desktop/qt_values.py); right after the first paint `settle` asks, and follows the system if the guess
    was wrong. Once settled, asking again changes nothing."""
    from desktop import app

    monkeypatch.setattr(appearance, "system_is_dark", lambda: system_dark)
    qt.setPalette(appearance.dark_palette() if palette_dark else appearance.light_palette())  # the system's
    monkeypatch.setattr(app, "QSettings", lambda: _Fake("system"))
    app.make_app()
    assert appearance.is_dark(qt.palette()) is palette_dark  # the guess
    appearance.settle(qt)
    assert appearance.is_dark(qt.palette()) is system_dark
    monkeypatch.setattr(appearance, "system_is_dark", lambda: not system_dark)  # (a later change of the system's
    appearance.settle(qt)  # comes through its own signal, not through settle)
    assert appearance.is_dark(qt.palette()) is system_dark
    appearance.apply(qt, "light")


class _Fake:
    def __init__(self, mode):
        self.mode = mode

    def value(self, key, default=None):
        return self.mode if key == appearance.SETTING else default


def test_errors_and_stars_take_the_mode_at_once(qt, qtbot):
    appearance.apply(qt, "light")
    error = FieldError()
    stars = StarRating()
    qtbot.addWidget(error)
    qtbot.addWidget(stars)
    assert appearance.COLOURS["error"][0] in error.styleSheet()
    appearance.apply(qt, "dark")
    assert appearance.COLOURS["error"][1] in error.styleSheet()
    error.setColourName("warning")
    assert appearance.COLOURS["warning"][1] in error.styleSheet()
    stars.setValue(4)
    image = stars.grab().toImage()
    drawn = {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}
    assert appearance.COLOURS["star"][1] in drawn
