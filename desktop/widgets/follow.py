"""A dialog that follows the contract it shows: when the contract ends (or is deleted, or opens again) through
something other than the dialog itself, the dialog closes and the main window's status bar says why, instead
of offering what no longer applies ("Keep it open" on a contract that has ended). A dialog that shows one
record of the contract (a payment list, a milestone, a dispute, a closeout item, the feedback) also says how
to read it (`shows`): when that changes elsewhere, the dialog closes in the same way, or, given `refresh`,
shows the book as it is now and keeps what was typed (the refund dialog: refunds go on after a contract ends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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

    def __init__(
        self,
        dialog: QDialog,
        contract_id: int,
        shows: Callable[[], object] | None = None,
        refresh: Callable[[], None] | None = None,
    ):
        self.dialog = dialog
        self.contract_id = contract_id
        self.shows = shows
        self.refresh = refresh  # given: the dialog shows the change instead of closing
        self.seen = self._state()
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
            self.seen = self._state()

    def _state(self) -> tuple:
        contract = Contract.get_or_none(Contract.id == self.contract_id)
        return _status(contract), (self.shows() if self.shows is not None and contract is not None else None)

    def after_operation(self, op, args, kwargs, result) -> None:
        # The dialog gone (its Python side, and so this watch, may live on a while) or not on screen: nothing to do.
        if not shiboken6.isValid(self.dialog) or self._own or not self.dialog.isVisible():
            return
        now = self._state()
        if now == self.seen:
            return
        status_changed = now[0] != self.seen[0]
        self.seen = now
        contract = Contract.get_or_none(Contract.id == self.contract_id)
        window = _main_window(self.dialog)
        if contract is not None and self.refresh is not None:
            self.refresh()
            message = f"“{contract.title}” changed elsewhere: “{self.dialog.windowTitle()}” shows it as it is now."
            if window is not None:
                window.statusBar().showMessage(message, MESSAGE_MS)
            return
        if contract is None:
            message = "The contract was deleted, so its dialog was closed."
        elif not status_changed:
            message = f"“{contract.title}” changed elsewhere, so “{self.dialog.windowTitle()}” was closed."
        elif contract.status == Contract.ENDED:
            message = f"“{contract.title}” has ended, so “{self.dialog.windowTitle()}” was closed."
        else:
            message = f"“{contract.title}” is open again, so “{self.dialog.windowTitle()}” was closed."
        self.closed_because = message
        QDialog.reject(self.dialog)  # the dialog's own reject() may stand for "done" once it has written
        if window is not None:
            window.statusBar().showMessage(message, MESSAGE_MS)


def record(model, record_id: int) -> tuple | None:
    """A row of the book as it stands (every column), to tell whether it changed; None once it is gone."""
    found = model.select().where(model.id == record_id).dicts().first()
    return None if found is None else tuple(sorted(found.items()))


def ledger(contract_id: int) -> tuple:
    """The contract's ledger as it stands: its entries, to tell whether one was added or reversed."""
    from models.entities import LedgerEntry

    rows = LedgerEntry.select(LedgerEntry.id).where(LedgerEntry.contract == contract_id).tuples()
    return tuple(r[0] for r in rows)


def _main_window(widget: QWidget) -> QMainWindow | None:
    w = widget.parentWidget()
    while w is not None and not isinstance(w, QMainWindow):
        w = w.parentWidget()
    return w


def follow_contract(
    dialog: QDialog,
    contract_id: int,
    shows: Callable[[], object] | None = None,
    refresh: Callable[[], None] | None = None,
) -> ContractWatch:
    """Close `dialog` (with a word in the status bar) when its contract changes state elsewhere, or what
    `shows()` reads from the book (the record the dialog shows) changes; with `refresh`, call it instead (the
    dialog shows the book as it is now) unless the contract is gone."""
    watch = ContractWatch(dialog, contract_id, shows, refresh)
    dialog._contract_watch = watch  # the listener is held weakly: the dialog keeps it alive
    return watch
