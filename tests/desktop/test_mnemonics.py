"""Alt mnemonics (issue 19): within a window, no two things a user can see at once answer the same Alt+letter.

The "&X" of a button, of a label with a buddy, of a tab and of a menu title is its Alt+X; two of them visible
together make Alt+X open one or the other. The main window is walked with each contract page tab shown, on a
contract of each kind (its buttons change with the contract's state), and each main dialog as it opens."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMenuBar, QTabBar, QWidget

from tests.desktop.every_dialog import contract_kinds, each_contract_tab, every_dialog

AMPERSAND = re.compile(r"&(.)")


def mnemonic(text: str) -> str | None:
    """The letter of "&X" in `text` ("&&" is a plain ampersand), lower case, or None."""
    for m in AMPERSAND.finditer(text.replace("&&", "")):
        return m.group(1).lower()
    return None


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Each Alt letter `root` shows, with what answers it (only what is visible now)."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str, what: str) -> None:
        letter = mnemonic(text)
        if letter:
            found[letter].append(f"{what}: {text}")

    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        name = w.objectName() or type(w).__name__
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
            add(w.text(), name)
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i) and w.isTabEnabled(i):
                    add(w.tabText(i), f"{name} tab")
        elif isinstance(w, QMenuBar):
            for a in w.actions():
                if a.isVisible():
                    add(a.text(), "menu")
    return found


def clashes(root: QWidget) -> dict[str, list[str]]:
    return {letter: whats for letter, whats in mnemonics(root).items() if len(whats) > 1}


def test_a_clash_is_found_where_there_is_one(demo_window):
    page = demo_window.page
    page.tabs.setCurrentWidget(page.milestones)
    QApplication.processEvents()
    assert mnemonics(demo_window)["v"] == ["menu: &View"]
    page.milestones.add_button.setText("&Verify…")
    assert sorted(clashes(demo_window)["v"]) == ["addMilestoneButton: &Verify…", "menu: &View"]
    assert mnemonic("Fish && &Chips") == "c" and mnemonic("Fish && Chips") is None


def test_no_two_visible_things_share_an_alt_letter_in_the_main_window(demo_window):
    window = demo_window
    for c, tab in each_contract_tab(window):
        assert clashes(window) == {}, (c.title, c.status, tab)
    window.attention_dock.show()
    QApplication.processEvents()
    assert clashes(window) == {}


def test_no_two_visible_things_share_an_alt_letter_in_a_dialog(qtbot, demo_window, tmp_path):
    """Every dialog of desktop/dialogs/ (each page of the release wizard) as it opens."""
    for name, dialog in every_dialog(qtbot, demo_window, tmp_path):
        assert clashes(dialog) == {}, name


def menu_clashes(menu, path: str) -> dict[str, list[str]]:
    """Within one drop-down menu (and each of its submenus), the items that share a letter."""
    found: dict[str, list[str]] = defaultdict(list)
    out: dict[str, list[str]] = {}
    menu.aboutToShow.emit()  # menus filled as they open (Open Recent, Correct a Record)
    for a in menu.actions():
        if a.isSeparator() or not a.isVisible():
            continue
        letter = mnemonic(a.text())
        if letter:
            found[letter].append(a.text())
        if a.menu() is not None:
            out.update(menu_clashes(a.menu(), f"{path} → {a.text()}"))
    out.update({f"{path}: {letter}": items for letter, items in found.items() if len(items) > 1})
    return out


def test_no_two_items_of_a_drop_down_menu_share_an_alt_letter(demo_window):
    bar = demo_window.menuBar()
    menus = [a.menu() for a in bar.actions() if a.menu() is not None]
    assert [m.title() for m in menus][:2] == ["&File", "&Edit"]
    for menu in menus:
        assert menu_clashes(menu, menu.title()) == {}
    for c in contract_kinds():  # the corrections offered change with the contract
        assert demo_window.select_contract(c.id)
        for menu in menus:
            assert menu_clashes(menu, menu.title()) == {}, c.title


def test_a_menu_clash_is_found_where_there_is_one(demo_window):
    menu = demo_window.menuBar().actions()[0].menu()
    added = [menu.addAction("&Zeta"), menu.addAction("&Zulu")]
    found = menu_clashes(menu, "File")
    for a in added:
        menu.removeAction(a)
    assert found == {"File: z": ["&Zeta", "&Zulu"]}
