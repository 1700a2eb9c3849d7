"""A private PostgreSQL server for a test that must stop and start it (the shared one at
127.0.0.1:5432 must never be restarted): ``initdb`` in a temp folder, ``pg_ctl`` on a free
port, trust auth. As root it runs as the ``postgres`` user (initdb refuses root); skipped with
the reason where the binaries, that user or the start-up are missing."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "postgres"


@dataclass
class PrivateServer:
    """A running private server: ``url`` of its database, ``stop()`` and ``start()``."""

    bin: Path
    data: Path
    port: int
    run_as: list[str]
    database: str = "storybeat"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{self.database}"

    def _ctl(self, *args: str) -> None:
        cmd = [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = (self.data.parent / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed: {done.stderr.strip()}\n{log}")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.data.parent / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop as a restart does: ``fast`` ends every session ("terminating connection due to
        administrator command") and checkpoints; ``immediate`` is a crash."""
        self._ctl("-m", mode, "-w", "stop")


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_postgres() -> Iterator[PrivateServer]:
    """A fresh private server with an empty database ``storybeat``; removed afterwards."""
    bin_dir = _binaries()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to run a private server")
    run_as: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="storybeat-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam(USER)
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip(f"running as root and there is no {USER!r} user to run initdb as")
        if shutil.which("runuser") is None:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip("running as root without runuser to run initdb as another user")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", USER, "--"]
    server = PrivateServer(bin_dir, root / "data", _free_port(), run_as)
    init = [*run_as, str(bin_dir / "initdb"), "-D", str(server.data), "-U", USER, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync"]  # fmt: skip
    done = subprocess.run(init, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"initdb could not make a private cluster: {done.stderr.strip()[-500:]}")
    try:
        server.start()
        admin = [*run_as, str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(server.port),
                 "-U", USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc",
                 f"CREATE DATABASE {server.database}"]  # fmt: skip
        subprocess.run(admin, capture_output=True, text=True, timeout=60, check=True)
        yield server
    finally:
        with suppress(RuntimeError):  # already stopped (a test failed mid-outage)
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
