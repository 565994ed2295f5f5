"""`escrowbook --smoke-test` from source: the same command CI runs on the frozen app (tests/packaging)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from desktop import smoke
from models import resources

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_test_passes_and_says_what_it_saw(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("QT_QPA_PLATFORM", None)  # it runs offscreen by itself: no display needed
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--smoke-test"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok  demo book",
        "ok  main window",
        "ok  search",
        "ok  help",
        "ok  PDF summary",
        "ok  close",
    ]
    assert "60 contracts" in lines[1] and "check passed" in lines[0]
    assert lines[-1].startswith("Smoke test passed: Escrowbook ") and "(from source)" in lines[-1]
    # Nothing was left in the user's folders: no book, no settings.
    assert list(tmp_path.rglob("*")) == []


def test_smoke_test_fails_with_a_message_when_the_help_is_missing(tmp_path, monkeypatch):
    """As a bundle built without resources/help would: exit 1, naming the step."""
    copy = tmp_path / "resources"
    for part in ("policies", "icons"):
        (copy / part).mkdir(parents=True)
        for f in (resources.resources_dir() / part).iterdir():
            (copy / part / f.name).write_bytes(f.read_bytes())
    (copy / "help").mkdir()
    monkeypatch.setattr(resources, "resources_dir", lambda: copy)
    out, err = io.StringIO(), io.StringIO()
    assert smoke.run_smoke_test(out, err) == 1
    assert "ok  main window" in out.getvalue()
    assert "Smoke test passed" not in out.getvalue()
    assert "FAILED at help: the help page is empty" in err.getvalue()


def test_smoke_test_fails_with_a_message_when_the_policies_are_missing(tmp_path, monkeypatch):
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(resources, "resources_dir", lambda: tmp_path / "resources")
    out, err = io.StringIO(), io.StringIO()
    assert smoke.run_smoke_test(out, err) == 1
    assert out.getvalue() == ""
    assert "FAILED at demo book: " in err.getvalue() and "Traceback" in err.getvalue()
