"""`make bench`: how the portal's costs grow from 100 to 40,000 schools, on PostgreSQL.

For every size N it makes a fresh database (a copy of a migrated, seeded template), generates
a synthetic region of N schools, and measures in a child process of its own: the full recompute
of the open round against a hand-written SQL baseline, the rating page, the dashboard and the
completeness page, the two big Excel exports against bare openpyxl, and one curator's submit.
It prints one Markdown table and writes it to bench/results.md with the machine and the commit.

    make bench                      # N = 100, 1,000, 10,000
    make bench BENCH_ARGS=--full    # and 40,000
    .venv/bin/python bench/run.py --sizes 100,1000 --db roadmap_bench_h6 --no-write
    .venv/bin/python bench/run.py --sizes 100,1000 --only exports --no-write   # only the exports (and their bare writers)

--only takes some of recompute, pages, exports, submit (comma-separated); the rest is marked «not asked for» in the
table. Without recompute each round is still recomputed once, untimed: the pages and exports read its ratings.

PostgreSQL comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/roadmap_bench);
the database of that name and "<name>_tpl" are dropped and created. Celery runs in-process; Redis is not used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/roadmap_bench"
SIZES = [100, 1000, 10_000]
FULL_SIZES = [100, 1000, 10_000, 40_000]


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark of the roadmap portal at growing numbers of schools (PostgreSQL).")
    parser.add_argument("--full", action="store_true", help="also N = 40,000 (several more minutes)")
    parser.add_argument("--sizes", help="comma-separated sizes instead of the default ones, e.g. 100,1000")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per region: closed ones and the open one measured (default 2)")
    parser.add_argument("--repeat", type=int, default=7, help="requests per page and submits for the medians (default 7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--districts", type=int, help="districts per region (default: one per ~50 schools, as generate_region)")
    parser.add_argument("--db", help="database name (overrides the one in BENCH_DATABASE_URL)")
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        help="SQL run after generating, before measuring, e.g. CREATE INDEX ... or ALTER DATABASE {db} SET jit = off; repeatable",
    )
    parser.add_argument("--only", help="comma-separated measurements to take: recompute, pages, exports, submit (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the last database for a look afterwards")
    parser.add_argument("--no-write", action="store_true", help="print the table, do not write bench/results.md")
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--schools", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.db:
        url = _with_db(url, args.db)
    if args.child:
        return _child(args)
    if args.only and set(args.only.split(",")) - {"recompute", "pages", "exports", "submit"}:
        parser.error("--only takes recompute, pages, exports, submit")

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")] if args.sizes else (FULL_SIZES if args.full else SIZES)
    db = urlsplit(url).path.lstrip("/")
    template = f"{db}_tpl"
    started = time.perf_counter()
    print(f"PostgreSQL: {_with_db(url, db)}; sizes {', '.join(f'{n:,}' for n in sizes)}; rounds {args.rounds}", flush=True)
    try:
        machine = _machine(url)
    except Exception as error:  # psycopg2.OperationalError and friends: say what to do, not a traceback
        print(f"PostgreSQL does not answer at {_with_db(url, 'postgres')}: {error}".strip())
        print("Start it, or point BENCH_DATABASE_URL at a server where this user may create databases.")
        return 2
    _recreate(url, template)
    _run_child(["--child", "prepare"], _with_db(url, template))
    results = []
    try:
        for n in sizes:
            _recreate(url, db, template=template)
            with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
                child_args = ["--child", "measure", "--schools", str(n), "--rounds", str(args.rounds), "--repeat", str(args.repeat), "--seed", str(args.seed)]
                if args.districts:
                    child_args += ["--districts", str(args.districts)]
                for sql in args.sql:
                    child_args += ["--sql", sql]
                if args.only:
                    child_args += ["--only", args.only]
                _run_child([*child_args, "--out", out.name], _with_db(url, db))
                results.append(json.load(out))
    finally:
        if not args.keep:
            _drop(url, db)
        _drop(url, template)

    from bench.report import markdown_report

    finished = _machine(url)
    machine["load"] = f"{machine['load']} at the start, {finished['load']} at the end"
    if finished["commit"] != machine["commit"]:
        machine["commit"] += f", {finished['commit']} at the end (the code changed during the run)"
    report = markdown_report(results=results, machine=machine, command=" ".join(["bench/run.py", *sys.argv[1:]]), seconds=time.perf_counter() - started)
    print(report)
    if not args.no_write:
        (BENCH_DIR / "results.md").write_text(report, encoding="utf-8")
        print(f"Записано в {BENCH_DIR / 'results.md'}")
    return 0


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_connection(url: str):
    import psycopg2

    connection = psycopg2.connect(_with_db(url, "postgres"))
    connection.autocommit = True
    return connection


def _drop(url: str, name: str) -> None:
    with closing(_admin_connection(url)) as connection, connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _recreate(url: str, name: str, template: str | None = None) -> None:
    _drop(url, name)
    with closing(_admin_connection(url)) as connection, connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def _run_child(args: list[str], database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "roadmap_portal.settings", "DB_CONN_MAX_AGE": "0"}
    # No broker: Celery runs tasks in-process, and the submit measurement only queues its recompute.
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], env=env, check=True, cwd=ROOT)


def _child(args) -> int:
    import io
    import logging
    import warnings

    import django

    django.setup()
    # Quiet children: the table is the output. (Static files are not collected; Celery has no broker host.)
    warnings.filterwarnings("ignore", message="No directory at")
    for name in ("axes", "kombu", "celery"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if args.child == "prepare":
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_seed_data", verbosity=0, stdout=io.StringIO())
        return 0
    from bench.measure import STEPS, measure_size

    only = tuple(args.only.split(",")) if args.only else STEPS
    unknown = set(only) - set(STEPS)
    if unknown:
        raise SystemExit(f"--only: unknown {', '.join(sorted(unknown))} (known: {', '.join(STEPS)})")
    result = measure_size(schools=args.schools, rounds=args.rounds, repeat=args.repeat, seed=args.seed, districts=args.districts, extra_sql=args.sql, only=only)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _machine(url: str) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    with closing(_admin_connection(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "postgres": postgres,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "date": time.strftime("%d.%m.%Y %H:%M %Z"),
        "load": " / ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


if __name__ == "__main__":
    sys.exit(main())
