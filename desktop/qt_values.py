"""The few values of Qt's own enums that the main window's first paint needs, as the plain numbers Qt defines.

PySide makes the Python type of Qt's namespace, `PySide6.QtCore.Qt`, the first time any Python code touches it
(an import of `Qt`, or a value of one of its enums handed to or from Python): its 93 enums at once, about 20 ms,
which is more than a tenth of a bare window's whole start. So the modules on the way to the window's first paint
(desktop/app.py, desktop/window/main_window.py and what it imports at its top) use these numbers instead, and the
parts that need Qt's enums themselves (sorting by a column, the attention panel's dock) are set up right after
the first paint. Elsewhere code uses `Qt` as usual: it is there by then.

Qt takes the numbers where a role or a flag is an `int` (a model's data(), QPainter.drawText), and for an enum
where it is a property (`widget.setProperty("textFormat", PLAIN_TEXT)`). tests/desktop/test_qt_values.py
checks each against Qt's own value, and tests/desktop/test_startup.py that the window paints without making the
namespace.
"""

from __future__ import annotations

# Qt.ItemDataRole
DISPLAY_ROLE = 0
DECORATION_ROLE = 1
TOOLTIP_ROLE = 3
TEXT_ALIGNMENT_ROLE = 7
FOREGROUND_ROLE = 9
ACCESSIBLE_TEXT_ROLE = 11
USER_ROLE = 0x100

# Qt.AlignmentFlag
ALIGN_LEFT = 0x1
ALIGN_RIGHT = 0x2
ALIGN_ABSOLUTE = 0x10
ALIGN_VCENTER = 0x80

# Enums set as properties
PLAIN_TEXT = 0  # Qt.TextFormat.PlainText: QLabel "textFormat"
CUSTOM_CONTEXT_MENU = 3  # Qt.ContextMenuPolicy.CustomContextMenu: QWidget "contextMenuPolicy"
TEXT_BESIDE_ICON = 2  # Qt.ToolButtonStyle.ToolButtonTextBesideIcon: QToolButton, QToolBar "toolButtonStyle"
VERTICAL = 2  # Qt.Orientation.Vertical: QSplitter "orientation"
NO_FOCUS = 0  # Qt.FocusPolicy.NoFocus: QWidget "focusPolicy"
KEEP_ASPECT_RATIO = 1  # Qt.AspectRatioMode.KeepAspectRatio: QSvgRenderer "aspectRatioMode"
