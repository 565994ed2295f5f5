"""The frozen app in dist/escrowbook/, as a user's machine runs it: its version, its smoke test, the
headless commands, and what build.spec left out."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .conftest import run

BUDGET_MB = 130


def env_for(home: Path) -> dict[str, str]:
    """A user's environment: no virtualenv, no PYTHONPATH, a home of its own."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


def test_frozen_version_is_the_version_of_pyproject(bundle, version, tmp_path):
    done = run(bundle / "escrowbook", "--version", env=env_for(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Escrowbook {version}"


def test_frozen_smoke_test_passes(bundle, tmp_path):
    done = run(bundle / "escrowbook", "--smoke-test", env=env_for(tmp_path), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok  demo book",
        "ok  main window",
        "ok  search",
        "ok  help",
        "ok  PDF summary",
        "ok  close",
    ]
    assert lines[-1].startswith("Smoke test passed") and "(frozen)" in lines[-1]


def test_frozen_smoke_test_fails_loudly_on_a_bundle_without_its_help(bundle, tmp_path):
    """A broken bundle is caught: exit 1 and the step that failed, not a pass."""
    broken = tmp_path / "escrowbook"

    def link_or_copy(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(bundle, broken, symlinks=True, copy_function=link_or_copy)
    shutil.rmtree(broken / "_internal" / "resources" / "help")
    done = run(broken / "escrowbook", "--smoke-test", env=env_for(tmp_path), timeout=300)
    assert done.returncode == 1
    assert "FAILED at help: the help page is empty" in done.stderr


def test_frozen_demo_of_a_large_book_uses_a_second_process_and_passes_check(bundle, tmp_path):
    """More than 20,000 contracts are generated in a child process: the frozen app starts it too."""
    book = tmp_path / "big.book"
    done = run(bundle / "escrowbook", "demo", book, "--contracts", "21000", env=env_for(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "21,000 contracts" in done.stdout
    done = run(bundle / "escrowbook", "check", book, env=env_for(tmp_path), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK. 21,000 contracts" in done.stdout


def test_bundle_leaves_out_what_the_app_does_not_use(bundle):
    files = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*")]
    plugins = bundle / "_internal/PySide6/Qt/plugins"
    platforms = sorted(p.name for p in (plugins / "platforms").iterdir())
    assert platforms == ["libqminimal.so", "libqoffscreen.so", "libqxcb.so"]
    assert sorted(p.name for p in (plugins / "platformthemes").iterdir()) == ["libqxdgdesktopportal.so"]
    assert (plugins / "imageformats/libqsvg.so").exists() and (plugins / "iconengines/libqsvgicon.so").exists()
    for unwanted in ("Qml", "Quick", "WebEngine", "Wayland", "EglFS", "translations/", "qtbase_", "gtk3", "libgtk"):
        assert not [f for f in files if unwanted in f], unwanted
    # The desktop's own libraries come from the system (the .deb's Depends), not from the build machine.
    for system in ("libxcb", "libX11", "libfontconfig", "libfreetype", "libglib", "libstdc++"):
        assert not [f for f in files if f.rsplit("/", 1)[-1].startswith(system)], system


def test_bundle_is_within_its_size_budget(bundle):
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size / 1e6 <= BUDGET_MB
