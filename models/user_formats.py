"""Where the client's own statement formats are kept: the ones mapped from a header row Escrowbook did not
know (models/statements.py `save_format`), read again with the shipped ones at every import.

`statement_formats_folder()`: `statement-formats/` in the user data folder (platformdirs), or the folder the
environment variable ESCROWBOOK_STATEMENT_FORMATS names (tests, scripts, a shared folder for a team).
"""

from __future__ import annotations

import os
from pathlib import Path

from .resources import user_data

ROOT_ENV = "ESCROWBOOK_STATEMENT_FORMATS"


def statement_formats_folder() -> Path:
    """The folder of the client's own statement formats (made when the first one is saved)."""
    named = os.environ.get(ROOT_ENV)
    if named:
        return Path(named).expanduser()

    return user_data("statement-formats")
