"""Where `resources/` is: beside the source tree, or inside a frozen bundle.

The one place that knows about PyInstaller's unpack folder.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path


@functools.cache  # asked for every icon and policy: the path resolved once
def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def user_data(*parts: str) -> Path:
    """A place in the user's own data folder (platformdirs: imported only when asked, start-up never needs it)."""
    import platformdirs

    return platformdirs.user_data_path("Escrowbook", appauthor=False).joinpath(*parts)


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
