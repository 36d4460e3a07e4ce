"""Each Excel export says the figures its page says, for the same parameters (issue 12, item 7), on a generated region:
the rating export and the rating page (score, rank, district rank, level, eligibility per school), the completeness
export and the completeness page (state per school, counts per district and in total), the status export and the status
page (the confirmed list of the year; the eligible list beside the rating export's «Проходит на статус»), the indicators
export and the indicator progress page (actual, target, its date, verdict). Pages are read through their context."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from openpyxl import load_workbook

from demo.synthetic import region_generate
from indicators.models import Indicator
from ratings.models import Rating, StatusEligibility
from ratings.services import rating_recompute_round, status_awards_confirm
from reports.dashboard import SUBMISSION_STATES
from reports.exports import export_request_for
from schools.models import District
from schools.roles import Access
from surveys.models import RoundDistrictCount, RoundParticipant, Submission, SubmissionRound
from surveys.selectors import NOT_STARTED, STATE_LABELS
from surveys.services import submission_save_draft
from tests.factories import administrator, district_officer, methodologist

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    """About 120 schools in 4 districts, a closed round and the open one after it, both recomputed."""
    call_command("load_seed_data", verbosity=0)
    report = region_generate(schools=120, rounds=2, seed=12, districts=4)
    for round_id in report.round_ids:
        rating_recompute_round(round_id=round_id)
    closed, current = (SubmissionRound.objects.get(pk=pk) for pk in report.round_ids)
    return closed, current


def workbook(tmp_path, user, kind, **params):
    request = export_request_for(Access(user), kind, **params)
    path = tmp_path / f"{kind}.xlsx"
    request.write(path, timezone.now())
    return load_workbook(path), request


def data_rows(ws, *, total: bool = False) -> list[tuple]:
    """The rows under the header (row 4), without the blank line and the total row a sheet ends with."""
    rows = [values for row in ws.iter_rows(min_row=5) if any(values := tuple(c.value for c in row))]
    return rows[:-1] if total and rows else rows


def ordered(rows) -> list[tuple]:
    """Rows in one order whatever their empty cells (None beside text or numbers)."""
    return sorted(rows, key=repr)


def number(value):
    return None if value is None else round(float(value), 3)


def test_each_title_states_the_parameters_it_was_made_with(tmp_path, region):
    closed, current = region
    user = methodologist(current.municipality)
    name = current.municipality.name
    for kind in ("rating", "answers", "completeness"):
        book, _request = workbook(tmp_path, user, kind, round_id=current.pk)
        for ws in book.worksheets:
            assert ws["A1"].value.endswith(f" — {name}, раунд «{current.title}» ({current.year} год), все районы"), (kind, ws.title)
    book, _request = workbook(tmp_path, user, "status", year=closed.year)
    assert all(ws["A1"].value.endswith(f" — {name}, {closed.year} год, все районы") for ws in book.worksheets)
    book, _request = workbook(tmp_path, user, "indicators")
    assert book.active["A1"].value.endswith(f" — {name}, все раунды, все районы")


def test_the_rating_export_says_what_the_rating_page_says(client, tmp_path, region):
    _closed, current = region
    user = methodologist(current.municipality)
    client.force_login(user)
    page = client.get(reverse("ratings:rating", args=[current.pk])).context["page"].paginator.object_list
    yes_no = {True: "да", False: "нет", None: ""}
    shown = ordered(
        (r.school.full_name, r.district.name if r.district else "", number(r.score), r.rank, r.district_rank, r.get_level_display(), yes_no[r.eligible])
        for r in page
    )
    book, _request = workbook(tmp_path, user, "rating", round_id=current.pk)
    exported = ordered((row[2], row[3] or "", number(row[5]), row[0], row[1], row[8], row[-2] or "") for row in data_rows(book["Рейтинг"], total=True))
    assert len(shown) > 100
    assert exported == shown


def test_the_completeness_export_says_what_the_completeness_page_says(client, tmp_path, region):
    _closed, current = region
    user = methodologist(current.municipality)
    client.force_login(user)
    context = client.get(reverse("surveys:round-completeness", args=[current.pk]), {"districts": "all"}).context
    states = sorted((s.round_district_name or "", s.full_name, STATE_LABELS[s.submission_state or NOT_STARTED]) for s in context["page"].paginator.object_list)
    book, _request = workbook(tmp_path, user, "completeness", round_id=current.pk)
    assert len(states) > 100
    assert sorted(row[:3] for row in data_rows(book["По школам"])) == states

    summary = data_rows(book["По районам"])
    counts = [(d.name, d.total, *(d.counts[state] for state, _label in SUBMISSION_STATES)) for d in context["districts"]]
    assert sorted(row[: 2 + len(SUBMISSION_STATES)] for row in summary[:-1]) == sorted(counts)
    total = context["total"]
    assert summary[-1][1 : 2 + len(SUBMISSION_STATES)] == (total.total, *(total.counts[state] for state, _label in SUBMISSION_STATES))


def completeness_figures(rows, total) -> tuple[list[tuple], tuple]:
    """A completeness table's figures: (district, schools, forms in each state) per district, sorted, and the total's."""
    states = [state for state, _label in SUBMISSION_STATES]
    return sorted((d.name, d.total, *(d.counts[s] for s in states)) for d in rows), (total.total, *(total.counts[s] for s in states))


def exported_completeness(book) -> tuple[list[tuple], tuple]:
    summary = data_rows(book["По районам"])
    width = 2 + len(SUBMISSION_STATES)
    return sorted(row[:width] for row in summary[:-1]), summary[-1][1:width]


def test_a_whole_city_completeness_export_has_the_pages_figures_as_of_the_last_recompute(client, tmp_path, region):
    """For a user who sees the whole city the page's district table and totals are the round's last recompute's: a draft
    saved after it is in neither the page's figures nor the export's until the next recompute, and both say as of when;
    the schools sheet, as the page's list, is as of now. A district officer's page and export count now, with no date."""
    _closed, current = region
    user = administrator(current.municipality)
    participant = (
        RoundParticipant.objects.filter(round=current, is_active=True).exclude(school__submissions__round=current).select_related("school", "district").first()
    )
    submission_save_draft(submission_round=current, school=participant.school, user=user, answers={}, expected_version=0)
    as_of = f"по состоянию на {date_format(timezone.localtime(current.computed_at), 'd.m.Y H:i')}"
    drafted = (participant.district.name, participant.school.full_name, STATE_LABELS[Submission.State.DRAFT])

    client.force_login(user)
    response = client.get(reverse("surveys:round-completeness", args=[current.pk]), {"districts": "all"})
    shown = completeness_figures(response.context["districts"], response.context["total"])
    assert as_of in response.content.decode()
    book, _request = workbook(tmp_path, user, "completeness", round_id=current.pk)
    assert exported_completeness(book) == shown
    assert as_of in book["По районам"]["A3"].value
    assert drafted in [row[:3] for row in data_rows(book["По школам"])]
    # Narrowed to the draft's district: that district's row of the page, as of the same recompute.
    book, _request = workbook(tmp_path, user, "completeness", round_id=current.pk, district=participant.district_id)
    row = next(r for r in shown[0] if r[0] == participant.district.name)
    assert exported_completeness(book) == ([row], row[1:])
    assert as_of in book["По районам"]["A3"].value

    # Rows written before the recompute counted the forms by state: the page counts now, and so does the export.
    RoundDistrictCount.objects.filter(round=current).update(draft=None)
    response = client.get(reverse("surveys:round-completeness", args=[current.pk]), {"districts": "all"})
    now = completeness_figures(response.context["districts"], response.context["total"])
    assert now != shown and "по состоянию на" not in response.content.decode()
    book, _request = workbook(tmp_path, user, "completeness", round_id=current.pk)
    assert exported_completeness(book) == now
    assert "по состоянию на" not in book["По районам"]["A3"].value

    officer = district_officer(participant.district)
    client.force_login(officer)
    response = client.get(reverse("surveys:round-completeness", args=[current.pk]), {"districts": "all"})
    live = completeness_figures(response.context["districts"], response.context["total"])
    assert live[0] != [row] and "по состоянию на" not in response.content.decode()
    book, _request = workbook(tmp_path, officer, "completeness", round_id=current.pk)
    assert exported_completeness(book) == live
    assert "по состоянию на" not in (book["По районам"]["A3"].value or "")


def test_the_status_export_says_what_the_status_page_says(client, tmp_path, region):
    closed, current = region
    user = methodologist(current.municipality)
    # The closed round's eligible schools reviewed, then the list of its year confirmed: the export is that list.
    eligible = StatusEligibility.objects.filter(round=closed, eligible=True).values("school_id")
    Submission.objects.filter(round=closed, school_id__in=eligible).update(state=Submission.State.ACCEPTED)
    awarded = status_awards_confirm(municipality_id=closed.municipality_id, year=closed.year, user=user)
    client.force_login(user)
    for year in (closed.year, current.year):
        overview = client.get(reverse("ratings:status", args=[year])).context["overview"]
        book, _request = workbook(tmp_path, user, "status", year=year)
        exported = sorted((district, name) for district, names in data_rows(book["Приложение"]) for name in names.split(", "))
        shown = sorted((group.name, str(award.school)) for group in overview.awards for award in group.schools)
        assert exported == shown
        assert len(exported) == (len(awarded) if year == closed.year else 0)

    # The year's eligible list on the page is the rating export's «Проходит на статус» of its deciding round.
    overview = client.get(reverse("ratings:status", args=[current.year])).context["overview"]
    book, _request = workbook(tmp_path, user, "rating", round_id=current.pk)
    passing = sorted(row[2] for row in data_rows(book["Рейтинг"], total=True) if row[-2] == "да")
    assert sorted(row.school.full_name for group in overview.eligible for row in group.schools) == passing
    assert overview.eligible_count == len(passing) > 0


def test_the_indicators_export_says_what_the_progress_page_says(client, tmp_path, region):
    _closed, current = region
    user = methodologist(current.municipality)
    client.force_login(user)
    city = client.get(reverse("ratings:indicator-progress", args=[current.pk])).context["city"]
    # A percent indicator's cells hold fractions shown as percents (45 % is 0.45 in the cell).
    scale = {r.indicator.code: 100 if r.indicator.unit == Indicator.Unit.PERCENT else 1 for r in city}
    shown = {r.indicator.code: (number(r.target_value), r.target_due, number(r.actual), r.get_verdict_display()) for r in city}
    book, _request = workbook(tmp_path, user, "indicators")
    ws = book["Показатели"]
    header = [c.value for c in ws[4]]
    actual_column = header.index(f"Факт: {current.title}")
    exported = {}
    for row in data_rows(ws):
        due = row[5].date() if row[5] is not None else None
        unscaled = [None if v is None else v * scale[row[0]] for v in (row[4], row[actual_column])]
        exported[row[0]] = (number(unscaled[0]), due, number(unscaled[1]), row[-1])
    assert exported
    assert exported == {code: shown[code] for code in exported}


def test_a_school_deactivated_mid_round_is_counted_alike_on_every_page_and_export(client, tmp_path, region):
    """Issue 12, item 5: one rule for inactive schools. The first-ranked eligible school closes mid-round: the rating
    page, the status page, the dashboard, the completeness page and the rating and status exports then count the same
    schools and list the same eligible ones, none of them with the closed school."""
    _closed, current = region
    user = methodologist(current.municipality)
    gone = (
        Rating.objects.filter(round=current, school__status_eligibility__round=current, school__status_eligibility__eligible=True)
        .order_by("rank")
        .first()
        .school
    )
    gone.is_active = False
    gone.save()
    rating_recompute_round(round_id=current.pk, force=True)
    client.force_login(user)

    rating_rows = list(client.get(reverse("ratings:rating", args=[current.pk])).context["page"].paginator.object_list)
    completeness = client.get(reverse("surveys:round-completeness", args=[current.pk]), {"districts": "all"}).context
    board = client.get(reverse("reports:dashboard"), {"round": current.pk}).context["board"]
    overview = client.get(reverse("ratings:status", args=[current.year])).context["overview"]
    book, _request = workbook(tmp_path, user, "rating", round_id=current.pk)
    exported = data_rows(book["Рейтинг"], total=True)
    status_book, _request = workbook(tmp_path, user, "status", year=current.year)

    assert board.round == current
    schools = {r.school.full_name for r in rating_rows}
    assert gone.full_name not in schools
    assert len(schools) == len(rating_rows) == completeness["total"].total == board.completeness_total.total == len(exported)
    assert {s.full_name for s in completeness["page"].paginator.object_list} == schools == {row[2] for row in exported}
    assert board.stats.rated == sum(1 for r in rating_rows if r.score is not None)

    eligible = sorted(r.school.full_name for r in rating_rows if r.eligible)
    assert eligible and gone.full_name not in eligible
    assert sorted(row.school.full_name for group in overview.eligible for row in group.schools) == eligible
    assert overview.eligible_count == board.stats.eligible == len(eligible)
    assert sorted(row[2] for row in exported if row[-2] == "да") == eligible
    # The year's list is not confirmed while its round is open: the annex is empty, as the page's confirmed list.
    assert data_rows(status_book["Приложение"]) == [] and overview.awards == []
    assert [r.rank for r in board.top][:1] == [1] and gone.pk not in [r.school_id for r in board.top]


def test_a_district_export_says_what_the_page_filtered_to_that_district_says(client, tmp_path, region):
    """A round's export narrowed to a district holds the schools the round keeps there, as the pages filtered by it."""
    _closed, current = region
    user = methodologist(current.municipality)
    client.force_login(user)
    district = District.objects.filter(pk__in=RoundParticipant.objects.filter(round=current).values("district_id")).order_by("name").first()
    page = client.get(reverse("ratings:rating", args=[current.pk]), {"district": district.pk}).context["page"].paginator.object_list
    book, request = workbook(tmp_path, user, "rating", round_id=current.pk, district=district.pk)
    assert book.active["A1"].value.endswith(f"раунд «{current.title}» ({current.year} год), район: {district.name}")
    exported = data_rows(book["Рейтинг"], total=True)
    assert request.count_rows() == len(exported) == len(page) > 0
    assert ordered((row[2], number(row[5]), row[0], row[1]) for row in exported) == ordered(
        (r.school.full_name, number(r.score), r.rank, r.district_rank) for r in page
    )
    rows = client.get(reverse("surveys:round-completeness", args=[current.pk]), {"district": district.name}).context["page"].paginator.object_list
    book, _request = workbook(tmp_path, user, "completeness", round_id=current.pk, district=district.pk)
    assert ordered(row[:3] for row in data_rows(book["По школам"])) == ordered(
        (district.name, s.full_name, STATE_LABELS[s.submission_state or NOT_STARTED]) for s in rows
    )
