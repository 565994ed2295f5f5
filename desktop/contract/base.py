"""What the contract page and each of its tabs share: `ContractTab`.

A tab shows one contract (`show_contract`), knows the day it believes it is (`today`, a callable: the
window's clock, or a fixed day in tests and screenshots), runs one operation per user action (`run`) and
says `changed(contract_id)` after a write, so the window refreshes the contract's row and the status bar.
The tabs import this module, never the page that holds them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop.widgets import prompts
from models.clock import utc_today
from models.errors import RuleError


class ContractTab(QWidget):
    """A view of one contract: the page, and each tab on it."""

    changed = Signal(int)  # a contract's records changed through this view (its id)

    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] | None = None):
        super().__init__(parent)
        self.today: Callable[[], date] = today or utc_today
        self.contract = None

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

    def changed_here(self, contract_id: int) -> None:
        """This view (or a dialog it opened) changed the contract: show it again here, then say so; the page
        then reads its other parts again, not this view."""
        self.show_contract(contract_id)
        self.changed.emit(contract_id)
