"""File → Export CSV… and File → Import CSV… driven as a user would: the preview, its problems by
row, and the one button that imports."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt

from models.csv_io import FILES, HEADERS
from models.entities import Contract
from tests.conftest import snapshot


def test_export_csv_writes_the_three_files_and_says_so(window, tmp_path):
    out = tmp_path / "csv"
    out.mkdir()
    assert window.export_csv_to(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert "3 rows in contracts.csv" in window.statusBar().currentMessage()


def test_export_csv_asks_before_replacing_files_and_keeps_them_when_told_no(window, tmp_path, prompts):
    (tmp_path / "ledger.csv").write_text("mine")
    asked = prompts.asked
    prompts.answer = False
    assert not window.export_csv_to(tmp_path)
    assert asked == [f"ledger.csv already in {tmp_path} will be replaced."]
    assert (tmp_path / "ledger.csv").read_text() == "mine"
    assert not (tmp_path / "contracts.csv").exists()


def sample(folder: Path, *, ledger_amount: str = "300.00") -> Path:
    rows = {
        "contracts.csv": [
            ["10", "UP-777", "Podcast edit", "Kim Lee", "", "", "upwork", "2026-01-01", "USD", "", "active",
             "2026-03-01", "", "", ""],
        ],
        "milestones.csv": [["10", "1", "Episode 1", "", "300.00", "USD", "", "paid", "", ""]],
        "ledger.csv": [
            ["1", "10", "2026-03-02", "fund", "300.00", "USD", "1", "", "", "", ""],
            ["2", "10", "2026-03-03", "release", ledger_amount, "USD", "1", "", "", "", ""],
        ],
    }  # fmt: skip
    folder.mkdir(exist_ok=True)
    for name in FILES:
        with open(folder / name, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([HEADERS[name], *rows[name]])
    return folder


def test_import_previews_then_imports_and_the_table_shows_the_contract(window, tmp_path, qtbot):
    dialog = window.import_dialog(sample(tmp_path / "in"))
    assert "1 contracts, 1 milestones and 2 ledger entries are ready to import" in dialog.heading.text()
    assert dialog.preview.rowCount() == 1 and dialog.preview.item(0, 1).text() == "Podcast edit"
    assert dialog.preview.item(0, 5).text() == "2"
    assert not dialog.problems.isVisibleTo(dialog)
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.imported
    window.after_import(dialog)
    c = Contract.get(Contract.external_id == "UP-777")
    assert window.select_contract(c.id)
    assert window.page.title.text() == "Podcast edit"
    assert "Imported 1 contracts" in window.statusBar().currentMessage()


def test_problems_are_listed_by_row_and_nothing_can_be_imported(window, tmp_path):
    folder = sample(tmp_path / "in")
    with open(folder / "ledger.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["3", "99", "2026-03-04", "fee", "1,00", "USD", "", "", "", "", ""])
    before = snapshot()
    dialog = window.import_dialog(folder)
    lines = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert lines == ["ledger.csv row 4, contract: contract 99 is not in contracts.csv."]
    assert dialog.heading.text().startswith("Nothing can be imported")
    assert not dialog.import_button.isEnabled()
    assert snapshot() == before


def test_a_ledger_that_breaks_r12_is_caught_in_the_preview(window, tmp_path):
    before = snapshot()
    dialog = window.import_dialog(sample(tmp_path / "in", ledger_amount="400.00"))  # pays more than funded
    lines = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert lines and lines[0].startswith("contracts.csv row 2: contract 10 would not add up")
    assert not dialog.import_button.isEnabled()
    assert snapshot() == before
