"""`python -m desktop`, and the entry point of the frozen app (build.spec)."""

import multiprocessing
import sys

from desktop.cli import main

if __name__ == "__main__":
    # A frozen app on Windows or macOS starts its helper processes by running itself again (spawn).
    multiprocessing.freeze_support()
    sys.exit(main())
