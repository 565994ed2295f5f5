"""Create or edit a freelancer: one form, checked field by field as the user types (`models.fields`)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QWidget,
)

from desktop.widgets.fields import line_edit, notes_edit
from desktop.widgets.form_dialog import FormDialog, rule_message
from models import fields, ops
from models.entities import Freelancer


class FreelancerDialog(FormDialog):
    """Create a freelancer (ops.create_freelancer) or edit one (ops.edit_freelancer).

    After OK, `.freelancer` holds the freelancer as written (None until then when creating).
    """

    def __init__(self, parent: QWidget | None = None, freelancer: Freelancer | None = None):
        super().__init__(
            parent,
            name="freelancerDialog",
            title="Edit freelancer" if freelancer is not None else "New freelancer",
            ok_text="Save" if freelancer is not None else "Add freelancer",
        )
        self.freelancer: Freelancer | None = freelancer
        self._editing = freelancer

        self.name_edit = line_edit("nameEdit", "Name", "Required")
        self.agency_edit = line_edit("agencyEdit", "Agency", "Optional")
        self.email_edit = line_edit("emailEdit", "Email", "name@example.com")
        self.profile_url_edit = line_edit("profileUrlEdit", "Profile link", "https://…")
        self.notes_edit = notes_edit("notesEdit", "Notes")

        self.add_row("name", "&Name:", self.name_edit)
        self.add_row("agency", "&Agency:", self.agency_edit)
        self.add_row("email", "&Email:", self.email_edit)
        self.add_row("profile_url", "&Profile link:", self.profile_url_edit)
        self.add_row("notes", "N&otes:", self.notes_edit)

        if freelancer is not None:
            self.name_edit.setText(freelancer.name)
            self.agency_edit.setText(freelancer.agency)
            self.email_edit.setText(freelancer.email)
            self.profile_url_edit.setText(freelancer.profile_url)
            self.notes_edit.setPlainText(freelancer.notes)
        for key in ("name", "agency", "email", "profile_url"):
            self.watch(key, getattr(self, f"{key}_edit").textChanged)
        self.watch("notes", self.notes_edit.textChanged)
        self.finish()

    def values(self) -> dict[str, str]:
        return {
            "name": self.name_edit.text(),
            "agency": self.agency_edit.text(),
            "email": self.email_edit.text(),
            "profile_url": self.profile_url_edit.text(),
            "notes": self.notes_edit.toPlainText(),
        }

    def problems(self) -> dict[str, str]:
        # The operation's own field checks, one field at a time.
        out = {}
        for key, value in self.values().items():
            message = rule_message(fields.freelancer_field, key, value)
            if message:
                out[key] = message
        return out

    def submit(self) -> None:
        if self._editing is None:
            self.freelancer = ops.create_freelancer(**self.values())
        else:
            self.freelancer = ops.edit_freelancer(self._editing, **self.values())
