"""View → Appearance: System, Light or Dark, the app's own palette for each, and the app's own colours.

Every colour the app draws itself (errors, warnings, stars, overdue deadlines, the checked filter button) has a
light and a dark value here, each with at least 4.5:1 contrast (WCAG AA) on the backgrounds it is drawn on
(tests/desktop/test_appearance.py). The choice is saved in QSettings under `SETTING` and applied at start.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

SETTING = "view/appearance"
MODES = (("system", "&System"), ("light", "&Light"), ("dark", "&Dark"))

# The app's own colours, (on light, on dark); words and "⚠"/"★" say the same without colour.
COLOURS = {
    "error": ("#b3261e", "#ff8a80"),
    "warning": ("#8a4b00", "#f0a540"),
    "star": ("#8a4b00", "#f0a540"),
    "overdue": ("#b42318", "#ff8a80"),
    "due_today": ("#8a4b00", "#f0a540"),  # a deadline due today (with the "due-today" clock icon)
    "upcoming": ("#1d4f91", "#8ab4f8"),  # one coming up that needs attention (with the "attention" bell)
    "checked_background": ("#1f5fbf", "#8ab4f8"),  # the checked filter button
    "checked_text": ("#ffffff", "#0d1b2e"),
}

_ROLES = QPalette.ColorRole


class _Notifier(QObject):
    changed = Signal()  # after every apply(): the app's own colours changed with the palette


_notifier: _Notifier | None = None


def changed() -> Signal:
    """Emitted once the light or dark palette is in place; connect a widget's method to restyle it."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier.changed


def _palette(colours: dict, disabled: str) -> QPalette:
    p = QPalette()
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (_ROLES.Text, _ROLES.WindowText, _ROLES.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return p


def light_palette() -> QPalette:
    return _palette(
        {
            _ROLES.Window: "#efefef",
            _ROLES.WindowText: "#1a1a1a",
            _ROLES.Base: "#ffffff",
            _ROLES.AlternateBase: "#f5f5f5",
            _ROLES.ToolTipBase: "#ffffdc",
            _ROLES.ToolTipText: "#1a1a1a",
            _ROLES.Text: "#1a1a1a",
            _ROLES.Button: "#efefef",
            _ROLES.ButtonText: "#1a1a1a",
            _ROLES.BrightText: "#ffffff",
            _ROLES.Light: "#ffffff",
            _ROLES.Midlight: "#e3e3e3",
            _ROLES.Mid: "#a0a0a0",
            _ROLES.Dark: "#a0a0a0",
            _ROLES.Shadow: "#696969",
            _ROLES.Highlight: "#1f5fbf",
            _ROLES.HighlightedText: "#ffffff",
            _ROLES.Link: "#0b57d0",
            _ROLES.PlaceholderText: "#6b6b6b",
        },
        disabled="#8a8a8a",
    )


def dark_palette() -> QPalette:
    return _palette(
        {
            _ROLES.Window: "#2b2d30",
            _ROLES.WindowText: "#dfe1e5",
            _ROLES.Base: "#1e1f22",
            _ROLES.AlternateBase: "#26282b",
            _ROLES.ToolTipBase: "#2b2d30",
            _ROLES.ToolTipText: "#dfe1e5",
            _ROLES.Text: "#dfe1e5",
            _ROLES.Button: "#393b40",
            _ROLES.ButtonText: "#dfe1e5",
            _ROLES.BrightText: "#ff8a80",
            _ROLES.Light: "#4e5157",
            _ROLES.Midlight: "#43454a",
            _ROLES.Mid: "#4e5157",
            _ROLES.Dark: "#1b1c1e",
            _ROLES.Shadow: "#101010",
            _ROLES.Highlight: "#2f65ca",
            _ROLES.HighlightedText: "#ffffff",
            _ROLES.Link: "#8ab4f8",
            _ROLES.PlaceholderText: "#9a9da3",
        },
        disabled="#80848b",
    )


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(_ROLES.Window).lightness() < 128


def colour(name: str, palette: QPalette | None = None) -> str:
    """One of the app's own colours (COLOURS), for the light or dark palette in use."""
    light, dark = COLOURS[name]
    return dark if is_dark(palette) else light


def checked_button_style(palette: QPalette | None = None) -> str:
    """A style sheet for checkable tool buttons whose checked state reads at a glance, light or dark."""
    return (
        f"QToolButton:checked {{ background-color: {colour('checked_background', palette)}; "
        f"color: {colour('checked_text', palette)}; border: 1px solid {colour('checked_background', palette)}; "
        "border-radius: 3px; padding: 2px 6px; }"
    )


def chosen(settings) -> str:
    mode = str(settings.value(SETTING, "system") or "system")
    return mode if mode in dict(MODES) else "system"


def system_is_dark() -> bool:
    from PySide6.QtCore import Qt  # (here: asking makes Qt's namespace, which start-up leaves for later: settle)

    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


STYLE = "Fusion"  # on every platform: the one style that draws with the app's own palettes
STYLED = "escrowbookStyled"  # an application property: given STYLE already (by make_app, or by apply once)
GUESSED = "escrowbookSchemeGuessed"  # an application property: light or dark taken from the system's palette


def started_styled(argv: list[str]) -> list[str]:
    """The arguments to create the application with, so that it starts in STYLE (desktop.app.make_app): setting
    it afterwards would have PySide set up its style type before the window's first paint."""
    return [*argv[:1], "-style", STYLE, *argv[1:]]


def apply(app: QApplication, mode: str = "system", *, starting: bool = False) -> None:
    """Fusion with the app's own light or dark palette: as asked, or as the system says.

    `starting` (desktop.app.make_app): the system's choice is read from the palette the system gave the app
    rather than asked for, which would make Qt's namespace before the window's first paint (qt_values.py);
    `settle` asks, right after that paint, and follows the answer should the two differ."""
    if mode == "system" and starting:
        dark = is_dark(app.palette())
        app.setProperty(GUESSED, True)
    else:
        dark = system_is_dark() if mode == "system" else mode == "dark"
        app.setProperty(GUESSED, False)
    if not app.property(STYLED):
        app.setStyle(STYLE)
        app.setProperty(STYLED, True)
    app.setPalette(dark_palette() if dark else light_palette())
    changed().emit()


def settle(app: QApplication) -> None:
    """After the window's first paint: a start in the system's colours, asked for now (`apply`)."""
    if app.property(GUESSED) and system_is_dark() != is_dark(app.palette()):
        apply(app, "system")
    app.setProperty(GUESSED, False)


def choose(app: QApplication, settings, mode: str) -> None:
    """The user's choice: saved, and applied at once."""
    settings.setValue(SETTING, mode)
    settings.sync()
    apply(app, mode)
