"""Run a command with a PostgreSQL to test against: the configured one, or a throwaway one.

    python tests/pg_throwaway.py pytest -x

When a server answers at CLIPCROWD_TEST_DATABASE_URL (default: the one tests/support.py names), the
command simply runs. Otherwise Debian's `postgresql` binaries (installed with apt when missing, as
`make browser` does for Chromium) start a private cluster: `initdb` into a temporary folder, trust
authentication, a free port on 127.0.0.1, durability switched off (nothing in it outlives the run).
The command runs with CLIPCROWD_TEST_DATABASE_URL pointing at it; the server is stopped and its
folder removed afterwards, whether the command passed, failed or was interrupted.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def answers(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _install() -> Path:
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "apt-get"]
    print("pg_throwaway: installing Debian's postgresql package", file=sys.stderr)
    subprocess.run([*apt, "update", "-qq"], check=True)
    subprocess.run([*apt, "install", "-y", "-qq", "postgresql"], check=True, stdout=subprocess.DEVNULL)
    found = _bin_dir()
    if found is None:
        raise SystemExit("pg_throwaway: the postgresql package installed no initdb under /usr/lib/postgresql")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(folder: Path) -> Callable[[list[str]], list[str]]:
    """PostgreSQL refuses to run as root: as root, the cluster belongs to the package's `postgres` user."""
    if os.geteuid() != 0:
        return lambda argv: argv
    owner = pwd.getpwnam("postgres")
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    return lambda argv: ["runuser", "-u", "postgres", "--", *argv]


@contextmanager
def throwaway(database: str) -> Iterator[str]:
    """A private PostgreSQL cluster for the duration of the block; yields its SQLAlchemy URL."""
    bin_dir = _bin_dir() or _install()
    folder = Path(tempfile.mkdtemp(prefix="clipcrowd-pg-"))
    run_as = _as_owner(folder)
    data, log = folder / "data", folder / "server.log"
    port = _free_port()
    started = False
    try:
        subprocess.run(run_as([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                               "-E", "UTF8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(run_as([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                               "-w", "-t", "60", "start"]), check=True, stdout=subprocess.DEVNULL)
        started = True
        admin = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        engine.dispose()
        print(f"pg_throwaway: PostgreSQL on 127.0.0.1:{port} in {folder}", file=sys.stderr)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        if started:
            subprocess.run(run_as([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _interrupt(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit("usage: python tests/pg_throwaway.py COMMAND [ARGS...]")
    url = os.environ.get("CLIPCROWD_TEST_DATABASE_URL") or DEFAULT_URL
    if answers(url):
        return subprocess.run(argv, env={**os.environ, "CLIPCROWD_TEST_DATABASE_URL": url}).returncode
    print(f"pg_throwaway: nothing answers at {make_url(url).render_as_string()}; starting a throwaway PostgreSQL",
          file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)
    with throwaway(make_url(url).database or "test") as private:
        return subprocess.run(argv, env={**os.environ, "CLIPCROWD_TEST_DATABASE_URL": private}).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
