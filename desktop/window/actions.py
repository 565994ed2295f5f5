"""The main window's actions as a table: each menu item and toolbar button once, with its object name,
text, shortcut, icon and tip, the window method it calls, and where it appears (menus, toolbar).

`build_actions(window)` makes a QAction for each row, sets it on the window as `window.<attr>`
(`window.act_release`, …), and fills the menu bar and the toolbar. An action whose `slot` is a dotted
path ("page.milestones.release_payment") calls what that path names when it is triggered, so it may
name the parts the window builds once the book has finished opening.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolButton

from desktop import qt_values
from desktop.formatting import spoken
from desktop.icons import icon
from desktop.widgets import appearance

Key = QKeySequence.StandardKey


class Action(NamedTuple):
    attr: str  # the window's attribute for it
    name: str  # its object name
    text: str
    slot: str  # a method of the window, or a dotted path from the window ("page.milestones.add_milestone")
    shortcut: str | QKeySequence.StandardKey | None = None
    icon: str | None = None
    tip: str | None = None
    args: tuple = ()
    needs_book: bool = True  # finish opening the book first (MainWindow._with_book)


ACTIONS = (
    Action("act_new_book", "actionNewBook", "&New Book…", "new_book"),
    Action("act_open", "actionOpenBook", "&Open Book…", "choose_book", Key.Open, "open-book"),
    Action("act_open_shared", "actionOpenSharedBook", "Open S&hared Book…", "open_shared_book", None, None,
           "Open a book kept in a PostgreSQL database, shared with your team"),
    Action("act_copy", "actionSaveCopy", "Save a &Copy…", "save_copy", None, "save-copy",
           "Save a consistent copy of this book to another file"),
    Action("act_export_pdf", "actionExportPdf", "&Export Summaries to PDF…", "export_pdf", "Ctrl+Shift+E", None,
           "Write contract summaries to PDF: one each into a folder, or one file with a contents page"),
    Action("act_print", "actionPrintSummary", "&Print Summary…", "print_summary", Key.Print, None,
           "Print the selected contract's summary, with a preview first"),
    Action("act_year_end", "actionYearEndPack", "&Year-end Pack…", "year_end_pack", None, None,
           "A year's reports for your accountant: one PDF with each freelancer's contracts, and a CSV file per report"),
    Action("act_export_csv", "actionExportCsv", "Export CS&V…", "export_csv", None, None,
           "Write contracts.csv, milestones.csv and ledger.csv into a folder, for a spreadsheet"),
    Action("act_import_csv", "actionImportCsv", "&Import CSV…", "import_csv", None, None,
           "Add contracts from contracts.csv, milestones.csv and ledger.csv, after a preview"),
    Action("act_reconcile", "actionReconcileStatement", "Reconcile &Statement…", "reconcile_statement", None, None,
           "Compare the marketplace's transaction history (CSV) with these books, row by row"),
    Action("act_restore", "actionRestoreBackup", "Restore from &Backup…", "restore_from_backup", None, None,
           "Restore one of this book's automatic backups into a new file"),
    Action("act_check_book", "actionCheckBook", "&Check Book…", "check_book_dialog", None, None,
           "Verify the whole book: its balances, links, dates and summaries, and its ledger's hash chain"),
    Action("act_rates", "actionExchangeRates", "Home Currency and Exchange &Rates…", "rates_dialog", None, None,
           "Choose the currency reports add up in, and record or import exchange rates into it"),
    # Reports: one window (desktop/dialogs/reports.py), opened on the report chosen.
    Action("act_report_period", "actionReportSpendByPeriod", "Spend by &Period…", "reports_dialog", "Ctrl+Shift+R",
           None, "Paid to freelancers, fees, refunds and spend per month, quarter or year", ("spend_by_period",)),
    Action("act_report_freelancer", "actionReportSpendByFreelancer", "Spend by &Freelancer…", "reports_dialog", None,
           None, "What each freelancer cost: paid, fees, refunds and spend", ("spend_by_freelancer",)),
    Action("act_report_contract", "actionReportSpendByContract", "Spend by &Contract…", "reports_dialog", None, None,
           "What each contract cost: paid, fees, refunds and spend", ("spend_by_contract",)),
    Action("act_report_fees", "actionReportFees", "Fees and Their &Share…", "reports_dialog", None, None,
           "The fees per period and their share of the spend", ("fees_by_period",)),
    Action("act_report_escrow", "actionReportEscrow", "&Escrow Held at Month End…", "reports_dialog", None, None,
           "How much was held in escrow at the end of each month", ("escrow_by_month_end",)),
    Action("act_report_refunds", "actionReportRefunds", "&Refunds and Escrow Refunds…", "reports_dialog", None, None,
           "Refunds from freelancers and escrow returned to you, per period", ("refunds_by_period",)),
    Action("act_report_budget", "actionReportBudget", "&Budget against Actual…", "reports_dialog", None, None,
           "Each contract's budget against what it actually cost, over or under budget", ("budget_vs_actual",)),
    # Quit has no standard key on some platforms.
    Action("act_quit", "actionQuit", "&Quit", "close", "Ctrl+Q", needs_book=False),
    Action("act_new_contract", "actionNewContract", "&New Contract…", "new_contract", Key.New, "new-contract",
           "Create a contract"),
    Action("act_edit_contract", "actionEditContract", "&Edit Contract…", "edit_contract", "Ctrl+E", "edit",
           "Edit the selected contract"),
    Action("act_new_milestone", "actionNewMilestone", "New &Milestone…", "page.milestones.add_milestone", "Ctrl+M",
           "new-milestone", "Add a milestone to the selected contract"),
    Action("act_fund", "actionFundMilestone", "&Fund Milestone…", "page.milestones.fund_milestone", None, "fund",
           "Deposit the selected milestone into escrow"),
    Action("act_submit", "actionWorkSubmitted", "Work &Submitted…", "page.milestones.submit_work", None,
           "submit-work", "Record that the freelancer submitted work"),
    Action("act_release", "actionReleasePayment", "&Release Payment…", "page.milestones.release_payment", "Ctrl+R",
           "release", "Release a payment to the freelancer (the final-payment wizard)"),
    Action("act_end", "actionEndContract", "End Con&tract…", "end_contract", None, "end-contract",
           "End the selected contract: agree it, settle the escrow, then close out"),
    Action("act_refund", "actionRecordRefund", "Record Refun&d…", "page.ledger.record_refund", None, None,
           "A refund from the freelancer against one of their payments"),
    Action("act_delete", "actionDeleteMilestone", "&Delete Milestone…", "page.milestones.delete_milestone",
           Key.Delete, "delete"),
    Action("act_undo", "actionUndo", "&Undo", "undo", "Ctrl+Z"),
    Action("act_redo", "actionRedo", "&Redo", "redo", "Ctrl+Shift+Z"),
    Action("act_find", "actionFind", "&Find…", "focus_search", Key.Find, "search"),
    Action("act_refresh", "actionRefresh", "&Refresh", "refresh_all", Key.Refresh, "refresh"),
    Action("act_help", "actionHelp", "Escrowbook &Help", "show_help", Key.HelpContents, "help"),
    Action("act_about", "actionAbout", "&About Escrowbook", "show_about"),
    Action("act_help_ending", "actionHelpEnding", "&Ending a Fixed-Price Contract", "show_help",
           args=("ending.html",)),
    Action("act_help_rules", "actionHelpRules", "&Why the Books Work This Way", "show_help", args=("rules.html",)),
)  # fmt: skip

FILTER_CHOICES = [("all", "All"), ("active", "Active"), ("ended", "Ended"), ("attention", "Needs attention")]
RECENT = "recent"  # File → Open Recent
CORRECTIONS = "corrections"  # Contract → Correct a Record (filled when it opens)
FILTERS = "filters"  # View → All / Active / Ended / Needs attention (Ctrl+1 … Ctrl+4)
ATTENTION = "attention"  # View → Needs Attention Panel (F9)
APPEARANCE = "appearance"  # View → Appearance: System, Light, Dark
CONTRACT_ACTIONS = ["act_new_contract", "act_edit_contract", None, "act_new_milestone", "act_fund", "act_submit",
                    "act_release", "act_refund", None, "act_end"]  # fmt: skip
CONTRACT_MENU = [*CONTRACT_ACTIONS, None, CORRECTIONS]
REPORT_ACTIONS = ["act_report_period", "act_report_freelancer", "act_report_contract", "act_report_fees", None,
                  "act_report_escrow", "act_report_refunds", "act_report_budget"]  # fmt: skip

# Each menu's entries, in order: an action's attribute, None for a separator, or one of the names above.
MENUS = (
    ("&File", ["act_new_book", "act_open", "act_open_shared", RECENT, "act_copy", "act_restore", None,
               "act_export_pdf", "act_print", "act_year_end", None, "act_export_csv", "act_import_csv", "act_reconcile",
               None, "act_quit"]),
    ("&Edit", ["act_undo", "act_redo", None, "act_find", "act_delete"]),
    ("&Contract", CONTRACT_MENU),
    ("&View", [FILTERS, None, ATTENTION, "act_refresh", None, APPEARANCE]),
    ("Reports", REPORT_ACTIONS),  # (no Alt letter: each of "Reports" is taken, as for Tools)
    ("Tools", ["act_check_book", "act_rates"]),  # (no Alt letter: each of "Tools" is a tab's or a button's already)
    ("&Help", ["act_help", "act_help_ending", "act_help_rules", None, "act_about"]),
)  # fmt: skip
TOOLBAR = [*CONTRACT_ACTIONS, None, "act_copy"]


def _target(window, path: str, args: tuple):
    """What the action calls, looked up when it is triggered (the page is built after the first paint)."""

    def call(*_):
        target = window
        for part in path.split("."):
            target = getattr(target, part)
        return target(*args)

    return call


def make_action(window: QMainWindow, spec: Action) -> QAction:
    a = QAction(spec.text, window)
    a.setObjectName(spec.name)
    if spec.shortcut is not None:
        a.setShortcuts([QKeySequence(spec.shortcut)])  # (setShortcut would make Qt's namespace: qt_values.py)
    if spec.icon:
        a.setIcon(icon(spec.icon))
    if spec.tip:
        a.setStatusTip(spec.tip)
        a.setToolTip(spec.tip)
    slot = _target(window, spec.slot, spec.args)
    a.triggered.connect(window._with_book(slot) if spec.needs_book else slot)
    return a


def _add(container, window, entries) -> None:
    """Add actions (by attribute) to a menu or toolbar; None is a separator."""
    for entry in entries:
        container.addSeparator() if entry is None else container.addAction(getattr(window, entry))


def build_actions(window) -> None:
    """Every action of the table on `window`, its menu bar and its toolbar."""
    for spec in ACTIONS:
        setattr(window, spec.attr, make_action(window, spec))
    bar = window.menuBar()
    for title, entries in MENUS:
        menu = bar.addMenu(title)
        for entry in entries:
            if entry == RECENT:
                window.recent_menu = QMenu("Open &Recent", window)
                window.recent_menu.setObjectName("recentMenu")
                menu.addMenu(window.recent_menu)
            elif entry == CORRECTIONS:
                window.corrections_menu = QMenu("Correct a Rec&ord", window)
                window.corrections_menu.setObjectName("correctionsMenu")
                window.corrections_menu.setToolTipsVisible(True)
                window.corrections_menu.aboutToShow.connect(
                    lambda: window.fill_corrections_menu(window.corrections_menu)
                )
                menu.addMenu(window.corrections_menu)
            elif entry == FILTERS:
                _add_filters(window, menu)
            elif entry == APPEARANCE:
                _add_appearance(window, menu)
            elif entry == ATTENTION:
                panel = window.attention_dock.toggleViewAction()
                panel.setText("Needs Attention &Panel")
                panel.setObjectName("actionAttentionPanel")
                panel.setShortcuts([QKeySequence("F9")])
                menu.addAction(panel)
            else:
                _add(menu, window, [entry])
    tools = window.addToolBar("Main")
    tools.setObjectName("mainToolbar")
    tools.setProperty("toolButtonStyle", qt_values.TEXT_BESIDE_ICON)
    _add(tools, window, TOOLBAR)
    # The toolbar's buttons, spoken as their actions. (Found as buttons: asking the toolbar for each action's
    # widget makes PySide look up, and set up on start-up, every kind of widget it might be.)
    for button in tools.findChildren(QToolButton):
        action = button.defaultAction()
        if action is not None and not action.isSeparator():
            button.setObjectName(f"tool_{action.objectName()}")
            button.setAccessibleName(spoken(action.text()))
            button.setAccessibleDescription(action.statusTip() or action.toolTip())


def _add_appearance(window, menu: QMenu) -> None:
    window.appearance_menu = QMenu("&Appearance", window)
    window.appearance_menu.setObjectName("appearanceMenu")
    window.appearance_actions = QActionGroup(window)
    current = appearance.chosen(window.settings)
    for mode, label in appearance.MODES:
        a = QAction(label, window, checkable=True)
        a.setObjectName(f"actionAppearance_{mode}")
        a.setChecked(mode == current)
        a.triggered.connect(lambda _=False, m=mode: window.set_appearance(m))
        window.appearance_actions.addAction(a)
        window.appearance_menu.addAction(a)
    menu.addMenu(window.appearance_menu)


def refresh_icons(window) -> None:
    """The table's actions' icons again, in the palette's colours (after a change of appearance)."""
    for spec in ACTIONS:
        if spec.icon:
            getattr(window, spec.attr).setIcon(icon(spec.icon))


def _add_filters(window, menu: QMenu) -> None:
    window.filter_actions = QActionGroup(window)
    for n, (key, label) in enumerate(FILTER_CHOICES, start=1):
        a = QAction(label, window, checkable=True)
        a.setObjectName(f"actionFilter_{key}")
        a.setShortcuts([QKeySequence(f"Ctrl+{n}")])
        a.triggered.connect(lambda _=False, k=key: window.set_filter(k))
        window.filter_actions.addAction(a)
        menu.addAction(a)
        if key == "all":
            a.setChecked(True)
