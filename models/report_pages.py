"""A page of a report of many rows (by contract, by freelancer) in the book's order, costing what a page costs
whatever the size of the book; and how many rows such a report has (with budget against actual's totals), counted
apart, after the page is shown (the Reports window counts on a worker thread, as the contracts table does).

A report's page in the book's order (its groups by id) walks the groups in that order, from just after the last
one read (`after`), through an index, and stops once the page is full and one more group is found (so that it
knows whether more follow): by contract, the day sums of each contract in turn (contract_day's index by contract:
each contract's days of the range read from it) or its kept totals (a whole life); by freelancer, their contracts
in turn (the contracts' index by freelancer) with those sums, added up per currency here. Which groups it finds,
and their figures, are the whole report's (models/reports.py: a group with all its sums 0 has no row).

Where the groups a range keeps lie among the ids, the walk reads past the others (index entries only): at worst
as much as the whole report reads. One freelancer's contracts (a filter) are few: their report is read whole.

`count` reads what the whole report reads (seconds on a book of a million contracts), through the `run` it is
given (the connection's own `execute`: the window's worker thread has no peewee connection of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from . import reports
from .entities import database
from .rates import Converter
from .reports import Filters, HomeRow, Report, Row

SPEND = "(d.paid != 0 OR d.fees != 0 OR d.refunded != 0)"  # (as reports._SOME: a day of deposits only adds nothing)


def walks(filters: Filters, sort: str | None, limit: int | None) -> bool:
    """Whether a page of a report by contract or by freelancer is walked here: a page (not the whole report) in
    the book's order, of every freelancer's contracts."""
    return sort is None and limit is not None and filters.freelancer_id is None


def _contracts(first: date | None, last: date | None, filters: Filters, after: int | None) -> tuple[str, list]:
    """SQL of (id, currency, paid, fees, refunded) per contract with some of these sums, by id, from after
    `after`; and its arguments."""
    if first is None and last is None:
        cond, args = filters.sql()
        if filters.any:  # (the contracts in the order of their ids, each with its totals)
            table, key = "contract c NOT INDEXED CROSS JOIN contract_totals t ON t.contract_id = c.id", "c.id"
        else:
            table, key = "contract_totals t", "t.contract_id"
        start = "" if after is None else f" AND {key} > ?"
        return (
            f"SELECT t.contract_id, t.currency, t.released, t.fees, t.refunded FROM {table} WHERE "
            f"(t.released != 0 OR t.fees != 0 OR t.refunded != 0){start}{cond} ORDER BY {key}",
            ([] if after is None else [int(after)]) + args,
        )
    where, args = reports._where(filters, "d", first=first, last=last)
    start = "" if after is None else " AND d.contract_id > ?"
    return (
        "SELECT d.contract_id, d.currency, SUM(d.paid), SUM(d.fees), SUM(d.refunded) "
        f"FROM contract_day d INDEXED BY contract_day_contract_id WHERE {SPEND}{start}{where} "
        f"GROUP BY d.contract_id HAVING {reports._nonzero('d')} ORDER BY d.contract_id",
        ([] if after is None else [int(after)]) + args,
    )


def contract_page(
    first: date | None, last: date | None, filters: Filters, *, after: int | None, offset: int, limit: int
) -> tuple[list[tuple], bool]:
    """Up to `limit` contracts (id, currency, paid, fees, refunded) of the report by contract, by id, after
    `after` (and `offset` more); and whether more follow."""
    sql, args = _contracts(first, last, filters, after)
    found = database.execute_sql(f"{sql} LIMIT ? OFFSET ?", [*args, int(limit) + 1, int(offset)]).fetchall()
    return found[:limit], len(found) > limit


def _freelancers_sql(first: date | None, last: date | None, filters: Filters, after: int | None) -> tuple[str, list]:
    """SQL of (freelancer, currency, paid, fees, refunded) per contract of every freelancer after `after`, in
    the order of the contracts' index by freelancer (freelancer, then id): each contract's kept totals (a whole
    life) or its day sums of the range; and its arguments."""
    start = "" if after is None else " AND c.freelancer_id > ?"
    head = [] if after is None else [int(after)]
    if first is None and last is None:
        cond, args = filters.sql()
        return (
            "SELECT c.freelancer_id, t.currency, t.released, t.fees, t.refunded FROM contract c INDEXED BY "
            "contract_freelancer_id CROSS JOIN contract_totals t ON t.contract_id = c.id "
            f"WHERE 1{start}{cond} ORDER BY c.freelancer_id, c.id",
            head + args,
        )
    where, args = reports._where(filters, "d", first=first, last=last)
    return (
        "SELECT c.freelancer_id, d.currency, SUM(d.paid), SUM(d.fees), SUM(d.refunded) FROM contract c INDEXED BY "
        "contract_freelancer_id CROSS JOIN contract_day d INDEXED BY contract_day_contract_id ON d.contract_id = c.id "
        f"WHERE d.freelancer_id = c.freelancer_id AND {SPEND}{start}{where} "
        "GROUP BY c.freelancer_id, c.id ORDER BY c.freelancer_id, c.id",
        head + args,
    )


def _by_freelancer(found: Iterator[tuple]) -> Iterator[list[tuple]]:
    """Each freelancer's rows (g, currency, paid, fees, refunded), by currency, from their contracts' sums in the
    order of the freelancers; a currency whose sums add up to 0 has no row, and a freelancer with no row is left
    out (as the whole report leaves them)."""
    current, sums = None, {}
    for g, cur, p, f, r in found:
        if g != current:
            rows = [(current, c, *s) for c, s in sorted(sums.items()) if s[0] or s[1] or s[2]]
            if rows:
                yield rows
            current, sums = g, {}
        s = sums.get(cur)
        if s is None:
            sums[cur] = [p, f, r]
        else:
            s[0] += p
            s[1] += f
            s[2] += r
    rows = [(current, c, *s) for c, s in sorted(sums.items()) if s[0] or s[1] or s[2]]
    if rows:
        yield rows


def freelancer_page(
    first: date | None, last: date | None, filters: Filters, *, after: int | None, offset: int, limit: int
) -> tuple[list[tuple], bool]:
    """Up to `limit` freelancers' rows (g, currency, paid, fees, refunded) of the report by freelancer, by
    freelancer then currency, after `after` (and `offset` more); and whether more follow."""
    sql, args = _freelancers_sql(first, last, filters, after)
    cursor = database.execute_sql(sql, args)
    page: list[tuple] = []
    more = False
    try:
        for i, rows in enumerate(_by_freelancer(iter(cursor))):
            if i < offset:
                continue
            if i >= offset + limit:
                more = True
                break
            page += rows
    finally:
        cursor.close()  # (the walk stops here: the rest is never read)
    return page, more


def page(
    key: str,
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = reports.NO_FILTERS,
    home: str | bool | None = None,
    after: int | str | None = None,
    offset: int = 0,
    limit: int,
) -> Report:
    """A page of the report `key` (spend_by_contract, spend_by_freelancer or budget_vs_actual, in the book's order)
    without counting: its rows (and home rows) as the whole report's, from after the group `after` (and `offset`
    more). `Report.counted` is False unless the page holds the whole report: `groups` is then the groups read,
    +1 if more follow. By contract and by freelancer its totals are the book's day sums (the whole report's, at
    once); budget against actual's are counted with its rows (`count`). One freelancer's report (a filter): read
    as before, counted."""
    if key == "budget_vs_actual":
        return reports.budget_vs_actual(first=first, last=last, filters=filters, home=home, offset=offset,
                                        limit=limit, after=after, count=False)  # fmt: skip
    kw = dict(first=first, last=last, filters=filters, home=home, limit=limit)
    if not walks(filters, None, limit):
        return reports.REPORTS[key](**kw, offset=offset)  # (one freelancer's few rows: read, and counted)
    by = "contract" if key == "spend_by_contract" else "freelancer"
    walk = contract_page if by == "contract" else freelancer_page
    found, more = walk(first, last, filters, after=None if after is None else int(after), offset=offset, limit=limit)
    keys = list(dict.fromkeys(g for g, *_ in found))
    labels = {int(k): v for k, v in reports._labels(by, keys).items()}
    label = lambda g: labels.get(g, str(g))  # noqa: E731
    rows = reports._spend_rows(found, label)
    columns = reports.SPEND_COLUMNS
    home = reports._home(home)
    home_rows: tuple[HomeRow, ...] = ()
    if home:  # (the page's groups only, each (column, currency, day) sum converted once)
        sums = reports._Home(Converter(home), reports.SPEND_SUMS, offset=3)
        sums.add_rows(reports._home_day_rows(by, first, last, filters, reports.SPEND_SUMS, keys))
        home_rows = tuple(sums.row(str(g), label(g), columns) for g in keys)
    counted = not more and after is None
    name = "spend by contract" if by == "contract" else "spend by freelancer"
    return Report(name, columns, tuple(rows), reports._spend_totals(first, last, filters), home, home_rows, None,
                  first, last, filters, offset + len(keys) + more, counted)  # fmt: skip


# ------------------------------------------------------------------ counted apart
def count(
    key: str,
    run: Callable,
    *,
    first: date | None = None,
    last: date | None = None,
    filters: Filters = reports.NO_FILTERS,
) -> tuple[int, tuple[Row, ...] | None]:
    """How many rows (contracts, freelancers) the report `key` has, and, for budget against actual, its totals
    per currency (None for the others: their page has them already). `run`: a connection's `execute`."""
    if key == "spend_by_contract":
        sql, args = reports._contract_sums(run, first, last, filters, titles=False)
        return run(f"SELECT COUNT(*) FROM ({sql})", args).fetchone()[0], None
    if key == "spend_by_freelancer":
        sql, args = reports._freelancer_sums(run, first, last, filters)
        return run(f"SELECT COUNT(DISTINCT g) FROM ({sql})", args).fetchone()[0], None
    if key == "budget_vs_actual":
        groups, totals = reports._budget_totals(first, last, filters, run)
        return groups, tuple(totals)
    raise ValueError(f"no count for {key!r}")
