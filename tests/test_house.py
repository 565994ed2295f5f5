"""The house of DESIGN.md, read from the code with `ast`: who may import whom.

- `desktop` imports `models`, never the reverse; `models` never imports Qt.
- No import circle in `desktop/` or `models/` (imports inside functions count too: a circle there is still
  two modules that cannot be understood one without the other). Imports under `if TYPE_CHECKING:` are
  for annotations only and do not count.
- Inside `desktop/`, the rooms stand on each other in one order: the start-up files (app, cli, smoke,
  screenshots) on the window, the window on the contract page, the page on the dialogs, the dialogs on
  the widgets, and all of them on the few files every room uses (version, formatting, icons,
  summary_pdf, pack_pdf). No room imports one above it; `widgets` imports none of the others.
- A dialog never imports another dialog (it is handed a callable that opens it); a tab of the contract
  page imports the base, never the page.
- The release wizard's arithmetic (`desktop/dialogs/release_plan.py`) imports no Qt.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("desktop", "models")

# Each part of desktop/ and its level: a module may import modules of its own level or below, never above.
SHARED = {"desktop", "desktop.version", "desktop.formatting", "desktop.icons", "desktop.qt_values",
          "desktop.summary_pdf", "desktop.pack_pdf"}  # fmt: skip
LEVELS = {"shared": 0, "widgets": 1, "dialogs": 2, "contract": 3, "window": 4, "top": 5}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `name` imports (at the top or inside a function), as dotted names; TYPE_CHECKING
    blocks left out. `from package import module` names the module when it is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = {id(n) for node in ast.walk(tree) if _type_checking(node) for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def own(graph, name) -> set[str]:
    """What `name` imports of desktop/ and models/ (packages themselves left out: their __init__ is empty
    of imports, checked below)."""
    return {m for m in graph[name] if m in graph and m not in PACKAGES}


def level(name: str) -> int:
    if name in SHARED:
        return LEVELS["shared"]
    parts = name.split(".")
    if len(parts) >= 3 or (len(parts) == 2 and parts[1] in LEVELS):
        return LEVELS[parts[1]]
    return LEVELS["top"]  # __main__, app, cli, smoke, screenshots


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each once (Tarjan's strongly connected components of more than one module, or
    a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(own(graph, v)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in own(graph, v):
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_finds_the_imports_it_must(graph):
    """The walker itself: it sees top-level, function-level and relative imports (else every test below
    would pass on an empty graph)."""
    assert "models.ops" in own(graph, "models.csv_io")  # inside import_folder
    assert "models.fields" in own(graph, "models.ops")  # relative, at the top
    assert "desktop.window.main_window" in own(graph, "desktop.app")  # inside start
    assert "models.bookfile" in own(graph, "models.backup")
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_in_desktop_or_models(graph):
    assert cycles(graph) == []


def test_models_never_import_desktop_nor_qt(graph):
    wrong = {
        name: sorted(m for m in graph[name] if m.split(".")[0] in ("desktop", "PySide6"))
        for name in graph
        if name.split(".")[0] == "models"
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_no_room_of_desktop_imports_one_above_it(graph):
    wrong = [
        f"{name} imports {m}"
        for name in graph
        if name.startswith("desktop")
        for m in own(graph, name)
        if m.startswith("desktop") and level(m) > level(name)
    ]
    assert wrong == []


def test_widgets_import_no_other_room(graph):
    wrong = [
        f"{name} imports {m}"
        for name in graph
        if name.startswith("desktop.widgets.")
        for m in own(graph, name)
        if m.startswith("desktop.") and not m.startswith("desktop.widgets.") and m not in SHARED
    ]
    assert wrong == []


def test_a_dialog_never_imports_another_dialog(graph):
    helpers = {"desktop.dialogs.release_plan"}  # the wizard's Qt-free arithmetic, not a dialog
    wrong = [
        f"{name} imports {m}"
        for name in graph
        if name.startswith("desktop.dialogs.")
        for m in own(graph, name)
        if m.startswith("desktop.dialogs.") and m != name and m not in helpers
    ]
    assert wrong == []


def test_the_contract_tabs_import_the_base_never_the_page(graph):
    wrong = [
        name for name in graph if name.startswith("desktop.contract.") and "desktop.contract.page" in own(graph, name)
    ]
    assert wrong == []


def test_package_inits_import_nothing(graph):
    """Importing a room costs nothing until one of its modules is used (start-up imports only what it shows)."""
    assert {name: sorted(own(graph, name)) for name in graph if (ROOT / name.replace(".", "/")).is_dir()} == {
        name: [] for name in graph if (ROOT / name.replace(".", "/")).is_dir()
    }


def test_the_release_wizards_arithmetic_imports_no_qt(graph):
    assert sorted(m for m in graph["desktop.dialogs.release_plan"] if m.startswith("PySide6")) == []
    assert "desktop.dialogs.release_plan" in own(graph, "desktop.dialogs.release_wizard")


RULE_NUMBER = re.compile(r"\bR\d{1,2}\b")


def test_no_text_of_desktop_names_a_rule_number():
    """A client never reads "R9": labels, tooltips, messages, help and PDF text in desktop/ say the rule in
    words (docstrings and comments, for the code's readers, may name it)."""
    found = []
    for name, path in modules().items():
        if not name.startswith("desktop"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.strip()[:80]}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and RULE_NUMBER.search(node.value)
        ]
    assert found == []
