"""A region of many districts (issue 18): the recompute's district summaries agree with the ratings they fold, the
per-district tables show the weakest districts first and every district on demand, and district filters search
by name instead of listing every district."""

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse

from demo.synthetic import region_generate
from ratings.models import DistrictSummary, Rating
from ratings.services import rating_recompute_round
from reports.dashboard import levels_by_district, levels_by_district_summarised, rating_stats, rating_stats_summarised
from roadmap_portal.folding import ALL_DISTRICTS_PAGE, FOLDED_DISTRICTS
from schools.models import District, School
from schools.roles import Access
from surveys.models import SubmissionRound
from tests.factories import district_officer, methodologist

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("reports:dashboard")


@pytest.fixture
def region():
    """120 schools in 30 districts, one open round, recomputed (summaries written by the recompute itself)."""
    call_command("load_seed_data", verbosity=0)
    report = region_generate(schools=120, rounds=1, seed=5, districts=30)
    rating_recompute_round(round_id=report.round_ids[-1])
    return SubmissionRound.objects.get(pk=report.round_ids[-1])


def test_the_summaries_give_the_same_figures_as_the_ratings_they_fold(region):
    access = Access(methodologist(region.municipality))
    schools = School.objects.filter(is_active=True)
    assert DistrictSummary.objects.filter(round=region).exists()
    for filters in ({}, {"legal_form": School.LegalForm.MAOU}, {"area": "rural"}, {"district": District.objects.filter(schools__rounds=region).first()}):
        filtered = schools
        if filters.get("legal_form"):
            filtered = filtered.filter(legal_form=filters["legal_form"])
        if filters.get("area"):
            filtered = filtered.filter(is_urban=False)
        if filters.get("district"):
            filtered = filtered.filter(district=filters["district"])
        live, summed = rating_stats(region, filtered, filters), rating_stats_summarised(region, access, filters)
        assert (summed.rated, summed.by_level, summed.histogram, summed.eligible) == (live.rated, live.by_level, live.histogram, live.eligible)
        assert summed.average == pytest.approx(live.average)
        live_levels = {r["district"]: (r["total"], r["levels"]) for r in levels_by_district(region, filtered, filters)}
        assert {r["district"]: (r["total"], r["levels"]) for r in levels_by_district_summarised(region, access, filters)} == live_levels


def test_a_resubmission_changes_the_summaries_with_the_ratings(region):
    """The summaries are rewritten in the recompute's transaction: they never lag the ratings."""
    Rating.objects.filter(round=region).update(level=Rating.Level.HIGH)  # as if the ratings had moved
    assert DistrictSummary.objects.filter(round=region, high__gt=0).count() < DistrictSummary.objects.filter(round=region).count()
    rating_recompute_round(round_id=region.pk, force=True)
    ratings = Rating.objects.filter(round=region, school__is_active=True)
    assert sum(DistrictSummary.objects.filter(round=region).values_list("high", flat=True)) == ratings.filter(level=Rating.Level.HIGH).count()


def test_a_region_dashboard_shows_the_weakest_districts_then_every_district_page_by_page(client, region):
    client.force_login(methodologist(region.municipality))
    board = client.get(DASHBOARD).context["board"]
    assert board.levels_table.folded and board.levels_table.count == 30 and len(board.levels) == FOLDED_DISTRICTS
    averages = [r["average"] for r in board.levels]
    assert [a is not None for a in averages] == sorted(a is not None for a in averages)
    rated = [a for a in averages if a is not None]
    assert rated == sorted(rated)
    assert board.completeness_table.folded and len(board.completeness) == FOLDED_DISTRICTS
    shares = [r.done / r.total for r in board.completeness]
    assert shares == sorted(shares)

    response = client.get(DASHBOARD, {"levels": "all"})
    board = response.context["board"]
    assert not board.levels_table.folded and board.levels_table.page.paginator.count == 30
    assert [r["district"] for r in board.levels] == sorted(r["district"] for r in board.levels)
    assert len(board.levels) == min(30, ALL_DISTRICTS_PAGE)
    assert "Свернуть до отстающих" in response.content.decode()


def test_the_completeness_page_of_a_region_folds_its_districts(client, region):
    client.force_login(methodologist(region.municipality))
    url = reverse("surveys:round-completeness", args=[region.pk])
    response = client.get(url)
    assert response.context["district_table"].folded and len(response.context["districts"]) == FOLDED_DISTRICTS
    assert "Все районы по алфавиту" in response.content.decode()
    assert len(client.get(url, {"districts": "all"}).context["districts"]) == 30
    assert response.context["timeliness_table"].folded and len(response.context["timeliness"]) == FOLDED_DISTRICTS


def test_a_district_typed_by_name_filters_the_pages(client, region):
    client.force_login(methodologist(region.municipality))
    district = District.objects.filter(schools__rounds=region).order_by("name").first()
    board = client.get(DASHBOARD, {"district": district.name.upper()}).context["board"]
    assert [r.district for r in board.completeness] == [district.name]
    response = client.get(reverse("surveys:round-completeness", args=[region.pk]), {"district": district.name})
    assert {row.district_id for row in response.context["rows"]} == {district.pk}
    assert f'value="{district.name}"' in response.content.decode()
    response = client.get(reverse("surveys:round-completeness", args=[region.pk]), {"district": "Нет такого района"})
    assert "Район «Нет такого района» не найден" in response.content.decode()


def test_district_suggestions_are_searched_by_name_and_scoped_to_the_user(client, region):
    client.force_login(methodologist(region.municipality))
    district = District.objects.filter(schools__rounds=region).order_by("name").first()
    found = client.get(reverse("schools:district-search"), {"q": district.name[1:5]}).json()["districts"]
    assert district.pk in [d["id"] for d in found] and len(found) <= 20
    assert len(client.get(reverse("schools:district-search"), {"q": ""}).json()["districts"]) == 20

    client.force_login(district_officer(district))
    found = client.get(reverse("schools:district-search"), {"q": ""}).json()["districts"]
    assert [d["id"] for d in found] == [district.pk]


def test_folded_completeness_counts_are_the_recomputes_and_agree_with_counting_every_district(client, region):
    from surveys.models import Submission
    from surveys.selectors import completeness_by_district

    access = Access(methodologist(region.municipality))
    recomputed = completeness_by_district(submission_round=region, access=access)[1]
    every_before, _ = completeness_by_district(submission_round=region, access=access)
    # A change after the recompute: the district counts shown and the round's totals above them (both said to be as
    # of the recompute) wait for the next recompute, which every submit, return and acceptance queues.
    Submission.objects.filter(round=region, state=Submission.State.SUBMITTED).order_by("pk").first().delete()
    client.force_login(methodologist(region.municipality))
    response = client.get(reverse("surveys:round-completeness", args=[region.pk]))
    shown = {d.district_id: (d.total, d.counts) for d in response.context["districts"]}
    assert shown == {d.district_id: (d.total, d.counts) for d in every_before if d.district_id in shown}
    assert (response.context["total"].total, response.context["total"].counts) == (recomputed.total, recomputed.counts)
    assert "Итоги раунда и цифры по районам — по состоянию на" in response.content.decode()
    rating_recompute_round(round_id=region.pk, force=True)  # the deletion above bypassed the services that queue it
    every, total = completeness_by_district(submission_round=region, access=access)
    response = client.get(reverse("surveys:round-completeness", args=[region.pk]))
    shown = {d.district_id: (d.total, d.counts) for d in response.context["districts"]}
    assert shown == {d.district_id: (d.total, d.counts) for d in every if d.district_id in shown}
    assert shown != {d.district_id: (d.total, d.counts) for d in every_before if d.district_id in shown}
    assert (response.context["total"].total, response.context["total"].counts) == (total.total, total.counts)
    board = client.get(DASHBOARD).context["board"]
    assert (board.completeness_total.total, board.completeness_total.counts) == (total.total, total.counts)


def test_the_round_totals_on_both_pages_are_the_forms_by_state_as_of_the_last_recompute(client, region):
    """For a user who sees the whole round the totals are the recompute's per-district rows summed: after a recompute
    they equal the participants' forms counted by state, and both pages say as of when."""
    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    from surveys.models import RoundDistrictCount, RoundParticipant, Submission

    # Some forms move on, as reviewers and curators would move them; the recompute follows.
    forms = Submission.objects.filter(round=region).order_by("pk")
    Submission.objects.filter(pk__in=forms.values("pk")[:7]).update(state=Submission.State.RETURNED)
    Submission.objects.filter(pk__in=forms.filter(state=Submission.State.SUBMITTED).values("pk")[:5]).update(state=Submission.State.ACCEPTED)
    rating_recompute_round(round_id=region.pk, force=True)
    region.refresh_from_db()

    participants = RoundParticipant.objects.filter(round=region, is_active=True).values("school_id")
    states = list(Submission.objects.filter(round=region, school_id__in=participants).values_list("state", flat=True))
    expected = {state: states.count(state) for state in ("draft", "submitted", "returned", "accepted")}
    expected["none"] = participants.count() - len(states)
    as_of = f"по состоянию на {date_format(timezone.localtime(region.computed_at), 'd.m.Y H:i')}"
    client.force_login(methodologist(region.municipality))

    page = client.get(reverse("surveys:round-completeness", args=[region.pk]))
    board = client.get(DASHBOARD)
    for total in (page.context["total"], board.context["board"].completeness_total):
        assert (total.total, total.counts) == (participants.count(), expected)
    assert as_of in page.content.decode() and as_of in board.content.decode()
    assert f"отправили анкету ({expected['submitted'] + expected['accepted']})" in page.content.decode()

    # Rows written before the forms were counted by state (a round not recomputed since): counted live, no date.
    RoundDistrictCount.objects.filter(round=region).update(draft=None)
    page = client.get(reverse("surveys:round-completeness", args=[region.pk]))
    assert (page.context["total"].total, page.context["total"].counts) == (participants.count(), expected)
    assert "по состоянию на" not in page.content.decode()


def test_a_district_name_shared_by_two_municipalities_means_the_one_of_the_round_shown(client, region):
    from schools.models import Municipality

    client.force_login(methodologist(region.municipality))
    district = District.objects.filter(schools__rounds=region).order_by("name").first()
    namesake = District.objects.create(municipality=Municipality.objects.exclude(pk=region.municipality_id).first(), name=district.name)
    board = client.get(DASHBOARD, {"district": district.name}).context["board"]
    assert board.filters["district"] == district
    found = client.get(reverse("schools:district-search"), {"q": district.name, "municipality": region.municipality_id}).json()["districts"]
    assert district.pk in [d["id"] for d in found] and namesake.pk not in [d["id"] for d in found]


def test_the_folded_dashboard_shows_the_districts_and_totals_of_sorting_every_district(client, region):
    """The database chooses the 20 weakest districts and sums the round's totals (no row per district of the region
    reaches Python): the same districts, in the same order, and the same totals as folding every district's row."""
    from reports.dashboard import _weakest_levels
    from roadmap_portal.folding import district_table
    from surveys.selectors import completeness_total, round_district_order, timeliness_by_district, timeliness_weakest_first

    access = Access(methodologist(region.municipality))
    client.force_login(access.user)
    board = client.get(DASHBOARD).context["board"]
    every = district_table(levels_by_district_summarised(region, access, {}), weakest_first=_weakest_levels, get=QueryDict(), param="levels")
    assert board.levels == every.rows and board.levels_table.count == every.count == 30
    order = round_district_order(submission_round=region, access=access)
    weakest = sorted(order, key=lambda d: d.weakest_first())[:FOLDED_DISTRICTS]
    assert [r.district_id for r in board.completeness] == [d.district_id for d in weakest]
    assert board.completeness_table.count == len(order) == 30
    total = completeness_total(submission_round=region, access=access, order=order)
    assert (board.completeness_total.total, board.completeness_total.counts) == (total.total, total.counts)
    assert board.completeness_total.as_of == total.as_of is not None
    rows, total = timeliness_by_district(submission_round=region, schools=School.objects.filter(is_active=True))
    every = district_table(rows, weakest_first=timeliness_weakest_first, get=QueryDict(), param="timeliness")
    assert [(r.district_id, r.on_time, r.late) for r in board.timeliness] == [(r.district_id, r.on_time, r.late) for r in every.rows]
    assert board.timeliness_table.folded and board.timeliness_table.count == every.count == 30
    assert (board.timeliness_total.total, board.timeliness_total.on_time) == (total.total, total.on_time)
