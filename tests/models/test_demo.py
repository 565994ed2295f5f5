"""The demo book holds the records the second marketplace version added, and `escrowbook check` passes them."""

from datetime import date

from models import demo
from models.book import open_book
from models.check import check_book

V2 = "(SELECT id FROM policy WHERE key = 'upwork' AND effective_from = '2026-12-01')"


def test_a_late_demo_holds_every_record_of_the_second_version_and_passes_check(tmp_path):
    path = tmp_path / "demo.book"
    demo.generate(path, 2000, seed=1, today=date(2027, 9, 1))
    with open_book(path, create=False) as book:
        one = lambda sql: book.db.execute_sql(sql).fetchone()  # noqa: E731
        # R3: the initiation fee returned on contracts that ended with nothing released, naming the fee
        returned = one(
            "SELECT COUNT(*), SUM(e.amount = f.amount AND e.date = c.ended_on AND c.initiation_fee = e.amount "
            "AND f.memo = 'Contract initiation fee' AND e.memo = 'Contract initiation fee returned'), "
            "SUM(EXISTS (SELECT 1 FROM escrow_refund_request r WHERE r.contract_id = c.id)), "
            "SUM(EXISTS (SELECT 1 FROM ledger_entry p WHERE p.contract_id = c.id AND p.kind = 'release')) "
            "FROM ledger_entry e JOIN ledger_entry f ON f.id = e.payment_id JOIN contract c ON c.id = e.contract_id "
            f"WHERE e.kind = 'fee_refund' AND c.policy_id IN {V2}"
        )
        assert returned[0] >= 1 and returned[1] == returned[0] == returned[2] and returned[3] == 0
        # R9: refunds through the marketplace's support, 181 to 365 days after their payment, with their case
        support = one(
            "SELECT COUNT(*), MIN(julianday(e.date) - julianday(p.date)), MAX(julianday(e.date) - julianday(p.date)), "
            "SUM(s.reference GLOB 'SUP-[0-9][0-9][0-9][0-9][0-9]') "
            "FROM support_case s JOIN ledger_entry e ON e.id = s.entry_id JOIN ledger_entry p ON p.id = e.payment_id"
        )
        assert support[0] >= 1 and 181 <= support[1] <= support[2] <= 365 and support[3] == support[0]
        # R6: work submitted again after changes were asked for
        resubmitted = one(
            "SELECT COUNT(*), SUM(julianday(auto_release_on) - julianday(submitted_on) = 14) FROM milestone "
            "WHERE state = 'submitted' AND first_submitted_on < submitted_on"
        )
        assert resubmitted[0] >= 1 and resubmitted[1] == resubmitted[0]
        # R8 v2: disputes in mediation, open and resolved, with the proposal's split making the disputed amount
        mediated = one(
            "SELECT COUNT(*), SUM(status = 'resolved'), SUM(proposal_release + proposal_refund = amount), "
            "SUM(proposed_on IS NOT NULL), SUM(arbitration_on IS NOT NULL), "
            "SUM(freelancer_accepted_on IS NOT NULL AND client_accepted_on IS NOT NULL) "
            f"FROM dispute WHERE evidence_sent_on IS NOT NULL AND contract_id IN "
            f"(SELECT id FROM contract WHERE policy_id IN {V2})"
        )
        assert mediated[0] >= 1 and mediated[1] >= 1 and mediated[2] == mediated[3] >= 1
        assert one(f"SELECT COUNT(*) FROM dispute d JOIN contract c ON c.id = d.contract_id "
                   f"WHERE d.evidence_sent_on IS NOT NULL AND c.policy_id NOT IN {V2}")[0] == 0  # fmt: skip
        assert check_book(str(path)) == []


def test_the_second_version_leaves_a_book_of_first_version_contracts_as_it_was(tmp_path):
    """Before the second version took effect nothing of it is drawn: the same seed writes the same book as the
    generator wrote before it learnt the second version's records (the head of the ledger's hash chain)."""
    demo.generate(tmp_path / "a.book", 300, seed=5, today=date(2026, 10, 1))
    with open_book(tmp_path / "a.book", create=False) as book:
        run = book.db.execute_sql
        assert run("SELECT COUNT(*) FROM support_case").fetchone() == (0,)
        assert run("SELECT value FROM book_info WHERE key = 'ledger_head'").fetchone() == (
            "3182:4571cb179c0f41bc33226431330c4f2feb76927061366e5a992da944c5b29432",
        )
