"""Build the Debian package from the frozen bundle: `make dist` runs it after PyInstaller.

    python packaging/linux/build_deb.py [--bundle dist/escrowbook] [--icons build/icons] [--out dist]

Needs dist/escrowbook/ (pyinstaller build.spec) and build/icons/ (packaging/icons.py). Writes
dist/escrowbook_<version>_<arch>.deb holding:

    /opt/escrowbook/                                        the bundle
    /usr/bin/escrowbook -> /opt/escrowbook/escrowbook
    /usr/share/applications/org.escrowbook.Escrowbook.desktop
    /usr/share/metainfo/org.escrowbook.Escrowbook.metainfo.xml
    /usr/share/icons/hicolor/<N>x<N>/apps/org.escrowbook.Escrowbook.png, and scalable/…svg
    /usr/share/doc/escrowbook/copyright

No maintainer scripts: Debian's triggers refresh the icon cache and the desktop database.
The version is pyproject.toml's; Depends is packaging/linux/depends plus libc6 (>= the newest
GLIBC symbol the bundle uses).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from desktop.version import APP_ID  # one definition (the project is installed: make dist)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

PACKAGE = "escrowbook"
MAINTAINER = "Escrowbook maintainers <maintainers@escrowbook.app>"
SUMMARY = "Offline books for fixed-price freelance contracts"
DESCRIPTION = """\
Escrowbook keeps a client's own books of every fixed-price contract with a
freelancer: milestones, escrow, payments released, refunds, fees, disputes,
feedback and the closeout after a contract ends. The data is one local file,
a book, that only its owner holds.
.
This package holds the whole application (Python and Qt included) under
/opt/escrowbook."""


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def depends_lines() -> list[str]:
    lines = (HERE / "depends").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def elf_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def newest_glibc(files: list[Path]) -> str:
    """The newest GLIBC_x.y symbol version any of the files needs (their dynamic symbol tables)."""
    versions = set()
    for start in range(0, len(files), 50):
        out = subprocess.run(
            ["objdump", "-T", *map(str, files[start : start + 50])], capture_output=True, text=True, check=True
        ).stdout
        versions.update(re.findall(r"\bGLIBC_(\d+(?:\.\d+)+)\b", out))
    return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def normalise_modes(folder: Path) -> None:
    """Directories 0755; files 0755 when executable, else 0644 (whatever the build machine's umask did)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            executable = path.stat().st_mode & stat.S_IXUSR
            path.chmod(0o755 if executable else 0o644)


def installed_size_kib(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or path.is_dir():
            total += 1024  # dpkg counts an inode as 1 KiB
        else:
            total += -(-path.stat().st_size // 1024) * 1024
    return total // 1024


def build(bundle: Path, icons: Path, out: Path) -> Path:
    version = project_version()
    if not (bundle / PACKAGE).is_file():
        raise SystemExit(f"no frozen app at {bundle / PACKAGE}: run `pyinstaller build.spec` (make dist) first")
    if not (icons / "hicolor").is_dir():
        raise SystemExit(f"no icons in {icons}: run `python packaging/icons.py {icons}` (make dist) first")
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    date = time.strftime("%Y-%m-%d", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))))

    stage = ROOT / "build" / "deb" / f"{PACKAGE}_{version}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / "opt" / PACKAGE
    shutil.copytree(bundle, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / PACKAGE).symlink_to(f"/opt/{PACKAGE}/{PACKAGE}")
    share = stage / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copyfile(HERE / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    (share / "metainfo").mkdir()
    metainfo = (HERE / f"{APP_ID}.metainfo.xml.in").read_text(encoding="utf-8")
    metainfo = metainfo.replace("@VERSION@", version).replace("@DATE@", date)
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(metainfo, encoding="utf-8")
    shutil.copytree(icons / "hicolor", share / "icons" / "hicolor")
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Escrowbook\n"
        "Copyright: the Escrowbook authors. All rights reserved.\n\n"
        "/opt/escrowbook bundles Python (PSF-2.0), Qt 6 and PySide6 (LGPL-3.0-only), peewee (MIT) and\n"
        "platformdirs (MIT). On Debian systems the full text of the LGPL version 3 is in\n"
        "/usr/share/common-licenses/LGPL-3.\n",
        encoding="utf-8",
    )
    normalise_modes(stage)

    depends = [f"libc6 (>= {newest_glibc(elf_files(opt))})", *depends_lines()]
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir(mode=0o755)
    description = "\n".join(" " + line for line in DESCRIPTION.splitlines())
    control.write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_size_kib(stage)}\n"
        f"Depends: {', '.join(depends)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Description: {SUMMARY}\n{description}\n",
        encoding="utf-8",
    )
    control.chmod(0o644)

    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{PACKAGE}_{version}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(stage), str(deb)], check=True)
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Escrowbook .deb from the frozen bundle.")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / PACKAGE)
    parser.add_argument("--icons", type=Path, default=ROOT / "build" / "icons")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    deb = build(args.bundle, args.icons, args.out)
    size = deb.stat().st_size / 1e6
    print(f"Wrote {deb} ({size:.1f} MB) in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
