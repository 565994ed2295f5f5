"""What the contract page and each of its tabs share: `ContractTab`.

A tab shows one contract (`show_contract`), knows the day it believes it is (`today`, a callable: the
window's clock, or a fixed day in tests and screenshots), runs one operation per user action (`run`, or
`record_on` for an event: it asks the day it happened first) and says `changed(contract_id)` after a write,
so the window refreshes the contract's row and the status bar.
The tabs import this module, never the page that holds them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from desktop.widgets import prompts
from models.errors import RuleError


class ContractTab(QWidget):
    """A view of one contract: the page, and each tab on it."""

    changed = Signal(int)  # a contract's records changed through this view (its id)

    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] | None = None):
        super().__init__(parent)
        self.today: Callable[[], date] = today or date.today
        self.contract = None
        self.date_dialog = None  # the "On:" dialog of `record_on` while it is open (tests reach it here)

    def show_contract(self, contract) -> None:
        """Show `contract` (a Contract, its id, or None for none). Each view says how."""
        raise NotImplementedError

    def run(self, title: str, operation, *args, **kwargs):
        """One user action = one operation of models.ops. A refusal is shown in the client's words under
        `title` (nothing was written) and the view is read again; a success shows here, then is announced
        (`changed_here`). Returns what the operation returned, or None when it was refused."""
        contract_id = self.contract.id
        try:
            result = operation(*args, **kwargs)
        except RuleError as exc:
            prompts.warn(self, title, exc.message)
            self.show_contract(contract_id)
            return None
        self.changed_here(contract_id)
        return result

    def record_on(
        self,
        title: str,
        text: str,
        operation,
        *args,
        ok_text: str = "&Record",
        then: Callable | None = None,
        **kwargs,
    ):
        """An event: ask the day it happened (R16), in one small dialog that says `text`, then record it with
        `operation(*args, on=<that day>, today=<today>, **kwargs)`. The dialog opens window-modal (`open()`,
        not a blocking `exec()`); a refusal shows in it and it stays open, with nothing written. Once recorded,
        the view shows it and says so (`changed_here`), then calls `then(what the operation returned)`.
        Returns the dialog (None without a contract)."""
        from desktop.dialogs.event_date import EventDateDialog

        if self.contract is None:
            return None
        contract_id = self.contract.id
        dialog = EventDateDialog(
            self,
            title=title,
            text=text,
            operation=operation,
            args=args,
            kwargs=kwargs,
            earliest=self.contract.started_on,
            today=self.today(),
            ok_text=ok_text,
        )

        def recorded() -> None:
            self.changed_here(contract_id)
            if then is not None:
                then(dialog.recorded)

        def closed() -> None:
            if self.date_dialog is dialog:
                self.date_dialog = None

        dialog.follow(contract_id)  # the contract ends elsewhere: the question no longer applies
        dialog.accepted.connect(recorded)
        dialog.finished.connect(closed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.date_dialog = dialog
        dialog.open()
        return dialog

    def changed_here(self, contract_id: int) -> None:
        """This view (or a dialog it opened) changed the contract: show it again here, then say so; the page
        then reads its other parts again, not this view."""
        self.show_contract(contract_id)
        self.changed.emit(contract_id)
