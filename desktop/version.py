"""The app's name, its id on the desktop, and its version: one definition each.

Nothing here imports Qt or the models: the command line, the window, the crash dialog, the smoke test and
the packaging scripts all read these.
"""

from __future__ import annotations

APP_NAME = "Escrowbook"
APP_ID = "org.escrowbook.Escrowbook"
"""The desktop's name for the app: its .desktop file, AppStream id, icon name and macOS bundle id."""


def app_version() -> str:
    """The installed version (written once, in pyproject.toml); "0+unknown" from a source tree never installed."""
    from importlib.metadata import PackageNotFoundError, version  # here: 20 ms that start-up does without

    try:
        return version("escrowbook")
    except PackageNotFoundError:
        return "0+unknown"
