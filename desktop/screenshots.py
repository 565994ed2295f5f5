"""`make screenshots`: PNGs of the main window (demo book, light and dark), the welcome
page, the help, each dialog and the pages of two PDF summaries, into docs/screenshots/
(run offscreen; the PDF pages need poppler-utils' pdftoppm).

    python -m desktop.screenshots [OUT_DIR] [--only statements|screens|reports|pack]
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

TODAY = date(2026, 11, 26)
NOW = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)  # the windows' clock for feedback: noon UTC of TODAY


def show(window, contract_id: int) -> None:
    """Select a contract's row as a user would (its page follows); only its page if the table has not read it."""
    if not window.select_contract(contract_id):
        window.page.show_contract(contract_id)


def grab(widget: QWidget, path: Path) -> None:
    widget.show()
    for _ in range(3):
        QApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def settled(dialog, seconds: float = 60) -> None:
    """The Reports window's worker thread done (a count, a sorted page, a chart's few rows), as a user would wait."""
    import time as clock

    end = clock.monotonic() + seconds
    while (dialog.counting is not None or dialog.model.waiting) and clock.monotonic() < end:
        QApplication.processEvents()
        clock.sleep(0.01)
    QApplication.processEvents()


def summaries(window, out: Path) -> None:
    """The export dialog, and the pages of a short and a three-page PDF summary (via poppler's pdftoppm)."""
    import subprocess
    from datetime import datetime, time, timedelta

    from peewee import fn

    from desktop.summary_pdf import write_pdf
    from models import ops, report
    from models.entities import Contract, Freelancer, LedgerEntry

    dialog = window.export_dialog()
    grab(dialog, out / "export-dialog.png")
    dialog.reject()
    now = datetime.combine(TODAY, time(14, 5), tzinfo=UTC)
    short = (
        Contract.select()
        .join(LedgerEntry)
        .where(Contract.status == "active")
        .group_by(Contract)
        .having(fn.COUNT(LedgerEntry.id).between(4, 6))
        .order_by(Contract.id)
        .first()
    )
    start = TODAY - timedelta(days=130)
    long = ops.create_contract(
        "Website rebuild", Freelancer.select().first(), budget=250_000, external_id="UP-77001234",
        started_on=start, today=start,
    )  # fmt: skip
    for n in range(1, 19):
        m = ops.add_milestone(long, f"Weekly batch {n}", 9_500 + 125 * n, due_on=start + timedelta(days=7 * n))
        ops.fund_milestone(m, today=start + timedelta(days=7 * n - 6))
        ops.release_payment(m, today=start + timedelta(days=7 * n))
    with tempfile.TemporaryDirectory() as tmp:
        for name, contract in (("summary-short", short), ("summary-long", long)):
            for stale in out.glob(f"{name}-*.png"):
                stale.unlink()
            pdf = Path(tmp) / f"{name}.pdf"
            write_pdf(pdf, [report.contract_summary(contract.id, now=now)], book_name="demo.book", generated_at=now)
            subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out / name)], check=True)
            for page in sorted(out.glob(f"{name}-*.png")):
                print(page)


def restore_dialog(window, out: Path) -> None:
    """File → Restore from Backup… with three daily backups of the demo book (in a temporary folder)."""
    from datetime import datetime, time, timedelta

    from desktop.dialogs.backup import RestoreBackupDialog
    from models.backup import backup_if_due

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for days in (2, 1, 0):
            when = datetime.combine(TODAY - timedelta(days=days), time(9, 30), tzinfo=UTC)
            backup_if_due(window.book, now=when, root=root)
        dialog = RestoreBackupDialog(window.book.path, window, root=root)
        grab(dialog, out / "restore-backup.png")
        dialog.reject()


def csv_import(window, out: Path) -> None:
    """The import preview: ready to import, and refused with its problems by row."""
    import csv

    from desktop.dialogs.csv_import import ImportDialog
    from models.csv_io import FILES, HEADERS

    people = [("Kim Lee", "Podcast edit"), ("Noor Haddad", "Brand photos"), ("Ola Berg", "Data cleanup")]
    rows = {name: [] for name in FILES}
    for n, (who, title) in enumerate(people, start=1):
        rows["contracts.csv"].append([str(n), f"UP-99{n:05d}", title, who, "", "", "upwork", "2026-01-01", "USD", "",
                                      "active", "2026-09-01", "", "", ""])  # fmt: skip
        rows["milestones.csv"].append([str(n), "1", "First delivery", "", "450.00", "USD", "", "paid", "", ""])
        rows["ledger.csv"] += [
            [str(2 * n - 1), str(n), "2026-09-02", "fund", "450.00", "USD", "1", "", "", "", ""],
            [str(2 * n), str(n), "2026-09-20", "release", "450.00", "USD", "1", "", "", "", "Delivered"],
        ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def save():
            for name in FILES:
                with open(folder / name, "w", encoding="utf-8-sig", newline="") as f:
                    csv.writer(f).writerows([HEADERS[name], *rows[name]])

        save()
        dialog = ImportDialog(window, folder)
        grab(dialog, out / "import-ready.png")
        dialog.reject()
        rows["ledger.csv"][1][4] = "450,00"
        rows["ledger.csv"].append(["7", "9", "2026-09-21", "refund", "50.00", "USD", "", "2", "", "", ""])
        rows["contracts.csv"][2][12] = "2026-08-01"
        rows["contracts.csv"][2][10] = "ended"
        save()
        dialog = ImportDialog(window, folder)
        grab(dialog, out / "import-problems.png")
        dialog.reject()


def feedback_and_refunds(window, out: Path) -> None:
    """The feedback dialog (empty, filled, sealed), both feedbacks revealed, the refund dialog, the attention panel."""
    from datetime import datetime, time

    from desktop.dialogs.feedback import FeedbackDialog
    from desktop.dialogs.refund import RefundDialog
    from models import queries
    from models.entities import Contract, Feedback

    now = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)
    ended = Contract.select().where(Contract.status == "ended").order_by(Contract.ended_on.desc())
    open_window = next(c for c in ended if queries.feedback_window_open(c, now) and not queries.client_feedback(c))
    dialog = FeedbackDialog(open_window, window, now=now)
    grab(dialog, out / "feedback-empty.png")
    for n, stars in enumerate(dialog.stars.values()):
        stars.setValue((5, 4, 4, 5, 3, 5)[n])
    dialog.comment_edit.setPlainText("Clear communication and on-time delivery. Would hire again.")
    grab(dialog, out / "feedback-filled.png")
    dialog.reject()
    both = (
        Contract.select()
        .join(Feedback)
        .where(Feedback.author == "freelancer")
        .switch(Contract)
        .where(Contract.id.in_(Feedback.select(Feedback.contract).where(Feedback.author == "client")))
        .first()
    )
    sealed = FeedbackDialog(both, window, now=now)
    grab(sealed, out / "feedback-sealed.png")
    sealed.reject()
    show(window, both.id)
    window.page.tabs.setCurrentWidget(window.page.feedback_tab)
    grab(window, out / "feedback-revealed.png")
    paid = next(
        c
        for c in Contract.select().where(Contract.status == "active")
        if any(p.refund_window_ends and p.refund_window_ends >= TODAY for p in queries.payments(c))
    )
    refund = RefundDialog(paid, window, today=TODAY)
    grab(refund, out / "refund-dialog.png")
    refund.reject()
    window.page.tabs.setCurrentIndex(0)
    window.attention_dock.show()
    window.update_status()
    grab(window, out / "attention-panel.png")
    window.attention_dock.hide()


def automatic_release_due():
    """A contract (added to the temporary demo book) whose work the marketplace released by itself 6 days ago."""
    from datetime import timedelta

    from models import ops
    from models.entities import Freelancer

    start = TODAY - timedelta(days=40)
    c = ops.create_contract("Podcast artwork", Freelancer.select().first(), started_on=start, today=start)
    cover = ops.add_milestone(c, "Cover art", 30_000)
    episodes = ops.add_milestone(c, "Episode tiles", 12_000)
    for m in (cover, episodes):
        ops.fund_milestone(m, on=start + timedelta(days=1), today=TODAY)
    ops.submit_work(cover, on=TODAY - timedelta(days=20), today=TODAY)
    return c


def ending(window, out: Path) -> None:
    """The end-contract confirmation (with and without escrow), its after view, and the two tabs it leads to."""
    from desktop.contract.flows import end_contract_dialog
    from models import queries
    from models.entities import Contract, EscrowRefundRequest, database

    active = [c for c in Contract.select().where(Contract.status == "active").limit(200)]
    with_escrow = next(c for c in active if queries.balances(c).escrow > 0)
    without = next(c for c in active if queries.balances(c).escrow == 0)
    dialog = end_contract_dialog(with_escrow, window, today=TODAY)
    dialog.agreed.setChecked(True)
    dialog.refund_choice.setChecked(True)
    grab(dialog, out / "end-contract-with-escrow.png")
    dialog.reject()
    with database.atomic() as shot_only:  # the screenshots after this one see the demo book as it was
        dialog = end_contract_dialog(automatic_release_due(), window, today=TODAY)
        dialog.agreed.setChecked(True)
        dialog.refund_choice.setChecked(True)
        grab(dialog, out / "end-contract-automatic.png")
        dialog.reject()
        shot_only.rollback()
    dialog = end_contract_dialog(without, window, today=TODAY)
    grab(dialog, out / "end-contract-no-escrow.png")
    dialog.agreed.setChecked(True)
    dialog.end_button.click()  # a temporary demo book
    grab(dialog, out / "end-contract-after.png")
    dialog.accept()
    pending = EscrowRefundRequest.select().where(EscrowRefundRequest.status == "pending").first()
    show(window, pending.contract_id)
    window.page.tabs.setCurrentWidget(window.page.escrow_panel)
    grab(window, out / "escrow-refund-tab.png")
    ended = Contract.select().where(Contract.status == "ended").order_by(Contract.ended_on.desc()).first()
    show(window, ended.id)
    window.page.tabs.setCurrentWidget(window.page.closeout_tab)
    grab(window, out / "closeout-tab.png")
    window.page.tabs.setCurrentIndex(0)


def event_dates(window, out: Path) -> None:
    """The "On:" dialog of the one-click events (work submitted; funding, with its fees; a day refused under the
    date), and the other dialogs' "On:" rows: a closeout tick, a dispute's outcome, the freelancer's feedback."""
    from datetime import timedelta

    from desktop.dialogs.closeout_item import CloseoutItemDialog
    from desktop.dialogs.dispute_outcome import DisputeOutcomeDialog
    from desktop.dialogs.feedback import FreelancerFeedbackDialog
    from desktop.widgets.fields import qdate
    from models import order, queries
    from models.entities import CloseoutItem, Contract, Dispute, Milestone

    tab = window.page.milestones
    active = Milestone.select().join(Contract).where((Contract.status == "active") & (Milestone.state == "active"))
    funded_later = next(m for m in active if order.latest_funding(m).date > m.contract.started_on)
    show(window, funded_later.contract_id)
    tab.select_milestone(funded_later.id)
    dialog = tab.submit_work()
    grab(dialog, out / "event-date.png")
    dialog.date_edit.setDate(qdate(order.latest_funding(funded_later).date - timedelta(days=1)))
    dialog.ok_button.click()  # refused: before the funding
    grab(dialog, out / "event-date-refused.png")
    dialog.reject()
    unfunded = Milestone.select().join(Contract).where((Contract.status == "active") & (Milestone.state == "unfunded"))
    m = unfunded.first()
    show(window, m.contract_id)
    tab.select_milestone(m.id)
    dialog = tab.fund_milestone()
    grab(dialog, out / "event-date-fund.png")
    dialog.reject()

    item = CloseoutItem.select().where(CloseoutItem.done_on.is_null()).first()
    dialog = CloseoutItemDialog(item, window, today=TODAY)
    grab(dialog, out / "closeout-item-dialog.png")
    dialog.reject()
    dispute = Dispute.select().where(Dispute.status == Dispute.OPEN).first()
    if dispute is not None:
        dialog = DisputeOutcomeDialog(dispute, window, today=TODAY)
        grab(dialog, out / "dispute-outcome-dialog.png")
        dialog.reject()
    ended = Contract.select().where(Contract.status == "ended").order_by(Contract.ended_on.desc())
    without = next(c for c in ended if queries.freelancer_feedback(c) is None)
    dialog = FreelancerFeedbackDialog(without, window, now=NOW, today=TODAY)
    grab(dialog, out / "feedback-freelancer.png")
    dialog.reject()
    window.page.tabs.setCurrentIndex(0)


def wizard_pages(window, contract, out: Path) -> None:
    """Each page of the release wizard, on a contract with a funded milestone and leftover escrow."""
    from desktop.contract.flows import release_wizard
    from models import queries

    active = queries.active_milestones(contract)
    wizard = release_wizard(contract, window, today=TODAY, milestone_id=active[0].id if active else None)
    wizard.resize(620, 480)
    grab(wizard, out / "release-1-milestone.png")
    wizard.choose.new_choice.setChecked(True)
    wizard.choose.new_title.setText("Final payment")
    wizard.choose.new_amount.setText("50.00")
    grab(wizard, out / "release-1-new-milestone.png")
    wizard.next()
    wizard.amount.partial.setChecked(True)
    wizard.amount.part.setText("60.00")
    grab(wizard, out / "release-2-amount-refused.png")
    wizard.amount.part.setText("30.00")
    grab(wizard, out / "release-2-amount.png")
    wizard.next()
    grab(wizard, out / "release-3-review.png")
    wizard.next()  # Pay now (a temporary demo book)
    grab(wizard, out / "release-4-done.png")
    wizard.accept()


def corrections_and_undo(window, out: Path) -> None:
    """Escrow left outside any milestone, the Edit menu naming what Undo would undo, and the corrections menu."""
    from models import ops
    from models.entities import CloseoutItem, Contract, Milestone

    m = (
        Milestone.select()
        .join(Contract)
        .where((Contract.status == "active") & (Milestone.state == "active"))
        .order_by(Milestone.id)
        .first()
    )
    other = Milestone.select().where((Milestone.contract == m.contract_id) & (Milestone.state == "unfunded")).first()
    ops.release_payment(m, m.amount // 2, today=TODAY)  # a temporary demo book
    if other is not None:
        ops.fund_milestone(other, today=TODAY)
        ops.submit_work(other, today=TODAY)
    show(window, m.contract_id)
    window.contract_changed(m.contract_id)  # its row too, as after any operation in the window
    window.page.tabs.setCurrentIndex(0)
    grab(window, out / "milestones-not-in-a-milestone.png")
    closed_out = (
        Contract.select()
        .join(CloseoutItem)
        .where((Contract.status == "ended") & CloseoutItem.done_on.is_null(False))
        .order_by(Contract.ended_on.desc())
        .first()
    )
    for menu_title, path, fill in (
        ("&Edit", "menu-undo.png", None),
        ("&Contract", "menu-corrections.png", window.corrections_menu),
    ):
        menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
        menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
        if fill is not None:
            show(window, closed_out.id)  # a contract with more to correct: its ending and its closeout
            fill.popup(menu.geometry().topRight())
            QApplication.processEvents()
            grab(fill, out / path)
            fill.hide()
        else:
            grab(menu, out / path)
        menu.hide()


def second_version(out: Path, settings) -> None:
    """The marketplace's second version (contracts started from 1 Dec 2026), in a small book of its own on
    15 Jun 2027: the single-rating feedback form, the refund dialog in the support tier, a dormant contract."""
    from datetime import timedelta

    from desktop.dialogs.feedback import FeedbackDialog
    from desktop.dialogs.refund import RefundDialog
    from desktop.window.main_window import MainWindow
    from models import ops
    from models.book import open_book
    from models.entities import Contract

    today, start = date(2027, 6, 15), date(2026, 12, 1)
    now = datetime.combine(today, time(12, 0), tzinfo=UTC)
    book = open_book(Path(tempfile.mkdtemp(prefix="escrowbook-shots-v2-")) / "v2.book")
    ana = ops.create_freelancer("Ana Ruiz", agency="Northwind Studio")
    brand = ops.create_contract("Brand book", ana, started_on=start, today=today, initiation_fee=499)
    m = ops.add_milestone(brand, "Guidelines", 50_000)
    ops.fund_milestone(m, on=start, today=today)
    ops.release_payment(m, on=start + timedelta(days=2), today=today)  # nothing since: dormant 90 days later
    icons = ops.create_contract("Icon set", ana, started_on=date(2027, 5, 3), today=today, initiation_fee=1_499)
    m = ops.add_milestone(icons, "Icons", 30_000)
    ops.fund_milestone(m, on=date(2027, 5, 3), today=today)
    ops.release_payment(m, on=date(2027, 6, 1), today=today)
    ops.end_contract(icons, agreed=True, on=date(2027, 6, 10), today=today)
    window = MainWindow(book, today=today, now=lambda: now, settings=settings)
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    show(window, brand.id)
    window.attention_dock.show()
    window.update_status()
    grab(window, out / "v2-dormant-contract.png")
    refund = RefundDialog(brand, window, today=today)  # its payment is 194 days old: through support only
    refund.support_case_edit.setText("ABC-123")
    grab(refund, out / "v2-refund-support-tier.png")
    refund.reject()
    feedback = FeedbackDialog(Contract.get_by_id(icons.id), window, now=now)
    feedback.stars["rating"].setValue(4)
    feedback.comment_edit.setPlainText("Sharp icons, delivered on time.")
    grab(feedback, out / "v2-feedback.png")
    feedback.reject()
    window.close()
    book.close()


def _altered_statement(path: Path) -> None:
    """The open book's statement at `path`, with what reconciling should find: a row gone, a cent changed, a
    date moved, a row whose contract the client chooses; and a release the books have lost (reversed)."""
    import csv
    from datetime import timedelta

    from models import ops
    from models.entities import Contract, LedgerEntry, database
    from models.statement_writer import write_statement

    write_statement(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    h = rows[0]
    at = {name: h.index(name) for name in ("Date", "Amount $", "Transaction Summary", "Freelancer", "Currency")}
    del rows[10]
    rows[20][at["Amount $"]] = f"{float(rows[20][at['Amount $']]) - 0.01:.2f}"
    rows[30][at["Date"]] = (date.fromisoformat(rows[30][at["Date"]]) + timedelta(days=3)).isoformat()
    shared = set(database.execute_sql(
        "SELECT f.name, c.currency FROM contract c JOIN freelancer f ON f.id = c.freelancer_id "
        "GROUP BY c.freelancer_id, c.currency HAVING COUNT(*) > 1"
    ).fetchall())  # fmt: skip
    row = next(r for r in rows[40:] if (r[at["Freelancer"]], r[at["Currency"]]) in shared)
    for name in ("Transaction Summary Details", "Description 1", "Ref ID"):
        row[h.index(name)] = ""
    row[at["Transaction Summary"]] = "Fixed-price milestone"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    lost = (
        LedgerEntry.select().join(Contract)
        .where((LedgerEntry.kind == "release") & (Contract.status == "active"))
        .order_by(LedgerEntry.date.desc()).first()
    )  # fmt: skip
    ops.reverse_entry(lost, memo="Recorded twice by mistake", today=TODAY)


def _custom_export(source: Path, target: Path) -> Path:
    """The statement as another tool would export it: headers no format knows, fewer columns."""
    import csv

    with open(source, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    at = {name: i for i, name in enumerate(rows[0])}
    with open(target, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["Posted on", "Txn No", "Category", "Narrative", "Payee", "Value", "Cur", "Running balance"])
        for r in rows[1:]:
            cells = [r[at[name]] for name in ("Date", "Transaction ID", "Transaction Type", "Transaction Summary",
                                              "Freelancer", "Amount $", "Currency", "Current Balance $")]  # fmt: skip
            cells[3] += f" - {r[at['Transaction Summary Details']]}"
            out.writerow(cells)
    return target


def statements(out: Path, settings, *, dark: bool = False) -> None:
    """File → Reconcile Statement… at 1366×768: differences found (light and dark), all matched, the mapping step
    for an unknown header row, and the contract page's Statement tab; each in a small demo book of its own."""
    from desktop.window.main_window import MainWindow
    from models import reconcile
    from models.book import open_book
    from models.demo import generate
    from models.statement_writer import write_statement

    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-shots-statement-"))
    os.environ.setdefault("ESCROWBOOK_STATEMENT_FORMATS", str(tmp / "formats"))
    suffix = "-dark" if dark else ""
    books = (("differences", True),) if dark else (("differences", True), ("matched", False))
    for name, altered in books:
        generate(tmp / f"{name}.book", 60, seed=1, today=TODAY)
        book = open_book(tmp / f"{name}.book", create=False)
        statement = tmp / f"statement-{name}.csv"
        _altered_statement(statement) if altered else write_statement(statement)
        window = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
        window.resize(1366, 768)
        window.show()
        QApplication.processEvents()
        dialog = window.reconcile_file(statement)
        dialog.resize(1240, 700)  # as on a 1366×768 screen (the offscreen one is smaller)
        if altered:
            view = dialog.view
            view.table.selectRow(next(i for i, r in enumerate(view.model.rows) if r.status == "statement_only"))
        grab(dialog, out / f"reconcile-{name}{suffix}.png")
        dialog.reject()
        if altered and not dark:
            missing = reconcile.page(["statement_only"])[0]
            show(window, missing.contract_id)
            window.page.tabs.setCurrentWidget(window.page.statement_tab)
            view = window.page.statement_tab.view
            view.table.selectRow(0)
            grab(window, out / "contract-statement-tab.png")
            window.page.tabs.setCurrentWidget(window.page.ledger)  # each entry with its statement reference
            grab(window, out / "contract-ledger-statement.png")
            mapping = window.reconcile_file(_custom_export(statement, tmp / "bank-export.csv"))
            for field, header in (("date", "Posted on"), ("currency", "Cur")):
                mapping.choose(field, header)
            mapping.name_edit.setText("Bank export (Acme)")
            grab(mapping, out / "statement-mapping.png")
            mapping.reject()
        window.close()
        book.close()


def main(out: Path) -> None:
    from desktop.app import apply_scheme, make_app
    from desktop.dialogs.contract import ContractDialog
    from desktop.dialogs.freelancer import FreelancerDialog
    from desktop.dialogs.milestone import MilestoneDialog
    from desktop.widgets.help_browser import HelpDialog
    from desktop.window.main_window import MainWindow
    from models.book import open_book
    from models.demo import generate
    from models.entities import Contract, Milestone

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-shots-"))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)

    empty = open_book(tmp / "empty.book")
    window = MainWindow(empty, today=TODAY, now=lambda: NOW, settings=settings)
    window.resize(1280, 800)
    grab(window, out / "welcome.png")
    window.close()

    generate(tmp / "demo.book", 400, seed=4, today=TODAY)
    for dark in (False, True):
        apply_scheme(app, dark=dark)
        from desktop import icons

        icons.clear_cache()
        book = open_book(tmp / "demo.book", create=False)
        window = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
        window.resize(1280, 800)
        window.show()
        QApplication.processEvents()
        active = (
            Contract.select()
            .join(Milestone)
            .where((Contract.status == "active") & (Milestone.state == "submitted"))
            .first()
        )
        show(window, active.id)
        window.page.milestones.milestone_table.selectRow(0)
        grab(window, out / f"main-{'dark' if dark else 'light'}.png")
        if not dark:
            window.set_filter("attention")
            grab(window, out / "main-attention.png")
            window.set_filter("all")
            contract = window.page.contract
            dialogs = {
                "contract-new": ContractDialog(window, today=TODAY, new_freelancer=FreelancerDialog),
                "contract-edit": ContractDialog(
                    window, contract=contract, today=TODAY, new_freelancer=FreelancerDialog
                ),
                "milestone-new": MilestoneDialog(contract, window),
                "freelancer-new": FreelancerDialog(window),
            }
            below = MilestoneDialog(contract, window)
            below.title_edit.setText("Final delivery")
            below.amount_edit.setText("4.99")
            dialogs["milestone-below-minimum"] = below
            for name, dialog in dialogs.items():
                grab(dialog, out / f"{name}.png")
                dialog.reject()
            ending(window, out)
            feedback_and_refunds(window, out)
            wizard_pages(window, contract, out)
            summaries(window, out)
            csv_import(window, out)
            restore_dialog(window, out)
            corrections_and_undo(window, out)
            help_dialog = HelpDialog(window)
            grab(help_dialog, out / "help.png")
            help_dialog.close()
            help_ending = HelpDialog(window, "ending.html")
            grab(help_ending, out / "help-ending.png")
            help_ending.close()
            event_dates(window, out)
        window.close()
    apply_scheme(app, dark=False)
    second_version(out, settings)
    statements_light_and_dark(out, settings)
    report_views(out, settings)
    pack_pages(out, settings)
    screens(out, settings)


def statements_light_and_dark(out: Path, settings) -> None:
    from desktop.app import apply_scheme, make_app

    app = make_app()
    for dark in (False, True):
        apply_scheme(app, dark=dark)
        statements(out, settings, dark=dark)
    apply_scheme(app, dark=False)


# The screens users have (name, width, height, scale): the window as it opens on each, light and dark.
SCREENS = (("1024x600", 1024, 600, 1), ("1366x768", 1366, 768, 1), ("1366x768-scale2", 1366, 768, 2))
LONG_TITLE = (
    "Redesign of the customer onboarding flow, the billing settings and the account recovery pages for the "
    "web app, with usability tests in three markets and a hand-over of every source file and design token"
)[:200]
ARABIC_NAME = "ليلى عبد الرحمن"


def screens(out: Path, settings) -> None:
    """`--only screens`: the main window as it opens on each of SCREENS, light and dark, showing a contract
    with a 200-character title and an Arabic freelancer name. The offscreen platform's screen size is set
    per process (a config file), so each screen is drawn by a child process of its own."""
    import json
    import subprocess

    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-screens-"))
    for name, width, height, scale in SCREENS:
        config = tmp / f"{name}.json"
        screen = {"name": name, "x": 0, "y": 0, "width": width, "height": height}
        config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": str(scale)}
        command = [sys.executable, "-m", "desktop.screenshots", str(out), "--screen", name]
        subprocess.run(command, env=env, check=True)


def one_screen(out: Path, name: str) -> None:
    """The child of `screens`: this process's screen, light then dark, as the window opens (no resize)."""
    from desktop import icons
    from desktop.app import apply_scheme, make_app
    from desktop.window.main_window import MainWindow
    from models import ops
    from models.book import open_book
    from models.demo import generate

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-screen-"))
    generate(tmp / "demo.book", 60, seed=4, today=TODAY)
    book = open_book(tmp / "demo.book", create=False)
    freelancer = ops.create_freelancer(ARABIC_NAME)
    contract = ops.create_contract(LONG_TITLE, freelancer, started_on=date(2026, 10, 1), today=TODAY)
    milestone = ops.add_milestone(contract, "Onboarding flow", 120000)
    ops.fund_milestone(milestone, on=date(2026, 10, 2), today=TODAY)
    ops.submit_work(milestone, on=TODAY, today=TODAY)
    book.close()
    for dark in (False, True):
        apply_scheme(app, dark=dark)
        icons.clear_cache()
        book = open_book(tmp / "demo.book", create=False)
        settings = QSettings(str(tmp / f"settings-{dark}.ini"), QSettings.Format.IniFormat)
        window = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
        window.show()
        QApplication.processEvents()
        show(window, contract.id)
        suffix = "dark" if dark else "light"
        grab(window, out / f"screen-{name}-{suffix}.png")
        window.close()
        book.close()
    apply_scheme(app, dark=False)


REPORT_KEYS = ("spend_by_period", "spend_by_freelancer", "spend_by_contract", "fees_by_period",
               "escrow_by_month_end", "refunds_by_period", "budget_vs_actual")  # fmt: skip
CHARTED = ("spend_by_period", "spend_by_freelancer", "escrow_by_month_end", "budget_vs_actual")


def reports_book(path: Path) -> None:
    """A demo book with a contract titled in 200 characters for a freelancer named in Arabic (over budget, and
    the largest spender), the euro as the home currency and a rate for each month of each currency but the
    Indian rupee's (its amounts show as missing a rate)."""
    from models import ops, rates
    from models.book import open_book
    from models.demo import generate
    from models.entities import Contract

    generate(path, 200, seed=4, today=TODAY)
    book = open_book(path, create=False)
    freelancer = ops.create_freelancer(ARABIC_NAME)
    contract = ops.create_contract(LONG_TITLE, freelancer, budget=1_000_000, started_on=date(2026, 2, 2), today=TODAY)
    for n, month in enumerate((3, 5, 8, 10), start=1):
        milestone = ops.add_milestone(contract, f"Stage {n}", 900_000)
        ops.fund_milestone(milestone, on=date(2026, month, 3), today=TODAY)
        ops.release_payment(milestone, on=date(2026, month, 20), today=TODAY)
    rates.set_home_currency("EUR")
    quoted = {"USD": "0.92", "GBP": "1.17", "JPY": "0.0062", "CAD": "0.68", "AUD": "0.61", "CHF": "1.04"}
    currencies = {c for (c,) in Contract.select(Contract.currency).distinct().tuples()} - {"EUR", "INR"}
    for currency in sorted(currencies):
        for month in range(1, 12):
            rates.record_rate(currency, f"2026-{month:02d}", quoted.get(currency, "0.5"), today=TODAY)
    for month in range(1, 13):
        rates.record_rate("USD", f"2025-{month:02d}", "0.9", today=TODAY)
    book.close()


def report_views(out: Path, settings) -> None:
    """`--only reports`: the Reports window on a 1024×600 screen (drawn by a child process, whose offscreen
    screen is that size: see `screens`)."""
    import json
    import subprocess

    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-reports-screen-"))
    config = tmp / "1024x600.json"
    screen = {"name": "1024x600", "x": 0, "y": 0, "width": 1024, "height": 600}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    subprocess.run([sys.executable, "-m", "desktop.screenshots", str(out), "--reports"], env=env, check=True)


def report_views_here(out: Path) -> None:
    """The child of `report_views`: the Reports window at 1024×600 on each report (in the home currency, and the
    first also as recorded), each chart, and the entries behind a figure, light and dark."""
    from PySide6.QtCore import Qt

    from desktop import icons
    from desktop.app import apply_scheme, make_app
    from desktop.window.main_window import MainWindow
    from models.book import open_book

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-reports-"))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    reports_book(tmp / "demo.book")
    for dark in (False, True):
        apply_scheme(app, dark=dark)
        icons.clear_cache()
        suffix = "dark" if dark else "light"
        book = open_book(tmp / "demo.book", create=False)
        window = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
        window.resize(1024, 600)
        window.show()
        QApplication.processEvents()
        for key in REPORT_KEYS:
            dialog = window.reports_dialog(key)
            dialog.resize(1024, 600)
            grab(dialog, out / f"report-{key}-{suffix}.png")
            if key == "spend_by_period":
                dialog.amounts_combo.setCurrentIndex(0)
                dialog.run()
                grab(dialog, out / f"report-{key}-as-recorded-{suffix}.png")
                dialog.amounts_combo.setCurrentIndex(1)
                dialog.run()
            if key in ("spend_by_contract", "spend_by_freelancer"):  # the 200-character title, the Arabic name first
                dialog.table.sortByColumn(dialog.model.columns.index("spend"), Qt.SortOrder.DescendingOrder)
                settled(dialog)
                dialog.table.setCurrentIndex(dialog.model.index(0, dialog.model.columns.index("spend")))
                dialog.table.horizontalScrollBar().setValue(0)
                grab(dialog, out / f"report-{key}-largest-first-{suffix}.png")
            if key == "budget_vs_actual":
                actual = dialog.model.columns.index("actual")
                shown = [dialog.model.data(dialog.model.index(r, actual)) for r in range(dialog.model.rowCount())]
                paid = next(r for r, text in enumerate(shown) if text not in ("€0.00", "$0.00"))
                index = dialog.model.index(paid, actual)
                dialog.table.setCurrentIndex(index)
                dialog.drill_down(index)
                grab(dialog, out / f"report-{key}-entries-{suffix}.png")
            if key in CHARTED:
                dialog.tabs.setCurrentIndex(1)
                settled(dialog)
                grab(dialog, out / f"chart-{key}-{suffix}.png")
                if key == "spend_by_period":
                    dialog.stack_combo.setCurrentIndex(1)
                    settled(dialog)
                    grab(dialog, out / f"chart-{key}-by-freelancer-{suffix}.png")
                if key == "budget_vs_actual":  # the contract titled in 200 characters is in US dollars
                    dialog.chart_currency.setCurrentIndex(dialog.chart_currency.findData("USD"))
                    settled(dialog)
                    grab(dialog, out / f"chart-{key}-usd-{suffix}.png")
            dialog.reject()
            QApplication.processEvents()
        window.close()
        book.close()
    apply_scheme(app, dark=False)


def pack_pages(out: Path, settings) -> None:
    """`--only pack`: the Year-end Pack dialog, and pages of the pack's PDF for the reports' book (in euros): the
    contents, the first report with its chart, the budget chart, and the page of the freelancer named in Arabic
    with the contract titled in 200 characters (via poppler's pdftoppm)."""
    import subprocess

    from desktop.app import make_app
    from desktop.pack_pdf import write_pack
    from desktop.widgets.appearance import light_palette
    from desktop.widgets.charts import pack_charts
    from desktop.window.main_window import MainWindow
    from models.book import open_book
    from models.pack import build_pack

    app = make_app()  # noqa: F841 - fonts and painting need it
    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-pack-"))
    reports_book(tmp / "demo.book")
    book = open_book(tmp / "demo.book", create=False)
    window = MainWindow(book, today=TODAY, now=lambda: NOW, settings=settings)
    window.show()
    QApplication.processEvents()
    dialog = window.year_end_pack()
    grab(dialog, out / "year-end-dialog.png")
    dialog.reject()
    QApplication.processEvents()
    window.close()  # and the book with it
    book = open_book(tmp / "demo.book", create=False)
    try:
        pack = build_pack(TODAY.year, home="EUR")
        written = write_pack(pack, tmp / "pack", book_name="demo.book", generated_at=NOW, charts=pack_charts(),
                             palette=light_palette())  # fmt: skip
    finally:
        book.close()
    pdf = written[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    wanted = {"contents": 1, "spend": 2}
    for number, page in enumerate(pages, start=1):
        if "budget" not in wanted and "Budget against actual" in page and number > 2:
            wanted["budget"] = number
        if LONG_TITLE[:15] in page:  # its freelancer's page comes after the reports that list it
            wanted["long-title"] = number
    for stale in out.glob("pack-*.png"):
        stale.unlink()
    for name, number in wanted.items():
        target = out / f"pack-{name}"
        command = ["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile"]
        subprocess.run([*command, str(pdf), str(target)], check=True)
        print(f"{target}.png")


def only(name: str, out: Path) -> None:
    """`python -m desktop.screenshots OUT --only statements`: one group of screenshots, not all of them."""
    groups = {"statements": statements_light_and_dark, "screens": screens, "reports": report_views, "pack": pack_pages}
    if name not in groups:
        raise SystemExit(f"--only takes one of: {', '.join(groups)}")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="escrowbook-shots-"))
    groups[name](out, QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--reports" in args:
        report_views_here(Path(args[0]))
    elif "--screen" in args:
        i = args.index("--screen")
        one_screen(Path(args[0]), args[i + 1])
    elif "--only" in args:
        i = args.index("--only")
        group = args[i + 1] if i + 1 < len(args) else ""
        del args[i : i + 2]
        only(group, Path(args[0]) if args else Path("docs/screenshots"))
    else:
        main(Path(args[0]) if args else Path("docs/screenshots"))
