"""Undo, Redo and corrections, for the main window.

`EditMenu` is a part of `MainWindow` (a mixin). Edit → Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z) name the
operation they would undo or do again ("Undo Release $200.00"); undoing records the compensating operation
(models/undo.py: a reversal for money, a correction for the rest), never a deletion. Contract → Correct a
Record lists every record of the selected contract that can be withdrawn as recorded in error
(models/corrections.py), asks why, and withdraws it. A refusal is said in words and changes nothing.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from desktop.widgets import prompts
from models.errors import RuleError


class EditMenu:
    """Edit → Undo / Redo, and Contract → Correct a Record."""

    history = None  # models.undo.History, made with the book's parts (models load with the book)

    def make_history(self) -> None:
        from models.undo import History

        self.history = History(self.today, on_change=self.update_undo_actions)
        self.destroyed.connect(self.history.close)  # (a plain Python method: safe once the window is gone)
        self.update_undo_actions()

    def update_undo_actions(self) -> None:
        if getattr(self, "act_undo", None) is None:  # the actions come right after the book's parts
            return
        undo = self.history.undo_text() if self.history is not None else None
        redo = self.history.redo_text() if self.history is not None else None
        self.act_undo.setText(f"&Undo {undo}" if undo else "&Undo")
        self.act_undo.setEnabled(undo is not None)
        self.act_undo.setStatusTip(f"Undo “{undo}”: record its correction" if undo else "Nothing to undo")
        self.act_redo.setText(f"&Redo {redo}" if redo else "&Redo")
        self.act_redo.setEnabled(redo is not None)
        self.act_redo.setStatusTip(f"Record “{redo}” again" if redo else "Nothing to redo")

    def undo(self) -> None:
        self._replay("undo", "Undo", "undone")

    def redo(self) -> None:
        self._replay("redo", "Redo", "done again")

    def _replay(self, method: str, verb: str, past: str) -> None:
        if self.history is None:
            return
        name = self.history.undo_text() if method == "undo" else self.history.redo_text()
        if name is None:
            return
        try:
            step = getattr(self.history, method)()
        except RuleError as exc:
            self.warn(f"{verb} {name}", f"“{name}” cannot be {past}: {exc.message}")
            return
        if step.contract_id is not None:
            self.contract_changed(step.contract_id)
        else:
            self.refresh_all()
        self.statusBar().showMessage(f"{verb}: {name}", 5000)

    # ------------------------------------------------------------ corrections
    def fill_corrections_menu(self, menu: QMenu) -> None:
        """Contract → Correct a Record: the selected contract's records that can be withdrawn now."""
        from models import corrections

        menu.clear()
        contract = self.page.contract if self.page is not None else None
        found = corrections.available(contract) if contract is not None else []
        if not found:
            empty = menu.addAction("No contract selected" if contract is None else "Nothing to correct")
            empty.setObjectName("actionNothingToCorrect")
            empty.setEnabled(False)
            return
        for correction in found:
            action = QAction(correction.label, menu)
            action.setObjectName(f"actionCorrect_{correction.kind}")
            action.setStatusTip("Withdraw it as recorded in error, with a reason kept in the book's history")
            action.triggered.connect(lambda _=False, c=correction, cid=contract.id: self.withdraw(c, cid))
            menu.addAction(action)

    def withdraw(self, correction, contract_id: int) -> bool:
        """Ask why, then withdraw the record as recorded in error. True when it was withdrawn."""
        what = correction.label.rstrip("…")
        reason = prompts.get_reason(self, "Recorded in error", f"Withdraw: {what}")
        if reason is None:
            return False
        try:
            if correction.dated:
                correction.withdraw(reason=reason, today=self.today())
            else:
                correction.withdraw(reason=reason)
        except RuleError as exc:
            self.warn("Recorded in error", exc.message)
            return False
        self.contract_changed(contract_id)
        self.statusBar().showMessage(f"Withdrawn as recorded in error: {what}", 5000)
        return True
