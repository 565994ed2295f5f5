"""People and roles of a book kept in PostgreSQL (issue 22, item 3): who may do what, and who made each record.

Every person is a login role of the server. What they may do is what the database lets them do, whatever program
they connect with, by three group roles of the book, named after its database (`<database>_owner`, ...):

- viewer: reads the book and exports it (SELECT on every table, nothing else);
- bookkeeper: a viewer who also records and corrects (INSERT and UPDATE on the book's tables but `person`;
  DELETE only on what operations rewrite: the kept summaries, the statements' matches, unfunded milestones;
  never on the ledger, the audit log or any other record);
- owner: a bookkeeper who also manages the people (writes `person`, and may grant and revoke the bookkeeper and
  viewer groups: ADMIN OPTION). Adding an owner, and making a new login, is the server administrator's
  (CREATEROLE), as is setting the groups up, by whoever made the book (the owner of its tables).

Who made a record: the tables that hold records and the audit rows have a column `made_by`, the login that
inserted the row (`session_user`), set by the database itself (a trigger: nobody can write another's name there,
nor change it later). `person` maps a login to the name shown. A SQLite book has one user and no such column:
its format is unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entities import database
from .errors import RuleError

ROLES = ("owner", "bookkeeper", "viewer")  # (each a member of the next: an owner is a bookkeeper too)
ROLE_WORDS = {
    "owner": "does everything and manages the people",
    "bookkeeper": "records and corrects",
    "viewer": "reads and exports",
}
MAKER = "made_by"
# The tables whose rows are records someone made (and the audit rows): each names its maker.
RECORD_TABLES = (
    "freelancer",
    "contract",
    "milestone",
    "escrow_refund_request",
    "dispute",
    "ledger_entry",
    "feedback",
    "closeout_item",
    "access_grant",
    "deliverable",
    "audit_log",
    "support_case",
    "statement",
    "exchange_rate",
)
# What a bookkeeper may never delete: the records, and what they are kept with (a correction is a new row).
KEPT_TABLES = (*RECORD_TABLES, "statement_line", "statement_choice", "policy", "person")
# (the exceptions among the records: an unfunded milestone can be deleted (R2), a statement import that found
# nothing new removes its own statement row)
DELETABLE_RECORDS = ("milestone", "statement")

# Made in every book kept in PostgreSQL, after its tables (models/pgstore.create_schema).
SCHEMA_SQL = (
    "CREATE TABLE person (login TEXT PRIMARY KEY, name TEXT NOT NULL, made_by TEXT NOT NULL DEFAULT session_user)",
    # The maker of a row is the login that inserted it, whatever the INSERT said; an UPDATE keeps it.
    """CREATE FUNCTION sq_made_by() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           NEW.made_by := session_user;
         ELSE
           NEW.made_by := OLD.made_by;
         END IF;
         RETURN NEW;
       END $$""",
    *(f"ALTER TABLE {t} ADD COLUMN made_by TEXT NOT NULL DEFAULT session_user" for t in RECORD_TABLES),
    # (the function is called only for a row that names someone else: the default costs nothing more)
    *(
        sql
        for t in (*RECORD_TABLES, "person")
        for sql in (
            f"CREATE TRIGGER {t}_made_by BEFORE INSERT ON {t} FOR EACH ROW "
            "WHEN (NEW.made_by IS DISTINCT FROM session_user) EXECUTE FUNCTION sq_made_by()",
            f"CREATE TRIGGER {t}_made_by_kept BEFORE UPDATE OF made_by ON {t} FOR EACH ROW "
            "WHEN (NEW.made_by IS DISTINCT FROM OLD.made_by) EXECUTE FUNCTION sq_made_by()",
        )
    ),
)

_LOGIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    role: str | None  # None: no longer one of the book's people (their records still name them)


def denied_words() -> str:
    """The refusal of a write the login's role does not allow, in words (nothing was recorded)."""
    login, role = _me()
    if role is None:
        return (
            f"Nothing was recorded: your login “{login}” is not one of this book's people. "
            "Ask the book's owner to add you."
        )
    return (
        f"Nothing was recorded: your login “{login}” is {a(role)} of this book, who {ROLE_WORDS[role]}. "
        "Ask the book's owner if you need to do more."
    )


def a(role: str) -> str:
    """The role with its article: "an owner", "a viewer"."""
    return f"{'an' if role[0] in 'aeiou' else 'a'} {role}"


def _me() -> tuple[str, str | None]:
    """The login of the open book's connection and its role (None when it has none), asked anew (the
    transaction that was refused is over)."""
    db = database.obj
    try:
        return _login(db), role_of(db)
    except Exception:  # (asked only to word a refusal: the refusal is said without it)
        return "?", None


def add_to_older_book(db) -> None:
    """What names the people and the maker of each record (SCHEMA_SQL), added in one transaction to a shared book
    made before this version had them, by the one who made it (who owns its tables). Its records made until then
    name that login."""
    with db.atomic():
        for sql in SCHEMA_SQL:
            db.execute_sql(sql)


def _shared(db) -> None:
    if getattr(db, "store", "") != "postgresql":
        raise RuleError("People and roles are for a book kept in PostgreSQL: a book file has one user, you.")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _login(db) -> str:
    return db.execute_sql("SELECT session_user").fetchone()[0]


def group(db, role: str) -> str:
    """The name of the book's group role `role`: its database's name, then the role."""
    name = f"{db.database_name}_{role}"
    if len(name.encode()) > 63:
        raise RuleError(
            f"The database's name “{db.database_name}” is too long for the names of its roles "
            "(at most 52 characters): rename the database first."
        )
    return name


def role_of(db, login: str | None = None) -> str | None:
    """The role `login` (default: the open connection's) has in the book: the highest group it belongs to;
    "owner" for the owner of the book's tables (who made it) and a superuser; None for anyone else."""
    login = login or _login(db)
    row = db.execute_sql(
        "SELECT r.rolsuper OR EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() "
        "AND t.tablename = 'book_info' AND pg_has_role(r.oid, t.tableowner, 'MEMBER')) FROM pg_roles r "
        "WHERE r.rolname = ?",
        (login,),
    ).fetchone()
    if row is None:
        return None
    if row[0]:
        return "owner"
    for role in ROLES:
        held = db.execute_sql(
            "SELECT 1 FROM pg_roles g WHERE g.rolname = ? AND pg_has_role(?, g.oid, 'MEMBER')", (group(db, role), login)
        ).fetchone()
        if held:
            return role
    return None


def _require_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise RuleError(
            f"There is no role “{role}”: a person is an owner ({ROLE_WORDS['owner']}), a bookkeeper "
            f"({ROLE_WORDS['bookkeeper']}) or a viewer ({ROLE_WORDS['viewer']}).",
            field="role",
        )
    return role


def _require_login(login: str) -> str:
    login = (login or "").strip()
    if not _LOGIN.match(login):
        raise RuleError(
            f"“{login}” cannot be a login: a login starts with a letter and holds letters, digits and _ . @ - "
            "(at most 63).",
            field="login",
        )
    return login


def _require_owner(db, doing: str) -> None:
    login = _login(db)
    role = role_of(db, login)
    if role != "owner":
        who = a(role) if role else "not one of its people"
        raise RuleError(f"Only the book's owners {doing}: your login “{login}” is {who}.")


def _can_create_roles(db) -> bool:
    return bool(
        db.execute_sql("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    )


def owns_tables(db) -> bool:
    """Whether the connection may change the book's schema (drop an index and make it again, to be quicker): a
    SQLite book's always; a shared book's when its login owns the tables (made the book), not a bookkeeper's."""
    if getattr(db, "store", "") != "postgresql":
        return True
    owns = db.execute_sql(
        "SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'book_info'"
    ).fetchone()
    return bool(owns and owns[0])


def set_up(db) -> None:
    """Make the book's three group roles, when missing, and grant them what each role may do (again: the grants
    cover tables added since). Done by whoever made the book (the owner of its tables), who can create roles."""
    me = _login(db)
    if not owns_tables(db) or not _can_create_roles(db):
        raise RuleError(
            f"The book's roles are not set up yet, and your login “{me}” cannot set them up: that is for whoever "
            "made the book, with the right to create roles (CREATEROLE). Ask them to add the first people."
        )
    names = {role: group(db, role) for role in ROLES}
    for name in names.values():
        if db.execute_sql("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone() is None:
            db.execute_sql(f"CREATE ROLE {_quoted(name)} NOLOGIN")
    owner, bookkeeper, viewer = (_quoted(names[r]) for r in ROLES)
    schema = _quoted(db.execute_sql("SELECT current_schema()").fetchone()[0])
    tables = [t for (t,) in db.execute_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    db.execute_sql(f"GRANT CONNECT, TEMPORARY ON DATABASE {_quoted(db.database_name)} TO {viewer}")
    db.execute_sql(f"GRANT USAGE ON SCHEMA {schema} TO {viewer}")
    db.execute_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {viewer}")  # (and the views)
    db.execute_sql(f"GRANT {viewer} TO {bookkeeper}")
    db.execute_sql(f"GRANT {bookkeeper} TO {owner}")
    for table in tables:
        if table != "person":
            db.execute_sql(f"GRANT INSERT, UPDATE ON {_quoted(table)} TO {bookkeeper}")
        if table not in KEPT_TABLES or table in DELETABLE_RECORDS:
            db.execute_sql(f"GRANT DELETE ON {_quoted(table)} TO {bookkeeper}")
    db.execute_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {bookkeeper}")
    db.execute_sql(f"GRANT INSERT, UPDATE ON person TO {owner}")
    db.execute_sql(f"GRANT {viewer}, {bookkeeper} TO {owner} WITH ADMIN OPTION")


def _is_set_up(db) -> bool:
    name = group(db, "owner")
    return db.execute_sql("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone() is not None


def add(login: str, name: str, role: str) -> Person:
    """Make `login` one of the book's people, shown as `name`, with `role` (the one it had before is taken back).
    A login the server does not have is made (without a password: the administrator gives it one, or lets it in
    by the server's own means), when the one adding it may create roles."""
    db = database.obj
    _shared(db)
    login, role = _require_login(login), _require_role(role)
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise RuleError("A person needs a name to be shown by (at most 200 characters).", field="name")
    with db.atomic():
        if not _is_set_up(db) or (owns_tables(db) and _can_create_roles(db)):
            set_up(db)  # (by the one who made the book: again each time, for the tables added since)
        _require_owner(db, "manage its people")
        exists = db.execute_sql("SELECT 1 FROM pg_roles WHERE rolname = ?", (login,)).fetchone() is not None
        if (not exists or role == "owner") and not _can_create_roles(db):
            doing = f"make the login “{login}”" if not exists else "add an owner"
            raise RuleError(
                f"Only the server's administrator can {doing} (the right to create roles, CREATEROLE): "
                "ask them, or ask the one who made the book."
            )
        if not exists:
            db.execute_sql(f"CREATE ROLE {_quoted(login)} LOGIN")
        _revoke(db, login)
        db.execute_sql(f"GRANT {_quoted(group(db, role))} TO {_quoted(login)}")
        db.execute_sql(
            "INSERT INTO person (login, name) VALUES (?, ?) ON CONFLICT (login) DO UPDATE SET name = excluded.name",
            (login, name),
        )
    return Person(login, name, role)


def _revoke(db, login: str) -> None:
    for role in ROLES:
        g = group(db, role)
        held = db.execute_sql(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
            "WHERE g.rolname = ? AND u.rolname = ?",
            (g, login),
        ).fetchone()
        if held:
            if role == "owner" and not _can_create_roles(db):
                raise RuleError("Only the server's administrator can take an owner's role back (CREATEROLE).")
            db.execute_sql(f"REVOKE {_quoted(g)} FROM {_quoted(login)}")


def remove(login: str) -> Person:
    """Take back `login`'s role in the book. Their name stays, for the records they made; the login itself stays
    on the server (it may be one of another book's people)."""
    db = database.obj
    _shared(db)
    login = _require_login(login)
    with db.atomic():
        if not _is_set_up(db):
            raise RuleError("This book has no people yet: add one first.")
        _require_owner(db, "manage its people")
        if login == _login(db):
            raise RuleError("You cannot take back your own role: ask another owner.")
        role = role_of(db, login)
        if role is None:
            raise RuleError(f"“{login}” is not one of this book's people.", field="login")
        _revoke(db, login)
        if role_of(db, login) is not None:  # (made the book, or a superuser: the database says so, not a group)
            raise RuleError(f"“{login}” made the book or administers the server: their role cannot be taken back.")
    name = names().get(login, login)
    return Person(login, name, None)


def people() -> list[Person]:
    """The book's people (and those who were: role None), by name."""
    db = database.obj
    _shared(db)
    named = names()
    logins = set(named)
    if _is_set_up(db):
        for role in ROLES:
            logins |= {
                u
                for (u,) in db.execute_sql(
                    "SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ? AND u.rolcanlogin",
                    (group(db, role),),
                )
            }
    out = [Person(login, named.get(login, login), role_of(db, login)) for login in logins]
    return sorted(out, key=lambda p: (p.name.lower(), p.login))


def names() -> dict[str, str]:
    """{login: the name shown} of everyone named in the book (on a SQLite book: none)."""
    db = database.obj
    if getattr(db, "store", "") != "postgresql":
        return {}
    return dict(db.execute_sql("SELECT login, name FROM person").fetchall())


def makers(table: str, ids) -> dict[int, str]:
    """{row id: who made it, by name (their login when the book names them not)} of the rows `ids` of `table`
    (one of RECORD_TABLES); {} on a SQLite book (its one user made everything)."""
    db = database.obj
    ids = [int(i) for i in ids]
    if getattr(db, "store", "") != "postgresql" or not ids:
        return {}
    if table not in RECORD_TABLES:
        raise ValueError(f"{table} names no maker")
    rows = db.execute_sql(
        f"SELECT r.id, coalesce(p.name, r.made_by) FROM {table} r LEFT JOIN person p ON p.login = r.made_by "
        "WHERE r.id = ANY(?)",
        (ids,),
    )
    return dict(rows.fetchall())


def made_by(table: str, row_id: int) -> str | None:
    """Who made the row `row_id` of `table`, as `makers` says; None on a SQLite book."""
    return makers(table, [row_id]).get(int(row_id))
