"""Where the client's own statement formats are kept (models/user_formats.py)."""

from __future__ import annotations

from pathlib import Path

from models.user_formats import ROOT_ENV, statement_formats_folder


def test_the_environment_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "mine"))
    assert statement_formats_folder() == tmp_path / "mine"


def test_else_it_is_in_the_user_data_folder_beside_the_other_data(monkeypatch):
    import platformdirs

    monkeypatch.delenv(ROOT_ENV, raising=False)
    folder = statement_formats_folder()
    assert folder == Path(platformdirs.user_data_path("Escrowbook", appauthor=False)) / "statement-formats"
