"""The release wizard and the end-contract confirmation, wired to each other (R4, R5, R7).

A dialog never imports another: each is handed a callable that opens the other. They are wired here,
once, for the window and the contract page:
- the release wizard's "End the contract now…" opens the end-contract confirmation;
- the confirmation's "Release it first…" opens a release wizard that does not offer to end the contract
  (the ending happens in the confirmation it came from), so the two never open each other in a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QWidget

from desktop.dialogs.end_contract import EndContractDialog
from desktop.dialogs.release_wizard import ReleaseWizard
from desktop.dialogs.release_wizard import release_or_explain as _release_or_explain
from models.entities import Contract


def end_contract_dialog(contract: Contract, parent: QWidget | None = None, *, today: date | None = None):
    """The end-contract confirmation; its "Release it first…" opens a wizard that returns to it."""
    return EndContractDialog(
        contract,
        parent,
        today=today,
        open_release_wizard=lambda owner, fresh: ReleaseWizard(fresh, owner, today=today, open_end_contract=None),
    )


def release_wizard(
    contract: Contract, parent: QWidget | None = None, *, today: date | None = None, milestone_id: int | None = None
) -> ReleaseWizard:
    """The release wizard; its last page offers "End the contract now…"."""
    return ReleaseWizard(contract, parent, today=today, milestone_id=milestone_id, open_end_contract=_end_opener(today))


def release_or_explain(
    contract: Contract,
    parent: QWidget | None = None,
    *,
    today: date | None = None,
    milestone_id: int | None = None,
    warn: Callable[[str, str], None] | None = None,
) -> ReleaseWizard | None:
    """`release_wizard`, or None after saying (through `warn`) why no payment can be released."""
    return _release_or_explain(
        contract, parent, today=today, milestone_id=milestone_id, warn=warn, open_end_contract=_end_opener(today)
    )


def _end_opener(today: date | None):
    return lambda owner, fresh: end_contract_dialog(fresh, owner, today=today)
