"""A throw-away PostgreSQL cluster for the tests: made in a temporary folder, listening on a socket there only
(no TCP), fsync off, removed when the session ends. Needs PostgreSQL's server programs (Debian's `postgresql`
package: /usr/lib/postgresql/<version>/bin). Run as root, the server runs as the `postgres` user the package
made (PostgreSQL refuses to run as root).

`python -m tests.pgcluster` starts one and prints its URL, for trying things by hand; Ctrl-C stops it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PORT = 55432


def binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL's initdb and pg_ctl, or None when there is none.
    ESCROWBOOK_PG_BIN names another folder (empty: run without PostgreSQL)."""
    if "ESCROWBOOK_PG_BIN" in os.environ:
        where = os.environ["ESCROWBOOK_PG_BIN"]
        return Path(where) if where and (Path(where) / "initdb").exists() else None
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    found = [p for p in found if (p / "pg_ctl").exists()]
    return found[-1] if found else None


class Cluster:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="eb-pg-"))  # short: a socket's path has at most 107 bytes
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> str:
        self._run(
            self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
            "--locale=C.UTF-8", "--lc-collate=C", "--lc-ctype=C",
        )  # fmt: skip
        options = (
            f"-k {self.root} -c listen_addresses= -p {PORT} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_pred_locks_per_transaction=256 -c max_connections=200"
        )
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w", "-o", options, "start")
        return self.url("postgres")

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@/{dbname}?host={self.root}&port={PORT}"

    def admin(self, *statements: str) -> None:
        """Run statements as the server's administrator, outside any transaction (CREATE and DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    @contextlib.contextmanager
    def database(self, name: str, template: str | None = None) -> Iterator[str]:
        """A new database `name` (empty, or a copy of `template`) for as long as the block runs: its address.
        Dropped after it, whoever is still connected."""
        self.admin(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""),
        )
        try:
            yield self.url(name)
        finally:
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":
    import time

    where = binaries()
    if where is None:
        raise SystemExit("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb).")
    cluster = Cluster(where)
    print(cluster.start(), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
