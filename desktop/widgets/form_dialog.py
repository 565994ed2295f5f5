"""FormDialog: a form of fields, a message under each, one general message, OK/Cancel.

Built in code. It validates inline as the user types: a message under the field it is about (shown once
that field has been touched), OK disabled until every field is valid. Nothing is written until OK, and OK
calls exactly one operation in `models.ops` (`submit`); when the operation refuses, its message is shown
under the field it names (or at the top) and the dialog stays open with the book unchanged (R14).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.fields import FieldError
from desktop.widgets.follow import ContractWatch, follow_contract
from desktop.widgets.screen_fit import BodyScroll, keep_on_screen
from models.errors import RuleError

DIALOG_WIDTH = 480
HINT_LINES = 1  # most messages under a field are one line at this width; a longer one makes room once, and keeps it


def rule_message(check: Callable, *args, **kwargs) -> str | None:
    """Run one of the models' checks; its refusal in the client's words, or None when it passes."""
    try:
        check(*args, **kwargs)
    except RuleError as exc:
        return exc.message
    return None


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


class FormDialog(QDialog):
    """What the three dialogs share: a form, a message under each field, one general message, OK/Cancel."""

    def __init__(self, parent: QWidget | None, *, name: str, title: str, ok_text: str = "OK"):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.setMinimumWidth(DIALOG_WIDTH)
        keep_on_screen(self)  # never taller than the screen: the body scrolls, OK and Cancel stay in view
        self._errors: dict[str, FieldError] = {}
        self._inputs: dict[str, QWidget] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._refusal: tuple[str | None, str] | None = None  # (field, message) of the last refused OK
        self._tab_chain: list[QWidget] = []
        self.contract_watch: ContractWatch | None = None

        # The dialog: its body (the general message, what a subclass puts above the form, the form) in a scroll
        # area that is as tall as the body where the screen has room, and scrolls where it has not; then OK and
        # Cancel, always in view. `content` is the body's layout (a subclass inserts its text at 1).
        window = QVBoxLayout(self)
        window.setContentsMargins(18, 16, 18, 14)
        window.setSpacing(10)
        body = QWidget()
        body.setObjectName("formBody")
        outer = self.content = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        window.addWidget(BodyScroll(body, self), 1)
        self.general_error = FieldError(self, name="generalError", accessible_name="Problem with this form")
        outer.addWidget(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("buttons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setText(ok_text)
        self.ok_button.setAccessibleName(ok_text.replace("&", ""))
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        window.addWidget(self.buttons)

    # ------------------------------------------------------------ building

    def add_row(
        self,
        key: str,
        label: str,
        field: QWidget | QLayout,
        *,
        buddy: QWidget | None = None,
        focusable: list[QWidget] | None = None,
    ) -> FieldError:
        """A form row: label on the left; the field with its message under it on the right.

        `key` is the operation's name for the field (RuleError.field), so a refusal lands under it.
        """
        buddy = buddy or field
        error = FieldError(self, name=f"{_camel(key)}Error", accessible_name=f"{buddy.accessibleName()} error".strip())
        error.reserve(HINT_LINES)  # the room its message takes, kept: nothing moves as the user types
        box = QWidget()
        box.setObjectName(f"{_camel(key)}Row")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        if isinstance(field, QLayout):
            column.addLayout(field)
        else:
            column.addWidget(field)
        column.addWidget(error)
        caption = QLabel(label)
        caption.setObjectName(f"{_camel(key)}Label")
        caption.setBuddy(buddy)
        # Line the caption up with the first line of the field, whether or not a message shows under it.
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        if isinstance(buddy, QPlainTextEdit):
            top = buddy.frameWidth() + 4
        else:
            top = max(0, (buddy.sizeHint().height() - caption.sizeHint().height()) // 2)
        caption.setContentsMargins(0, top, 0, 0)
        self.form.addRow(caption, box)
        self._errors[key] = error
        self._inputs[key] = buddy
        self._tab_chain.extend(focusable or [buddy])
        return error

    def finish(self) -> None:
        """Tab order as read (each field, then OK, then Cancel), first validation, a width of ~480 px."""
        chain = [*self._tab_chain, self.ok_button, self.cancel_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.refresh()
        self.resize(DIALOG_WIDTH, self.sizeHint().height())

    def follow(
        self, contract_id: int, shows: Callable[[], object] | None = None, refresh: Callable[[], None] | None = None
    ) -> None:
        """Close when the contract shown changes state elsewhere (or `shows()`, the record shown, changes); with
        `refresh`, show the change instead (desktop/widgets/follow.py)."""
        self.contract_watch = follow_contract(self, contract_id, shows, refresh)

    def watch(self, key: str, signal) -> None:
        """Judge the form again whenever `signal` says field `key` changed."""
        signal.connect(lambda *_: self.touch(key))

    # ---------------------------------------------------------- validation

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with it now (the models' words). Subclasses say."""
        raise NotImplementedError

    def submit(self):
        """Call the one operation. Subclasses say."""
        raise NotImplementedError

    def touch(self, key: str) -> None:
        self._touched.add(key)
        if self._refusal is not None and (self._refusal[0] == key or self._refusal[0] not in self._errors):
            self._refusal = None
        self.refresh()

    def refresh(self) -> bool:
        """Show each field's message (once it has been touched) and enable OK only when all are valid."""
        problems = self.problems()
        for key, label in self._errors.items():
            message = problems.get(key) if (self._show_all or key in self._touched) else None
            if self._refusal is not None and self._refusal[0] == key:
                message = self._refusal[1]
            label.setMessage(message)
            self._inputs[key].setAccessibleDescription(message or "")
        refused_generally = self._refusal is not None and self._refusal[0] not in self._errors
        self.general_error.setMessage(self._refusal[1] if refused_generally else None)
        valid = not problems and self._refusal is None
        self.ok_button.setEnabled(valid)
        return valid

    def error_text(self, key: str) -> str | None:
        """The message shown under field `key` now (None when there is none)."""
        label = self._errors[key]
        return None if label.isHidden() else label.message()

    def accept(self) -> None:
        """OK: one operation. A refusal is shown and the dialog stays open; nothing was written."""
        self._show_all = True
        if not self.refresh():
            return
        try:
            if self.contract_watch is None:
                self.submit()
            else:
                with self.contract_watch.own():  # its own write closes nothing
                    self.submit()
        except RuleError as exc:
            self._refusal = (exc.field, exc.message)
            self.refresh()
            target = self._inputs.get(exc.field or "")
            if target is not None and target.isEnabled():
                target.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().accept()
