"""File → Export Summaries to PDF… and File → Print Summary…, driven as a user would."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_dialog_offers_the_selected_the_shown_and_every_contract(window, filled):
    window.select_contract(filled["site"].id)
    window.set_filter("active")
    window.select_contract(filled["site"].id)
    dialog = window.export_dialog()
    labels = {k: b.text() for k, b in dialog.choice_buttons.items()}
    assert labels == {
        "selected": "The selected contract, “Website”",
        "shown": "The 2 contracts the table shows (active)",
        "all": "Every contract in the book (3)",
    }
    assert dialog.choice_buttons["selected"].isChecked()
    assert not dialog.private.isChecked()  # private notes are left out unless asked for
    assert "private feedback are left out unless you tick this" in dialog.findChild(QLabel, "privateHint").text()


def test_exporting_the_selected_contract_writes_its_pdf(window, filled, tmp_path, qtbot):
    window.select_contract(filled["logo"].id)
    dialog = window.export_dialog()
    asked = []
    dialog.choose_file = lambda suggested: asked.append(suggested) or str(tmp_path / "logo")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert asked == [f"{filled['logo'].id:05d} Logo redesign.pdf"]
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.written == [tmp_path / "logo.pdf"]
    assert "Logo redesign" in pdf_text(tmp_path / "logo.pdf")
    window.after_export(dialog)
    assert str(tmp_path / "logo.pdf") in window.statusBar().currentMessage()
    assert window.settings.value("exportFolder") == str(tmp_path)


def test_exporting_what_the_table_shows_one_file_each(window, filled, tmp_path, qtbot):
    window.set_filter("active")
    dialog = window.export_dialog()
    dialog.choice_buttons["shown"].setChecked(True)
    dialog.choose_folder = lambda: str(tmp_path)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    names = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert names == sorted(f"{c.id:05d} {c.title}.pdf" for c in (filled["logo"], filled["site"]))


def test_exporting_every_contract_into_one_pdf_with_contents(window, filled, tmp_path, qtbot):
    dialog = window.export_dialog()
    dialog.choice_buttons["all"].setChecked(True)
    dialog.combined.setChecked(True)
    dialog.choose_file = lambda suggested: str(tmp_path / suggested)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    text = pdf_text(tmp_path / "Contract summaries.pdf")
    assert "Contract summaries" in text
    for title in ("Logo redesign", "Website", "Annual report"):
        assert title in text


def test_choosing_no_file_writes_nothing_and_keeps_the_dialog_open(window, filled, tmp_path, qtbot):
    dialog = window.export_dialog()
    dialog.choose_file = lambda suggested: ""
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != dialog.DialogCode.Accepted and dialog.written == []
    assert list(tmp_path.glob("*.pdf")) == []


def test_a_write_that_fails_says_why_beside_the_button(window, filled, tmp_path, qtbot):
    dialog = window.export_dialog()
    dialog.show()
    dialog.choose_file = lambda suggested: str(tmp_path / "no such folder" / "x.pdf")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible()
    assert "could not be written" in dialog.error.text() and "Nothing half-written" in dialog.error.text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_print_summary_paints_the_same_pages_onto_a_printer(window, filled, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from desktop.dialogs.export import print_preview

    window.select_contract(filled["site"].id)
    assert window.act_print.isEnabled()
    preview = print_preview(window, filled["site"].id, book_name="test.book")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    preview.paintRequested.emit(printer)
    text = pdf_text(tmp_path / "printed.pdf")
    assert "Website" in text and "€800.00" in text and "Page 1 of 1" in text


def test_one_contract_is_one_file_so_the_choice_of_files_waits_for_several(window, filled):
    dialog = window.export_dialog()
    assert dialog.choice_buttons["selected"].isChecked() and not dialog.files.isEnabled()
    dialog.choice_buttons["all"].setChecked(True)
    assert dialog.files.isEnabled()


def test_cancelling_a_batch_says_what_was_written_and_leaves_only_whole_files(
    window, filled, tmp_path, qtbot, monkeypatch
):
    from desktop.dialogs import export as export_dialog

    asked = []

    def cancel_after_the_first(progress) -> bool:
        asked.append(1)
        return len(list(tmp_path.glob("*.pdf"))) >= 1  # the first summary is written: the user clicks Cancel

    monkeypatch.setattr(export_dialog.QProgressDialog, "wasCanceled", cancel_after_the_first)
    dialog = window.export_dialog()
    dialog.show()
    dialog.choice_buttons["all"].setChecked(True)
    dialog.choose_folder = lambda: str(tmp_path)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.error.text() == "⚠ Export cancelled: 1 of 3 files were written, each one complete."
    assert len(list(tmp_path.glob("*.pdf"))) == 1 and list(tmp_path.glob(".*")) == []
