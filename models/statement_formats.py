"""The formats of the marketplace's statements: what a statement row can be in the books, the fields a format
reads, and the formats themselves, as data (one TOML file each: the shipped ones in `resources/statements/`, the
client's own mapped from a header row Escrowbook did not know, `save_format`). Reading a statement with one is
models/statements.py. The refusals of both are here (`StatementRefused`, `UnknownFormat`).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import RuleError
from .money import CURRENCY_EXPONENT
from .resources import resource

# What a statement row can be in the books (R3, R5, R8, R9): each maps to ledger kinds in models/reconcile.py.
FUND = "fund"  # money into escrow for a milestone
FEE = "fee"  # the marketplace fee on a funding
INITIATION_FEE = "initiation_fee"  # the contract initiation fee
RELEASE = "release"  # escrow paid to the freelancer (also a dispute's outcome in their favour)
REFUND = "refund"  # a payment refunded by the freelancer
ESCROW_REFUND = "escrow_refund"  # escrow back to the client (also a dispute's outcome in theirs)
FEE_REFUND = "fee_refund"  # the initiation fee returned
NOT_KEPT = "not_kept"  # hourly work, Connects, subscriptions, taxes: not in these books
KINDS = (FUND, FEE, INITIATION_FEE, RELEASE, REFUND, ESCROW_REFUND, FEE_REFUND, NOT_KEPT)
KIND_WORDS = {
    FUND: "escrow funded",
    FEE: "marketplace fee",
    INITIATION_FEE: "contract initiation fee",
    RELEASE: "payment released",
    REFUND: "refund of a payment",
    ESCROW_REFUND: "escrow refunded",
    FEE_REFUND: "initiation fee returned",
    NOT_KEPT: "not kept in these books",
}
# The fields a format reads; the first five are what the mapping step asks for.
FIELDS = ("date", "amount", "type", "description", "reference", "freelancer", "currency")
REQUIRED_FIELDS = ("date", "amount", "type")
FIELD_WORDS = {
    "date": "Date",
    "amount": "Amount",
    "type": "Transaction type",
    "description": "Description",
    "reference": "Reference",
    "freelancer": "Freelancer",
    "currency": "Currency",
}
MAX_FORMAT_BYTES = 64 * 1024


class StatementRefused(RuleError):
    """A statement (or a format) that cannot be read: each problem names its row. Nothing was recorded."""

    def __init__(self, problems: list[str], *, headline: str = "The statement was not read"):
        self.problems = problems
        shown = "\n".join(f"• {p}" for p in problems[:20])
        more = f"\n…and {len(problems) - 20} more." if len(problems) > 20 else ""
        n = len(problems)
        super().__init__(f"{headline}: {n} problem{'s' if n != 1 else ''} found. Nothing was recorded.\n{shown}{more}")


class UnknownFormat(StatementRefused):
    """No format knows this header row: the client maps its columns (`save_format`) and reads it again."""

    def __init__(self, headers: list[str], separator: str, header_row: int):
        self.headers = headers
        self.separator = separator
        self.header_row = header_row
        shown = ", ".join(f"“{h}”" for h in headers[:30])
        super().__init__(
            [f"row {header_row}: these headers are not a statement format Escrowbook knows: {shown}."],
            headline="The statement's columns need to be matched once",
        )


# ------------------------------------------------------------------ formats
@dataclass(frozen=True)
class KindRule:
    types: frozenset[str]  # normalised type names
    words: tuple[str, ...]  # lower-case; empty: any description
    kind: str


@dataclass(frozen=True)
class Format:
    key: str
    name: str
    headers: tuple[str, ...]  # as the export writes them (the writer's order)
    detect: tuple[str, ...]  # a header row holding all of these is this format
    columns: dict[str, tuple[str, ...]]  # field -> header names (description: all joined; others: first present)
    dates: tuple[str, ...]
    decimal_mark: str
    currency: str
    rules: tuple[KindRule, ...]
    origin: str = ""  # the file it was read from
    saved: bool = False  # mapped by the client, not shipped

    def kind_of(self, type_text: str, description_lower: str) -> str:
        t = normal_type(type_text)
        for rule in self.rules:
            if t in rule.types and (not rule.words or any(w in description_lower for w in rule.words)):
                return rule.kind
        return NOT_KEPT

    def known_type(self, type_text: str) -> bool:
        t = normal_type(type_text)
        return any(t in rule.types for rule in self.rules)


def normal_type(text: str) -> str:
    """ "Fixed-price", "fixed  price" and "Fixed Price" are one type."""
    return " ".join(text.replace("-", " ").replace("_", " ").casefold().split())


def _normal_header(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").casefold().split())


def _names(value, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise StatementRefused([f"{where}: “{what}” must be a header name or a list of them."], headline=_BAD_FORMAT)
    return tuple(v.strip() for v in value)


_BAD_FORMAT = "The statement format was not read"


def read_format(text: str, origin: str, *, saved: bool = False) -> Format:
    """A format from its TOML text; anything missing or of the wrong kind is refused, naming the file."""
    where = Path(origin).name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StatementRefused([f"{where}: {exc}."], headline=_BAD_FORMAT) from None
    problems = []

    def text_of(name, default=None):
        value = data.get(name, default)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: “{name}” must be a text.")
            return ""
        return value.strip()

    key, name = text_of("key"), text_of("name")
    if problems:
        raise StatementRefused(problems, headline=_BAD_FORMAT)
    headers = _names(data.get("headers"), where, "headers")
    detect = _names(data.get("detect", list(headers)), where, "detect")
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, dict):
        raise StatementRefused([f"{where}: a [columns] table is needed."], headline=_BAD_FORMAT)
    columns = {}
    for fld, value in raw_columns.items():
        if fld not in FIELDS:
            raise StatementRefused([f"{where}: “{fld}” is not a field ({', '.join(FIELDS)})."], headline=_BAD_FORMAT)
        columns[fld] = _names(value, where, f"columns.{fld}")
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise StatementRefused([f"{where}: [columns] must name {', '.join(missing)}."], headline=_BAD_FORMAT)
    read = data.get("read", {})
    if not isinstance(read, dict):
        raise StatementRefused([f"{where}: [read] must be a table."], headline=_BAD_FORMAT)
    dates = _names(read.get("dates", ["%Y-%m-%d"]), where, "read.dates")
    for layout in dates:
        try:
            _date_pattern(layout)
        except ValueError as exc:
            raise StatementRefused([f"{where}: {exc}"], headline=_BAD_FORMAT) from None
    mark = read.get("decimal_mark", ".")
    currency = read.get("currency", "USD")
    if mark not in (".", ","):
        raise StatementRefused([f"{where}: “decimal_mark” must be “.” or “,”."], headline=_BAD_FORMAT)
    if currency not in CURRENCY_EXPONENT:
        raise StatementRefused([f"{where}: “{currency}” is not a currency Escrowbook knows."], headline=_BAD_FORMAT)
    rules = []
    raw_rules = data.get("kinds", [])
    if not isinstance(raw_rules, list):
        raise StatementRefused([f"{where}: [[kinds]] must be a list of tables."], headline=_BAD_FORMAT)
    for i, rule in enumerate(raw_rules, start=1):
        if not isinstance(rule, dict) or rule.get("kind") not in KINDS:
            raise StatementRefused(
                [f"{where}: kinds rule {i} must have a “kind”, one of {', '.join(KINDS)}."], headline=_BAD_FORMAT
            )
        types = _names(rule.get("types"), where, f"kinds rule {i} types")
        words = _names(rule["words"], where, f"kinds rule {i} words") if "words" in rule else ()
        rules.append(
            KindRule(frozenset(normal_type(t) for t in types), tuple(w.casefold() for w in words), rule["kind"])
        )
    return Format(
        key=key, name=name, headers=headers, detect=detect, columns=columns, dates=dates, decimal_mark=mark,
        currency=currency, rules=tuple(rules), origin=origin, saved=saved,
    )  # fmt: skip


def shipped_formats() -> list[Format]:
    folder = resource("statements")
    return [read_format(p.read_text(encoding="utf-8"), str(p)) for p in sorted(folder.glob("*.toml"))]


def saved_formats(folder: Path | None) -> tuple[list[Format], list[str]]:
    """The client's own formats, and a sentence for each file there that could not be read (skipped)."""
    found, skipped = [], []
    if folder is None or not folder.is_dir():
        return found, skipped
    for p in sorted(folder.glob("*.toml")):
        try:
            if not p.is_file() or p.stat().st_size > MAX_FORMAT_BYTES:
                raise StatementRefused([f"{p.name}: not a small text file."], headline=_BAD_FORMAT)
            found.append(read_format(p.read_text(encoding="utf-8"), str(p), saved=True))
        except (StatementRefused, OSError, UnicodeError) as exc:
            skipped.append(f"{p.name} was skipped: {getattr(exc, 'problems', [exc])[0]}")
    return found, skipped


def all_formats(folder: Path | None = None) -> list[Format]:
    """The shipped formats, then the client's own (a saved one with a shipped key is still listed)."""
    return shipped_formats() + saved_formats(folder)[0]


def format_named(name: str, folder: Path | None = None) -> Format:
    wanted = name.casefold().strip()
    for f in all_formats(folder):
        if wanted in (f.key.casefold(), f.name.casefold()):
            return f
    names = ", ".join(f"“{f.key}”" for f in all_formats(folder))
    raise StatementRefused([f"there is no statement format “{name}”; there are: {names}."], headline=_BAD_FORMAT)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return (slug or "format")[:60]


def save_format(
    name: str, headers: list[str], mapping: dict[str, str | list[str]], folder: Path, *, dates: tuple[str, ...] = (),
    decimal_mark: str = ".", currency: str = "USD",
) -> Format:  # fmt: skip
    """The client's mapping of an unknown header row, saved as a named format (one TOML file in `folder`) and
    read back as any format is. The type rules are the shipped 2025 format's. `mapping` is field -> header; the
    description may be a list of headers (their texts joined, in that order), written as a TOML list."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise RuleError("Give the format a name of up to 80 characters.", field="name")
    if any(f not in FIELDS for f in mapping):
        raise RuleError("Only the fields of a statement can be mapped.", field="mapping")
    chosen: dict[str, str | list[str]] = {}
    for fld, value in mapping.items():
        if isinstance(value, (list, tuple)):
            if fld != "description":
                raise RuleError(f"Choose one column for the {FIELD_WORDS[fld].lower()}.", field="mapping")
            if not all(isinstance(h, str) for h in value):
                raise RuleError("A column is named by its header.", field="mapping")
            value = list(dict.fromkeys(h for h in value if h))  # (each column once, in the order given)
        elif not isinstance(value, str):
            raise RuleError("A column is named by its header.", field="mapping")
        if value:
            chosen[fld] = value
    missing = [FIELD_WORDS[f] for f in REQUIRED_FIELDS if f not in chosen]
    if missing:
        raise RuleError(f"Choose the column of: {', '.join(missing)}.", field="mapping")
    named = [h for value in chosen.values() for h in ([value] if isinstance(value, str) else value)]
    unknown = [h for h in named if h not in headers]
    if unknown:
        raise RuleError(f"The statement has no column “{unknown[0]}”.", field="mapping")

    def toml_value(value: str | list[str]) -> str:
        return _toml(value) if isinstance(value, str) else f"[{', '.join(_toml(h) for h in value)}]"

    base = next(f for f in shipped_formats() if f.key == "marketplace-2025")
    lines = [
        "# A statement format mapped in Escrowbook from a header row it did not know.",
        f"key = {_toml(_slug(name))}",
        f"name = {_toml(name)}",
        f"headers = [{', '.join(_toml(h) for h in headers)}]",
        f"detect = [{', '.join(_toml(h) for h in headers if h.strip())}]",
        "",
        "[columns]",
        *(f"{f} = {toml_value(v)}" for f, v in chosen.items()),
        "",
        "[read]",
        f"dates = [{', '.join(_toml(d) for d in (dates or base.dates))}]",
        f"decimal_mark = {_toml(decimal_mark)}",
        f"currency = {_toml(currency)}",
    ]
    source = base.origin and Path(base.origin).read_text(encoding="utf-8")
    kinds = source[source.index("[[kinds]]") :] if "[[kinds]]" in source else ""
    text = "\n".join(lines) + "\n\n" + kinds
    fmt = read_format(text, str(folder / f"{_slug(name)}.toml"), saved=True)  # refuses what would not read back
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{_slug(name)}.toml"
    part = target.with_name(target.name + ".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, target)
    return fmt


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def detect(headers: list[str], formats: list[Format]) -> Format | None:
    """The format whose `detect` headers this row holds (the most specific when several do)."""
    have = {_normal_header(h) for h in headers}
    fits = [f for f in formats if all(_normal_header(h) in have for h in f.detect)]
    if not fits:
        return None
    # Most detect headers first; then the one whose own header list is most of this row.
    return max(fits, key=lambda f: (len(f.detect), sum(_normal_header(h) in have for h in f.headers), f.saved))


# ------------------------------------------------------------------ date layouts
_DATE_PARTS = {"Y": r"(\d{4})", "m": r"(\d{1,2})", "d": r"(\d{1,2})", "b": r"([A-Za-z]{3})\.?", "B": r"([A-Za-z]+)"}


def _date_pattern(layout: str) -> tuple[re.Pattern, tuple[str, ...]]:
    parts, order, i = [], [], 0
    while i < len(layout):
        ch = layout[i]
        if ch == "%" and i + 1 < len(layout):
            code = layout[i + 1]
            if code not in "YmdbB":
                raise ValueError(f"the date layout “{layout}” uses %{code}; only %Y %m %d %b %B are read.")
            parts.append(_DATE_PARTS[code])
            order.append(code)
            i += 2
        else:
            parts.append(r"\s+" if ch == " " else re.escape(ch))
            i += 1
    if sorted(set(order)) != sorted(order) or not {"Y", "d"} <= set(order) or not {"m", "b", "B"} & set(order):
        raise ValueError(f"the date layout “{layout}” needs a year, a month and a day.")
    return re.compile("^" + "".join(parts) + "$"), tuple(order)
