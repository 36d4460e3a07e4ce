"""The round's lifecycle on its own pages: create (participants by default, by district), open, extend for all or chosen
schools (never earlier for anyone), close after a summary and explicit confirmation, fix, reopen with a reason; the history
records who and when; schools that appear while a round is open are offered to join it in one click."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Notice, RoundEvent, RoundExtension, Submission, SubmissionRound
from surveys.services import round_deadline_extend
from tests.factories import (
    CuratorFactory,
    DistrictFactory,
    MunicipalityFactory,
    QuestionnaireFactory,
    SchoolFactory,
    administrator,
    join_round,
    methodologist,
    regional,
)

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def city():
    municipality = MunicipalityFactory()
    districts = [DistrictFactory(municipality=municipality, name=f"Район {i}") for i in (1, 2)]
    schools = [SchoolFactory(district=districts[i % 2], municipality=municipality) for i in range(4)]
    for school in schools:
        CuratorFactory(school=school)
    SchoolFactory(district=districts[0], municipality=municipality, is_active=False)
    questionnaire = QuestionnaireFactory(title="Готовность ОУ")
    return municipality, districts, schools, questionnaire


def create(client, city, **extra):
    municipality, _, _, questionnaire = city
    now = timezone.localtime()
    data = {
        "title": "Мониторинг — весна",
        "municipality": municipality.pk,
        "questionnaire": questionnaire.pk,
        "year": 2027,
        "opens_at": (now - dt.timedelta(hours=1)).strftime(FMT),
        "closes_at": (now + dt.timedelta(days=10)).strftime(FMT),
        "deviation_threshold": 50,
        "participants": "all",
        **extra,
    }
    return client.post(reverse("surveys:round-create"), data)


def test_a_methodologist_creates_a_round_with_every_active_school_and_opens_it(client, city, django_capture_on_commit_callbacks):
    _, _, schools, questionnaire = city
    user = methodologist(first_name="Анна", last_name="Методистова")
    client.force_login(user)
    response = create(client, city)
    submission_round = SubmissionRound.objects.get()
    assert response["Location"] == reverse("surveys:round-manage", args=[submission_round.pk])
    assert set(submission_round.schools.all()) == set(schools)  # the inactive school is left out
    assert submission_round.state == SubmissionRound.State.DRAFT and submission_round.questionnaire == questionnaire
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:round-open", args=[submission_round.pk]))
    submission_round.refresh_from_db()
    assert submission_round.state == SubmissionRound.State.OPEN
    assert Notice.objects.filter(kind=Notice.Kind.ROUND_OPENED).count() == 4
    history = [(e.action, e.user_name) for e in RoundEvent.objects.order_by("pk")]
    assert history == [("created", "Анна Методистова"), ("opened", "Анна Методистова")]
    page = client.get(reverse("surveys:round-manage", args=[submission_round.pk])).content.decode()
    assert "История раунда" in page and "Анна Методистова" in page


def test_a_round_of_chosen_districts_and_a_new_questionnaire_version(client, city):
    _, districts, schools, questionnaire = city
    client.force_login(administrator())
    create(client, city, participants="districts", districts=[districts[1].pk], new_version="on")
    submission_round = SubmissionRound.objects.get()
    assert set(submission_round.schools.all()) == {s for s in schools if s.district == districts[1]}
    assert submission_round.questionnaire.version == 2 and submission_round.questionnaire.previous == questionnaire


def test_the_districts_of_a_new_round_are_typed_by_name_not_listed(client, city):
    """A region's 800 districts are not rendered as checkboxes: they are typed (one a line or separated by commas, or added
    one by one from the suggestions), found by name among the round's municipality's; every unknown name is listed, and a
    name only another municipality has is explained."""
    municipality, districts, schools, _ = city
    batajsk = MunicipalityFactory(name="Батайск", name_genitive="Батайска")
    DistrictFactory(municipality=batajsk, name="Район 2")  # the same name in another municipality
    DistrictFactory(municipality=batajsk, name="Железнодорожный")
    for number in range(30):
        DistrictFactory(municipality=municipality, name=f"Пустой район {number}")
    client.force_login(administrator())
    page = client.get(reverse("surveys:round-create")).content.decode()
    assert "Пустой район" not in page and 'type="checkbox" name="districts"' not in page
    assert 'data-district-search="' in page
    unknown = create(client, city, participants="districts", districts="Заречный, район 1\nЛенинскй").content.decode()
    assert "Не найдены районы: «Заречный», «Ленинскй»" in unknown
    impossible = create(client, city, participants="districts", districts="²\nКиров\x00ский").content.decode()  # never asked of the database
    assert "Не найдены районы: «²», «Кировский»" in impossible
    assert "Не найден район «Железнодорожный»" in create(client, city, participants="districts", districts="Железнодорожный").content.decode()
    client.force_login(regional())  # sees every municipality's districts
    elsewhere = create(client, city, participants="districts", districts="Железнодорожный").content.decode()
    assert "Район «Железнодорожный» не входит в муниципалитет «Ростов-на-Дону»: он есть в «Батайск»" in elsewhere
    assert not SubmissionRound.objects.exists()
    create(client, city, participants="districts", districts="район 2;\n")
    assert set(SubmissionRound.objects.get().schools.all()) == {s for s in schools if s.district == districts[1]}


def test_creating_with_a_deadline_before_the_opening_is_refused_by_field(client, city):
    client.force_login(methodologist())
    now = timezone.localtime()
    response = create(client, city, closes_at=(now - dt.timedelta(days=2)).strftime(FMT))
    assert response.status_code == 200 and "Срок сдачи должен быть позже открытия" in response.content.decode()
    assert not SubmissionRound.objects.exists()


def open_round(client, city):
    client.force_login(methodologist())
    create(client, city)
    submission_round = SubmissionRound.objects.get()
    client.post(reverse("surveys:round-open", args=[submission_round.pk]))
    submission_round.refresh_from_db()
    return submission_round


def test_extend_for_one_school_tells_it_and_never_moves_anyone_earlier(client, city, django_capture_on_commit_callbacks):
    _, _, schools, _ = city
    submission_round = open_round(client, city)
    later = timezone.localtime(submission_round.closes_at) + dt.timedelta(days=3)
    url = reverse("surveys:round-extend", args=[submission_round.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"target": "chosen", "schools": [schools[0].pk], "closes_at": later.strftime(FMT), "reason": "болел куратор"})
    assert response.status_code == 302
    extension = RoundExtension.objects.get()
    assert extension.school == schools[0] and extension.reason == "болел куратор"
    notice = Notice.objects.get(kind=Notice.Kind.EXTENDED)
    assert notice.recipient == schools[0].curators.get().user and "болел куратор" in notice.text
    # For everyone, a date earlier than that school's own deadline would move it back: refused for the chosen one, kept for all.
    earlier = timezone.localtime(submission_round.closes_at) + dt.timedelta(days=1)
    refused = client.post(url, {"target": "chosen", "schools": [schools[0].pk], "closes_at": earlier.strftime(FMT)}, follow=True)
    assert "Новый срок должен быть позже нынешнего срока" in refused.content.decode()
    back = client.post(url, {"target": "all", "closes_at": (timezone.localtime(submission_round.closes_at) - dt.timedelta(days=1)).strftime(FMT)}, follow=True)
    assert "Новый срок должен быть позже нынешнего" in back.content.decode()
    client.post(url, {"target": "all", "closes_at": earlier.strftime(FMT)})
    submission_round.refresh_from_db()
    assert timezone.localtime(submission_round.closes_at).strftime(FMT) == earlier.strftime(FMT)
    assert RoundEvent.objects.filter(action="extended").count() == 2


def test_close_shows_a_summary_and_needs_the_confirmation(client, city):
    _, _, schools, _ = city
    submission_round = open_round(client, city)
    Submission.objects.create(round=submission_round, school=schools[0], state=Submission.State.ACCEPTED)
    Submission.objects.create(round=submission_round, school=schools[1], state=Submission.State.SUBMITTED)
    Submission.objects.create(round=submission_round, school=schools[2], state=Submission.State.RETURNED)
    url = reverse("surveys:round-close", args=[submission_round.pk])
    summary = client.get(url)
    assert summary.status_code == 200
    total = summary.context["summary"].total
    assert (total.counts["accepted"], total.counts["submitted"], total.counts["returned"], total.counts["draft"], total.counts["none"]) == (1, 1, 1, 0, 1)
    assert {s.pk for s in summary.context["summary"].unfinished} == {schools[1].pk, schools[2].pk, schools[3].pk}
    assert schools[3].full_name in summary.content.decode() and "он ещё не наступил" in summary.content.decode()
    assert client.post(url, {}).status_code == 200  # no confirmation: nothing closes
    assert SubmissionRound.objects.get().state == SubmissionRound.State.OPEN
    client.post(url, {"confirm": "on"})
    closed = SubmissionRound.objects.get()
    assert closed.state == SubmissionRound.State.CLOSED and closed.results_fixed_at is None


def test_fix_after_close_then_reopen_with_a_reason_not_earlier_than_before(client, city):
    submission_round = open_round(client, city)
    client.post(reverse("surveys:round-close", args=[submission_round.pk]), {"confirm": "on"})
    client.post(reverse("surveys:round-fix", args=[submission_round.pk]), {"confirm": "on"})
    submission_round.refresh_from_db()
    assert submission_round.results_fixed_at is not None
    reopen = reverse("surveys:round-reopen", args=[submission_round.pk])
    earlier = timezone.localtime(submission_round.closes_at) - dt.timedelta(days=1)
    response = client.post(reopen, {"closes_at": earlier.strftime(FMT), "reason": "ошибка в анкете"}, follow=True)
    assert "не может быть раньше прежнего" in response.content.decode()
    later = timezone.localtime(submission_round.closes_at) + dt.timedelta(days=2)
    client.post(reopen, {"closes_at": later.strftime(FMT), "reason": "ошибка в анкете"})
    submission_round.refresh_from_db()
    assert submission_round.state == SubmissionRound.State.OPEN and submission_round.results_fixed_at is None
    assert [e.action for e in RoundEvent.objects.order_by("pk")] == ["created", "opened", "closed", "fixed", "reopened"]
    assert "ошибка в анкете" in RoundEvent.objects.get(action="reopened").comment


def test_a_school_that_appears_while_the_round_is_open_joins_in_one_click(client, city, django_capture_on_commit_callbacks):
    municipality, districts, _, _ = city
    submission_round = open_round(client, city)
    newcomer = SchoolFactory(district=districts[0], municipality=municipality, full_name="МБОУ «Школа № 999»")
    curator = CuratorFactory(school=newcomer)
    manage = client.get(reverse("surveys:round-manage", args=[submission_round.pk])).content.decode()
    assert "не участвующих в раунде: <strong>1</strong>" in manage
    joinable = client.get(reverse("surveys:round-joinable")).content.decode()
    assert "Добавить все (1)" in joinable
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:round-join-all", args=[submission_round.pk]))
    assert submission_round.schools.filter(pk=newcomer.pk).exists()
    assert Notice.objects.filter(recipient=curator.user, kind=Notice.Kind.ROUND_OPENED).exists()
    assert "добавлены (1): МБОУ «Школа № 999»" in RoundEvent.objects.get(action="participants").comment


def test_only_a_draft_round_loses_participants(client, city):
    _, _, schools, _ = city
    client.force_login(methodologist())
    create(client, city)
    submission_round = SubmissionRound.objects.get()
    client.post(reverse("surveys:round-participant-remove", args=[submission_round.pk, schools[0].pk]))
    assert not submission_round.schools.filter(pk=schools[0].pk).exists()
    client.post(reverse("surveys:round-open", args=[submission_round.pk]))
    client.post(reverse("surveys:round-participant-remove", args=[submission_round.pk, schools[1].pk]))
    assert submission_round.schools.filter(pk=schools[1].pk).exists()


def test_a_closed_round_is_extended_only_for_chosen_schools(city):
    municipality, _, schools, questionnaire = city
    submission_round = SubmissionRound.objects.create(
        title="Р",
        municipality=municipality,
        questionnaire=questionnaire,
        year=2027,
        opens_at=timezone.now() - dt.timedelta(days=10),
        closes_at=timezone.now() + dt.timedelta(days=1),
        state=SubmissionRound.State.CLOSED,
    )
    join_round(submission_round, schools)
    with pytest.raises(Exception, match="откройте его заново"):
        round_deadline_extend(submission_round=submission_round, closes_at=timezone.now() + dt.timedelta(days=5), user=None)
    extensions = round_deadline_extend(submission_round=submission_round, closes_at=timezone.now() + dt.timedelta(days=5), user=None, schools=[schools[0]])
    assert [e.school for e in extensions] == [schools[0]]


def test_review_goes_on_after_closing_until_the_results_are_fixed(client, city):
    _, _, schools, _ = city
    submission_round = open_round(client, city)
    waiting = Submission.objects.create(round=submission_round, school=schools[0], state=Submission.State.SUBMITTED, submitted_at=timezone.now())
    other = Submission.objects.create(round=submission_round, school=schools[1], state=Submission.State.SUBMITTED, submitted_at=timezone.now())
    client.post(reverse("surveys:round-close", args=[submission_round.pk]), {"confirm": "on"})
    assert {s.pk for s in client.get(reverse("surveys:review-queue")).context["rows"]} == {waiting.pk, other.pk}
    client.post(reverse("surveys:submission-review", args=[waiting.pk]), {"action": "accept", "comment": "", "version": waiting.version})
    assert Submission.objects.get(pk=waiting.pk).state == Submission.State.ACCEPTED
    client.post(reverse("surveys:round-fix", args=[submission_round.pk]), {"confirm": "on"})
    assert list(client.get(reverse("surveys:review-queue")).context["rows"]) == []
    response = client.post(reverse("surveys:submission-review", args=[other.pk]), {"action": "accept", "comment": "", "version": other.version}, follow=True)
    assert Submission.objects.get(pk=other.pk).state == Submission.State.SUBMITTED
    assert "итоги зафиксированы" in response.content.decode()


def test_the_admin_offers_a_new_school_the_open_rounds(admin_client, city):
    municipality, districts, _, _ = city
    data = {
        "municipality": municipality.pk,
        "district": districts[0].pk,
        "full_name": "МБОУ «Школа № 777»",
        "aliases": "",
        "legal_form": "МБОУ",
        "kind": "школа",
        "number": 777,
        "is_urban": "on",
        "is_active": "on",
        "students_count": "",
        "teachers_count": "",
        "address": "",
        "curators-TOTAL_FORMS": 0,
        "curators-INITIAL_FORMS": 0,
        "curators-MIN_NUM_FORMS": 0,
        "curators-MAX_NUM_FORMS": 1000,
    }
    response = admin_client.post(reverse("admin:schools_school_add"), data, follow=True)
    assert "добавить в открытые мониторинги" in response.content.decode()
    assert reverse("surveys:round-joinable") in response.content.decode()


@pytest.mark.parametrize("extra", [2, 60])
def test_round_pages_query_counts_do_not_grow_with_schools(client, city, django_assert_num_queries, extra):
    municipality, districts, _, _ = city
    for i in range(extra):
        CuratorFactory(school=SchoolFactory(district=districts[i % 2], municipality=municipality))
    submission_round = open_round(client, city)
    # session, user, profile, groups, round, counts per district and state, round history, schools not in the round
    with django_assert_num_queries(8):
        assert client.get(reverse("surveys:round-manage", args=[submission_round.pk])).status_code == 200
    # ... the round, counts per district and state, the count and the list of schools not accepted yet
    with django_assert_num_queries(8):
        assert client.get(reverse("surveys:round-close", args=[submission_round.pk])).status_code == 200
    # ... the round, participants with their state and own deadline
    with django_assert_num_queries(6):
        assert client.get(reverse("surveys:round-extend", args=[submission_round.pk])).status_code == 200
    # ... the round, schools not in the round, participants with their state and own deadline
    with django_assert_num_queries(7):
        assert client.get(reverse("surveys:round-participants", args=[submission_round.pk])).status_code == 200


def test_after_closing_a_curator_with_a_returned_questionnaire_is_told_what_to_do(client, city):
    _, _, schools, _ = city
    submission_round = open_round(client, city)
    Submission.objects.create(round=submission_round, school=schools[0], state=Submission.State.RETURNED)
    client.post(reverse("surveys:round-close", args=[submission_round.pk]), {"confirm": "on"})
    client.force_login(schools[0].curators.get().user)
    page = client.get(reverse("surveys:my-school")).content.decode()
    assert "Мониторинг «Мониторинг — весна» закрыт" in page and "возвращена на доработку" in page
    assert "попросите методиста МАУ ИМЦО продлить срок" in page


@pytest.fixture
def region_round(client, city, request):
    """A round of many schools (a page is 50): `request.param` more schools in «Район 1», 8 in «Заречный» (one of
    them «Лицей № 7001»); after it is created, 3 new schools of «Заречный» and 2 of «Район 2» are not in it."""
    municipality, districts, _, _ = city
    riverside = DistrictFactory(municipality=municipality, name="Заречный")
    SchoolFactory.create_batch(request.param, district=districts[0], municipality=municipality)
    SchoolFactory.create_batch(7, district=riverside, municipality=municipality)
    SchoolFactory(district=riverside, municipality=municipality, number=7001, full_name="МАОУ «Лицей № 7001»")
    client.force_login(methodologist())
    create(client, city)
    submission_round = SubmissionRound.objects.get()
    newcomers = SchoolFactory.create_batch(3, district=riverside, municipality=municipality)
    newcomers += SchoolFactory.create_batch(2, district=districts[1], municipality=municipality)
    return submission_round, riverside, newcomers


def ticks(response) -> int:
    return response.content.decode().count('name="schools"')


@pytest.mark.parametrize("region_round", [10, 120], indirect=True)
def test_participants_page_shows_a_page_at_a_time_found_by_district_or_name_and_adds_one_a_district_or_all(client, region_round, django_assert_max_num_queries):
    submission_round, riverside, newcomers = region_round
    url = reverse("surveys:round-participants", args=[submission_round.pk])
    total = submission_round.schools.count()
    # session, user, profile, groups, round, a page of participants with their count, a page of schools not in the round with theirs
    with django_assert_max_num_queries(7):
        page = client.get(url)
    assert f"Участники: {total}" in page.content.decode()
    assert page.content.decode().count("Исключить ") == min(total, 50)
    # ... and the district of the filter
    with django_assert_max_num_queries(8):
        riverside_page = client.get(url, {"district": "Заречный"}).content.decode()
    assert "Участники — найдено: 8" in riverside_page and "не участвуют, найдено: 3" in riverside_page
    assert "Добавить все школы района «Заречный» (3)" in riverside_page
    found = client.get(url, {"q": "7001"}).content.decode()
    assert "Участники — найдено: 1" in found and "Лицей № 7001" in found
    if total > 50:
        second = client.get(url, {"page": 2}).content.decode()
        assert f"Школы 51–{min(total, 100)} из {total}" in second

    client.post(url, {"scope": "chosen", "schools": [newcomers[3].pk]})
    assert set(submission_round.schools.filter(pk__in=[s.pk for s in newcomers])) == {newcomers[3]}
    client.post(f"{url}?district=Заречный", {"scope": "found"})
    assert set(submission_round.schools.filter(pk__in=[s.pk for s in newcomers])) == {newcomers[3], *newcomers[:3]}
    client.post(url, {"scope": "found"})
    assert submission_round.schools.filter(pk__in=[s.pk for s in newcomers]).count() == 5
    assert "Все действующие школы муниципалитета уже участвуют" in client.get(url).content.decode()


@pytest.mark.parametrize("region_round", [10, 120], indirect=True)
def test_extend_page_shows_a_page_at_a_time_and_extends_for_a_district_or_a_school_found_by_number(client, region_round, django_assert_max_num_queries):
    submission_round, riverside, _ = region_round
    client.post(reverse("surveys:round-open", args=[submission_round.pk]))
    url = reverse("surveys:round-extend", args=[submission_round.pk])
    total = submission_round.schools.count()
    with django_assert_max_num_queries(6):  # session, user, profile, groups, round, a page of participants with their count
        page = client.get(url)
    assert ticks(page) == min(total, 50) and f"Школы: {total}" in page.content.decode()
    with django_assert_max_num_queries(7):  # ... and the district of the filter
        page = client.get(url, {"district": "Заречный"})
    assert ticks(page) == 8 and "для всех найденных фильтром (8)" in page.content.decode()

    later = timezone.localtime(submission_round.closes_at) + dt.timedelta(days=3)
    client.post(f"{url}?district=Заречный", {"target": "found", "closes_at": later.strftime(FMT)})
    assert set(RoundExtension.objects.values_list("school__district", flat=True)) == {riverside.pk}
    assert RoundExtension.objects.count() == 8
    lyceum = submission_round.schools.get(number=7001)
    even_later = later + dt.timedelta(days=1)
    client.post(f"{url}?q=7001", {"target": "chosen", "schools": [lyceum.pk], "closes_at": even_later.strftime(FMT)})
    assert RoundExtension.objects.filter(school=lyceum).latest("closes_at").closes_at == even_later.replace(second=0, microsecond=0)
    submission_round.refresh_from_db()
    assert submission_round.closes_at < later  # the round's own deadline did not move


@pytest.mark.parametrize("region_round", [60], indirect=True)
@pytest.mark.parametrize("number", ["0", "abc", "99999999999999999999999", "-3"])
def test_a_page_number_out_of_range_shows_the_first_or_last_page(client, region_round, number):
    submission_round, _, _ = region_round
    page = client.get(reverse("surveys:round-participants", args=[submission_round.pk]), {"page": number, "add_page": number})
    assert page.status_code == 200
    assert "Школы 1–50 из 72" in page.content.decode() or "Школы 51–72 из 72" in page.content.decode()
