"""A round's completeness page and reminders: counts per district and state, filters, manual and automatic reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from surveys.district_counts import round_district_counts_write
from surveys.models import Reminder, RoundExtension, Submission, SubmissionRound
from surveys.services import reminders_send, reminders_send_due
from surveys.tasks import send_deadline_reminders
from tests.factories import (
    CuratorFactory,
    DistrictFactory,
    MunicipalityFactory,
    SchoolFactory,
    SubmissionRoundFactory,
    district_officer,
    join_round,
    methodologist,
)

pytestmark = pytest.mark.django_db


def build_round(schools_per_district: int = 3, districts: int = 2):
    """Schools in each district: the first accepted, the second submitted, the third returned, the rest drafts or not started."""
    municipality = MunicipalityFactory()
    submission_round = SubmissionRoundFactory(municipality=municipality)
    states = [Submission.State.ACCEPTED, Submission.State.SUBMITTED, Submission.State.RETURNED, Submission.State.DRAFT, None]
    schools = []
    for d in range(districts):
        district = DistrictFactory(municipality=municipality, name=f"Район {d + 1}")
        for n in range(schools_per_district):
            school = SchoolFactory(district=district, municipality=municipality)
            CuratorFactory(school=school)
            state = states[n % len(states)]
            if state:
                Submission.objects.create(round=submission_round, school=school, state=state)
            schools.append(school)
    join_round(submission_round, schools)
    return submission_round, schools


def completeness(client, submission_round, query=""):
    return client.get(reverse("surveys:round-completeness", args=[submission_round.pk]) + query)


def test_counts_per_district_and_share_submitted(client):
    submission_round, _ = build_round(schools_per_district=5, districts=2)
    client.force_login(methodologist())
    response = completeness(client, submission_round)
    total = response.context["total"]
    assert (total.total, total.submitted, total.submitted_percent) == (10, 4, 40)
    assert total.counts == {"none": 2, "draft": 2, "returned": 2, "submitted": 2, "accepted": 2}
    assert [(d.name, d.submitted_percent) for d in response.context["districts"]] == [("Район 1", 40), ("Район 2", 40)]
    assert "w-pct-40" in response.content.decode()


def test_filters_by_district_and_state(client):
    submission_round, schools = build_round(schools_per_district=5, districts=2)
    client.force_login(methodologist())
    district = schools[0].district
    rows = completeness(client, submission_round, f"?district={district.pk}&state=none").context["rows"]
    assert [s.pk for s in rows] == [schools[4].pk]
    rows = completeness(client, submission_round, "?state=returned").context["rows"]
    assert {s.pk for s in rows} == {schools[2].pk, schools[7].pk}


def test_district_officer_sees_only_their_district_in_counts(client):
    submission_round, schools = build_round(schools_per_district=3, districts=2)
    client.force_login(district_officer(schools[0].district))
    response = completeness(client, submission_round)
    assert response.context["total"].total == 3
    assert schools[3].full_name not in response.content.decode()


def test_curator_name_and_contact_are_listed(client):
    submission_round, schools = build_round(schools_per_district=1, districts=1)
    curator = schools[0].curators.get().user
    client.force_login(methodologist())
    page = completeness(client, submission_round).content.decode()
    assert curator.get_full_name() in page and curator.email in page


def test_a_long_round_lists_the_schools_of_one_district_until_another_or_a_state_is_chosen(client, monkeypatch, django_assert_num_queries):
    """Beyond COMPLETENESS_LIST_WHOLE schools (a region) the list holds the first district of the table above and says
    so, instead of sorting every school of the round; the same queries as a short list, and the totals stay whole."""
    from surveys import views

    submission_round, schools = build_round(schools_per_district=5, districts=2)
    round_district_counts_write(round_id=submission_round.pk)
    schools[5].submissions.filter(round=submission_round).delete()  # «Район 2» now has fewer forms sent: still listed second
    client.force_login(methodologist())
    cache.clear()
    with django_assert_num_queries(12):
        short = completeness(client, submission_round)
    monkeypatch.setattr(views, "COMPLETENESS_LIST_WHOLE", 9)
    cache.clear()  # the timeliness figures, kept for a minute on PostgreSQL: counted again, as on the first request

    with django_assert_num_queries(12):
        response = completeness(client, submission_round)

    page = response.content.decode()
    first = response.context["districts"][0]
    assert {s.pk for s in response.context["rows"]} == {s.pk for s in schools if s.district_id == first.district_id}
    assert f"Показаны школы района «{first.name}» — первого в таблице выше." in page and "Школ в раунде: 10" in page
    # The round's totals are those of the last recompute (6 not sent then), the district rows counted now.
    assert response.context["total"].total == short.context["total"].total == 10 and "Напомнить всем, кто не отправил (6)" in page
    other = schools[9].district
    by_district = completeness(client, submission_round, f"?district={other.pk}")
    assert {s.pk for s in by_district.context["rows"]} == {s.pk for s in schools[5:]} and "Показаны школы района" not in by_district.content.decode()
    by_state = completeness(client, submission_round, "?state=returned")
    assert {s.pk for s in by_state.context["rows"]} == {schools[2].pk, schools[7].pk}


@pytest.mark.parametrize("schools_per_district", [5, 100])
@pytest.mark.parametrize("recomputed", [False, True])
def test_completeness_query_count_does_not_grow_with_schools(client, django_assert_num_queries, schools_per_district, recomputed):
    submission_round, _ = build_round(schools_per_district=schools_per_district, districts=2)
    if recomputed:
        round_district_counts_write(round_id=submission_round.pk)  # as the recompute writes them
    client.force_login(methodologist())
    # session, user, profile, groups, round, the districts of the last recompute with their forms by state (and, before
    # any, whether there was one), counts per district and state (one grouped query; after a recompute for the districts
    # shown only, the round's totals then summed from the recompute's rows already read), count of the filtered schools
    # (paginator), one page of schools with their submission state, curators with users, reminders log, timeliness (one query)
    with django_assert_num_queries(12 if recomputed else 13):
        response = completeness(client, submission_round)
    assert response.context["total"].total == 2 * schools_per_district
    assert len(response.context["rows"]) == min(2 * schools_per_district, 100)


def test_manual_reminder_goes_to_everyone_who_has_not_submitted(client, django_capture_on_commit_callbacks):
    submission_round, schools = build_round(schools_per_district=5, districts=1)
    reviewer = methodologist()
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:round-remind", args=[submission_round.pk]), {"target": "all"}, follow=True)
    awaiting = {schools[2].pk, schools[3].pk, schools[4].pk}  # returned, draft, not started
    assert set(Reminder.objects.values_list("school_id", flat=True)) == awaiting
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.curators.get().user.email for s in schools if s.pk in awaiting)
    assert "Напоминания отправлены: 3 из 3" in response.content.decode()
    assert Reminder.objects.filter(sent_by=reviewer, kind=Reminder.Kind.MANUAL).count() == 3
    assert "Журнал напоминаний" in response.content.decode() and schools[4].full_name in response.content.decode()
    assert submission_round.title in mail.outbox[0].subject


def test_manual_reminder_to_chosen_schools_only(client, django_capture_on_commit_callbacks):
    submission_round, schools = build_round(schools_per_district=5, districts=1)
    client.force_login(methodologist())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:round-remind", args=[submission_round.pk]), {"target": "chosen", "schools": [schools[3].pk, schools[0].pk]})
    # schools[0] has an accepted form: only the draft school is reminded
    assert list(Reminder.objects.values_list("school_id", flat=True)) == [schools[3].pk]
    assert len(mail.outbox) == 1


def test_choosing_no_school_is_refused_with_a_message(client):
    submission_round, _ = build_round(schools_per_district=2, districts=1)
    client.force_login(methodologist())
    response = client.post(reverse("surveys:round-remind", args=[submission_round.pk]), {"target": "chosen"}, follow=True)
    assert "Отметьте в таблице школы" in response.content.decode()
    assert not mail.outbox


def test_manual_reminders_may_repeat(client, django_capture_on_commit_callbacks):
    submission_round, schools = build_round(schools_per_district=4, districts=1)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(submission_round=submission_round, school_ids=[schools[3].pk])
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(submission_round=submission_round, school_ids=[schools[3].pk])
    assert len(mail.outbox) == 2


def test_automatic_reminders_go_three_days_and_one_day_before_once_each(django_capture_on_commit_callbacks):
    submission_round, schools = build_round(schools_per_district=5, districts=1)
    now = timezone.now()
    SubmissionRound.objects.filter(pk=submission_round.pk).update(closes_at=now + dt.timedelta(days=2, hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=now) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=now + dt.timedelta(hours=1)) == 0  # the hourly beat runs again: nothing new
    assert len(mail.outbox) == 3
    assert set(Reminder.objects.values_list("kind", flat=True)) == {Reminder.Kind.AUTO_3D}

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=now + dt.timedelta(days=2)) == 3
    assert send_deadline_reminders.delay().get() == 0  # the beat task itself, now: nothing left to send
    assert len(mail.outbox) == 6
    assert Reminder.objects.filter(kind=Reminder.Kind.AUTO_1D).count() == 3


def test_no_automatic_reminder_long_before_the_deadline_or_for_closed_rounds():
    submission_round, _ = build_round(schools_per_district=3, districts=1)
    assert reminders_send_due() == 0  # the factory's round closes in 7 days
    SubmissionRound.objects.filter(pk=submission_round.pk).update(closes_at=timezone.now() + dt.timedelta(days=1), state=SubmissionRound.State.CLOSED)
    assert reminders_send_due() == 0
    assert not mail.outbox


def test_a_school_without_a_curator_is_logged_as_not_delivered():
    submission_round, schools = build_round(schools_per_district=4, districts=1)
    schools[3].curators.update(is_active=False)
    sent = reminders_send(submission_round=submission_round, school_ids=[schools[3].pk])
    assert [(r.ok, r.email) for r in sent] == [(False, "")]
    assert not mail.outbox


def test_an_automatic_reminder_skips_a_school_whose_own_deadline_is_later(django_capture_on_commit_callbacks):
    submission_round, schools = build_round(schools_per_district=5, districts=1)
    now = timezone.now()
    SubmissionRound.objects.filter(pk=submission_round.pk).update(closes_at=now + dt.timedelta(days=2, hours=20))
    RoundExtension.objects.create(round=submission_round, school=schools[4], closes_at=now + dt.timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=now) == 2
    assert schools[4].full_name not in " ".join(m.body for m in mail.outbox)


@pytest.mark.parametrize("state", ["", "none", "draft"])
def test_the_pages_of_one_districts_list_hold_its_schools_in_order_and_the_pager_counts_exactly_them(client, monkeypatch, state):
    """The list of one district is ordered by number and name (ties and schools without a number included) and counted
    for the pager apart from its rows: every page together holds exactly the schools the round lists for the district,
    in the order of the whole list, and «из N» is their number; an inactive participant, a school moved to another
    district after the round recorded it (listed where the round keeps it) and one moved to another municipality (not
    the methodologist's) are counted as they are listed."""
    from surveys import views
    from surveys.selectors import round_schools

    submission_round, schools = build_round(schools_per_district=5, districts=2)
    first = schools[0].district
    for number, name in [(7, "МБОУ «Гимназия № 7»"), (7, "МАОУ «Лицей № 7»"), (None, "НОУ «Частная школа»"), (1, "МБОУ «Образовательный центр № 1»")]:
        school = SchoolFactory(district=first, municipality=first.municipality, number=number, full_name=name)
        Submission.objects.create(round=submission_round, school=school, state=Submission.State.DRAFT)
        join_round(submission_round, [school], replace=False)
    schools[1].round_participations.update(is_active=False)
    schools[2].district = schools[9].district
    schools[2].save()  # the round still lists it in the first district until its facts are refreshed
    schools[3].municipality = MunicipalityFactory(name="Батайск")
    schools[3].save()
    user = methodologist(first.municipality)
    client.force_login(user)
    monkeypatch.setattr(views, "COMPLETENESS_PAGE_SIZE", 2)

    from schools.roles import Access
    from schools.selectors import schools_visible_to

    expected = round_schools(submission_round=submission_round, schools=schools_visible_to(Access(user))).filter(round_district_id=first.pk)
    if state == "none":
        expected = expected.filter(submission_id__isnull=True)
    elif state:
        expected = expected.filter(submission_state=state)
    expected = [s.pk for s in expected.order_by("round_district_name", "number", "full_name", "pk")]
    assert schools[1].pk not in expected and schools[3].pk not in expected and (state or schools[2].pk in expected)

    listed, number = [], 1
    while True:
        response = completeness(client, submission_round, f"?district={first.pk}&state={state}&page={number}")
        page = response.context["page"]
        assert page.number == number and page.paginator.count == len(expected)
        listed += [s.pk for s in response.context["rows"]]
        if not page.has_next():
            break
        number += 1
    assert listed == expected
    if len(expected) > 2:
        assert f"из {len(expected)}" in response.content.decode()
