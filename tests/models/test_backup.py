"""Backups of a book: a rolling daily backup when it is opened (the newest N kept), and restoring one into
a new file: never over the open book, an existing file only when the user confirmed replacing it."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta

import pytest

from models import ops
from models.backup import (
    DEFAULT_KEEP,
    backup_if_due,
    backups_of,
    before_upgrade,
    contracts_in,
    folder_for,
    restore,
)
from models.book import open_book
from models.entities import Contract
from models.errors import BookError, RuleError

from ..conftest import START

NOW = datetime(2026, 3, 10, 9, 30, 15)  # UTC


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def two_contracts(book, freelancer):
    for title in ("Logo redesign", "Website"):
        ops.create_contract(title, freelancer, started_on=START, today=START)
    return book


def test_first_backup_is_due_at_once_and_named_by_its_utc_time(two_contracts, backups_folder):
    made = backup_if_due(two_contracts, now=NOW)
    assert made == folder_for(two_contracts.path) / "20260310T093015Z.book"
    assert made.parent.parent == backups_folder
    assert made.parent.name.startswith("test-")  # the book's name, then a tag of its full path
    assert _mode(made) == 0o600 and _mode(made.parent) == 0o700
    (listed,) = backups_of(two_contracts.path)
    assert (listed.path, listed.taken_at, listed.kind) == (made, NOW, "Daily")
    assert listed.size == made.stat().st_size > 0
    assert contracts_in(listed) == 2


def test_a_backup_is_due_again_only_after_a_day(two_contracts):
    assert backup_if_due(two_contracts, now=NOW) is not None
    assert backup_if_due(two_contracts, now=NOW + timedelta(hours=23, minutes=59)) is None
    assert len(backups_of(two_contracts.path)) == 1
    later = backup_if_due(two_contracts, now=NOW + timedelta(days=1))
    assert later is not None and later.name == "20260311T093015Z.book"
    assert [b.taken_at for b in backups_of(two_contracts.path)] == [NOW + timedelta(days=1), NOW]


def test_a_backup_holds_the_book_as_it_was(two_contracts, freelancer, tmp_path):
    first = backup_if_due(two_contracts, now=NOW)
    ops.create_contract("Pitch deck", freelancer, started_on=START, today=START)
    second = backup_if_due(two_contracts, now=NOW + timedelta(days=2))
    assert (contracts_in(first), contracts_in(second)) == (2, 3)


def test_only_the_newest_daily_backups_are_kept(two_contracts):
    upgrade = before_upgrade(two_contracts.db, two_contracts.path, 1, now=NOW - timedelta(days=30))
    for day in range(5):
        backup_if_due(two_contracts, now=NOW + timedelta(days=day), keep=3)
    kept = backups_of(two_contracts.path)
    assert [b.taken_at for b in kept if b.before_upgrade_from is None] == [
        NOW + timedelta(days=4),
        NOW + timedelta(days=3),
        NOW + timedelta(days=2),
    ]
    assert upgrade.exists(), "a backup taken before an upgrade is never pruned"
    assert DEFAULT_KEEP == 10


def test_a_backup_from_the_future_does_not_stop_backups(two_contracts):
    """The clock was set back: the next opening still backs up."""
    backup_if_due(two_contracts, now=NOW + timedelta(days=3))
    assert backup_if_due(two_contracts, now=NOW) is not None


@pytest.mark.parametrize("keep", [0, -1, "ten"])
def test_keeping_no_backup_is_refused(two_contracts, keep):
    with pytest.raises(RuleError, match="Keep at least one backup"):
        backup_if_due(two_contracts, now=NOW, keep=keep)
    assert backups_of(two_contracts.path) == []


def test_a_backup_that_cannot_be_written_says_where_and_why(two_contracts, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backups folder should be")
    with pytest.raises(BookError, match=r"“test\.book” could not be backed up to .*not-a-folder") as info:
        backup_if_due(two_contracts, now=NOW, root=blocked)
    assert info.value.reason == "backup"


def test_each_book_has_its_own_backups_folder(tmp_path):
    a, b = tmp_path / "one" / "books.book", tmp_path / "two" / "books.book"
    assert folder_for(a) != folder_for(b)
    assert folder_for(a) == folder_for(tmp_path / "one" / ".." / "one" / "books.book")


# ------------------------------------------------------------------ restore


@pytest.fixture
def backed_up(two_contracts):
    backup_if_due(two_contracts, now=NOW)
    return backups_of(two_contracts.path)[0]


def test_restore_writes_a_new_private_book_that_opens(two_contracts, backed_up, tmp_path):
    target = tmp_path / "restored" / "old.book"
    target.parent.mkdir()
    assert restore(backed_up, target, open_book=two_contracts.path) == target
    assert _mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["old.book"]  # no temporary file left
    two_contracts.close()
    with open_book(target, create=False):
        assert sorted(c.title for c in Contract.select()) == ["Logo redesign", "Website"]


def test_restore_refuses_the_open_book(two_contracts, backed_up):
    before = two_contracts.path.read_bytes()
    with pytest.raises(BookError, match=r"“test\.book” is the open book: a backup is never restored over it") as info:
        restore(backed_up, two_contracts.path, open_book=two_contracts.path)
    assert info.value.reason == "same_file"
    assert two_contracts.path.read_bytes() == before
    with pytest.raises(BookError, match="is the open book"):  # however the path is spelled
        restore(backed_up, two_contracts.path.parent / "." / "test.book", open_book=two_contracts.path)


def test_restore_refuses_an_existing_file_unless_replacing_was_confirmed(two_contracts, backed_up, tmp_path):
    target = tmp_path / "notes.book"
    target.write_text("precious")
    with pytest.raises(BookError, match=r"“notes\.book” already exists") as info:
        restore(backed_up, target, open_book=two_contracts.path)
    assert info.value.reason == "exists"
    assert target.read_text() == "precious"
    stale_log = tmp_path / "notes.book-wal"
    stale_log.write_bytes(b"a stale log of the replaced file")
    restore(backed_up, target, open_book=two_contracts.path, replace=True)
    assert not stale_log.exists(), "the replaced file's log must not be applied to the restored book"
    assert contracts_in(target) == 2 and _mode(target) == 0o600


def test_restore_refuses_a_damaged_backup_and_writes_nothing(two_contracts, backed_up, tmp_path):
    data = backed_up.path.read_bytes()
    backed_up.path.write_bytes(data[: len(data) // 2 + 1])
    target = tmp_path / "restored.book"
    with pytest.raises(BookError, match="the file is damaged"):
        restore(backed_up, target, open_book=two_contracts.path)
    assert not target.exists()


def test_restore_refuses_the_backup_itself(two_contracts, backed_up):
    with pytest.raises(BookError, match="That is the backup itself"):
        restore(backed_up, backed_up.path, open_book=two_contracts.path, replace=True)
