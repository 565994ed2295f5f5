"""A dialog that follows the contract it shows: when the contract ends (or is deleted, or opens again) through
something other than the dialog itself, the dialog closes and the main window's status bar says why, instead
of offering what no longer applies ("Keep it open" on a contract that has ended)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import shiboken6
from PySide6.QtWidgets import QDialog, QMainWindow, QWidget

from models import ops
from models.entities import Contract

MESSAGE_MS = 15_000  # how long the status bar keeps the message


def _status(contract: Contract | None) -> tuple[str, object] | None:
    return None if contract is None else (contract.status, contract.ended_on)


class ContractWatch:
    """Told after every operation (models.ops.listen, held weakly: the dialog keeps its watch); while the dialog
    is on screen and not writing itself (`own()`), a change of the contract's state closes it."""

    def __init__(self, dialog: QDialog, contract_id: int):
        self.dialog = dialog
        self.contract_id = contract_id
        self.seen = _status(Contract.get_or_none(Contract.id == contract_id))
        self._own = 0
        self.closed_because: str | None = None  # the message, once the watch closed the dialog
        ops.listen(self.after_operation)

    @contextmanager
    def own(self) -> Iterator[None]:
        """The dialog's own writes (and those of the dialogs it opens): they change nothing it does not know."""
        self._own += 1
        try:
            yield
        finally:
            self._own -= 1
            self.seen = _status(Contract.get_or_none(Contract.id == self.contract_id))

    def after_operation(self, op, args, kwargs, result) -> None:
        # The dialog gone (its Python side, and so this watch, may live on a while) or not on screen: nothing to do.
        if not shiboken6.isValid(self.dialog) or self._own or not self.dialog.isVisible():
            return
        contract = Contract.get_or_none(Contract.id == self.contract_id)
        now = _status(contract)
        if now == self.seen:
            return
        self.seen = now
        if contract is None:
            message = "The contract was deleted, so its dialog was closed."
        elif contract.status == Contract.ENDED:
            message = f"“{contract.title}” has ended, so “{self.dialog.windowTitle()}” was closed."
        else:
            message = f"“{contract.title}” is open again, so “{self.dialog.windowTitle()}” was closed."
        self.closed_because = message
        QDialog.reject(self.dialog)  # the dialog's own reject() may stand for "done" once it has written
        window = _main_window(self.dialog)
        if window is not None:
            window.statusBar().showMessage(message, MESSAGE_MS)


def _main_window(widget: QWidget) -> QMainWindow | None:
    w = widget.parentWidget()
    while w is not None and not isinstance(w, QMainWindow):
        w = w.parentWidget()
    return w


def follow_contract(dialog: QDialog, contract_id: int) -> ContractWatch:
    """Close `dialog` (with a word in the status bar) when its contract changes state elsewhere."""
    watch = ContractWatch(dialog, contract_id)
    dialog._contract_watch = watch  # the listener is held weakly: the dialog keeps it alive
    return watch
