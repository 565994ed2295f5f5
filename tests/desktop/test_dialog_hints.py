"""Hints keep their room (issue 19): a message appearing under a field while the user types, or going away
again, moves nothing: the dialog keeps its size and every field its place, so a click lands where it aimed."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from tests.desktop.every_dialog import factories, open_dialog

# The dialog, the field typed into, something it refuses and something it takes (the demo book's contracts).
TYPING = [
    ("new milestone", "amountEdit", "0.01", "500.00"),
    ("edit milestone", "titleEdit", "", "Final files"),
    ("new contract", "titleEdit", "", "Logo"),
    ("new freelancer", "nameEdit", "", "Ana Ruiz"),
    ("access", "accessLabelEdit", "", "Git repository"),
    ("deliverable", "deliverableLabelEdit", "", "Source files"),
]


def geometry(dialog) -> dict[str, tuple]:
    """The dialog's size and where each of its fields sits in it."""
    out = {"dialog": dialog.size().toTuple()}
    for w in dialog.findChildren(QWidget):
        if w.isVisible() and w.objectName() and not w.objectName().endswith("Error"):
            out[w.objectName()] = (w.mapTo(dialog, w.rect().topLeft()).toTuple(), w.size().toTuple())
    return out


def typed(qtbot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    field.del_()
    if text:
        qtbot.keyClicks(field, text)
    QApplication.processEvents()


def test_a_hint_appearing_or_going_moves_no_field(qtbot, demo_window, tmp_path):
    for name, field_name, wrong, right in TYPING:
        dialog = open_dialog(qtbot, factories(demo_window, tmp_path, only=name)[name]())
        field = dialog.findChild(QLineEdit, field_name)
        key = next(k for k, w in dialog._inputs.items() if w is field)
        typed(qtbot, field, right)
        before = geometry(dialog)
        assert dialog.error_text(key) is None, name
        typed(qtbot, field, wrong)
        assert dialog.error_text(key), (name, "no hint for", wrong)
        assert geometry(dialog) == before, name
        typed(qtbot, field, right)
        assert dialog.error_text(key) is None, name
        assert geometry(dialog) == before, name
        dialog.reject()


def test_a_message_longer_than_its_room_makes_room_once(qtbot, demo_window, tmp_path):
    dialog = open_dialog(qtbot, factories(demo_window, tmp_path, only="new freelancer")["new freelancer"]())
    label = dialog._errors["name"]
    room = label.height()
    label.setMessage("A long message " * 20)
    QApplication.processEvents()
    grown = label.height()
    assert grown > room and label.heightForWidth(label.width()) <= grown  # all of it shows
    label.setMessage(None)
    QApplication.processEvents()
    assert label.height() == grown  # and the room stays: nothing moves back
    dialog.reject()
