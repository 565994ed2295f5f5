"""What `make dist` built: the frozen app in dist/escrowbook/ and the .deb beside it.

These tests never build (a PyInstaller build takes a minute) and never skip: without a fresh build they
fail, saying to run `make dist` first. `make test-dist` runs them; .ci/run builds and then runs them.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BUNDLE = DIST / "escrowbook"
APP_ID = "org.escrowbook.Escrowbook"
# What goes into the bundle and the .deb: a build older than any of these is stale.
SOURCES = ("desktop", "models", "resources", "packaging", "build.spec", "pyproject.toml")


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)


def newest_source() -> tuple[float, Path]:
    newest = (0.0, ROOT)
    for name in SOURCES:
        path = ROOT / name
        for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
            if p.is_file() and "__pycache__" not in p.parts:
                newest = max(newest, (p.stat().st_mtime, p))
    return newest


def built(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make dist` first", pytrace=False)
    mtime, source = newest_source()
    if path.stat().st_mtime < mtime:
        pytest.fail(
            f"{path.relative_to(ROOT)} is older than {source.relative_to(ROOT)}: run `make dist` again", pytrace=False
        )
    return path


@pytest.fixture(scope="session")
def version() -> str:
    return project_version()


@pytest.fixture(scope="session")
def arch() -> str:
    return run("dpkg", "--print-architecture", check=True).stdout.strip()


@pytest.fixture(scope="session")
def bundle() -> Path:
    return built(BUNDLE / "escrowbook").parent


@pytest.fixture(scope="session")
def deb(version, arch) -> Path:
    return built(DIST / f"escrowbook_{version}_{arch}.deb")


@pytest.fixture(scope="session")
def deb_root(deb, tmp_path_factory) -> Path:
    """The .deb's files, unpacked (not installed) into a temporary folder."""
    root = tmp_path_factory.mktemp("deb-root")
    run("dpkg-deb", "--extract", deb, root, check=True)
    return root


@pytest.fixture(scope="session")
def control(deb) -> dict[str, str]:
    fields = {}
    for name in ("Package", "Version", "Architecture", "Depends", "Installed-Size", "Maintainer", "Description"):
        fields[name] = run("dpkg-deb", "--field", deb, name, check=True).stdout.strip()
    return fields
