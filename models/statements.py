"""The marketplace's statements (transaction histories, CSV): reading one with its format.

A format is data (models/statement_formats.py, whose names are read from here too): one TOML file per format in
`resources/statements/` (the ones shipped) or in the user's own folder (the ones a client mapped from an unknown
header, `save_format`). Each names its headers, the column each field is read from, the date layouts and
decimal mark of its cells, and how its transaction types map to what the books keep (`KINDS`).

Reading is tolerant of what spreadsheets and exports do to a CSV: columns in any order, extra columns, a
byte order mark, UTF-16, ";" or tab separators, quoted cells across lines, a title line or two above the
headers, currency symbols, thousands separators, signs or parentheses. It is not tolerant of what it cannot
read: every such cell is a problem with its row number (spreadsheet rows: the header row's number plus the
records after it, however many lines a quoted cell takes), and a statement with any problem is refused whole
(`StatementRefused`). A statement is untrusted input: nothing in it is run or followed.

Amounts are read as positive minor units (R1); the direction comes from the kind. A row whose type the books
do not keep (hourly work, Connects, subscriptions, taxes, …), or that no rule of its format names, is read as
`NOT_KEPT` and listed as such, never dropped.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import operator
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .fields import EARLIEST_DAY, LATEST_DAY
from .money import CURRENCY_EXPONENT, MAX_MAJOR
from .statement_formats import (  # noqa: F401 - a statement's kinds, fields, formats and refusals, read from here too
    ESCROW_REFUND,
    FEE,
    FEE_REFUND,
    FIELD_WORDS,
    FIELDS,
    FUND,
    INITIATION_FEE,
    KIND_WORDS,
    KINDS,
    NOT_KEPT,
    REFUND,
    RELEASE,
    REQUIRED_FIELDS,
    Format,
    KindRule,
    StatementRefused,
    UnknownFormat,
    _date_pattern,
    _normal_header,
    all_formats,
    detect,
    format_named,
    normal_type,
    read_format,
    save_format,
    saved_formats,
    shipped_formats,
)  # fmt: skip

MAX_PROBLEMS = 50  # reading stops after this many: the file is refused anyway
MAX_CELL = 4000  # characters in one cell
HEADER_SEARCH_ROWS = 10  # a header row is looked for in this many first records
SEPARATORS = (",", ";", "\t")
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_FULL_MONTHS = {
    name: i
    for i, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
         "november", "december"),
        start=1,
    )
}  # fmt: skip
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "C$": "CAD", "A$": "AUD"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # (tab, line feed and carriage return are text)
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))  # (str.isprintable of plain ASCII text: these bytes only)
_ODD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")  # either of the two
csv.field_size_limit(1 << 24)  # a long cell is refused by length, with its row, not by the csv module


# ------------------------------------------------------------------ cells
class _Dates:
    """Date cells read by the format's layouts, each distinct text once (a statement repeats few dates): `seen`
    holds (the day as ISO text, None) or (None, what is wrong)."""

    def __init__(self, layouts: tuple[str, ...]):
        self.layouts = layouts
        self.patterns = [_date_pattern(layout) for layout in layouts]
        self.seen: dict[str, tuple[str | None, str | None]] = {}

    def read(self, text: str) -> tuple[str | None, str | None]:
        got = self._read(text)
        got = self.seen[text] = (got.isoformat(), None) if isinstance(got, date) else (None, got.rstrip("."))
        return got

    def _read(self, text: str) -> date | str:
        cell = text.strip()
        if "T" in cell[8:12] or (" " in cell[8:12] and cell[:4].isdigit()):  # "2026-03-01T10:00:00" or with a time
            cell = cell[:10]
        for pattern, order in self.patterns:
            m = pattern.match(cell)
            if not m:
                continue
            values = dict(zip(order, m.groups(), strict=True))
            if "m" in values:
                month = int(values["m"])
            else:
                word = values.get("b") or values.get("B")
                month = _MONTHS.get(word[:3].casefold()) if "b" in values else _FULL_MONTHS.get(word.casefold())
                if month is None:
                    continue
            try:
                day = date(int(values["Y"]), month, int(values["d"]))
            except ValueError:
                return f"“{_shown(text)}” is not a day of the calendar."
            if day < EARLIEST_DAY or day > LATEST_DAY:
                return f"the date “{_shown(text)}” is not a plausible year."
            return day
        if not cell:
            return "the date is empty."
        layouts = ", ".join(_example(layout) for layout in self.layouts)
        return f"“{_shown(text)}” is not a date in a layout this format reads ({layouts})."


def _example(layout: str) -> str:
    return date(2026, 3, 1).strftime(layout.replace("%b", "Mar").replace("%B", "March"))


def _shown(text: str) -> str:
    text = _CONTROL.sub("?", text)
    return text if len(text) <= 40 else text[:40] + "…"


def read_amount(text: str, currency: str, decimal_mark: str = ".") -> tuple[int, int]:
    """A statement's amount cell -> (sign, minor units ≥ 0): "$1,234.50", "-1 234,50 €", "(12.00)", "12.00-".
    Raises ValueError with what is wrong."""
    raw = text.strip()
    cell = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("\u2212", "-")
    sign = 1
    if cell.startswith("(") and cell.endswith(")"):
        sign, cell = -1, cell[1:-1]
    for symbol in sorted(_SYMBOLS, key=len, reverse=True):
        cell = cell.replace(symbol, "")
    cell = re.sub(r"^[A-Z]{3}|[A-Z]{3}$", "", cell)  # "USD 12.00", "12.00 USD"
    if cell.startswith(("-", "+")):
        sign, cell = (-1 if cell[0] == "-" else 1) * sign, cell[1:]
    elif cell.endswith(("-", "+")):
        sign, cell = (-1 if cell[-1] == "-" else 1) * sign, cell[:-1]
    for symbol in sorted(_SYMBOLS, key=len, reverse=True):  # "-$12.00"
        cell = cell.replace(symbol, "")
    if not cell:
        raise ValueError("the amount is empty." if not raw else f"“{_shown(raw)}” is not an amount.")
    if not re.fullmatch(r"[0-9][0-9.,']*", cell) or not cell.isascii() or not cell[-1].isdigit():
        raise ValueError(f"“{_shown(raw)}” is not an amount.")
    cell = cell.replace("'", "")  # 1'234.50 (Swiss grouping)
    dots, commas = cell.count("."), cell.count(",")
    if dots and commas:
        mark = "." if cell.rfind(".") > cell.rfind(",") else ","
    elif dots or commas:
        sep = "." if dots else ","
        tail = cell.rsplit(sep, 1)[1]
        if (dots + commas) > 1 or (len(tail) == 3 and sep != decimal_mark and CURRENCY_EXPONENT[currency] != 3):
            mark = "," if sep == "." else "."  # "1.234.567" or "1,234": sep groups thousands
        else:
            mark = sep
    else:
        mark = "."
    group = "," if mark == "." else "."
    whole, _, frac = cell.partition(mark) if mark in cell else (cell, "", "")
    if mark in frac or group in frac:
        raise ValueError(f"“{_shown(raw)}” is not an amount.")
    groups = whole.split(group)
    if len(groups) > 1 and (not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError(f"“{_shown(raw)}” is not an amount: its digits are not grouped in threes.")
    try:
        value = Decimal("".join(groups) + ("." + frac if frac else ""))
    except InvalidOperation:
        raise ValueError(f"“{_shown(raw)}” is not an amount.") from None
    if value >= MAX_MAJOR:
        raise ValueError(f"“{_shown(raw)}” is too large an amount.")
    exp = CURRENCY_EXPONENT[currency]
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"“{_shown(raw)}” has more decimals than {currency} has ({exp}).")
    return sign, int(scaled)


# ------------------------------------------------------------------ reading
@dataclass(slots=True)
class Line:
    """One row of a statement, read."""

    row: int  # the spreadsheet row
    reference: str  # the marketplace's reference; for a format without one, a fingerprint of the row
    day: date
    kind: str  # one of KINDS
    amount: int  # minor units, ≥ 0
    sign: int  # -1: out of the client's account; +1: in (as the statement shows it)
    currency: str
    type: str  # as the statement says
    description: str
    freelancer: str
    known: bool = True  # False: a type no rule of the format names (listed as not kept)


@dataclass
class Opened:
    """A statement file opened: its format, header row and separator, ready to read its lines."""

    path: Path
    format: Format
    headers: list[str]
    separator: str
    header_row: int
    encoding: str
    problems: list[str] = field(default_factory=list)

    def lines(self, progress: Callable[[int], None] | None = None) -> Iterator[Line]:
        """Every line; problems are collected in `self.problems` (reading stops after MAX_PROBLEMS)."""
        for r in _lines(self, progress):
            yield Line(r[0], r[1], date.fromisoformat(r[2]), *r[3:])

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[tuple]:
        """Every line as a tuple of Line's fields in their order, the day as ISO text (“2026-03-01”): as the book
        stores it, without a Line made for each of a million rows."""
        return _lines(self, progress)


def _decode_head(path: Path) -> tuple[str, str]:
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        at = _row_at(head[: head.index(b"\x00")])
        raise StatementRefused([f"row {at}: the file holds binary data, not CSV text."])
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not only a character cut at the end of the sample
            raise StatementRefused(
                [
                    f"row {_row_at(head[: exc.start])}: the file is not UTF-8 text (byte {exc.start + 1}). "
                    "Save it as “CSV UTF-8” and try again."
                ]
            ) from None
        text = head[: exc.start].decode("utf-8-sig")
    return "utf-8-sig", text


def _row_at(data: bytes) -> int:
    return data.count(b"\n") + 1


def open_statement(path: str | os.PathLike, fmt: Format | None = None, *, folder: Path | None = None) -> Opened:
    """Open a statement and find its header row and format (`fmt`, or detected among the shipped and the
    client's own). Raises StatementRefused, or UnknownFormat when no format knows the header row."""
    path = Path(path)
    if not path.is_file():
        raise StatementRefused([f"“{path.name}” is not a file that can be read."])
    if path.stat().st_size == 0:
        raise StatementRefused(["row 1: the file is empty; a statement starts with its header row."])
    encoding, head = _decode_head(path)
    records = _first_records(head)
    if not records:
        raise StatementRefused(["row 1: the file is empty; a statement starts with its header row."])
    formats = [fmt] if fmt is not None else all_formats(folder)
    best = None
    for number, line in records:
        for sep in SEPARATORS:
            cells = _split(line, sep)
            if cells is None or len(cells) < 2:
                continue
            found = detect(cells, formats)
            if found is not None:
                return Opened(path, found, cells, sep, number, encoding)
            if best is None or len(cells) > len(best[1]):
                best = (number, cells, sep)
    if best is None:
        raise StatementRefused(["row 1: no header row was found: the file does not look like a CSV table."])
    number, cells, sep = best
    if fmt is not None:
        missing = [h for h in fmt.detect if _normal_header(h) not in {_normal_header(c) for c in cells}]
        raise StatementRefused(
            [
                f"row {number}: the header row has no column {', '.join(f'“{h}”' for h in missing)}, "
                f"which the format “{fmt.name}” reads."
            ]
        )
    raise UnknownFormat([c.strip() for c in cells], sep, number)


def _first_records(head: str) -> list[tuple[int, str]]:
    """The first physical lines of the file that hold text, with their line numbers (a header row is one line)."""
    out = []
    for number, line in enumerate(head.splitlines()[: HEADER_SEARCH_ROWS * 3], start=1):
        if line.strip().strip(",;\t"):
            out.append((number, line))
        if len(out) >= HEADER_SEARCH_ROWS:
            break
    return out


def _split(line: str, sep: str) -> list[str] | None:
    try:
        return next(csv.reader([line.lstrip("\ufeff")], delimiter=sep, strict=True))
    except (csv.Error, StopIteration):
        return None


def _lines(opened: Opened, progress) -> Iterator[tuple]:
    """Each record of the statement as a row of the book's table (`Opened.rows`); problems go to `opened.problems`.

    A statement of a big book has a million rows: each is read here in one pass of this loop, with what repeats
    (dates, amounts, types, currencies) read once per distinct text and the rest left to helpers only when a row
    has something wrong."""
    fmt = opened.format
    index = {_normal_header(h): i for i, h in reversed(list(enumerate(opened.headers)))}
    width = len(opened.headers)

    def one(fld: str) -> int | None:
        for name in fmt.columns.get(fld, ()):
            if _normal_header(name) in index:
                return index[_normal_header(name)]
        return None

    missing = [FIELD_WORDS[f] for f in REQUIRED_FIELDS if one(f) is None]
    if missing:
        opened.problems.append(
            f"row {opened.header_row}: the header row has no column for {', '.join(missing)} "
            f"(the format “{fmt.name}” has none of them)."
        )
        return
    at_date, at_amount, at_type = one("date"), one("amount"), one("type")
    at_ref, at_free, at_cur = one("reference"), one("freelancer"), one("currency")
    at_desc = [index[_normal_header(n)] for n in fmt.columns.get("description", ()) if _normal_header(n) in index]
    needed = max(i for i in (at_date, at_amount, at_type, at_ref, at_free, at_cur, *at_desc) if i is not None) + 1
    days = _Dates(fmt.dates)
    amounts = _Amounts(fmt.decimal_mark)
    types = _Types(fmt)
    currencies: dict[str, str] = {}  # a currency cell -> its code
    fingerprints: dict[str, int] = {}
    problems = opened.problems
    errors = "surrogateescape" if opened.encoding != "utf-16" else "strict"  # a bad byte is found in its own row
    getter = operator.itemgetter(*at_desc) if len(at_desc) > 1 else None
    odd, exponents, plain, default_currency = _ODD.search, CURRENCY_EXPONENT, NOT_KEPT, fmt.currency
    printable_ascii = _PRINTABLE_ASCII
    day_seen, amount_seen, type_seen = days.seen, amounts.seen, types.seen
    records = 0
    with open(opened.path, encoding=opened.encoding, newline="", errors=errors) as fh:
        reader = csv.reader(fh, delimiter=opened.separator, strict=True)
        row = 0
        try:
            # Skip to the header row (title lines above it are not records of the statement).
            while reader.line_num < opened.header_row:
                next(reader)
            row = opened.header_row
            for cells in reader:
                row += 1
                if progress is not None and row % 50_000 == 0:
                    progress(row)
                if len(cells) < needed or not cells[at_date].strip():
                    if not "".join(cells).strip():
                        continue  # a blank line, or one of empty cells
                    if len(cells) < needed:
                        records += 1
                        problems.append(f"row {row}: {len(cells)} cells; this statement's rows have {width}.")
                        if len(problems) >= MAX_PROBLEMS:
                            return
                        continue
                records += 1
                joined = "".join(cells)
                # Printable: no control character, no bad byte (so no line break, no tab). Plain ASCII, nearly every
                # row, is asked byte by byte (quicker than str.isprintable's look-up of each character).
                printable = (
                    not joined.encode().translate(None, printable_ascii) if joined.isascii() else joined.isprintable()
                )
                if (len(joined) > MAX_CELL and any(len(c) > MAX_CELL for c in cells)) or (
                    not printable and odd(joined)
                ):
                    problems.append(_odd_row(row, cells, joined))
                    if len(problems) >= MAX_PROBLEMS:
                        return
                    continue
                wrong = None
                currency = default_currency
                if at_cur is not None:
                    code = cells[at_cur]
                    currency = currencies.get(code)
                    if currency is None:
                        currency = currencies[code] = code.strip().upper() or default_currency
                    if currency not in exponents:
                        wrong = [f"“{_shown(code.strip())}” is not a currency Escrowbook knows"]
                        currency = default_currency
                day, why = day_seen.get(cells[at_date]) or days.read(cells[at_date])
                if why is not None:
                    wrong = [*(wrong or ()), why]
                sign, amount, why = amount_seen.get((cells[at_amount], currency)) or amounts.read(
                    cells[at_amount], currency
                )
                if why is not None:
                    wrong = [*(wrong or ()), why]
                type_text, rules, known = type_seen.get(cells[at_type]) or types.read(cells[at_type])
                if not type_text:
                    wrong = [*(wrong or ()), "the transaction type is empty"]
                if wrong:
                    problems.append(f"row {row}: " + "; ".join(wrong) + ".")
                    if len(problems) >= MAX_PROBLEMS:
                        return
                    continue
                # (What _clean tidies: a double space, or in a row that is not all printable a line break or a tab.)
                parts = None
                if getter is not None:
                    parts = list(filter(None, map(str.strip, getter(cells))))
                    description = " · ".join(parts)
                    if "  " in description or (not printable and _breaks(description)):
                        parts = [_clean(cells[i]) for i in at_desc if cells[i].strip()]
                        description = " · ".join(parts)
                else:
                    description = _clean(cells[at_desc[0]]) if at_desc else ""
                freelancer = cells[at_free].strip() if at_free is not None else ""
                if "  " in freelancer or (not printable and _breaks(freelancer)):
                    freelancer = " ".join(freelancer.split())  # (as _clean does)
                kind = plain
                if rules:
                    lower = None
                    for rule_kind, words in rules:
                        if words:
                            if lower is None:  # (each part's own: the separator's dot is not plain ASCII)
                                lower = " · ".join(map(str.casefold, parts)) if parts else description.casefold()
                            for w in words:
                                if w in lower:
                                    break
                            else:
                                continue  # (the description holds none of the rule's words)
                        kind = rule_kind
                        break
                reference = cells[at_ref].strip() if at_ref is not None else ""
                if not reference:
                    # No reference: a fingerprint of what the row says; identical rows are told apart by their order.
                    text = "\x1f".join((day, type_text, description, freelancer, str(sign * amount), currency))
                    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
                    n = fingerprints[digest] = fingerprints.get(digest, 0) + 1
                    reference = f"~{digest}" + (f"-{n}" if n > 1 else "")
                elif len(reference) > 200:
                    problems.append(f"row {row}: the reference has {len(reference)} characters; at most 200 are kept.")
                    if len(problems) >= MAX_PROBLEMS:
                        return
                    continue
                yield (row, reference, day, kind, amount, sign, currency, type_text, description, freelancer, known)
        except csv.Error as exc:
            problems.append(f"row {row + 1}: the CSV could not be read there ({exc}).")
        except UnicodeDecodeError:
            problems.append(f"row {row + 1}: the file is not UTF-8 text there. Save it as “CSV UTF-8” and try again.")
        except StopIteration:
            problems.append(f"row {opened.header_row}: the header row could not be found again.")
    if not records and not problems:
        problems.append(f"row {opened.header_row}: the statement has a header row but no transactions.")


def _odd_row(row: int, cells: list[str], joined: str) -> str:
    """What is wrong with a row that has a cell too long, control characters or bytes that are not UTF-8."""
    long = next((c for c in cells if len(c) > MAX_CELL), None)
    if long is not None:
        return f"row {row}: a cell has {len(long):,} characters; a statement's cells have at most {MAX_CELL:,}."
    if _CONTROL.search(joined):
        return f"row {row}: a cell holds control characters, which a statement never has."
    return f"row {row}: the file is not UTF-8 text there. Save it as “CSV UTF-8” and try again."


class _Amounts:
    """Amount cells read once per distinct text and currency (a statement repeats its amounts): `seen` holds
    (sign, minor units, None) or (1, 0, what is wrong)."""

    def __init__(self, mark: str):
        self.mark = mark
        self.seen: dict[tuple[str, str], tuple[int, int, str | None]] = {}

    def read(self, text: str, currency: str) -> tuple[int, int, str | None]:
        try:
            got = (*read_amount(text, currency, self.mark), None)
        except ValueError as exc:
            got = (1, 0, str(exc).rstrip("."))
        if len(self.seen) > 500_000:
            self.seen.clear()
        self.seen[(text, currency)] = got
        return got


class _Types:
    """Transaction type cells read once per distinct text: `seen` holds (the type as read, the kinds its rules
    give with their words (empty: any description), whether any rule names it)."""

    def __init__(self, fmt: Format):
        self.fmt = fmt
        self.seen: dict[str, tuple[str, list[tuple[str, tuple[str, ...]]], bool]] = {}

    def read(self, cell: str) -> tuple[str, list[tuple[str, tuple[str, ...]]], bool]:
        text = _clean(cell)
        t = normal_type(text)
        rules = [(r.kind, r.words) for r in self.fmt.rules if t in r.types]
        got = self.seen[cell] = (text, rules, self.fmt.known_type(text))
        return got


def _breaks(text: str) -> bool:
    return "\n" in text or "\r" in text or "\t" in text


def _clean(text: str) -> str:
    text = text.strip()
    return " ".join(text.split()) if ("\n" in text or "\r" in text or "  " in text or "\t" in text) else text
