"""The tables of a book (peewee models on one late-bound DatabaseProxy).

Money columns are integers in minor units (R1). Dates are UTC: DateField for
calendar dates, DateTimeField holding naive datetimes that mean UTC.
Balances are not stored here: they are derived from `LedgerEntry` (R12); the
two maintained summaries (`ContractTotals`, `Clock`) are rebuilt by
`models.summary` and verified by `escrowbook check`.
"""

from __future__ import annotations

from typing import ClassVar

import peewee as pw

database = pw.DatabaseProxy()


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Policy(BaseModel):
    """R13: one version of a policy, copied into the book the first time it is used."""

    key = pw.CharField()  # "upwork", "direct"
    name = pw.CharField()
    effective_from = pw.DateField()
    milestone_minimum = pw.CharField(null=True)  # major units as text, e.g. "5.00"
    fee_rate = pw.CharField(default="0")  # decimal fraction as text, e.g. "0.05"
    initiation_fee = pw.CharField(default="0")  # major units as text
    review_days = pw.IntegerField(null=True)
    escrow_refund_reply_days = pw.IntegerField(null=True)
    dispute_answer_business_days = pw.IntegerField(null=True)
    mediation_days = pw.IntegerField(null=True)
    refund_window_days = pw.IntegerField(null=True)
    feedback_window_days = pw.IntegerField(null=True)
    # R9 (v2): refunds through the marketplace's support up to this day after the payment (None: no support tier).
    support_refund_days = pw.IntegerField(null=True)
    source = pw.TextField()  # the TOML text it was read from
    # R15 (v2): days without any recorded activity after which an active contract is dormant (None: never).
    # Also in `source`; a column because the clock table derives dormancy dates in SQL.
    dormant_after_days = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("key", "effective_from"), True),)


class Freelancer(BaseModel):
    name = pw.CharField(index=True)
    agency = pw.CharField(default="")
    email = pw.CharField(default="")
    profile_url = pw.CharField(default="")
    notes = pw.TextField(default="")


class Contract(BaseModel):
    ACTIVE = "active"
    ENDED = "ended"

    title = pw.CharField(index=True)
    freelancer = pw.ForeignKeyField(Freelancer, backref="contracts", index=True)
    policy = pw.ForeignKeyField(Policy, index=True)
    currency = pw.CharField(max_length=3, index=True)
    budget = pw.IntegerField(null=True, index=True)  # minor units
    external_id = pw.CharField(default="", index=True)
    started_on = pw.DateField(index=True)
    ended_on = pw.DateField(null=True, index=True)
    status = pw.CharField(default=ACTIVE, index=True)
    end_reason = pw.CharField(default="")
    end_note = pw.TextField(default="")  # private
    feedback_closes_at = pw.DateTimeField(null=True)  # R10, UTC, fixed when the contract ends
    notes = pw.TextField(default="")
    created_at = pw.DateTimeField()
    # R3 (v2): the initiation fee set for this contract when it was created, minor units of its currency;
    # None under a policy whose initiation fee is fixed (v1, "Direct"): the policy's own is charged.
    initiation_fee = pw.IntegerField(null=True)


class Milestone(BaseModel):
    UNFUNDED = "unfunded"
    ACTIVE = "active"  # funded, escrow held (R4)
    SUBMITTED = "submitted"  # funded, work submitted, review clock running (R6)
    PAID = "paid"  # closed by a release (full or partial, R5)
    CLOSED = "closed"  # closed with its escrow left to the contract (contract ended)
    OPEN_STATES = (ACTIVE, SUBMITTED)

    contract = pw.ForeignKeyField(Contract, backref="milestones", index=False)  # (contract, position)
    position = pw.IntegerField()
    title = pw.CharField()
    description = pw.TextField(default="")
    amount = pw.IntegerField()  # minor units
    due_on = pw.DateField(null=True)
    state = pw.CharField(default=UNFUNDED)
    submitted_on = pw.DateField(null=True)
    auto_release_on = pw.DateField(null=True)  # R6, fixed when work is submitted
    # R6: the day work was first submitted; stays when the client asks for changes and work is submitted again
    # (the review clock counts from `submitted_on`, the latest submission).
    first_submitted_on = pw.DateField(null=True)

    class Meta:
        indexes = ((("contract", "position"), False),)


class EscrowRefundRequest(BaseModel):
    """R8: escrow left when the contract ended, asked back from the freelancer."""

    PENDING = "pending"
    APPROVED = "approved"
    NO_REPLY = "no_reply"
    DISPUTED = "disputed"
    WITHDRAWN = "withdrawn"  # the ending it came with was recorded in error (corrections.withdraw_ending)

    contract = pw.ForeignKeyField(Contract, backref="escrow_refund_requests", index=True)
    amount = pw.IntegerField()
    requested_on = pw.DateField()
    reply_due = pw.DateField(null=True)
    status = pw.CharField(default=PENDING, index=True)
    answered_on = pw.DateField(null=True)


class Dispute(BaseModel):
    """R8: a disputed escrow refund request, its answer and its outcome."""

    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"  # the freelancer's dispute was recorded in error; opened again if recorded again

    contract = pw.ForeignKeyField(Contract, backref="disputes", index=True)
    request = pw.ForeignKeyField(EscrowRefundRequest, backref="disputes", unique=True)
    amount = pw.IntegerField()
    opened_on = pw.DateField()
    answer_due = pw.DateField(null=True)
    mediation_ends = pw.DateField(null=True)
    answered_on = pw.DateField(null=True)
    status = pw.CharField(default=OPEN, index=True)
    resolved_on = pw.DateField(null=True)
    # The steps of mediation under the second marketplace version (R8 v2), each dated the day it happened:
    # both sides' evidence sent, the mediator's proposal (a split) within the policy's days of it, each side's
    # acceptance within the policy's days of the proposal, and arbitration when it was not accepted by both.
    evidence_sent_on = pw.DateField(null=True)
    proposal_due = pw.DateField(null=True)  # evidence_sent_on + mediation_proposal_days
    proposed_on = pw.DateField(null=True)
    proposal_release = pw.IntegerField(null=True)  # to the freelancer, minor units
    proposal_refund = pw.IntegerField(null=True)  # to the client; the two make exactly `amount`
    acceptance_due = pw.DateField(null=True)  # proposed_on + mediation_acceptance_days
    freelancer_accepted_on = pw.DateField(null=True)
    client_accepted_on = pw.DateField(null=True)
    arbitration_on = pw.DateField(null=True)

    # The columns of the steps, as format 4 adds them to an older book (models/book.py).
    STEP_COLUMNS: ClassVar[dict[str, str]] = {
        "evidence_sent_on": "DATE", "proposal_due": "DATE", "proposed_on": "DATE", "proposal_release": "INTEGER",
        "proposal_refund": "INTEGER", "acceptance_due": "DATE", "freelancer_accepted_on": "DATE",
        "client_accepted_on": "DATE", "arbitration_on": "DATE",
    }  # fmt: skip


class LedgerEntry(BaseModel):
    """R12: an append-only movement of money. Never updated, never deleted."""

    FUND = "fund"  # client -> escrow (R3)
    FUND_FROM_ESCROW = "fund_from_escrow"  # remaining escrow assigned to a new milestone (R4)
    FEE = "fee"  # marketplace fee or initiation fee: cost, not escrow (R3)
    # R3 (v2): the initiation fee returned when the contract ended with nothing released; it names the fee it
    # returns (`payment`), is dated the ending day, and lowers the fees (and so the net cost).
    FEE_REFUND = "fee_refund"
    RELEASE = "release"  # escrow -> freelancer: a payment (R5)
    ESCROW_REFUND = "escrow_refund"  # escrow -> client (R8)
    REFUND = "refund"  # freelancer -> client, against a payment (R9)
    DISPUTE_RELEASE = "dispute_release"  # dispute outcome: escrow -> freelancer, a payment (R8)
    DISPUTE_REFUND = "dispute_refund"  # dispute outcome: escrow -> client (R8)
    REVERSAL = "reversal"  # undoes the entry it names (R12)
    KINDS = (
        FUND,
        FUND_FROM_ESCROW,
        FEE,
        FEE_REFUND,
        RELEASE,
        ESCROW_REFUND,
        REFUND,
        DISPUTE_RELEASE,
        DISPUTE_REFUND,
        REVERSAL,
    )
    # How kinds add up (R12): escrow = funded - released - escrow_refunded.
    FUNDING_KINDS = (FUND, FUND_FROM_ESCROW)  # a milestone's escrow comes from these
    PAYMENT_KINDS = (RELEASE, DISPUTE_RELEASE)  # paid to the freelancer; refundable (R9)
    ESCROW_REFUND_KINDS = (ESCROW_REFUND, DISPUTE_REFUND)  # escrow back to the client

    contract = pw.ForeignKeyField(Contract, backref="ledger", index=True)
    milestone = pw.ForeignKeyField(Milestone, null=True, backref="ledger", index=False)  # partial index below
    kind = pw.CharField()
    amount = pw.IntegerField()  # minor units, always > 0
    currency = pw.CharField(max_length=3)
    date = pw.DateField(index=True)  # (format 5: reconciling a statement walks the ledger by date)
    memo = pw.TextField(default="")
    # Links, each with a partial index below (most entries have none of them).
    # refund -> the payment it refunds; fee refund -> the initiation fee it returns
    payment = pw.ForeignKeyField("self", null=True, backref="refunds", index=False)
    funding = pw.ForeignKeyField("self", null=True, backref="fees", index=False)  # fee -> its fund entry
    reverses = pw.ForeignKeyField("self", null=True, backref="reversal", index=False)  # reversal -> original
    dispute = pw.ForeignKeyField(Dispute, null=True, backref="entries", index=False)
    created_at = pw.DateTimeField()
    hash = pw.BlobField(null=True)  # chains the entry to the one before (models/chain.py); set by ops._post


def _partial_indexes(model, *fields, unique=False):
    for field in fields:
        model.add_index(model.index(field, unique=unique).where(field.is_null(False)))


_partial_indexes(LedgerEntry, LedgerEntry.milestone, LedgerEntry.payment, LedgerEntry.funding, LedgerEntry.dispute)
_partial_indexes(LedgerEntry, LedgerEntry.reverses, unique=True)  # an entry is reversed at most once
# R12: the ids of the entries a reversal undoes, read through the partial index of `reverses` above (a few rows,
# where asking of each entry whether a reversal names it would visit that index once an entry).
REVERSED_IDS_SQL = "SELECT reverses_id FROM ledger_entry WHERE reverses_id IS NOT NULL"
# Work under review (R6): found at once on opening a book, when automatic releases are offered for recording.
Milestone.add_index(Milestone.index(Milestone.auto_release_on).where(Milestone.state == Milestone.SUBMITTED))


class Feedback(BaseModel):
    """R10: feedback both ways. The client's is sealed once submitted."""

    CLIENT = "client"  # what the client wrote about the freelancer
    FREELANCER = "freelancer"  # what the freelancer wrote about the client
    CATEGORIES = (
        "skills",
        "quality",
        "availability",
        "schedule",
        "communication",
        "cooperation",
    )
    # R10: the star fields of each form a policy version names (`policy.Terms.feedback_form`): six categories
    # under the first marketplace version, one public rating under the second.
    CATEGORIES_FORM = "categories"
    RATING_FORM = "rating"
    STARS: ClassVar[dict[str, tuple[str, ...]]] = {CATEGORIES_FORM: CATEGORIES, RATING_FORM: ("rating",)}

    contract = pw.ForeignKeyField(Contract, backref="feedback", index=False)  # (contract, author)
    author = pw.CharField()
    # The six categories, 1-5 stars each: the form of contracts under the first marketplace version (R10 v1).
    skills = pw.IntegerField(null=True)
    quality = pw.IntegerField(null=True)
    availability = pw.IntegerField(null=True)
    schedule = pw.IntegerField(null=True)
    communication = pw.IntegerField(null=True)
    cooperation = pw.IntegerField(null=True)
    rating = pw.IntegerField(null=True)  # the single 1-5 star public rating of the second version (R10 v2)
    comment = pw.TextField(default="")
    private_reason = pw.CharField(default="")  # private, client only
    recommend = pw.IntegerField(null=True)  # private, 0-10, client only
    # Private, the optional note of the second version's form. (Its SQL default is the one format 4 gave the
    # column it added to older books, so that a new book's schema and an upgraded one's are the same.)
    private_note = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])
    submitted_at = pw.DateTimeField()
    withdrawn_on = pw.DateField(null=True)  # the freelancer's, recorded in error (the client's stays sealed)

    class Meta:
        indexes = ((("contract", "author"), True),)


class CloseoutItem(BaseModel):
    """R11: one item of a contract's closeout checklist."""

    REVOKE_ACCESS = "revoke_access"
    RECEIVE_WORK = "receive_work"
    REMIND_PROPERTY = "remind_property"
    LEAVE_FEEDBACK = "leave_feedback"
    STANDARD = (REVOKE_ACCESS, RECEIVE_WORK, REMIND_PROPERTY, LEAVE_FEEDBACK)
    LABELS: ClassVar[dict[str, str]] = {
        REVOKE_ACCESS: "Change or revoke every password and access given to the freelancer",
        RECEIVE_WORK: "Receive all work, materials and equipment lent",
        REMIND_PROPERTY: "Remind the freelancer to remove your property from their equipment",
        LEAVE_FEEDBACK: "Leave feedback",
    }

    contract = pw.ForeignKeyField(Contract, backref="closeout", index=False)  # (contract, kind)
    kind = pw.CharField()
    label = pw.CharField()
    done_on = pw.DateField(null=True)
    note = pw.TextField(default="")

    class Meta:
        indexes = ((("contract", "kind"), False),)


class AccessGrant(BaseModel):
    """R11: the access register. A label such as "GitHub org: write access", never a secret."""

    contract = pw.ForeignKeyField(Contract, backref="access", index=True)
    label = pw.CharField()
    where = pw.CharField(default="")
    given_on = pw.DateField()
    revoked_on = pw.DateField(null=True)


class Deliverable(BaseModel):
    """R11: work, materials or equipment to receive back when the contract ends."""

    WORK = "work"
    MATERIAL = "material"
    EQUIPMENT = "equipment"
    KINDS = (WORK, MATERIAL, EQUIPMENT)

    contract = pw.ForeignKeyField(Contract, backref="deliverables", index=True)
    label = pw.CharField()
    kind = pw.CharField(default=WORK)
    received_on = pw.DateField(null=True)
    note = pw.TextField(default="")


class AuditLog(BaseModel):
    """Non-money edits, for the record (money has the ledger)."""

    at = pw.DateTimeField(index=True)
    contract = pw.ForeignKeyField(Contract, null=True, backref="audit", index=True)
    action = pw.CharField()
    detail = pw.TextField(default="")


class ContractTotals(BaseModel):
    """Maintained summary of the ledger per contract, for sorting 100k contracts fast.

    Rebuilt by `models.summary.refresh` inside every operation's transaction and
    verified against the ledger by `escrowbook check`.
    """

    contract = pw.ForeignKeyField(Contract, primary_key=True, backref="totals", on_delete="CASCADE")
    funded = pw.IntegerField(default=0)  # from the client into escrow
    released = pw.IntegerField(default=0, index=True)  # paid to the freelancer (releases + dispute releases)
    escrow_refunded = pw.IntegerField(default=0)  # escrow back to the client
    refunded = pw.IntegerField(default=0, index=True)  # refunds of payments (R9)
    fees = pw.IntegerField(default=0)
    escrow = pw.IntegerField(default=0, index=True)  # funded - released - escrow_refunded
    currency = pw.CharField(max_length=3)  # the contract's: book totals per currency read this table alone
    next_due = pw.DateField(null=True)  # indexed as (next_due IS NULL, next_due) by book.py: soonest first
    next_kind = pw.CharField(default="")
    status = pw.CharField(null=True)  # the contract's (book format 7): the book's counts per status are kept by it

    class Meta:
        # The status bar's totals per currency come from this index alone.
        indexes = ((("currency", "funded", "released", "escrow_refunded", "refunded", "fees", "escrow"), False),)


class Clock(BaseModel):
    """Maintained list of every running clock of RULES.md, one row per deadline."""

    REVIEW = "review"  # R6
    ESCROW_REPLY = "escrow_reply"  # R8
    DISPUTE_ANSWER = "dispute_answer"  # R8
    MEDIATION = "mediation"  # R8
    REFUND_WINDOW = "refund_window"  # R9
    SUPPORT_REFUND = "support_refund"  # R9 (v2): refunds through the marketplace's support end
    FEEDBACK = "feedback"  # R10
    CLOSEOUT = "closeout"  # R11
    DISPUTE_PROPOSAL = "dispute_proposal"  # R8 v2: the mediator's proposal due
    DISPUTE_ACCEPTANCE = "dispute_acceptance"  # R8 v2: accepting the proposal due
    DORMANT = "dormant"  # R15 (v2): due is the day the contract becomes (or became) dormant

    contract = pw.ForeignKeyField(Contract, backref="clocks", on_delete="CASCADE", index=False)  # (contract, due)
    kind = pw.CharField()
    due = pw.DateField()
    ref = pw.IntegerField(null=True)  # the milestone, request, dispute or payment it is about
    warn_from = pw.DateField()  # from this day on it needs attention (summary.WARN_DAYS)
    lapses = pw.BooleanField()  # once due has passed it simply lapses (a window that closed)

    class Meta:
        # The attention query reads each half of its OR from one of the last two, never the table.
        indexes = (
            (("contract", "due"), False),
            (("lapses", "warn_from", "contract"), False),
            (("lapses", "due", "warn_from", "contract"), False),
        )


class ContractMonth(BaseModel):
    """Maintained: what each contract paid and got refunded per month, for "paid this year" in an instant."""

    contract = pw.ForeignKeyField(Contract, on_delete="CASCADE", index=False)
    month = pw.CharField()  # "YYYY-MM" of the entries' dates
    currency = pw.CharField(max_length=3)
    paid = pw.IntegerField()  # payments (R5, R8 outcome) dated that month
    refunded = pw.IntegerField()  # refunds of payments (R9) dated that month

    class Meta:
        primary_key = pw.CompositeKey("contract", "month")
        indexes = ((("month", "currency", "paid", "refunded"), False),)


class BookTotal(BaseModel):
    """Maintained (book format 7): the book's totals in one currency, kept by every operation as it changes one
    contract (models/book_totals.py), so the status bar and the filters read a few rows, never every contract."""

    currency = pw.CharField(max_length=3, primary_key=True)
    contracts = pw.IntegerField()
    active = pw.IntegerField()
    ended = pw.IntegerField()
    funded = pw.IntegerField()
    released = pw.IntegerField()
    escrow_refunded = pw.IntegerField()
    refunded = pw.IntegerField()
    fees = pw.IntegerField()
    escrow = pw.IntegerField()


class BookMonth(BaseModel):
    """Maintained (book format 7): payments and refunds of the whole book per month and currency."""

    month = pw.CharField()  # "YYYY-MM"
    currency = pw.CharField(max_length=3)
    paid = pw.IntegerField()
    refunded = pw.IntegerField()
    contracts = pw.IntegerField()  # the contract_month rows it sums (none left: the row goes)

    class Meta:
        primary_key = pw.CompositeKey("month", "currency")


class AttentionDay(BaseModel):
    """Maintained (book format 7): per day and kind of clock, how many clocks start needing attention that day
    (their warn_from) and how many lapsing clocks stop after it (their due). What needs attention on any day is
    the starts up to that day less the ends before it: a count that never goes stale as the days pass."""

    day = pw.CharField()  # "YYYY-MM-DD"
    kind = pw.CharField()
    starts = pw.IntegerField()
    ends = pw.IntegerField()

    class Meta:
        primary_key = pw.CompositeKey("day", "kind")


class ContractDay(BaseModel):
    """Maintained (book format 10): a contract's live ledger summed per day into the reports' columns, with the
    contract's currency, freelancer, status and policy when it was derived (models/report_totals.py). Clustered
    by day, so that a report over a date range reads only its days."""

    contract = pw.ForeignKeyField(Contract, on_delete="CASCADE", index=True)
    day = pw.CharField()  # "YYYY-MM-DD", the entries' date
    currency = pw.CharField(max_length=3)
    freelancer_id = pw.IntegerField()
    status = pw.CharField()
    policy_id = pw.IntegerField()
    funded = pw.IntegerField()
    paid = pw.IntegerField()  # releases and dispute releases
    fees = pw.IntegerField()  # less initiation fees returned
    refunded = pw.IntegerField()  # refunds of payments (R9)
    escrow_refunded = pw.IntegerField()

    class Meta:
        primary_key = pw.CompositeKey("day", "contract")
        without_rowid = True


class ContractYear(BaseModel):
    """Maintained (book format 11): a contract's day sums (`contract_day`) added up per year, with the same
    columns, so that a report over whole years reads a row per contract and year, not one per day
    (models/report_totals.py); with the sizes of its days' spend sums added up and how many days it adds up (what
    bounds its figures converted day by day: models/reports.py `_narrowed`). Clustered by year; indexed (book format
    12, models/book.py YEAR_SIZE_INDEX) by year, currency and its spend sums' sizes added up, largest first for a
    page of contracts sorted in the home currency (models/reports.py `_walked`); and (book format 14, BUDGET_LEFT_INDEX)
    by year, currency and what is left of its contract's budget after the year's payments and refunds, for budget
    against actual over a whole year (models/reports.py `_budget_walked`)."""

    contract = pw.ForeignKeyField(Contract, on_delete="CASCADE", index=True)
    year = pw.CharField()  # "YYYY" of the days it adds up
    currency = pw.CharField(max_length=3)
    freelancer_id = pw.IntegerField()
    status = pw.CharField()
    policy_id = pw.IntegerField()
    funded = pw.IntegerField()
    paid = pw.IntegerField()
    fees = pw.IntegerField()
    refunded = pw.IntegerField()
    escrow_refunded = pw.IntegerField()
    paid_size = pw.IntegerField()  # the days' paid sums, each as its size (abs), added up
    fees_size = pw.IntegerField()
    refunded_size = pw.IntegerField()
    days = pw.IntegerField()  # its contract_day rows
    budget = pw.IntegerField(null=True)  # (book format 14) the contract's budget when the row was derived

    class Meta:
        primary_key = pw.CompositeKey("year", "contract")
        without_rowid = True


class FreelancerYear(BaseModel):
    """Maintained (book format 13): a freelancer's kept yearly sums (`contract_year`) of their contracts of one
    currency added up, with their sizes and days, and how many contract years it adds up (none left: the row goes);
    kept as a delta by every operation (models/report_totals.py), so that a page of freelancers sorted in the home
    currency walks them largest first (models/reports.py `_walked`) and a report by freelancer over whole years
    reads a row per freelancer and year. Clustered by year; indexed by freelancer, and by year, currency and its
    spend sums' sizes added up (models/book.py FREELANCER_YEAR_SIZE_INDEX)."""

    year = pw.CharField()  # "YYYY" of the days it adds up
    freelancer_id = pw.IntegerField(index=True)  # as the contract years it adds up name them
    currency = pw.CharField(max_length=3)
    paid = pw.IntegerField()
    fees = pw.IntegerField()
    refunded = pw.IntegerField()
    paid_size = pw.IntegerField()  # the contract years' sizes added up
    fees_size = pw.IntegerField()
    refunded_size = pw.IntegerField()
    days = pw.IntegerField()  # the contract years' days added up (a day of two contracts counts twice)
    contracts = pw.IntegerField()  # the contract_year rows it adds up

    class Meta:
        primary_key = pw.CompositeKey("year", "freelancer_id", "currency")
        without_rowid = True


class ContractLife(BaseModel):
    """Maintained (book format 15): a contract's kept years (`contract_year`) added up, a row per contract with
    days: its sums over all dates, the sizes of its days' spend sums and how many days, with its currency,
    freelancer, status and policy as its years name them; derived anew with its years (models/report_totals.py), so
    that a page of contracts over all dates sorted in the home currency walks them largest first (models/reports.py
    `_walked`), one walk per currency, indexed by currency and its spend sums' sizes added up (models/book.py
    LIFE_SIZE_INDEX)."""

    contract = pw.ForeignKeyField(Contract, primary_key=True, on_delete="CASCADE")
    currency = pw.CharField(max_length=3)
    freelancer_id = pw.IntegerField()
    status = pw.CharField()
    policy_id = pw.IntegerField()
    funded = pw.IntegerField()
    paid = pw.IntegerField()
    fees = pw.IntegerField()
    refunded = pw.IntegerField()
    escrow_refunded = pw.IntegerField()
    paid_size = pw.IntegerField()  # its years' sizes added up
    fees_size = pw.IntegerField()
    refunded_size = pw.IntegerField()
    days = pw.IntegerField()  # its years' days added up: its contract_day rows


class FreelancerLife(BaseModel):
    """Maintained (book format 16): a freelancer's contracts' kept sums over all dates (`contract_life`) of one
    currency added up, with their sizes and days, and how many contracts it adds up (none left: the row goes); kept
    as a delta by every operation (models/report_totals.py), so that a page of freelancers over all dates sorted in
    the home currency walks them largest first (models/reports.py `_walked`), indexed by currency and its spend sums'
    sizes added up (models/book.py FREELANCER_LIFE_SIZE_INDEX)."""

    freelancer_id = pw.IntegerField()  # as the contract lives it adds up name them
    currency = pw.CharField(max_length=3)
    paid = pw.IntegerField()
    fees = pw.IntegerField()
    refunded = pw.IntegerField()
    paid_size = pw.IntegerField()  # the contract lives' sizes added up
    fees_size = pw.IntegerField()
    refunded_size = pw.IntegerField()
    days = pw.IntegerField()  # the contract lives' days added up (a day of two contracts counts twice)
    contracts = pw.IntegerField()  # the contract_life rows it adds up

    class Meta:
        primary_key = pw.CompositeKey("freelancer_id", "currency")
        without_rowid = True


class ReportDay(BaseModel):
    """Maintained (book format 10): the reports' columns per day, currency, contract status and policy for the
    whole book, summed from `contract_day` and kept as a delta by every operation (models/report_totals.py)."""

    day = pw.CharField()
    currency = pw.CharField(max_length=3)
    status = pw.CharField()
    policy_id = pw.IntegerField()
    funded = pw.IntegerField()
    paid = pw.IntegerField()
    fees = pw.IntegerField()
    refunded = pw.IntegerField()
    escrow_refunded = pw.IntegerField()
    contracts = pw.IntegerField()  # the contract_day rows it sums (none left: the row goes)

    class Meta:
        primary_key = pw.CompositeKey("day", "currency", "status", "policy_id")
        without_rowid = True


class BookInfo(BaseModel):
    """Key/value facts about the book itself."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class ExchangeRate(BaseModel):
    """An exchange rate into the book's home currency (models/rates.py): what one unit of `currency` was worth in
    `home` on a day ("2026-03-05") or through a month ("2026-03"), exact, never a float. Book format 9."""

    currency = pw.CharField(max_length=3)
    home = pw.CharField(max_length=3)  # the home currency it converts into (the book's when it was recorded)
    period = pw.CharField(max_length=10)  # a day, YYYY-MM-DD, or a month, YYYY-MM
    rate = pw.CharField()  # exact: a decimal ("0.9234") or a fraction in lowest terms ("10000/10865")
    quoted = pw.CharField()  # the figures as their source gave them ("0.9234"; "1 EUR = 1.0865 USD")
    source = pw.CharField()  # "typed", or the name of the file it was imported from
    recorded_at = pw.DateTimeField()

    class Meta:
        indexes = ((("home", "currency", "period"), True),)


class SupportCase(BaseModel):
    """R9 (v2): a refund recorded through the marketplace's support (181 to 365 days after its payment), with
    the support case's reference. One per refund entry; the entry itself stays in the hash-chained ledger."""

    entry = pw.ForeignKeyField(LedgerEntry, unique=True, backref="support_case")
    reference = pw.CharField()


class Statement(BaseModel):
    """A statement of the marketplace (its transaction history, CSV) imported into the book (models/reconcile.py)."""

    name = pw.CharField()  # the file's name
    format_key = pw.CharField()
    format_name = pw.CharField()
    imported_at = pw.DateTimeField()
    first_day = pw.DateField()  # the period its rows cover
    last_day = pw.DateField()
    rows = pw.IntegerField()  # rows read
    new_lines = pw.IntegerField()  # rows not imported before (by their reference)
    totals = pw.TextField(default="{}")  # JSON: currency -> kind -> minor units, of its new rows (kinds kept)


class StatementLine(BaseModel):
    """One row of an imported statement, as the marketplace wrote it. Kept as imported; its contract is found
    when it is imported, or chosen by the client when several fit (`StatementChoice`)."""

    # (Few indexes: a statement has a row per movement of money, and is imported in one go.)
    # Plain numbers where a foreign key would be checked a million times for a big statement: the statement is
    # the import's own, the contract one `reconcile` found or the client chose (`check` holds both to exist).
    statement_id = pw.IntegerField()
    row = pw.IntegerField()  # the spreadsheet row in its file
    reference = pw.CharField(unique=True)  # the marketplace's; a fingerprint of the row when it has none
    day = pw.DateField()
    kind = pw.CharField()  # models/statements.py KINDS
    amount = pw.IntegerField()  # minor units, >= 0
    sign = pw.IntegerField()  # -1 out of the client's account, +1 in, as the statement shows it
    currency = pw.CharField(max_length=3)
    type = pw.CharField()  # the transaction type as the statement says it
    description = pw.TextField()
    freelancer = pw.CharField()
    known = pw.BooleanField()  # False: a type no rule of its format names (listed as not kept)
    contract_id = pw.IntegerField(null=True, index=True)
    candidates = pw.IntegerField()  # contracts it could be: 1 found, 0 none, more: the client chooses
    choice_key = pw.CharField()  # what a client's choice of contract is remembered by ("" when found by reference)
    chosen = pw.BooleanField(default=False)  # its contract is the client's choice


class StatementChoice(BaseModel):
    """A contract the client chose for statement rows that fit several: remembered for every later import."""

    key = pw.CharField(unique=True)
    contract = pw.ForeignKeyField(Contract, index=True)
    chosen_at = pw.DateTimeField()


class StatementMatch(BaseModel):
    """Derived: the reconciliation of the imported statements with the ledger, rebuilt by `reconcile.reconcile`
    from the lines, the live ledger and the client's choices. One row per statement line (with its first ledger
    entry), one more per further entry of a line that covers several, and one per entry in the books only. The
    link of a line to its entries is the statement's reference on the ledger entry."""

    # Plain numbers, not foreign keys: the table is derived (rebuilt from the lines and the ledger, which hold the
    # keys), and a million checks of the keys would double the time a big statement takes to reconcile.
    line_id = pw.IntegerField(null=True, index=False)  # statement_line.id; partial index below
    entry_id = pw.IntegerField(null=True, index=False)  # ledger_entry.id; partial index below
    contract_id = pw.IntegerField(null=True, index=False)  # contract.id; (contract_id, status, day) below
    status = pw.CharField()  # models/reconcile.py STATUSES
    day = pw.DateField()  # the line's (the entry's when in the books only)
    difference = pw.IntegerField(default=0)  # statement minus books: minor units, or days for a date
    lead = pw.BooleanField()  # the row that counts its line (False: a further entry of the same line)

    class Meta:
        indexes = ((("status", "day"), False), (("contract_id", "status", "day"), False))


# A line's further entries (the rows that are not its lead: few), for the sum of what a line covers.
StatementMatch.add_index(StatementMatch.index(StatementMatch.line_id).where(StatementMatch.lead == False))  # noqa: E712
# Every row of the statement by date (the view's "All"): the rows that count their line, in the order of days.
StatementMatch.add_index(StatementMatch.index(StatementMatch.day).where(StatementMatch.lead == True))  # noqa: E712


ALL_TABLES = [
    BookInfo,
    Policy,
    Freelancer,
    Contract,
    Milestone,
    EscrowRefundRequest,
    Dispute,
    LedgerEntry,
    Feedback,
    CloseoutItem,
    AccessGrant,
    Deliverable,
    AuditLog,
    ContractTotals,
    Clock,
    ContractMonth,
    SupportCase,
    Statement,
    StatementLine,
    StatementChoice,
    StatementMatch,
    BookTotal,
    BookMonth,
    AttentionDay,
    ExchangeRate,
    ContractDay,
    ReportDay,
    ContractYear,
    FreelancerYear,
    ContractLife,
    FreelancerLife,
]
