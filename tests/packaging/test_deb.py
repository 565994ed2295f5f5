"""The .deb: what it installs where, its control fields, and its desktop integration, read from the
package itself (dpkg-deb) without installing it."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from .conftest import APP_ID, ROOT, run

HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def contents(deb: Path) -> dict[str, tuple[str, str]]:
    """Path in the package → (mode string, symlink target or '')."""
    out = run("dpkg-deb", "--contents", deb, check=True).stdout
    entries = {}
    for line in out.splitlines():
        mode, owner, _size, _date, _time, rest = line.split(None, 5)
        assert owner == "root/root", line
        path, _, target = rest.partition(" -> ")
        entries[path.removeprefix(".").rstrip("/") or "/"] = (mode, target)
    return entries


def depends_packages(depends: str) -> set[str]:
    """Every package named in a Depends field, alternatives included, versions dropped."""
    return {re.sub(r"\s*\(.*?\)", "", alt).strip() for item in depends.split(",") for alt in item.split("|")}


def test_control_names_the_package_its_version_and_architecture(control, version, arch):
    assert control["Package"] == "escrowbook"
    assert control["Version"] == version  # the version of pyproject.toml
    assert control["Architecture"] == arch
    assert control["Maintainer"]
    assert control["Description"].startswith("Offline books for fixed-price freelance contracts")


def test_depends_names_what_qts_xcb_platform_and_a_desktop_need(control):
    named = depends_packages(control["Depends"])
    for package in ("libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libegl1", "libfontconfig1"):
        assert package in named
    assert "fonts-dejavu-core" in named  # a font, or all text is boxes
    assert re.search(r"\blibc6 \(>= 2\.\d+\)", control["Depends"])


def test_installed_size_is_what_unpacks(control, deb_root):
    unpacked = sum(p.stat().st_size for p in deb_root.rglob("*") if p.is_file() and not p.is_symlink())
    assert abs(int(control["Installed-Size"]) * 1024 - unpacked) < 0.05 * unpacked


def test_the_bundle_goes_to_opt_and_the_command_to_usr_bin(deb):
    entries = contents(deb)
    mode, _ = entries["/opt/escrowbook/escrowbook"]
    assert mode == "-rwxr-xr-x"
    assert entries["/usr/bin/escrowbook"] == ("lrwxrwxrwx", "/opt/escrowbook/escrowbook")
    assert "/opt/escrowbook/_internal/resources/policies/upwork.toml" in entries
    assert "/opt/escrowbook/_internal/resources/help/index.html" in entries
    # Nothing outside the app's own places (no /etc, no /home, no build paths).
    shared = ("/usr/share/applications", "/usr/share/metainfo", "/usr/share/icons", "/usr/share/doc")
    own = ("/opt/escrowbook", "/usr/bin/escrowbook", "/usr/share/icons/hicolor", "/usr/share/doc/escrowbook")
    for path in entries:
        parents_only = path in ("/", "/opt", "/usr", "/usr/bin", "/usr/share", *shared)
        assert parents_only or path.startswith(own) or APP_ID in path, path
    # World-readable: every user of the machine can run it.
    for path, (mode, _) in entries.items():
        assert mode[7] == "r", (path, mode)


def test_the_desktop_file_validates_and_starts_the_command(deb_root):
    desktop = deb_root / "usr/share/applications" / f"{APP_ID}.desktop"
    done = run("desktop-file-validate", desktop)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
    entry = dict(line.split("=", 1) for line in desktop.read_text().splitlines() if "=" in line)
    assert entry["Exec"] == "escrowbook"  # /usr/bin/escrowbook
    assert entry["Icon"] == APP_ID
    assert entry["Name"] == "Escrowbook"
    assert entry["Terminal"] == "false"


def test_the_metainfo_validates_and_carries_the_version(deb_root, version):
    metainfo = deb_root / "usr/share/metainfo" / f"{APP_ID}.metainfo.xml"
    done = run("appstreamcli", "validate", "--no-net", metainfo)
    assert done.returncode == 0, done.stdout + done.stderr
    text = metainfo.read_text()
    assert f"<id>{APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text
    assert re.search(rf'<release version="{re.escape(version)}" date="\d{{4}}-\d\d-\d\d"/>', text)
    assert "@" not in text.replace("<?xml", "")  # every placeholder was filled in


def test_hicolor_icons_at_the_usual_sizes(deb_root):
    hicolor = deb_root / "usr/share/icons/hicolor"
    for size in HICOLOR_SIZES:
        png = (hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert (width, height) == (size, size)
    svg = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == (ROOT / "resources/icons/app.svg").read_bytes()


def test_the_packaged_app_passes_its_smoke_test(deb_root, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = run(deb_root / "opt/escrowbook/escrowbook", "--smoke-test", env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Smoke test passed" in done.stdout and "(frozen)" in done.stdout


def test_every_library_the_app_links_is_bundled_or_in_depends(bundle, control):
    """A library that is neither in the bundle nor in a package of Depends is missing on a user's machine."""
    bundled = {p.name for p in bundle.rglob("*") if ".so" in p.name or p.name.endswith(".so")}
    elves = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF"]
    needed = set()
    for start in range(0, len(elves), 50):
        out = run("objdump", "-p", *elves[start : start + 50], check=True).stdout
        needed.update(re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M))
    system = sorted(needed - bundled)
    assert "libxcb-cursor.so.0" in system  # build.spec takes the desktop's libraries from the system

    where = {}
    for line in run("/sbin/ldconfig", "-p", check=True).stdout.splitlines()[1:]:
        name, _, path = line.strip().partition(" => ")
        where.setdefault(name.split()[0], path)  # the first is this architecture's
    allowed = depends_packages(control["Depends"])
    missing = {}
    for lib in system:
        if lib not in where:
            missing[lib] = "not installed here (.ci/run installs packaging/linux/depends)"
            continue
        path = Path(where[lib])
        candidates = {str(path), str(path.resolve())}
        candidates |= {c.replace("/usr/lib/", "/lib/", 1) for c in candidates if c.startswith("/usr/lib/")}
        owners = set()
        for candidate in candidates:
            done = run("dpkg", "-S", candidate)
            if done.returncode == 0:
                owners |= {o.split(":")[0].strip() for o in done.stdout.split(": ")[0].split(",")}
        if not owners & allowed:
            missing[lib] = f"from {', '.join(sorted(owners)) or 'no package'}"
    assert missing == {}, f"not bundled and not in Depends: {missing}"
