"""The Windows installer script compiles here with Debian's makensis (it cannot run here): with the
app icon that `make dist` rendered, warnings treated as errors, and pyproject.toml's version in the
installer's own version resource."""

from __future__ import annotations

from .conftest import ROOT, built, run

SCRIPT = ROOT / "packaging/windows/escrowbook.nsi"


def test_nsis_script_compiles_into_an_installer_with_the_version(tmp_path, version):
    icon = built(ROOT / "build/icons/escrowbook.ico")
    bundle = tmp_path / "escrowbook"  # a stand-in for the Windows bundle PyInstaller makes on Windows
    (bundle / "_internal/resources").mkdir(parents=True)
    (bundle / "escrowbook.exe").write_bytes(b"MZ stand-in")
    (bundle / "_internal/resources/readme.txt").write_text("stand-in")
    setup = tmp_path / f"Escrowbook-{version}-setup.exe"
    done = run(
        "makensis", "-WX", "-V2", f"-DVERSION={version}", f"-DBUNDLE={bundle}", f"-DICON={icon}",
        f"-DOUTFILE={setup}", SCRIPT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    exe = setup.read_bytes()
    assert exe[:2] == b"MZ"
    assert f"{version} installer".encode("utf-16-le") in exe  # FileDescription
    assert "ProductVersion".encode("utf-16-le") + b"\0\0" + version.encode("utf-16-le") in exe


def test_nsis_script_refuses_to_build_without_a_version(tmp_path):
    done = run("makensis", "-V2", f"-DBUNDLE={tmp_path}", f"-DOUTFILE={tmp_path / 'x-setup.exe'}", SCRIPT)
    assert done.returncode != 0
    assert "VERSION is required" in done.stdout + done.stderr
