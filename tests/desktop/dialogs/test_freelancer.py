"""The freelancer dialog, driven as a user would: type, read the messages beside the fields, click OK."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QDialog,
)

from desktop.dialogs.freelancer import FreelancerDialog
from models.entities import Freelancer
from tests.ui import beside, child, click_ok, ok_enabled, retype

pytestmark = pytest.mark.usefixtures("en_us")  # tests/conftest.py


def test_freelancer_dialog_shows_messages_beside_fields_and_ok_waits(qtbot, show, book, unchanged):
    with unchanged():
        dialog = show(FreelancerDialog())
        assert not ok_enabled(dialog)
        assert beside(dialog, "nameError") is None  # nothing red before the user has typed
        name = child(dialog, "nameEdit")
        qtbot.keyClicks(name, "A")
        retype(qtbot, name, "")
        assert beside(dialog, "nameError") == "Enter a freelancer's name."
        qtbot.keyClicks(child(dialog, "emailEdit"), "ana@example")
        assert beside(dialog, "emailError") == "That email address does not look right (name@example.com)."
        qtbot.keyClicks(name, "Ana Ruiz")
        assert beside(dialog, "nameError") is None
        assert not ok_enabled(dialog)
        click_ok(qtbot, dialog)  # disabled: nothing happens
        assert dialog.isVisible()
    qtbot.keyClicks(child(dialog, "emailEdit"), ".com")
    assert beside(dialog, "emailError") is None
    qtbot.keyClicks(child(dialog, "agencyEdit"), "Northwind Studio")
    qtbot.keyClicks(child(dialog, "profileUrlEdit"), "https://example.com/ana")
    qtbot.keyClicks(child(dialog, "notesEdit"), "Prefers email.")
    assert ok_enabled(dialog)
    click_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    f = Freelancer.get(Freelancer.name == "Ana Ruiz")
    assert (f.agency, f.email, f.profile_url, f.notes) == (
        "Northwind Studio",
        "ana@example.com",
        "https://example.com/ana",
        "Prefers email.",
    )
    assert dialog.freelancer.id == f.id


def test_freelancer_dialog_edits_an_existing_freelancer(qtbot, show, freelancer):
    dialog = show(FreelancerDialog(freelancer=freelancer))
    assert child(dialog, "nameEdit").text() == "Ana Ruiz"
    assert child(dialog, "emailEdit").text() == "ana@example.com"
    assert ok_enabled(dialog)
    retype(qtbot, child(dialog, "agencyEdit"), "Ruiz Design")
    click_ok(qtbot, dialog)
    assert Freelancer.get_by_id(freelancer.id).agency == "Ruiz Design"
    assert Freelancer.select().count() == 1
