"""Server CPU per worker round trip (next + submit over HTTP), this tree next to others, interleaved.

One `clipcrowd serve` per source tree, each over a fresh database of its own (SQLite, or a PostgreSQL
database per tree), each with an open pool of 2,000 tasks (overlap 3) and ten workers. Round trips
run in alternating batches against every server, so that a busy machine slows them all alike; the
server's CPU seconds (process tree, from /proc) divided by round trips is printed per tree, with the
ratio to the first tree. bench/scale.py measures the same at scale; this is the quick loop.

    PYTHONPATH=src .venv/bin/python bench/round_trip_cpu.py --src /tmp/rt-base/src --src src [--db postgres]
        [--round-trips 600] [--batch 100] [--name roundtrip_cpu]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.scale import ROUND_TRIP_POOL, Server, drop_postgres, fresh_postgres, make_pool, round_trips


def database(kind: str, name: str, home: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{home / 'rt.db'}"
    return fresh_postgres(name)


drop = drop_postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", action="append", required=True, help="a source tree's src directory (repeat)")
    parser.add_argument("--db", default="postgres", choices=("sqlite", "postgres"))
    parser.add_argument("--round-trips", type=int, default=600)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--name", default="roundtrip_cpu",
                        help="prefix of the PostgreSQL databases made (and dropped), one per tree")
    args = parser.parse_args()
    servers, names = [], []
    try:
        for i, src in enumerate(args.src):
            home = Path(tempfile.mkdtemp(prefix="cc-rt-cpu-"))
            names.append(f"{args.name}_{i}")
            server = Server(Path(src), database(args.db, names[-1], home), home)
            servers.append(server)
            pool, _ = make_pool(server, ROUND_TRIP_POOL)
            server.http.post(f"/api/v1/pools/{pool}/open").raise_for_status()
            server.pool = pool  # type: ignore[attr-defined]
            round_trips(server, pool, 30)  # warm up
        cpu = [0.0] * len(servers)
        rate = [0.0] * len(servers)
        done = 0
        while done < args.round_trips:
            for i, server in enumerate(servers):
                result = round_trips(server, server.pool, args.batch)  # type: ignore[attr-defined]
                cpu[i] += result["server CPU ms per round trip"] * args.batch
                rate[i] += args.batch / result["round trips/s"]
            done += args.batch
        for i, src in enumerate(args.src):
            print(f"{args.db} {src}: {cpu[i] / done:.2f} ms server CPU per round trip, "
                  f"{done / rate[i]:.0f} round trips/s, {cpu[i] / cpu[0]:.2f}x the first")
    finally:
        for server in servers:
            server.stop()
        if args.db == "postgres":
            for name in names:
                drop(name)


if __name__ == "__main__":
    main()
