"""Every cell of the five Excel exports, value and style, as text: to check that a change to the exports keeps the files
the same cell for cell (compare the dump before and after with `diff`).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/roadmap_dump
    .venv/bin/python bench/dump_exports.py --prepare 300      # once: migrate, seed, demo rounds, a region, crafted text
    .venv/bin/python bench/dump_exports.py > /tmp/before.txt   # then after the change: > /tmp/after.txt; diff them

--prepare makes a database from scratch (migrate, load_seed_data, create_demo_accounts, load_demo_rounds, a synthetic
region of N schools in 2 rounds), then writes text that starts like a formula into a few answers, school, district and
curator names (so that the neutralisation is compared too). The dump writes the rating, answers and completeness of
the region's open round (whole, and for one district), and the five exports of the demo city (rating, answers,
completeness of its open round, indicators, the status list of each year with awards), all with one moment of export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXPORTED_AT = dt.datetime(2026, 11, 30, 9, 15, 42, tzinfo=dt.UTC)
CRAFTED = ['=HYPERLINK("https://evil.example/","x")', "+SUM(1;1)", "-2+3", "@SUM(1+1)", "\t=1+1", "=cmd|' /C calc'!A0"]


def prepare(schools: int) -> None:
    from django.core.management import call_command

    from demo.synthetic import region_generate
    from schools.models import Curator, District, School
    from surveys.models import Answer, Question

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_seed_data", verbosity=0, stdout=quiet)
    call_command("create_demo_accounts", verbosity=0, stdout=quiet)
    call_command("load_demo_rounds", verbosity=0, stdout=quiet)
    from ratings.services import rating_recompute_round

    report = region_generate(schools=schools, rounds=2, seed=7)
    round_id = report.round_ids[-1]
    texts = Answer.objects.filter(submission__round_id=round_id, question__type=Question.Type.TEXT).order_by("pk")
    for text, answer in zip(CRAFTED, texts[: len(CRAFTED)], strict=False):
        Answer.objects.filter(pk=answer.pk).update(value_text=text)
    region_schools = School.objects.filter(round_participations__round_id=round_id).order_by("pk")
    for text, school in zip(CRAFTED, region_schools[: len(CRAFTED)], strict=False):
        School.objects.filter(pk=school.pk).update(full_name=f"{text} {school.pk}")
    district = District.objects.filter(schools__in=region_schools).order_by("pk").first()
    District.objects.filter(pk=district.pk).update(name="+" + district.name)
    curator = Curator.objects.filter(school__in=region_schools, is_active=True).select_related("user").order_by("pk").first()
    if curator is not None:
        curator.user.last_name = "@" + curator.user.last_name
        curator.user.save(update_fields=["last_name"])
    for rated in report.round_ids:
        rating_recompute_round(round_id=rated, force=True)
    print(f"prepared: {schools} schools, round {round_id}", file=sys.stderr)


def exports() -> list[tuple[str, int, str, dict]]:
    """(label, round whose municipality the methodologist gets, kind, params) of every export dumped."""
    from ratings.models import StatusAward
    from schools.models import District
    from surveys.models import SubmissionRound

    result = []
    for municipality_round in SubmissionRound.objects.exclude(state=SubmissionRound.State.DRAFT).order_by("municipality_id", "-opens_at", "-pk"):
        if any(r == municipality_round.municipality_id for r, *_ in result):
            continue
        r = municipality_round
        result.append((r.municipality_id, r.pk, None))
        district = District.objects.filter(schools__round_participations__round=r).order_by("pk").values_list("pk", flat=True).first()
        result.append((r.municipality_id, r.pk, district))
    items = []
    for municipality_id, round_id, district in result:
        for kind in ("rating", "answers", "completeness"):
            items.append((f"{kind} round={round_id} district={district}", round_id, kind, {"round_id": round_id, "district": district}))
        if district is None:
            items.append((f"indicators round={round_id}", round_id, "indicators", {"round_id": round_id}))
            for year in StatusAward.objects.filter(municipality_id=municipality_id).values_list("year", flat=True).distinct().order_by("year"):
                items.append((f"status year={year}", round_id, "status", {"round_id": round_id, "year": year}))
    return items


def dump_workbook(path: str, out) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    for ws in workbook.worksheets:
        setup = ws.page_setup
        print(
            f"## sheet {ws.title!r} freeze={ws.freeze_panes} filter={ws.auto_filter.ref} titles={ws.print_title_rows} "
            f"orientation={setup.orientation} fit={setup.fitToWidth}/{setup.fitToHeight}/{ws.sheet_properties.pageSetUpPr.fitToPage}",
            file=out,
        )
        print("widths " + " ".join(f"{k}={v.width}" for k, v in sorted(ws.column_dimensions.items())), file=out)
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                font, fill, border, align = c.font, c.fill, c.border, c.alignment
                style = (
                    f"fmt={c.number_format!r} b={font.b} sz={font.sz} fill={fill.fill_type}:{fill.fgColor.rgb} "
                    f"border={border.bottom.style}:{border.bottom.color.rgb if border.bottom.color else None} "
                    f"wrap={align.wrap_text} v={align.vertical}"
                )
                print(f"{c.coordinate} {c.data_type} {c.value!r} {style}", file=out)


def dump(out) -> None:
    from bench.measure import _methodologist
    from reports.exports import export_request_for
    from schools.roles import Access

    for label, round_id, kind, params in exports():
        user = _methodologist(round_id)
        request = export_request_for(Access(user), kind, **params)
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
            rows = request.write(file.name, EXPORTED_AT)
            print(f"# {label}: {rows} rows, file {request.filename!r}", file=out)
            dump_workbook(file.name, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=int, metavar="N", help="build the database first: seed, demo rounds, a region of N schools")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")
    import django

    django.setup()
    if args.prepare:
        prepare(args.prepare)
        return 0
    dump(sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
