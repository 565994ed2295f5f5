"""Toolbar and menu icons: line-art SVGs in `resources/icons/`, drawn in the palette's text colour.

The SVGs stroke in pure black (`#000000`) because Qt's SVG renderer ignores `currentColor`; `icon()`
swaps that black for the current palette's text colour, so one set of files serves light and dark themes.
Each icon is drawn from its SVG at exactly the size and device pixel ratio asked for (so it is crisp on
HiDPI screens), the first time that size is shown, plus a disabled state in the palette's disabled text
colour and a selected state in the highlighted text colour.
The application icon (`"app"`) keeps its own colours.

Icons are cached per name and colours: after a palette change, call `icon()` again for re-coloured ones.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desktop import qt_values
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
    "due-today",
    "help",
    "refresh",
    "app",
)
"""Every icon in `resources/icons/`."""

SIZES: tuple[int, ...] = (16, 24, 32, 48)
"""Logical sizes (in device-independent pixels) an icon offers; any size asked for is drawn exactly."""

APP_SIZES: tuple[int, ...] = (*SIZES, 64, 128, 256)
"""The application icon also serves the window manager, task bar and dock."""

PLACEHOLDER = "#000000"
"""The stroke colour the SVG files use, replaced by the palette's text colour."""

_FIXED_COLOURS = frozenset({"app"})

_cache: dict[tuple, QIcon] = {}


class _SvgEngine(QIconEngine):
    """Draws an icon from its SVG when Qt first asks for a size, mode and device pixel ratio, and keeps
    the pixmap: nothing is parsed or rendered for modes and sizes never shown (start-up renders a
    handful, not hundreds)."""

    def __init__(self, sources: dict, sizes: tuple[int, ...]):
        super().__init__()
        self._sources = sources  # QIcon.Mode -> (SVG bytes, opacity); Normal always present
        self._renderers: dict = {}  # QIcon.Mode -> (QSvgRenderer, opacity), each parsed when first drawn
        self._sizes = sizes
        self._pixmaps: dict[tuple, QPixmap] = {}

    def _renderer(self, mode: QIcon.Mode) -> tuple[QSvgRenderer, float]:
        mode = mode if mode in self._sources else QIcon.Mode.Normal
        found = self._renderers.get(mode)
        if found is None:
            svg, opacity = self._sources[mode]
            found = self._renderers[mode] = (_renderer(svg), opacity)
        return found

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        side = min(size.width(), size.height())
        key = (side, mode, scale)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            renderer, opacity = self._renderer(mode)
            pixmap = self._pixmaps[key] = _render(renderer, side, scale, opacity)
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        # Drawn for the sharpest screen. (Not painter.device()'s own ratio: handing a paint device to Python
        # makes PySide look through every kind of paint device, some 8 ms the first time.)
        scale = QApplication.instance().devicePixelRatio()
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def availableSizes(self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off):
        return [QSize(s, s) for s in self._sizes]

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._sources, self._sizes)


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon `resources/icons/<name>.svg`, coloured for the current palette (or drawn in `colour`, one of
    the app's own colours for the palette in use, when given: a deadline's state).

    Needs a QApplication (or QGuiApplication). Raises FileNotFoundError for an unknown name.
    """
    palette = QApplication.palette()
    if name in _FIXED_COLOURS:
        key: tuple = (name, None)
    else:
        colours = (
            QColor(colour) if colour else palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText),
            palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText),
            palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText),
        )
        key = (name, tuple(c.name(QColor.NameFormat.HexArgb) for c in colours))
    cached = _cache.get(key)
    if cached is not None:
        return cached

    path = resource("icons", name + ".svg")
    if not path.is_file():
        raise FileNotFoundError(f"no icon named {name!r} (looked for {path})")
    svg = path.read_bytes()

    if name in _FIXED_COLOURS:
        engine = _SvgEngine({QIcon.Mode.Normal: (svg, 1.0)}, APP_SIZES)
    else:
        normal, disabled, selected = colours
        modes = ((QIcon.Mode.Normal, normal), (QIcon.Mode.Disabled, disabled), (QIcon.Mode.Selected, selected))
        engine = _SvgEngine({mode: (_recolour(svg, c), c.alphaF()) for mode, c in modes}, SIZES)
    result = _cache[key] = QIcon(engine)
    return result


def clear_cache() -> None:
    """Forget every icon (they are made again on the next `icon()` call)."""
    _cache.clear()


def _recolour(svg: bytes, colour: QColor) -> bytes:
    rgb = colour.name(QColor.NameFormat.HexRgb).encode("ascii")
    return svg.replace(PLACEHOLDER.encode("ascii"), rgb).replace(PLACEHOLDER.upper().encode("ascii"), rgb)


def _renderer(svg: bytes) -> QSvgRenderer:
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("an icon's SVG could not be parsed")
    renderer.setProperty("aspectRatioMode", qt_values.KEEP_ASPECT_RATIO)
    return renderer


def _render(renderer: QSvgRenderer, size: int, ratio: float, opacity: float = 1.0) -> QPixmap:
    pixels = round(size * ratio)
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(QColor(0, 0, 0, 0))  # transparent
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setOpacity(opacity)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap
