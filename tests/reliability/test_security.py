"""Security basics: every file the app writes that holds book data is readable by its owner only (0600,
folders 0700), even under a permissive umask; the access register has no place for a secret (R11); the
app itself opens no network connection."""

from __future__ import annotations

import ast
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli import main
from models import fields, ops
from models.backup import backup_if_due, before_upgrade, restore
from models.book import open_book, save_copy
from models.entities import AccessGrant

from ..conftest import START

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 10, 9, 30)


@pytest.fixture
def open_umask():
    """A umask that lets anything be world-readable: only the app's own modes keep files private."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in sorted(folder.rglob("*"))}


def test_every_file_holding_book_data_is_private(open_umask, tmp_path, backups_folder):
    books = tmp_path / "books"
    path = books / "mine.book"
    with open_book(path) as book:
        f = ops.create_freelancer("Ana Ruiz")
        c = ops.create_contract("Logo redesign", f, started_on=START, today=START)
        ops.fund_milestone(ops.add_milestone(c, "Sketches", 20_000), today=START)
        assert stat.S_IMODE(os.stat(f"{path}-wal").st_mode) == 0o600  # the write-ahead log holds book data too
        daily = backup_if_due(book, now=NOW)
        backup_if_due(book, now=NOW + timedelta(days=1), keep=1)  # the first is pruned
        before_upgrade(book.db, book.path, 1, now=NOW)
        save_copy(book, books / "copy.book")
        restore(daily.with_name("20260311T093000Z.book"), books / "restored.book", open_book=path)
    assert main(["demo", str(books / "demo.book"), "--contracts", "20"]) == 0
    files = {**_modes(books), **{f"backups/{k}": v for k, v in _modes(backups_folder).items()}}
    folder = daily.parent.name
    assert files == {
        "copy.book": 0o600,
        "demo.book": 0o600,
        "mine.book": 0o600,
        "restored.book": 0o600,
        f"backups/{folder}": 0o700,
        f"backups/{folder}/20260311T093000Z.book": 0o600,
        f"backups/{folder}/20260310T093000Z-format1-before-upgrade.book": 0o600,
    }


def test_r11_the_access_register_has_no_place_for_a_secret():
    """R11: the register holds a label such as "GitHub org: write access", never a secret."""
    columns = [f.column_name for f in AccessGrant._meta.sorted_fields]
    assert columns == ["id", "contract_id", "label", "where", "given_on", "revoked_on"]


def test_r11_demo_books_keep_no_secret_in_their_access_register(tmp_path):
    path = tmp_path / "demo.book"
    assert main(["demo", str(path), "--contracts", "80"]) == 0
    with open_book(path, create=False):
        grants = list(AccessGrant.select())
        assert grants, "the demo registers some access"
        assert [g.label for g in grants if fields.secret_warning(g.label) or fields.secret_warning(g.where)] == []


NETWORK_MODULES = {"socket", "ssl", "http", "urllib.request", "ftplib", "smtplib", "requests", "PySide6.QtNetwork"}


def test_the_app_opens_no_network_connection():
    """Escrowbook's own code imports nothing that talks to a network (a mailto: link goes to the user's mail
    program, which sends nothing until the user does)."""
    found = []
    for source in sorted([*ROOT.glob("models/*.py"), *ROOT.glob("desktop/*.py")]):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            found += [f"{source.name}: {n}" for n in names if {n, n.split(".")[0]} & NETWORK_MODULES]
    assert found == []
