"""Profile one thing the benchmark measures, on a database that already holds a region (e.g. `bench/run.py --keep`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roadmap_bench .venv/bin/python bench/profile.py page /ratings/rounds/2/
    ... bench/profile.py recompute 2
    ... bench/profile.py export rating 2

Prints the pyinstrument call tree, then the slowest SQL statements with their share of the time;
`--explain` adds EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECT.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["page", "recompute", "export"])
    parser.add_argument("args", nargs="+", help="page: URL; recompute: round id; export: kind (rating, answers, …) and round id")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest SELECT")
    parser.add_argument("--queries", type=int, default=8, help="how many of the slowest statements to show")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    action = _action(options.what, options.args)
    action(warmup=True)
    profiler = Profiler()
    with CaptureQueriesContext(connection) as queries:
        profiler.start()
        action(warmup=False)
        profiler.stop()
        captured = list(queries.captured_queries)
    print(profiler.output_text(unicode=True, color=False))
    total = sum(float(q["time"]) for q in captured)
    print(f"{len(captured)} SQL statements, {total:.3f} s in the database")
    slowest = sorted(captured, key=lambda q: -float(q["time"]))[: options.queries]
    for query in slowest:
        print(f"  {float(query['time']):7.3f} s  {' '.join(query['sql'].split())[:300]}")
    if options.explain:
        select = next((q["sql"] for q in slowest if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))), None)
        if select:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + select)
                print("\n".join(row[0] for row in cursor.fetchall()))
    return 0


def _action(what: str, args: list[str]):
    if what == "page":
        from django.test import Client

        from bench.measure import _methodologist

        client = Client()
        client.force_login(_methodologist())
        return lambda warmup: client.get(args[0])
    if what == "recompute":
        from ratings.services import rating_recompute_round

        return lambda warmup: rating_recompute_round(round_id=int(args[0]), force=True)
    from django.utils import timezone

    from bench.measure import _methodologist
    from reports.exports import export_request_for
    from schools.roles import Access

    request = export_request_for(Access(_methodologist(int(args[1]))), args[0], round_id=int(args[1]))

    def export(warmup: bool) -> None:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
            request.write(out.name, timezone.now())

    return export


if __name__ == "__main__":
    sys.exit(main())
