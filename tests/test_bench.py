"""`make bench` must measure what it says: on a small region every page and export it times answers, none is skipped.

The pages' run once went blind (every page an «error»: the personal-data notice stood before them) and the table
said so only in its notes; this keeps the measuring code working between the rare full runs.
"""

import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import measure  # noqa: E402
from demo.synthetic import region_generate  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_pages_and_exports_are_measured_with_the_notice_on(settings):
    settings.PERSONAL_DATA_NOTICE_VERSION = "2026-1"
    call_command("load_seed_data", verbosity=0)
    report = region_generate(schools=40, rounds=2, seed=3, districts=None)
    round_id = report.round_ids[-1]

    pages = measure.measure_pages(round_id, 1)

    assert set(pages) == {"rating", "dashboard", "completeness"}
    for label, page in pages.items():
        assert "error" not in page and "skipped" not in page, (label, page)
        assert page["queries"] > 0 and page["bytes"] > 1000, (label, page)
    if connection.vendor != "postgresql":
        return  # the bare writer's baseline reads through a PostgreSQL server-side cursor: the bench runs on PostgreSQL only
    exports = measure.measure_exports(round_id)
    assert exports, exports
    for label, export in exports.items():
        assert "error" not in export and "skipped" not in export, (label, export)
