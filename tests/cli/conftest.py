"""The headless commands' tests: the client's own statement formats in the test's own folder, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def statement_formats(tmp_path, monkeypatch):
    """Where `escrowbook reconcile` looks for the formats mapped in the app (models/user_formats.py)."""
    folder = tmp_path / "statement-formats"
    monkeypatch.setenv("ESCROWBOOK_STATEMENT_FORMATS", str(folder))
    return folder
