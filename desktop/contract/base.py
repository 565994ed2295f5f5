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


def run_operation(widget, title: str, operation, *args, **kwargs):
    """One user action = one operation of models.ops, for a contract view (the page and its tabs).

    The widget has `.contract`, `.show_contract(id)` and a `changed(int)` signal. A refusal is shown in the
    client's words (nothing was written); either way the view is read again, and after a success the change
    is announced (the page then reads the contract's other parts again, not this view).
    """
    contract_id = widget.contract.id
    try:
        result = operation(*args, **kwargs)
    except RuleError as exc:
        prompts.warn(widget, title, exc.message)
        widget.show_contract(contract_id)
        return None
    widget.show_contract(contract_id)
    widget.changed.emit(contract_id)
    return result


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
        """One operation for one user action; a refusal is shown under `title` and nothing was written."""
        return run_operation(self, title, operation, *args, **kwargs)

    def changed_here(self, contract_id: int) -> None:
        """A dialog this view opened changed the contract: show it again, then say so (as `run` does)."""
        self.show_contract(contract_id)
        self.changed.emit(contract_id)
