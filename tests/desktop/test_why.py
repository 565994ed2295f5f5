"""The in-app help explains every bookkeeping rule (R1–R16) in the client's words, and a "Why?" link opens
the help at the rule's section, from the main window or from a modal dialog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QVBoxLayout

from desktop.widgets.why import HELP_PAGE, SECTIONS, WhyLink, sections
from models.resources import resource


def test_every_rule_R1_to_R16_has_a_section_of_the_help_and_every_section_a_rule():
    import desktop.widgets.why as why

    source = Path(why.__file__).read_text(encoding="utf-8")
    named = dict(re.findall(r'^    "([a-z-]+)",  # (R\d+)$', source, re.MULTILINE))
    assert list(named) == list(SECTIONS)
    assert sorted(named.values(), key=lambda r: int(r[1:])) == [f"R{n}" for n in range(1, 17)]
    assert sections() == set(SECTIONS)


def test_the_table_of_contents_links_every_section():
    html = resource("help", HELP_PAGE).read_text(encoding="utf-8")
    linked = set(re.findall(r'<a href="#([^"]+)"', html))
    assert linked == set(SECTIONS) - {"versions"}  # the start-date rules are the page's introduction


def test_the_help_index_leads_to_the_rules_page():
    assert 'href="rules.html"' in resource("help", "index.html").read_text(encoding="utf-8")


def test_help_menu_opens_the_rules_page(window):
    action = window.findChild(type(window.act_help), "actionHelpRules")
    assert action.text().replace("&", "") == "Why the Books Work This Way"
    action.trigger()
    browser = window.help_dialog.browser
    assert browser.source().fileName() == "rules.html"
    assert "Why the books work this way" in browser.toPlainText()
    window.help_dialog.close()


def test_why_link_in_the_main_window_opens_its_help_at_the_section(window, qtbot):
    link = WhyLink("refunds", "how long a payment can be refunded", window)
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    browser = window.help_dialog.browser
    assert browser.source().fileName() == "rules.html"
    assert browser.source().fragment() == "refunds"
    assert browser.verticalScrollBar().value() > 0  # scrolled down to the section
    assert link.accessibleName() == "Why? how long a payment can be refunded"
    window.help_dialog.close()


def test_why_link_in_a_modal_dialog_opens_a_help_window_the_dialog_owns(window, qtbot):
    dialog = QDialog(window)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    link = WhyLink("review", "the review period", dialog)
    QVBoxLayout(dialog).addWidget(link)
    dialog.show()
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    help_window = dialog.why_help
    assert help_window.isVisible() and help_window.parentWidget() is dialog
    assert help_window.browser.source().fragment() == "review"
    assert "14 days" in help_window.browser.toPlainText()
    dialog.close()


def test_why_link_is_not_the_default_button_and_names_only_sections_that_exist(window):
    link = WhyLink("fees", "the fees", window)
    assert not link.autoDefault() and not link.isDefault()

    with pytest.raises(ValueError):
        WhyLink("r9", "a rule number", window)


def test_dialogs_explain_their_rules_with_why_links_last_in_the_tab_order(qtbot, demo_window, tmp_path):
    from tests.desktop.every_dialog import every_dialog

    found: dict[str, set[str]] = {}
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path):
        links = [w for w in dialog.findChildren(WhyLink) if w.isVisibleTo(dialog)]
        found[name] = {w.section for w in links}
        for link in links:  # after every field and button: Tab reaches the fields first
            after = link.nextInFocusChain()
            while after is not dialog and not (after.isVisibleTo(dialog) and after.focusPolicy() & Qt.TabFocus):
                after = after.nextInFocusChain()
            assert after is dialog or isinstance(after, WhyLink), (name, link.section, after.objectName())
    assert found["refund"] == {"refunds"}
    assert found["end contract"] == {"ending", "escrow-refund"}
    assert "feedback" in found["feedback"]
    assert found["dispute outcome"] == {"escrow-refund"}
