"""The contract page's "Statement" tab: what the marketplace's statement says about this contract against
its books (the reconcile view of File → Reconcile Statement…, for one contract): the rows that differ, are
matched or are not kept, the totals per kind, and "Record it" for what is on the statement only.

Each button runs one operation per row (models.reconcile.record_missing); after a change the tab says
`changed(contract_id)` and the page reads the contract again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.contract.base import ContractTab
from desktop.dialogs.reconcile import ReconcileView
from models.entities import Contract


class StatementTab(ContractTab):
    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] | None = None):
        super().__init__(parent, today)
        self.setObjectName("statementTab")
        self.view = ReconcileView(self, today=self.today, scoped=True)
        self.view.changed.connect(self._recorded)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)

    def show_contract(self, contract: Contract | int | None) -> None:
        if not isinstance(contract, Contract):
            contract = None if contract is None else Contract.get_or_none(Contract.id == contract)
        self.contract = contract
        self.view.show_contract(None if contract is None else contract.id)

    def _recorded(self, contract_ids: list[int]) -> None:
        """Rows were recorded: the view has read itself again; the page and the window follow."""
        if self.contract is not None and contract_ids:
            self.changed.emit(self.contract.id)
