"""The second store: a book kept in PostgreSQL, behind the same models and operations as a SQLite book.

`escrowbook --book postgresql://user@host/dbname` opens one (models/book.open_book dispatches here). The models
and their raw SQL are written for SQLite; PostgreSQL is made to answer that SQL the way SQLite does, in two
places and nowhere else, so that the SQLite paths do no extra work at all:

- at the driver boundary (`PgBookDatabase`): integers are 64-bit (money goes up to 10^15 minor units), days and
  moments are stored as SQLite keeps them, as text ('2026-03-01', '2026-03-01 12:00:00.100000'), so comparing,
  cutting (substr) and hashing them gives the same answers; sums come back as Python ints, not Decimals;
- in the SQL text (`translate`, cached per statement): SQLite's placeholders (`?`, `:name`) become psycopg's,
  and the few SQLite-only words become PostgreSQL's (`WHERE 1`, `INDEXED BY`, `INSERT OR REPLACE/IGNORE`,
  scalar max/min, date(), julianday(), json_each, json_group_array, group_concat, LIKE folding A to Z only);
  the functions PostgreSQL lacks are made in the book's own schema when it is created (`COMPAT_SQL`).

Every operation runs in one SERIALIZABLE transaction, begun once it is the operation's turn among the book's writers
(`take_turn`); models/ops.operation retries one that another writer's transaction made fail all the same
(`is_conflict`) a bounded number of times, then refuses it in words.

The search of the contracts table (FTS5 on SQLite) is a plain table on PostgreSQL with trigram indexes
(pg_trgm). Books on PostgreSQL are made at the current format (there are no older ones to migrate); the file
checks of a SQLite book (header, lock, backups beside it) have no counterpart: the server keeps the data.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import re
import sqlite3
import threading
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

import peewee as pw

from . import pgtext
from .errors import BookError

SCHEME = "postgresql://"
STORE = "postgresql"
# Serialization failures and deadlocks: the transaction lost to another one and may simply be run again.
CONFLICT_STATES = ("40001", "40P01")
RETRIES = 5  # tries of one operation before it is refused in words
FORMAT_KEY = "format"  # book_info: the book format (SQLite keeps it in the file's header)
APPLICATION_KEY = "application"  # book_info: says the database holds an Escrowbook book


def is_address(target) -> bool:
    return isinstance(target, str) and (target.startswith(SCHEME) or target.startswith("postgres://"))


def shown(url: str) -> str:
    """The address without its password, as the user may see it (titles, messages, anchors)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, parts.query, parts.fragment))


# --- the SQL text -------------------------------------------------------------------------------------------

# String literals and quoted names are set aside while the text is rewritten, then put back.
_LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_HOLE = re.compile(r"\x00(\d+)\x00")
_PARAM = re.compile(r"::|\?|(?<![:\w]):([A-Za-z_]\w*)|%")
_FUNCTIONS = {
    "ifnull": "coalesce",
    "group_concat": "string_agg",
    "char": "chr",
    "date": "sq_date",
    "julianday": "sq_julianday",
    "json_each": "sq_json_each",
    "typeof": "sq_typeof",
    "quote": "quote_nullable",  # (a number comes out quoted there: the models compare such texts with each other)
}
_FUNCTION = re.compile(r"(?<![\w.])(" + "|".join(_FUNCTIONS) + r")\s*\(", re.IGNORECASE)
_SCALAR = re.compile(r"(?<![\w.])(max|min)\s*\(", re.IGNORECASE)
# The table each `INSERT OR REPLACE` of the models writes, with the key a row is replaced by.
_REPLACE_KEYS = {"book_info": "key", "book_total": "currency"}
# FTS5's trigram search of models/browse.py (`contract_search MATCH :query`, the query '"phrase"' or
# '{columns} : "phrase"'): the rows whose columns named (all three when none is) hold the phrase, every letter in
# either case (ICU's lower case, as FTS5 folds every letter's case: what sq_fts says too). Said as LIKE on each
# column's lower case, which its trigram index answers (SEARCH_INDEXES): the pattern is made from the query by
# immutable functions of the bound value, so the server makes it once, when it plans the statement.
_FTS_COLUMNS = ("title", "freelancer", "external_id")
_FTS_FOLDED = 'lower({} COLLATE "und-x-icu")'


def _fts_match(param: str) -> str:
    query = f":{param}"
    columns = f"coalesce(substring({query} FROM '^\\{{([^}}]*)\\}}'), 'title freelancer external_id')"
    phrase = _FTS_FOLDED.format(f"""replace(substring({query} FROM '"(.*)"\\s*$'), '""', '"')""")
    pattern = f"""'%' || replace(replace(replace({phrase}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"""
    return (
        "("
        + " OR ".join(
            f"{_FTS_FOLDED.format(c)} ~~ CASE WHEN strpos({columns}, '{c}') > 0 THEN {pattern} END"
            for c in _FTS_COLUMNS
        )
        + ")"
    )


_WORDS = (
    (re.compile(r"\bWHERE\s+1\b(?!\s*[=<>!.\d])", re.IGNORECASE), "WHERE TRUE"),
    (re.compile(r"\bINDEXED\s+BY\s+\w+", re.IGNORECASE), ""),
    (re.compile(r"\s+NOT\s+INDEXED\b", re.IGNORECASE), ""),
    (re.compile(r"\bCREATE\s+VIEW\s+IF\s+NOT\s+EXISTS\b", re.IGNORECASE), "CREATE OR REPLACE VIEW"),
    (re.compile(r"\bNOT\s+LIKE\b", re.IGNORECASE), "NOT ILIKE"),
    (re.compile(r"(?<!NOT )\bLIKE\b", re.IGNORECASE), "ILIKE"),
    (re.compile(r"\bAS\s+INTEGER\s*\)", re.IGNORECASE), "AS BIGINT)"),
    (re.compile(r"\bAS\s+REAL\s*\)", re.IGNORECASE), "AS DOUBLE PRECISION)"),
    (re.compile(r"\bAS\s+BLOB\s*\)", re.IGNORECASE), "AS BYTEA)"),
    (re.compile(r"(?<=[\s(,=])\+(?=[A-Za-z_])"), ""),  # SQLite's "not through an index" mark
    (re.compile(r"\s+WITHOUT\s+ROWID\b", re.IGNORECASE), ""),
    # SQLite's `a IS b` and `a IS NOT b` compare any two values, NULL equal to NULL
    (re.compile(r"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)(?=[\w(\x00])", re.IGNORECASE), "IS DISTINCT FROM "),
    (
        re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)(?=[\w(\x00])", re.IGNORECASE),
        "IS NOT DISTINCT FROM ",
    ),
    # SQLite's schema names: the book's own (main) and the connection's scratch tables (temp, pg_temp here)
    (re.compile(r"(?<![\w.])main\.(?=\w)", re.IGNORECASE), ""),
    (re.compile(r"(?<![\w.])temp\.(?=\w)", re.IGNORECASE), "pg_temp."),
    # SQLite's CROSS JOIN ... ON is an inner join that keeps its order; PostgreSQL's CROSS JOIN takes no ON
    (re.compile(r"\bCROSS\s+JOIN\s+(\w+(?:\s+(?!ON\b)\w+)?)\s+ON\b", re.IGNORECASE), r"JOIN \1 ON"),
    (re.compile(r"\bLIMIT\s+-1\b", re.IGNORECASE), "LIMIT ALL"),
    # a JSON array of ids (models/browse.py's matches of a search) as an array the server makes once (the
    # subquery) and looks up in the index, one id after the other: sq_json_each's rows were each joined apart, at
    # three to four times the cost (a search's page sorted 10,000 matches in 40 ms)
    (
        re.compile(r"(?<!NOT )\bIN\s*\(\s*SELECT\s+value\s+FROM\s+json_each\s*\((:\w+)\)\s*\)", re.IGNORECASE),
        r"= ANY ((SELECT translate(\1, '[]', '{}')::bigint[])::bigint[])",
    ),
    (re.compile(r"\bcontract_search\s+MATCH\s+:(\w+)"), lambda m: _fts_match(m.group(1))),
    (re.compile(r"\bcontract_search\s+MATCH\s+\?"), "sq_fts(title, freelancer, external_id, ?)"),
    # a condition, or 0 when it is NULL: FALSE on PostgreSQL, where a condition is not a number
    (re.compile(r"(COALESCE\([^(),]*?\sBETWEEN\s[^(),]*?),\s*0\)", re.IGNORECASE), r"\1, FALSE)"),
)
_PRAGMAS = {
    # The server checks its pages itself, and refuses a row whose foreign key points at nothing when it is written.
    "quick_check": "SELECT 'ok'",
    "integrity_check": "SELECT 'ok'",
    # (the server refuses a row whose foreign key points at nothing, unless its triggers were switched off:
    # sq_foreign_key_check looks for such rows as SQLite's check does)
    "foreign_key_check": "SELECT * FROM sq_foreign_key_check(NULL)",
    "wal_checkpoint": "SELECT 0, 0, 0",
    "foreign_keys": "SELECT 1",
    # (turned off by the tests that write what no operation writes, to see `check` find it: a superuser's switch)
    "foreign_keys=off": "SET session_replication_role = replica",
    "foreign_keys=0": "SET session_replication_role = replica",
    "foreign_keys=on": "SET session_replication_role = DEFAULT",
    "foreign_keys=1": "SET session_replication_role = DEFAULT",
}
_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)(?:\s*\(\s*(\"?\w+\"?)\s*\))?", re.IGNORECASE)
_TABLE_INFO = (
    "SELECT c.ordinal_position - 1, c.column_name, upper(c.data_type), CASE WHEN c.is_nullable = 'NO' "
    "THEN 1 ELSE 0 END, c.column_default, 0 FROM information_schema.columns c "
    "WHERE c.table_schema = current_schema() AND c.table_name = '{}' ORDER BY c.ordinal_position"
)


def _matching(text: str, start: int) -> int:
    """The index just past the parenthesis that closes the one at `start` (literals are holes here)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def _top_level_comma(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def _scalars(text: str) -> str:
    """SQLite's max(a, b, ...) and min(a, b, ...) of several values: GREATEST and LEAST (the aggregates of
    one value stay as they are). The models COALESCE every value that may be NULL, so NULLs never differ."""
    out, pos = [], 0
    for m in _SCALAR.finditer(text):
        if m.start() < pos:
            continue
        open_at = m.end() - 1
        close = _matching(text, open_at)
        inner = text[open_at + 1 : close - 1]
        name = m.group(1).lower()
        if _top_level_comma(inner):
            out.append(text[pos : m.start()])
            out.append(("GREATEST(" if name == "max" else "LEAST(") + _scalars(inner) + ")")
            pos = close
    out.append(text[pos:])
    return "".join(out)


_JSON_ARRAY = re.compile(r"(?<![\w.])json_group_array\s*\(", re.IGNORECASE)


def _json_arrays(text: str) -> str:
    """SQLite's json_group_array(x): the values as a JSON array, '[]' for none, through PostgreSQL's own array_agg
    (the book's sq_json_group_array, an aggregate that copies its array at each value, took seconds for 20,000)."""
    out, pos = [], 0
    for m in _JSON_ARRAY.finditer(text):
        if m.start() < pos:
            continue
        close = _matching(text, m.end() - 1)
        inner = _json_arrays(text[m.end() : close - 1])
        out.append(text[pos : m.start()] + f"coalesce(array_to_json(array_agg({inner}))::text, '[]')")
        pos = close
    out.append(text[pos:])
    return "".join(out)


_PAGE_END = re.compile(
    r"\s+ORDER\s+BY\s+(\d+(?:\s+(?:ASC|DESC))?(?:\s*,\s*\d+(?:\s+(?:ASC|DESC))?)*)\s+LIMIT\s+(\d+)\s+OFFSET\s+(\d+)\s*$",
    re.IGNORECASE,
)
_COMPOUND = re.compile(r"\bUNION(?:\s+ALL)?\b", re.IGNORECASE)


def _limited_arms(text: str) -> str:
    """A page of a compound SELECT ordered by its columns (`a UNION b ORDER BY 1, 2 LIMIT n OFFSET m`, the title
    order of models/browse.py's searches matching many): each arm ordered and cut at n + m rows first. PostgreSQL
    reads every arm whole, then makes the union and sorts it (SQLite merges the arms in order and reads no more of
    each than the page needs); every row of the page is among the first n + m of its arm (fewer than n + m rows of
    the union come before it), so each arm is read from its index up to there."""
    end = _PAGE_END.search(text)
    if end is None or not text.lstrip().upper().startswith("SELECT"):
        return text
    cuts = list(_depth_zero(text[: end.start()], _COMPOUND))
    if not cuts:
        return text
    rows = int(end.group(2)) + int(end.group(3))
    bounds = [0, *(i for cut in cuts for i in (cut.start(), cut.end())), end.start()]
    out = []
    for n in range(0, len(bounds), 2):
        out.append(f"({text[bounds[n] : bounds[n + 1]].strip()} ORDER BY {end.group(1)} LIMIT {rows})")
        if n + 2 < len(bounds):
            out.append(text[bounds[n + 1] : bounds[n + 2]].strip())
    return " ".join(out) + text[end.start() :]


_SUBQUERY = re.compile(r"\b(FROM|JOIN)\s*\(\s*SELECT\b", re.IGNORECASE)
_ALIASED = re.compile(
    r"\s*(AS\b|(?!(WHERE|GROUP|ORDER|LIMIT|OFFSET|UNION|EXCEPT|INTERSECT|JOIN|LEFT|RIGHT|FULL|INNER|CROSS|NATURAL|ON|HAVING|WINDOW)\b)[A-Za-z_])",
    re.IGNORECASE,
)


def _aliases(text: str, names=None) -> str:
    """A name for each subquery in FROM that has none (SQLite needs none; PostgreSQL before 16 does)."""
    names = names if names is not None else itertools.count(1)
    out, pos = [], 0
    for m in _SUBQUERY.finditer(text):
        if m.start() < pos:
            continue
        open_at = text.index("(", m.start())
        close = _matching(text, open_at)
        out.append(text[pos : open_at + 1] + _aliases(text[open_at + 1 : close - 1], names) + ")")
        if not _ALIASED.match(text, close):
            out.append(f" AS sq_{next(names)}")
        pos = close
    out.append(text[pos:])
    return "".join(out)


_CLAUSE_END = re.compile(
    r"\b(GROUP\s+BY|HAVING|ORDER\s+BY|LIMIT|OFFSET|UNION|WINDOW|EXCEPT|INTERSECT|RETURNING|ON\s+CONFLICT)\b|\)",
    re.IGNORECASE,
)
_ALIAS_ITEM = re.compile(r"^(.*\S)\s+AS\s+(\w+)$", re.IGNORECASE | re.DOTALL)
_PLAIN_COLUMN = re.compile(r"^(\w+\.)?\w+$")


def _depth_zero(text: str, pattern: re.Pattern, start: int = 0):
    """The matches of `pattern` in `text` from `start` that are outside any parentheses opened after `start`."""
    depth, before = 0, []
    for ch in text[start:]:
        before.append(depth)
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
    for m in pattern.finditer(text, start):
        if m.start() - start < len(before) and before[m.start() - start] == 0:
            yield m


def _split_top(text: str) -> list[str]:
    parts, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[last:i])
            last = i + 1
    parts.append(text[last:])
    return parts


def _subqueries_first(text: str, rewrite) -> str:
    """`text` with `rewrite` done to each of its parenthesised subqueries (each rewrites its own, in turn)."""
    out, pos = [], 0
    for m in re.finditer(r"\(\s*SELECT\b", text, re.IGNORECASE):
        if m.start() < pos:
            continue
        close = _matching(text, m.start())
        out.append(text[pos : m.start() + 1] + rewrite(text[m.start() + 1 : close - 1]) + ")")
        pos = close
    out.append(text[pos:])
    return "".join(out)


def _named_results(text: str) -> str:
    """SQLite lets WHERE and HAVING name what the SELECT computes (`... AS money ... WHERE money`); PostgreSQL
    needs the computation itself there. Done for each SELECT, subqueries first."""
    text = _subqueries_first(text, _named_results)
    select = re.match(r"\s*SELECT\b", text, re.IGNORECASE)
    if select is None:
        return text
    start = select.end()
    froms = list(_depth_zero(text, re.compile(r"\bFROM\b", re.IGNORECASE), start))
    if not froms:
        return text
    names, columns = {}, {}  # (what a name stands for: computed; a column of the tables, named otherwise)
    for item in _split_top(text[start : froms[0].start()]):
        m = _ALIAS_ITEM.match(item.strip())
        if m:
            plain = _PLAIN_COLUMN.match(m.group(1).strip())
            (columns if plain else names)[m.group(2).lower()] = m.group(1).strip()
    if not names and not columns:
        return text
    clauses = ["WHERE", "HAVING"]
    if next(_depth_zero(text, re.compile(r"\b(UNION|EXCEPT|INTERSECT)\b", re.IGNORECASE), start), None) is None:
        clauses.append(r"ORDER\s+BY")  # (names in an expression there: a compound SELECT orders by names alone)
    for clause in clauses:
        found = next(_depth_zero(text, re.compile(rf"\b{clause}\b", re.IGNORECASE), froms[0].end()), None)
        if found is None:
            continue
        end = next(_depth_zero(text, _CLAUSE_END, found.end()), None)
        stop = end.start() if end is not None else len(text)
        body = text[found.end() : stop]
        if clause.startswith("ORDER"):
            # SQLite orders by what the SELECT names, in an expression too (`max(paid + fees, 0)`); PostgreSQL
            # only by a name alone, which stays as it is
            both = {**columns, **names}
            body = ",".join(item if _ORDER_NAME.match(item) else _said(item, both) for item in _split_top(body))
        else:
            body = _said(body, names)
        text = text[: found.end()] + body + text[stop:]
    return text


_ORDER_NAME = re.compile(r"^\s*\w+(\s+(ASC|DESC))?(\s+NULLS\s+(FIRST|LAST))?\s*$", re.IGNORECASE)


def _said(text: str, names: dict[str, str]) -> str:
    """`text` with each of `names` (not qualified, not a function's) replaced by what it stands for."""
    if not names:
        return text
    word = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?![\w(])", re.IGNORECASE)
    return word.sub(lambda w: f"({names[w.group(1).lower()]})", text)


_SELF_UPDATE = re.compile(r"\b(\w+)\s*=\s*\1\b(?!\s*\()")


_GROUP_BY = re.compile(r"\bGROUP\s+BY\b", re.IGNORECASE)
_CONTRACT_KEYS = {"d.contract_id", "c.id"}


def _contract_currency(text: str) -> str:
    """A SELECT of the reports' day or year sums (`contract_day d`, `contract_year d`) grouped by contract, whose
    currency it shows as it comes (SQLite takes it from any of the group's rows: a contract's are all in its
    currency): PostgreSQL groups by the currency too, which makes the same groups. Done for each SELECT, subqueries
    first."""
    if ("contract_day d" not in text and "contract_year d" not in text) or "d.currency" not in text:
        return text
    text = _subqueries_first(text, _contract_currency)
    select = re.match(r"\s*SELECT\b", text, re.IGNORECASE)
    if select is None:
        return text
    start = select.end()
    froms = next(_depth_zero(text, re.compile(r"\bFROM\b", re.IGNORECASE), start), None)
    if froms is None:
        return text
    shown = [item.strip() for item in _split_top(text[start : froms.start()])]
    if not any(item == "d.currency" or item.startswith("d.currency ") for item in shown):
        return text
    group = next(_depth_zero(text, _GROUP_BY, froms.end()), None)
    if group is None:
        return text
    end = next(_depth_zero(text, _CLAUSE_END, group.end()), None)
    stop = end.start() if end is not None else len(text)
    keys = {key.strip() for key in _split_top(text[group.end() : stop])}
    if "d.currency" in keys or not keys & _CONTRACT_KEYS:
        return text
    body = text[group.end() : stop]
    kept = body.rstrip()
    return text[: group.end()] + kept + ", d.currency" + body[len(kept) :] + text[stop:]


def _qualified_updates(text: str) -> str:
    """In an upsert's DO UPDATE SET, `c = c + excluded.c` names the row's own `c` (PostgreSQL asks which)."""
    at = text.upper().find("DO UPDATE SET")
    if at < 0:
        return text
    m = re.match(r"\s*INSERT\s+INTO\s+(\w+)", text, re.IGNORECASE)
    if m is None:
        return text
    table = m.group(1)
    return text[:at] + _SELF_UPDATE.sub(lambda u: f"{u.group(1)} = {table}.{u.group(1)}", text[at:])


@functools.cache
def boolean_columns() -> dict[str, set[str]]:
    """{table: its boolean columns}, from the models (SQLite keeps them as 0 and 1)."""
    from .entities import ALL_TABLES

    out: dict[str, set[str]] = {}
    for model in ALL_TABLES:
        for field in model._meta.sorted_fields:
            if isinstance(field, pw.BooleanField):
                out.setdefault(model._meta.table_name, set()).add(field.column_name)
    return out


_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*(SELECT\b|VALUES\s*\()", re.IGNORECASE)


def _boolean_values(text: str) -> str:
    """The 0s and 1s an INSERT writes into boolean columns as FALSE and TRUE (a bound value as text, which
    PostgreSQL reads as a boolean whether it is 0/1 or False/True)."""
    m = _INSERT.match(text)
    if m is None or m.group(1) not in boolean_columns():
        return text
    flags = boolean_columns()[m.group(1)]
    columns = [c.strip().strip('"') for c in m.group(2).split(",")]
    at = [i for i, c in enumerate(columns) if c in flags]
    if not at:
        return text
    start = m.end()
    if m.group(3).upper().startswith("VALUES"):
        end = _matching(text, start - 1) - 1
    else:
        found = next(_depth_zero(text, re.compile(r"\bFROM\b", re.IGNORECASE), start), None)
        end = found.start() if found is not None else len(text)
    items = _split_top(text[start:end])
    if len(items) != len(columns):
        return text
    for i in at:
        item = items[i].strip()
        said = {"0": "FALSE", "1": "TRUE", "?": "CAST(CAST(? AS TEXT) AS BOOLEAN)"}.get(item)
        if said is not None:
            items[i] = items[i].replace(item, said)
    return text[:start] + ",".join(items) + text[end:]


def _or_conflict(text: str) -> str:
    m = re.match(r"\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", text, re.IGNORECASE)
    if m is None:
        return text
    how, table, columns = m.group(1).upper(), m.group(2), [c.strip() for c in m.group(3).split(",")]
    body = f"INSERT INTO {table} ({m.group(3)})" + text[m.end() :]
    if how == "IGNORE":
        return body + " ON CONFLICT DO NOTHING"
    key = _REPLACE_KEYS[table]
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    return body + f" ON CONFLICT ({key}) DO UPDATE SET {sets}"


# models/check.py's SQL said otherwise (check.py is left as it is: its pieces are registered here).
for _sqlite, _postgresql in {
    # models/check.py's pass over the milestones: their contract's columns are the group's too.
    "    GROUP BY m.id\n) m\n": "    GROUP BY m.id, c.id\n) m\n",
    # models/check.py's look at SQLite's search index (FTS5's own check, in a savepoint rolled back): the search
    # table here is a plain table, whose rows check compares with the contracts as on SQLite.
    "INSERT INTO contract_search (contract_search) VALUES ('integrity-check')": "SELECT 1",
    "SAVEPOINT search_check": "SELECT 1",
    "ROLLBACK TO search_check": "SELECT 1",
    "RELEASE search_check": "SELECT 1",
    # models/check.py's links: every table but SQLite's virtual ones (whose SQL says so; here the search table is
    # a plain one, and the catalogue keeps no table's SQL)
    " AND sql NOT LIKE 'CREATE VIRTUAL%' ": " ",
    # models/browse.py's search of one or two characters (PREFIX_IDS): what starts with them, A to Z in either case
    # as SQLite's LIKE compares (ILIKE here, which no index answers): LIKE on the column with A to Z in lower case
    # (lower() in the "C" collation), whose index (BROWSE_INDEXES) holds what starts alike together
    **{
        f"WHERE {column} LIKE :prefix ESCAPE '\\'": f'WHERE lower(({column} COLLATE "C"))'
        ' ~~ lower((:prefix COLLATE "C"))'
        for column in ("title", "f2.name", "external_id")
    },
}.items():
    pgtext.rewrite(_sqlite, _postgresql)


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """SQLite's SQL as the models write it, in PostgreSQL's words with psycopg's placeholders."""
    literals: list[str] = []

    def hole(m: re.Match) -> str:
        literals.append(m.group(0))
        return f"\x00{len(literals) - 1}\x00"

    pragma = _PRAGMA.match(sql)
    if pragma:
        name, arg = pragma.group(1).lower(), pragma.group(2)
        if name == "table_info" and arg:
            return _TABLE_INFO.format(arg.strip('"'))
        if name == "foreign_key_check" and arg:
            return "SELECT * FROM sq_foreign_key_check('{}')".format(arg.strip('"'))
        value = re.sub(r"\s+", "", sql[pragma.end() :]).lower()
        if value.startswith("="):
            return _PRAGMAS.get(name + value, "SELECT 0")
        return _PRAGMAS.get(name, "SELECT 0")  # the file's settings (cache, threads): the server keeps its own
    from . import chain  # (chain builds on nothing here)

    if chain.PAYLOAD_SQL in sql:
        sql = sql.replace(chain.PAYLOAD_SQL, _payload_sql())
    for before, after in pgtext.REWRITES.items():
        if before in sql:
            sql = sql.replace(before, after)
    text = _LITERAL.sub(hole, sql)
    if "%s" in text or "%(" in text:  # psycopg's placeholders already (peewee's own introspection)
        return sql
    for pattern, words in _WORDS:
        text = pattern.sub(words, text)
    text = _FUNCTION.sub(lambda m: _FUNCTIONS[m.group(1).lower()] + "(", text)
    text = _json_arrays(text)
    text = _scalars(text)
    text = _or_conflict(text)
    text = _boolean_values(text)
    text = _aliases(text)
    text = _named_results(text)
    text = _contract_currency(text)
    text = _qualified_updates(text)
    text = _limited_arms(text)

    def param(m: re.Match) -> str:
        t = m.group(0)
        if t == "::":
            return t
        if t == "?":
            return "%s"
        if t == "%":
            return "%%"
        return f"%({m.group(1)})s"

    text = _PARAM.sub(param, text)
    return _HOLE.sub(lambda m: literals[int(m.group(1))].replace("%", "%%"), text)


@functools.cache
def _payload_sql() -> str:
    """chain.PAYLOAD_SQL's bytes computed by PostgreSQL: every column as text, NULL as 'None'."""
    from . import chain

    parts = ", ".join(f"coalesce({c}::text, 'None')" if c in chain._NULLABLE else f"{c}::text" for c in chain.COLUMNS)
    return f"convert_to(concat_ws(chr(31), {parts}), 'UTF8')"


# --- what PostgreSQL lacks, made in the book's schema ---------------------------------------------------------

COMPAT_SQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # SQLite's COLLATE NOCASE: A to Z in either case are equal.
    "CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    """CREATE FUNCTION sq_date(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT to_char($1::timestamp, 'YYYY-MM-DD') $$""",
    """CREATE FUNCTION sq_date(text, text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT to_char($1::timestamp + $2::interval, 'YYYY-MM-DD') $$""",
    """CREATE FUNCTION sq_julianday(text) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       AS $$ SELECT extract(epoch FROM $1::timestamp)::double precision / 86400 + 2440587.5 $$""",
    """CREATE FUNCTION sq_json_each(text) RETURNS TABLE (value bigint) LANGUAGE sql IMMUTABLE STRICT
       AS $$ SELECT v::bigint FROM json_array_elements_text($1::json) v $$""",
    """CREATE FUNCTION sq_json_text(anyarray) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT array_to_json($1)::text $$""",
    """CREATE FUNCTION sq_json_push(anyarray, anyelement) RETURNS anyarray LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT array_append($1, $2) $$""",
    """CREATE AGGREGATE sq_json_group_array(anyelement)
       (SFUNC = sq_json_push, STYPE = anyarray, FINALFUNC = sq_json_text, INITCOND = '{}')""",
    """CREATE FUNCTION sq_typeof(anyelement) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT CASE WHEN $1 IS NULL THEN 'null' ELSE CASE pg_typeof($1)::text
         WHEN 'bigint' THEN 'integer' WHEN 'integer' THEN 'integer' WHEN 'smallint' THEN 'integer'
         WHEN 'boolean' THEN 'integer' WHEN 'double precision' THEN 'real' WHEN 'real' THEN 'real'
         WHEN 'numeric' THEN 'real' WHEN 'bytea' THEN 'blob' ELSE 'text' END END $$""",
    # SQLite's booleans are 0 and 1: `flag = 0`, `(x IS NOT NULL) > 0` and SUM(condition) read as there.
    *(
        sql
        for name, op in (("eq", "="), ("ne", "<>"), ("lt", "<"), ("gt", ">"), ("le", "<="), ("ge", ">="))
        for sql in (
            f"CREATE FUNCTION sq_bool_{name}(boolean, integer) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE "
            f"AS $$ SELECT $1::int {op} $2 $$",
            f"CREATE OPERATOR {op} (LEFTARG = boolean, RIGHTARG = integer, FUNCTION = sq_bool_{name})",
        )
    ),
    # ... and a condition joined to text reads 1 or 0 there, not true or false
    """CREATE FUNCTION sq_text_bool(text, boolean) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT $1 || $2::int::text $$""",
    """CREATE FUNCTION sq_bool_text(boolean, text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT $1::int::text || $2 $$""",
    "CREATE OPERATOR || (LEFTARG = text, RIGHTARG = boolean, FUNCTION = sq_text_bool)",
    "CREATE OPERATOR || (LEFTARG = boolean, RIGHTARG = text, FUNCTION = sq_bool_text)",
    """CREATE FUNCTION sq_bool_sum(bigint, boolean) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT coalesce($1, 0) + coalesce($2::int, 0) $$""",
    "CREATE AGGREGATE sum(boolean) (SFUNC = sq_bool_sum, STYPE = bigint)",
    # FTS5's trigram search of models/browse.py (`contract_search MATCH '"phrase"'`, or '{columns} : "phrase"'):
    # the rows holding the phrase in any of those columns, letters in either case (ICU's lower case, as FTS5
    # folds every letter's case).
    r"""CREATE FUNCTION sq_fts(title text, freelancer text, external_id text, query text) RETURNS boolean
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT (strpos(q.cols, 'title') > 0 AND strpos(lower(title COLLATE "und-x-icu"), q.phrase) > 0)
           OR (strpos(q.cols, 'freelancer') > 0 AND strpos(lower(freelancer COLLATE "und-x-icu"), q.phrase) > 0)
           OR (strpos(q.cols, 'external_id') > 0 AND strpos(lower(external_id COLLATE "und-x-icu"), q.phrase) > 0)
       FROM (SELECT coalesce(substring(query FROM '^\{([^}]*)\}'), 'title freelancer external_id') AS cols,
                    lower(replace(substring(query FROM '"(.*)"\s*$'), '""', '"') COLLATE "und-x-icu") AS phrase) q
       $$""",
    # SQLite's PRAGMA foreign_key_check(table): each row of the book's tables (or of `only_table`) whose foreign key
    # names a row its parent table does not have (table, the row's id or NULL when its key is not one number,
    # parent table, the key's number), found by an anti-join per foreign key of the catalogue. The server keeps
    # these links itself; they break only where its triggers were switched off (session_replication_role).
    r"""CREATE FUNCTION sq_foreign_key_check(only_table text)
       RETURNS TABLE ("table" text, rowid bigint, parent text, fkid integer) LANGUAGE plpgsql STABLE AS $$
       DECLARE
         k record;
       BEGIN
         FOR k IN
           SELECT t.relname::text AS child, p.relname::text AS parent, f.oid,
                  (SELECT string_agg(format('t.%I IS NOT NULL', a.attname), ' AND ') FROM unnest(f.conkey) c(n)
                     JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = c.n) AS present,
                  (SELECT string_agg(format('q.%I = t.%I', pa.attname, ca.attname), ' AND ')
                     FROM unnest(f.conkey, f.confkey) c(n, m)
                     JOIN pg_attribute ca ON ca.attrelid = f.conrelid AND ca.attnum = c.n
                     JOIN pg_attribute pa ON pa.attrelid = f.confrelid AND pa.attnum = c.m) AS matches,
                  (SELECT format('t.%I', a.attname) FROM pg_constraint pk
                     JOIN pg_attribute a ON a.attrelid = pk.conrelid AND a.attnum = pk.conkey[1]
                    WHERE pk.conrelid = f.conrelid AND pk.contype = 'p' AND cardinality(pk.conkey) = 1
                      AND a.atttypid IN ('bigint'::regtype, 'integer'::regtype)) AS id,
                  row_number() OVER (PARTITION BY f.conrelid ORDER BY f.oid) - 1 AS n
             FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class p ON p.oid = f.confrelid
            WHERE f.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
              AND (only_table IS NULL OR t.relname = only_table)
            ORDER BY t.relname, f.oid
         LOOP
           RETURN QUERY EXECUTE format(
             'SELECT %L::text, %s::bigint, %L::text, %s::integer FROM %I t WHERE %s '
             'AND NOT EXISTS (SELECT 1 FROM %I q WHERE %s) ORDER BY 2',
             k.child, coalesce(k.id, 'NULL'), k.parent, k.n, k.child, k.present, k.parent, k.matches);
         END LOOP;
       END $$""",
    # SQLite's catalogue as the models read it: which tables there are, and each index's SQL to make it again
    # (NULL for those a primary key or a unique constraint makes, as SQLite's own).
    r"""CREATE VIEW sqlite_master AS
       SELECT 'table'::text AS type, t.tablename::text AS name, t.tablename::text AS tbl_name, NULL::text AS sql
         FROM pg_tables t WHERE t.schemaname = current_schema()
       UNION ALL
       SELECT 'index', i.indexname, i.tablename,
              CASE WHEN EXISTS (SELECT 1 FROM pg_constraint k
                                WHERE k.conindid = (i.schemaname || '.' || i.indexname)::regclass)
                   THEN NULL ELSE regexp_replace(i.indexdef, '\(([a-z_]+)\)', '("\1")', 'g') END
         FROM pg_indexes i WHERE i.schemaname = current_schema()
       UNION ALL
       SELECT 'view', v.viewname, v.viewname, v.definition FROM pg_views v WHERE v.schemaname = current_schema()""",
)

# The contracts table's search: a plain table (the same columns as SQLite's FTS5 one, `rowid` the contract's
# id), searched through trigram indexes of its columns' lower case (BROWSE_INDEXES).
SEARCH_TABLE = (
    "CREATE TABLE IF NOT EXISTS contract_search (rowid BIGINT PRIMARY KEY, title TEXT NOT NULL, "
    "freelancer TEXT NOT NULL, external_id TEXT NOT NULL)",
)
# PostgreSQL's own indexes of the contracts table (models/browse.py), made after the migrations (_make_schema):
# - each search column's lower case, every letter (ICU's, as FTS5 folds them), in a trigram index: a search of
#   three characters or more (`contract_search MATCH`, _fts_match) reads them, never the whole table;
# - the title, the freelancer's name and the contract id with A to Z in lower case (lower() in the "C"
#   collation: SQLite's LIKE), in order: a search of one or two characters reads what starts with them;
# - each sort key with the contract's id after it: a page sorted by a key many contracts share (a status, an
#   amount of 0, no end date) is read in order from the index, ties broken by id as SQLite's indexes break them
#   (each of its indexes ends with the row's id), instead of reading every contract of the first key to sort them.
BROWSE_INDEXES = {
    **{
        f"contract_search_{c}_folded": f"CREATE INDEX contract_search_{c}_folded ON contract_search "
        f'USING gin (lower(({c} COLLATE "und-x-icu")) gin_trgm_ops)'
        for c in ("title", "freelancer", "external_id")
    },
    **{
        f"{table}_{c}_folded": f'CREATE INDEX {table}_{c}_folded ON {table} USING btree (lower(({c} COLLATE "C")))'
        for table, c in (("contract", "title"), ("freelancer", "name"), ("contract", "external_id"))
    },
    **{
        f"contract_{c}_id": f"CREATE INDEX contract_{c}_id ON contract USING btree ({c}, id)"
        for c in ("title", "status", "currency", "budget", "started_on", "ended_on", "freelancer_id")
    },
    "freelancer_name_id": "CREATE INDEX freelancer_name_id ON freelancer USING btree (name, id)",
    **{
        f"contract_totals_{c}_id": f"CREATE INDEX contract_totals_{c}_id ON contract_totals "
        f"USING btree ({c}, contract_id)"
        for c in ("escrow", "released", "refunded")
    },
    "contract_totals_next_id": "CREATE INDEX contract_totals_next_id ON contract_totals "
    "USING btree (((next_due IS NULL)), next_due, contract_id)",
}
# The indexes of the search an earlier version made (of the columns as they are: ILIKE), which BROWSE_INDEXES
# replace: a book that has them is as the version before made it (upgrade_indexes drops them).
SUPERSEDED_INDEXES = {
    f"contract_search_{c}": f"CREATE INDEX contract_search_{c} ON contract_search USING gin ({c} gin_trgm_ops)"
    for c in ("title", "freelancer", "external_id")
}
BROWSE_TABLES = ("contract", "freelancer", "contract_totals", "contract_search")
NEXT_DUE_INDEX = "CREATE INDEX contract_totals_next ON contract_totals ((next_due IS NULL), next_due)"


# --- the driver boundary --------------------------------------------------------------------------------------


def _adapters():
    """psycopg's dumpers and loaders that make values travel as they do with SQLite (made once)."""
    from psycopg.adapt import Loader
    from psycopg.types.string import StrDumperUnknown

    class DayDumper(StrDumperUnknown):
        def dump(self, obj):
            return obj.isoformat().encode()

    class MomentDumper(StrDumperUnknown):
        def dump(self, obj):
            return str(obj).encode()

    class NumberLoader(Loader):  # SUM of integers is an integer, as in SQLite
        def load(self, data):
            text = bytes(data).decode()
            return float(text) if "." in text or "e" in text.lower() or "N" in text else int(text)

    return DayDumper, MomentDumper, NumberLoader


def _driver() -> None:
    """Hand psycopg to peewee, which was loaded without it (models/__init__.py: a SQLite book needs no driver)."""
    if pw.psycopg is not None:
        return
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    pw.psycopg, pw.TransactionStatus, pw.Json_pg3, pw.Jsonb_pg3 = psycopg, TransactionStatus, Json, Jsonb
    adapter = pw.Psycopg3Adapter
    adapter.txn_idle = TransactionStatus.IDLE
    adapter.txn_inerror = TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN


class PgBookDatabase(pw.PostgresqlDatabase):
    """peewee over psycopg 3, SERIALIZABLE, answering the models' SQLite SQL (module docstring)."""

    store = STORE
    field_types: ClassVar[dict[str, str]] = {
        **pw.PostgresqlDatabase.field_types,
        "INT": "BIGINT",
        "AUTO": "BIGSERIAL",
        "DATE": "TEXT",
        "DATETIME": "TEXT",
    }

    def __init__(self, url: str, **kwargs):
        _driver()
        kwargs.setdefault("connect_timeout", 10)
        super().__init__(url, prefer_psycopg3=True, isolation_level="SERIALIZABLE", **kwargs)
        self.address = shown(url)
        self.database_name = urlsplit(url).path.lstrip("/") or "postgres"
        self.drivers: dict[int, object] = {}  # thread -> its psycopg connection (each thread has its own)

    def _connect(self):
        conn = super()._connect()
        self.drivers[threading.get_ident()] = conn
        day, moment, number = _adapters()
        conn.adapters.register_dumper(_dt.date, day)
        conn.adapters.register_dumper(_dt.datetime, moment)
        conn.adapters.register_loader("numeric", number)
        # Each statement planned for its own values: a search's pattern decides which index is worth reading (a
        # plan made once for any pattern, as the server may choose for a statement run often, read a trigram
        # index matching every contract for "UP-" at ~0.4 s where reading the table takes 35 ms).
        conn.execute("SET plan_cache_mode = force_custom_plan")
        return conn

    def _close(self, conn):
        for thread, known in list(self.drivers.items()):
            if known is conn:
                del self.drivers[thread]
        super()._close(conn)

    def execute_sql(self, sql, params=None):
        sql = translate(sql)
        if isinstance(params, dict):
            pass
        elif params is not None and not isinstance(params, (list, tuple)):
            params = tuple(params)
        return super().execute_sql(sql, params)

    def connection(self) -> PgConn:
        """What the models ask of SQLite's connection (`execute`, `executemany`), in PostgreSQL's words; psycopg's
        own connection is `driver_connection()`."""
        return PgConn(self)

    def driver_connection(self):
        return super().connection()


class PgConn:
    """What the models ask of a SQLite connection (`execute`, `executemany`), on a PostgreSQL book: the
    book's own connection, its SQL translated."""

    def __init__(self, db: PgBookDatabase):
        self.db = db

    def execute(self, sql: str, params=()):
        try:
            return self.db.execute_sql(sql, params or None)
        except pw.OperationalError as exc:
            if _sqlstate(exc) == QUERY_CANCELED:  # interrupt(): as SQLite says it
                raise sqlite3.OperationalError("interrupted") from exc
            raise

    def executemany(self, sql: str, rows):
        cursor = self.db.cursor()
        with pw.__exception_wrapper__:
            cursor.executemany(translate(sql), list(rows))
        return cursor

    def interrupt(self) -> None:
        """Stop the statement under way on the book's connections, on any thread (as SQLite's interrupt stops the
        one its connection runs: a count on the window's worker thread, a pack being made); it fails with
        sqlite3.OperationalError("interrupted"), as on SQLite. Each thread reads through a connection of its own
        here: the one asking (the GUI thread) runs nothing meanwhile."""
        from psycopg.pq import TransactionStatus

        for conn in list(self.db.drivers.values()):
            if not conn.closed and conn.info.transaction_status == TransactionStatus.ACTIVE:
                conn.cancel_safe()

    def set_progress_handler(self, handler, n) -> None:  # (SQLite's walk budget: the server times its own)
        return None

    @property
    def total_changes(self) -> int:
        return 0


# --- others' changes ---------------------------------------------------------------------------------------------

CHANNEL = "escrowbook_changed"  # each operation on a shared book NOTIFYs it (models/ops.operation)


def announce_change(db: PgBookDatabase) -> None:
    """Inside an operation's transaction: tell whoever listens that the book changed. PostgreSQL delivers it when
    the transaction commits, and never for one rolled back (a refused operation changed nothing)."""
    db.execute_sql(f"NOTIFY {CHANNEL}")


class ChangeListener:
    """Hears the changes other people make to a shared book: a connection of its own that LISTENs for what each
    operation announces (`announce_change`). `heard()` answers at once, without a query: whether anyone changed
    the book since it was last asked, but for the connections named in `own` (the asker's own operations)."""

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        self.conn.execute(f"LISTEN {CHANNEL}")

    def heard(self, own: frozenset[int] = frozenset()) -> bool:
        return any(n.pid not in own for n in self.conn.notifies(timeout=0))

    def close(self) -> None:
        self.conn.close()


def backend_pid(db: PgBookDatabase) -> int:
    """The server process of the calling thread's connection to the book (what its announcements come from)."""
    return db.driver_connection().info.backend_pid


QUERY_CANCELED = "57014"  # the server stopped a statement when asked (PgConn.interrupt)


def _sqlstate(exc: BaseException) -> str | None:
    """The first SQLSTATE PostgreSQL gave in `exc` or what caused it."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None):
            return seen.sqlstate
        seen = seen.__cause__ or seen.__context__
    return None


def is_conflict(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is PostgreSQL saying another transaction won: run it again."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in CONFLICT_STATES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def backoff(tries: int) -> float:
    """Seconds to wait before the next try: a little longer each time, spread so that two who lost to each other
    do not meet again at once."""
    import random

    return random.uniform(0.005, 0.02) * 2**tries


CONFLICT_WORDS = "Someone else changed the book at the same moment, again and again: nothing was recorded. Try again."

# Writers take turns. Every operation moves the ledger's one head (models/chain.py) or a total that others' move too,
# so two at once mostly conflict, and under SERIALIZABLE one of them would fail and run again, a few times, then be
# refused. Instead, the outermost operation waits for its turn BEFORE its transaction begins (its snapshot is taken
# after the one before it committed) and holds it until its transaction has ended: a session-level advisory lock
# of the server, on this database (each book is a database: its two keys name Escrowbook's writes). Readers never
# take it, so they never wait; a process that dies holding it loses it with its connection; nobody waits longer than
# TURN_SECONDS: then the operation is refused in words. A writer that does not take turns (an older version, psql)
# is still met by SERIALIZABLE and the retries (models/ops.operation).
TURN_KEYS = (0x45534352, 1)  # ("ESCR": Escrowbook's, 1: the book's writes)
TURN_SECONDS = 10.0
LOCK_TIMEOUT_STATE = "55P03"
TURN_WORDS = (
    "Someone else's change to the book has been under way for a while and is not finished: nothing was recorded. "
    "Try again in a moment."
)


def _in_state(exc: BaseException, state: str) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) == state:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def take_turn(db: PgBookDatabase) -> None:
    """Wait until no other operation is writing the book (TURN_SECONDS at most), then hold the turn until `end_turn`.
    Outside any transaction (the caller's begins after it). Refused in words when the wait is too long."""
    ms = max(1, round(TURN_SECONDS * 1000))
    try:
        with pw.__exception_wrapper__:
            # (one implicit transaction: the timeout is this wait's alone, the lock the session's, kept after it)
            db.driver_connection().execute(f"SET LOCAL lock_timeout = {ms}; SELECT pg_advisory_lock{TURN_KEYS}")
    except pw.OperationalError as exc:
        if _in_state(exc, LOCK_TIMEOUT_STATE):
            from .errors import RuleError

            raise RuleError(TURN_WORDS, rule="R14") from None
        raise


def end_turn(db: PgBookDatabase) -> None:
    """The next writer's turn, once the operation's transaction has ended (committed or rolled back). A connection
    lost meanwhile has ended the turn with it."""
    if db.is_closed() or db.in_transaction():
        return
    try:
        with pw.__exception_wrapper__:
            db.driver_connection().execute(f"SELECT pg_advisory_unlock{TURN_KEYS}")
    except pw.DatabaseError:
        pass


# --- opening and creating -------------------------------------------------------------------------------------


def refuse(url: str, why: str, reason: str) -> BookError:
    return BookError(f"The shared book “{shown(url)}” cannot be opened: {why}", reason=reason)


def connect(url: str) -> PgBookDatabase:
    """A connection to the book's database, or a refusal in words (server unreachable, no such database,
    not allowed)."""
    try:
        db = PgBookDatabase(url)
        db.connect()
    except ImportError:
        raise refuse(url, "the PostgreSQL driver (psycopg) is not installed.", "driver") from None
    except pw.DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise refuse(url, f"the server did not let Escrowbook in ({first}).", "unreachable") from None
    return db


def book_format(db: PgBookDatabase) -> int | None:
    """The book format the database says it holds; None when it holds no tables at all (a new, empty one);
    a refusal when it holds something that is not an Escrowbook book."""
    tables = db.get_tables()
    if not tables:
        return None
    if "book_info" not in tables:
        raise refuse(db.database, "the database holds other tables, not an Escrowbook book.", "not_book")
    rows = dict(db.execute_sql("SELECT key, value FROM book_info WHERE key IN (?, ?)", (APPLICATION_KEY, FORMAT_KEY)))
    if rows.get(APPLICATION_KEY) != "escrowbook" or not str(rows.get(FORMAT_KEY, "")).isdigit():
        raise refuse(db.database, "the database holds other tables, not an Escrowbook book.", "not_book")
    return int(rows[FORMAT_KEY])


def _people_sql() -> tuple[str, ...]:
    from .people import SCHEMA_SQL  # (loaded with the models, which a book kept in PostgreSQL has bound)

    return SCHEMA_SQL


def _make_schema(db: PgBookDatabase, migrations) -> None:
    """Every object of a book of the current format, in the schema first on the search path: the compatibility
    functions, the tables (the migrations in order, as for a new SQLite book), PostgreSQL's own indexes of the
    contracts table (BROWSE_INDEXES) and the people's (models/people.py)."""
    for sql in COMPAT_SQL:
        db.execute_sql(sql)
    for step in migrations:
        step(db)
    for sql in BROWSE_INDEXES.values():
        db.execute_sql(sql)
    for sql in _people_sql():
        db.execute_sql(sql)


def create_schema(db: PgBookDatabase, migrations) -> None:
    """A new book in an empty database, in one transaction: the compatibility functions, every table of the
    current format (the migrations run in order on the new, empty book, as for a new SQLite book), what names
    the people and the maker of each record (models/people.py) and the rows that say what the database holds."""
    with db.atomic():
        _make_schema(db, migrations)
        db.execute_sql("INSERT INTO book_info (key, value) VALUES (?, ?)", (APPLICATION_KEY, "escrowbook"))
        db.execute_sql("INSERT INTO book_info (key, value) VALUES (?, ?)", (FORMAT_KEY, str(len(migrations))))


# --- the schema, compared with the one the app makes -------------------------------------------------------

# What the catalogue says of each object in one schema ({schema}), independent of the order it was made in.
_DESCRIBE = {
    "column": "SELECT c.table_name, c.column_name, "
    "c.data_type || ' ' || c.is_nullable || ' ' || coalesce(c.column_default, '') "
    "FROM information_schema.columns c JOIN pg_class t ON t.relname = c.table_name "
    "AND t.relnamespace = '{schema}'::regnamespace AND t.relkind = 'r' WHERE c.table_schema = '{schema}'",
    "constraint": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = '{schema}'::regnamespace",
    "index": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = '{schema}'",
    "view": "SELECT viewname, viewname, definition FROM pg_views WHERE schemaname = '{schema}'",
    "trigger": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
    "WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = '{schema}'::regnamespace)",
    "function": "SELECT p.proname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', "
    "md5(p.prosrc) FROM pg_proc p WHERE p.pronamespace = '{schema}'::regnamespace "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
    "operator": "SELECT o.oprname, o.oprname || '(' || o.oprleft::regtype || ', ' || o.oprright::regtype || ')', "
    "o.oprcode::text FROM pg_operator o WHERE o.oprnamespace = '{schema}'::regnamespace "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e')",
    "policy": "SELECT tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies "
    "WHERE schemaname = '{schema}'",
    "rule": "SELECT tablename, rulename, definition FROM pg_rules WHERE schemaname = '{schema}'",
}


def structure(db: PgBookDatabase, schema: str | None = None) -> dict:
    """{(kind, name): what PostgreSQL says of it} for every object of the book's schema (models/schema.py's
    counterpart): each table's columns and constraints, each index, view, trigger, function, operator, row
    policy and rule."""
    schema = schema or db.execute_sql("SELECT current_schema()").fetchone()[0]
    out: dict = {}
    tables: dict[str, list] = {}
    for kind, sql in _DESCRIBE.items():
        for owner, name, text in db.execute_sql(sql.format(schema=schema)).fetchall():
            text = str(text).replace(f"{schema}.", "")
            if schema.startswith("pg_temp"):  # (the catalogue's views name the session's temporary schema so)
                text = text.replace("pg_temp.", "")
            owner = str(owner).removeprefix(f"{schema}.")
            if kind in ("column", "constraint"):
                tables.setdefault(owner, []).append((kind, name, text))
            else:
                out[(kind, name)] = (owner, " ".join(text.split()))
    for table, parts in tables.items():
        out[("table", table)] = tuple(sorted(parts))
    return out


_expected_cache: dict = {}


def expected_structure(db: PgBookDatabase, migrations) -> dict:
    """The structure a new book has on this server: made by the migrations in the session's own temporary schema
    inside a transaction that is rolled back (nothing stays), once per server and run of the app. (Any login may
    make temporary objects: a viewer's or a bookkeeper's, who may create nothing in the database, too.)"""
    key = (db.server_version, len(migrations))
    if key not in _expected_cache:
        with db.atomic() as txn:
            db.execute_sql("SET LOCAL search_path = pg_temp, public")
            _make_schema(db, migrations)
            schema = db.execute_sql("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()").fetchone()[0]
            found = structure(db, schema)
            txn.rollback()
        _expected_cache[key] = found
    return _expected_cache[key]


# schema.digest(expected_structure(...)) on a server of each PostgreSQL major version (the catalogue words some
# definitions differently from one major version to the next): the schema this version's migrations make,
# fingerprinted once for each version of the app, so that opening a shared book needs no schema made and rolled
# back to compare with (~0.4 s of a window's start) when the book's schema is exactly that one.
# tests/models/test_pg_store.py computes it again on the tests' server and fails with the new value when the
# migrations change. The fingerprint only ever says yes: a book whose schema differs, or a server of another major
# version, is compared with the schema the migrations make, as before.
STRUCTURE_DIGESTS: dict[int, str] = {
    15: "d55c4baae11a56b464308e918b8759339d553f52bf51160bb6a61a12c9a7c87e",
}


def major_version(db: PgBookDatabase) -> int:
    return db.server_version // 10000


def schema_problems(db: PgBookDatabase, migrations) -> list[str]:
    """How the book's schema differs from the one this version's migrations make, in words. A book made by an
    earlier version may lack indexes of BROWSE_INDEXES and have those they replace (SUPERSEDED_INDEXES), as that
    version made them: only its searches and sorts are slower until its maker opens it (upgrade_indexes)."""
    from . import schema as sqlite_schema

    actual = structure(db)
    if sqlite_schema.digest(actual) == STRUCTURE_DIGESTS.get(major_version(db)):
        return []
    expected = dict(expected_structure(db, migrations))
    for name in BROWSE_INDEXES:
        if ("index", name) not in actual:
            expected.pop(("index", name), None)
    for name, sql in SUPERSEDED_INDEXES.items():
        if actual.get(("index", name)) == ("contract_search", sql) and ("index", name) not in expected:
            del actual[("index", name)]
    return sqlite_schema.differences(actual, expected)


def upgrade_indexes(db: PgBookDatabase) -> bool:
    """A shared book made by an earlier version gets the indexes of BROWSE_INDEXES it lacks, and loses those they
    replace, when the owner of its tables opens it (no one else may change them: the book opens as it is, its
    searches and sorts slower). The tables' statistics are gathered again for the new indexes' expressions. True
    when something was changed."""
    from .people import owns_tables

    names = {r[0] for r in db.execute_sql("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
    missing = [sql for name, sql in BROWSE_INDEXES.items() if name not in names]
    superseded = [name for name in SUPERSEDED_INDEXES if name in names]
    if not (missing or superseded) or not owns_tables(db):
        return False
    with db.atomic():
        for sql in missing:
            db.execute_sql(sql)
        for name in superseded:
            db.execute_sql(f"DROP INDEX {name}")
    for table in BROWSE_TABLES:
        db.execute_sql(f"ANALYZE {table}")
    return True
