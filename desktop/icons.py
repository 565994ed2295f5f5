"""Toolbar and menu icons: line-art SVGs in `resources/icons/`, drawn in the palette's text colour.

The SVGs stroke in pure black (`#000000`) because Qt's SVG renderer ignores `currentColor`; `icon()`
swaps that black for the current palette's text colour, so one set of files serves light and dark themes.
Each icon carries crisp pixmaps at the usual sizes for the screen's device pixel ratio, plus a disabled
state in the palette's disabled text colour and a selected state in the highlighted text colour.
The application icon (`"app"`) keeps its own colours.

Icons are cached per name and colours: after a palette change, call `icon()` again for re-coloured ones.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from models.resources import resource

ICON_NAMES: tuple[str, ...] = (
    "new-contract",
    "open-book",
    "save-copy",
    "new-milestone",
    "edit",
    "delete",
    "fund",
    "submit-work",
    "release",
    "end-contract",
    "search",
    "attention",
    "overdue",
    "help",
    "refresh",
    "app",
)
"""Every icon in `resources/icons/`."""

SIZES: tuple[int, ...] = (16, 24, 32, 48)
"""Logical sizes (in device-independent pixels) rendered into every icon."""

APP_SIZES: tuple[int, ...] = (*SIZES, 64, 128, 256)
"""The application icon also serves the window manager, task bar and dock."""

PLACEHOLDER = "#000000"
"""The stroke colour the SVG files use, replaced by the palette's text colour."""

_FIXED_COLOURS = frozenset({"app"})

_cache: dict[tuple, QIcon] = {}


def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg`, coloured for the current palette.

    Needs a QApplication (or QGuiApplication). Raises FileNotFoundError for an unknown name.
    """
    palette = QApplication.palette()
    ratios = _device_pixel_ratios()
    if name in _FIXED_COLOURS:
        key: tuple = (name, None, ratios)
    else:
        colours = (
            palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText),
            palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText),
            palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText),
        )
        key = (name, tuple(c.name(QColor.NameFormat.HexArgb) for c in colours), ratios)
    cached = _cache.get(key)
    if cached is not None:
        return cached

    path = resource("icons", name + ".svg")
    if not path.is_file():
        raise FileNotFoundError(f"no icon named {name!r} (looked for {path})")
    svg = path.read_bytes()

    result = QIcon()
    if name in _FIXED_COLOURS:
        renderer = _renderer(svg)
        for size in APP_SIZES:
            for ratio in ratios:
                result.addPixmap(_render(renderer, size, ratio), QIcon.Mode.Normal)
    else:
        normal, disabled, selected = colours
        for mode, colour in (
            (QIcon.Mode.Normal, normal),
            (QIcon.Mode.Disabled, disabled),
            (QIcon.Mode.Selected, selected),
        ):
            renderer = _renderer(_recolour(svg, colour))
            for size in SIZES:
                for ratio in ratios:
                    result.addPixmap(_render(renderer, size, ratio, colour.alphaF()), mode)
    _cache[key] = result
    return result


def clear_cache() -> None:
    """Forget every rendered icon (they are re-rendered on the next `icon()` call)."""
    _cache.clear()


def _device_pixel_ratios() -> tuple[float, ...]:
    """1x always, plus every screen's ratio (fractional ones too: each gets pixmaps drawn at its exact size)."""
    ratios = {1.0}
    app = QApplication.instance()
    if app is not None:
        for screen in app.screens():
            ratio = screen.devicePixelRatio()
            if ratio > 1:
                ratios.add(round(ratio, 2))
    return tuple(sorted(ratios))


def _recolour(svg: bytes, colour: QColor) -> bytes:
    rgb = colour.name(QColor.NameFormat.HexRgb).encode("ascii")
    return svg.replace(PLACEHOLDER.encode("ascii"), rgb).replace(PLACEHOLDER.upper().encode("ascii"), rgb)


def _renderer(svg: bytes) -> QSvgRenderer:
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("an icon's SVG could not be parsed")
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    return renderer


def _render(renderer: QSvgRenderer, size: int, ratio: float, opacity: float = 1.0) -> QPixmap:
    pixels = round(size * ratio)
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setOpacity(opacity)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap
