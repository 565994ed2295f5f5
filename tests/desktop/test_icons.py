"""The icon set: every SVG is present and well formed, renders, and follows the palette's text colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication

from desktop import icons
from models.resources import resource

SVG = "{http://www.w3.org/2000/svg}"


def opaque_pixels(image: QImage) -> list[QColor]:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return [
        image.pixelColor(x, y)
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 128
    ]


def rendered(name: str, size: int, mode: QIcon.Mode = QIcon.Mode.Normal) -> QImage:
    return icons.icon(name).pixmap(QSize(size, size), 1.0, mode).toImage()


@pytest.fixture
def palette(qapp):
    """Set a palette for one test (text colour, disabled text colour); the old one comes back afterwards."""
    old = QApplication.palette()

    def use(text: str, disabled: str = "#808080") -> None:
        p = QPalette(old)
        p.setColor(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText, QColor(text))
        p.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.WindowText, QColor(text))
        p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(disabled))
        QApplication.setPalette(p)

    yield use
    QApplication.setPalette(old)
    icons.clear_cache()


def test_the_icon_folder_holds_exactly_the_named_icons():
    on_disk = {p.stem for p in resource("icons").glob("*.svg")}
    assert on_disk == set(icons.ICON_NAMES)


@pytest.mark.parametrize("name", icons.ICON_NAMES)
def test_icon_file_is_a_well_formed_24px_svg(name):
    path = resource("icons", name + ".svg")
    assert path.is_file()
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == "0 0 24 24"
    text = path.read_text()
    assert "<text" not in text and "href" not in text and "currentColor" not in text
    if name != "app":
        # Line icons: black strokes (recoloured by the loader), no fills.
        assert root.get("stroke") == "#000000"
        assert root.get("fill") == "none"
        assert root.get("stroke-width") == "2"
        assert all(el.get("fill") in (None, "none") for el in root.iter())


@pytest.mark.parametrize("name", icons.ICON_NAMES)
@pytest.mark.parametrize("size", [16, 48])
def test_icon_renders_something(qapp, name, size):
    image = rendered(name, size)
    assert image.width() == size and image.height() == size
    assert len(opaque_pixels(image)) > size  # more than a stray dot


def test_line_icons_take_the_palettes_text_colour(palette):
    palette("#f0f0f0", disabled="#606060")  # a dark theme: light text
    for name in icons.ICON_NAMES:
        if name == "app":
            continue
        pixels = opaque_pixels(rendered(name, 48))
        assert pixels, name
        assert max(c.lightness() for c in pixels) > 200, f"{name} is not drawn in the light text colour"
        disabled = opaque_pixels(rendered(name, 48, QIcon.Mode.Disabled))
        assert max(c.lightness() for c in disabled) < 120, f"{name} has no disabled colour"


def test_icons_follow_a_palette_change(palette):
    palette("#000000")
    dark_on_light = opaque_pixels(rendered("search", 24))
    palette("#ffffff")
    light_on_dark = opaque_pixels(rendered("search", 24))
    assert max(c.lightness() for c in dark_on_light) < 60
    assert min(c.lightness() for c in light_on_dark if c.alpha() == 255) > 200


def test_icons_are_cached_per_colour(palette):
    palette("#123456")
    assert icons.icon("edit").cacheKey() == icons.icon("edit").cacheKey()
    first = icons.icon("edit").cacheKey()
    palette("#654321")
    assert icons.icon("edit").cacheKey() != first


def test_the_app_icon_keeps_its_own_colours(palette):
    palette("#ffffff")
    pixels = opaque_pixels(rendered("app", 48))
    blue = [c for c in pixels if c.blue() > 180 and c.red() < 100]
    assert len(blue) > len(pixels) // 2
    assert icons.icon("app").availableSizes()[-1].width() >= 256


def test_icons_carry_pixmaps_drawn_for_a_high_dpi_screen(qapp):
    icons.clear_cache()
    try:
        pixmap = icons.icon("refresh").pixmap(QSize(48, 48), 2.0)
    finally:
        icons.clear_cache()
    assert pixmap.devicePixelRatio() == 2.0
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert image.width() == 96
    # Drawn from the SVG at 96 px, not a 48 px pixmap scaled up.
    colour = QApplication.palette().color(QPalette.ColorRole.WindowText)
    svg = resource("icons", "refresh.svg").read_bytes()
    direct = icons._render(icons._renderer(icons._recolour(svg, colour)), 96, 1.0).toImage()
    assert image.constBits() == direct.convertToFormat(QImage.Format.Format_ARGB32).constBits()


def test_an_unknown_icon_is_refused(qapp):
    with pytest.raises(FileNotFoundError, match="no-such-icon"):
        icons.icon("no-such-icon")
