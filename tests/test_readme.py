"""The README's first start: the Debian packages it tells a new user to install are the ones .ci/run installs
(so CI proves the list), and they cover every X11 library Qt's xcb platform plugin links against (so
`make run` starts on a real display)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import PySide6

ROOT = Path(__file__).resolve().parents[1]
XCB_PLUGIN = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def readme_apt_packages(text: str) -> list[str]:
    """The packages of every `sudo apt install` line in the README's code blocks (with its `\\` continuations)."""
    packages, words = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if words is None and stripped.startswith("sudo apt install "):
            words = stripped.removeprefix("sudo apt install ")
        elif words is not None:
            words += " " + stripped
        else:
            continue
        if words.endswith("\\"):
            words = words[:-1]
            continue
        packages += words.split()
        words = None
    return packages


def ci_packages(script: str) -> list[str]:
    """The packages of .ci/run's `pkgs=(…)` and `pkgs+=(…)` lines."""
    return [word for words in re.findall(r"^pkgs\+?=\((.*)\)$", script, re.M) for word in words.split()]


def needed(path: Path) -> list[str]:
    """The DT_NEEDED entries of a 64-bit little-endian ELF file (what `readelf -d` lists as NEEDED)."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, f"{path} is not a 64-bit little-endian ELF"
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = []
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, _entsize in sections:
        if kind != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[link][4]
        for at in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, at)
            if tag == 1:  # DT_NEEDED
                names.append(data[strtab + value : data.index(b"\0", strtab + value)].decode())
    return names


def debian_package(soname: str) -> str:
    """Debian's name for the package of a shared library: libxcb-cursor.so.0 → libxcb-cursor0, libX11.so.6 →
    libx11-6 (a dash when the name ends in a digit)."""
    name, version = soname.split(".so.")
    name = name.lower()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def test_the_readme_lists_the_packages_ci_installs_and_no_others():
    readme = readme_apt_packages((ROOT / "README.md").read_text())
    ci = ci_packages((ROOT / ".ci" / "run").read_text())
    assert {"python3-venv", "libegl1", "fonts-dejavu-core", "libxcb-cursor0", "nsis"} <= set(readme)
    assert len(readme) == len(set(readme)), "a package the README lists twice"
    assert sorted(set(readme) - set(ci)) == [], "in the README, not installed by .ci/run"
    assert sorted(set(ci) - set(readme)) == [], "installed by .ci/run, not in the README"


def test_the_readme_names_every_x11_library_of_qts_xcb_plugin():
    libraries = [lib for lib in needed(XCB_PLUGIN) if re.match(r"lib(xcb|X11|xkbcommon)", lib)]
    assert "libxcb-cursor.so.0" in libraries and "libxkbcommon-x11.so.0" in libraries
    readme = set(readme_apt_packages((ROOT / "README.md").read_text()))
    missing = sorted(debian_package(lib) for lib in libraries if debian_package(lib) not in readme)
    assert missing == [], f"`make run` on X11 needs these, the README does not list them: {missing}"


def test_debian_package_names():
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libX11.so.6") == "libx11-6"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"


def test_every_picture_the_readme_shows_is_in_the_repository_in_light_and_dark():
    import re

    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert pictures, "the README shows the app"
    missing = [p for p in pictures if not (ROOT / p).is_file()]
    assert missing == [], f"the README shows pictures that are not in the repository: {missing}"
    assert {"docs/screenshots/main-light.png", "docs/screenshots/main-dark.png"} <= set(pictures)
