"""Every admin page renders for a superuser on the seed data; the roadmap admin keeps deadlines parsed."""

import datetime as dt
import inspect
from io import StringIO

import factory
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from indicators.models import Deadline, KeyResult
from operations.models import Heartbeat
from ratings.models import RatingCorrection
from reports.models import DocumentTemplate, ExportJob
from schools.models import PersonalDataAccess, PersonalDataAct, School
from surveys.models import Answer, AnswerChange, EvidenceFile, Reminder, RoundExtension, SubmissionEvent
from tests import factories

pytestmark = pytest.mark.django_db


def factories_by_model() -> dict:
    # Rows no factory in tests/factories.py makes: third-party apps' and the portal's logs and workflow rows.
    found = {
        AccessAttempt: lambda: AccessAttempt.objects.create(username="kurator-10", ip_address="10.0.0.1", user_agent="test", failures_since_start=1),
        AccessLog: lambda: AccessLog.objects.create(username="kurator-10", ip_address="10.0.0.1", user_agent="test"),
        AccessFailureLog: lambda: AccessFailureLog.objects.create(username="kurator-10", ip_address="10.0.0.1", user_agent="test"),
        RoundExtension: lambda: RoundExtension.objects.create(
            round=factories.SubmissionRoundFactory(), school=factories.SchoolFactory(), closes_at=timezone.now(), reason="болезнь куратора"
        ),
        AnswerChange: lambda: AnswerChange.objects.create(
            submission=factories.SubmissionFactory(), question=factories.QuestionFactory(), old_value="50", new_value="100"
        ),
        SubmissionEvent: lambda: SubmissionEvent.objects.create(
            submission=factories.SubmissionFactory(), action=SubmissionEvent.Action.SUBMITTED, from_state="draft", to_state="submitted"
        ),
        Reminder: lambda: Reminder.objects.create(round=factories.SubmissionRoundFactory(), school=factories.SchoolFactory(), email="kurator@example.org"),
        ExportJob: lambda: ExportJob.objects.create(kind="rating", user=factories.UserFactory()),
        TOTPDevice: lambda: TOTPDevice.objects.create(user=factories.UserFactory(), name="телефон"),
        StaticDevice: lambda: StaticDevice.objects.create(user=factories.UserFactory(), name="коды восстановления"),
        Heartbeat: lambda: Heartbeat.objects.create(name="beat", at=timezone.now()),
        DocumentTemplate: lambda: DocumentTemplate.objects.create(kind=DocumentTemplate.Kind.STATUS_ANNEX, file="document_templates/annex.docx"),
        PersonalDataAccess: lambda: PersonalDataAccess.objects.create(username="metodist", what="карточка школы: контакты куратора"),
        PersonalDataAct: lambda: PersonalDataAct.objects.create(
            subject_label="куратор № 1", reason=PersonalDataAct.Reason.DECISION, destroyed=["ФИО", "e-mail"], log_extract=[]
        ),
        RatingCorrection: lambda: RatingCorrection.objects.create(
            round=factories.SubmissionRoundFactory(),
            corrected_by=factories.UserFactory(),
            corrected_by_name="Администратор",
            reason="исправлена ошибка в правиле",
            before={},
            after={},
            changed_schools=0,
        ),
        EvidenceFile: lambda: EvidenceFile.objects.create(
            # A seeded school: another factory-made one would shift the school names' sequence into the seed's.
            answer=Answer.objects.create(
                submission=factories.SubmissionFactory(school=School.objects.order_by("pk").first()),
                question=factories.QuestionFactory(),
                file_name="prikaz.pdf",
            ),
            file="evidence/prikaz.pdf",
            file_name="prikaz.pdf",
            kind="pdf",
        ),
    }
    for _, cls in inspect.getmembers(factories, inspect.isclass):
        if issubclass(cls, factory.django.DjangoModelFactory) and cls._meta.model is not None:
            found.setdefault(cls._meta.model, cls)
    return found


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # six demo passwords, hashed fast
    call_command("load_seed_data", stdout=StringIO())
    call_command("create_demo_accounts", stdout=StringIO())


@pytest.fixture
def superuser_client(client, seeded):
    user = factories.UserFactory(username="root-admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def one_of_each(seeded):
    """An object of every registered model: from the seed data, or made by its factory in tests/factories.py."""
    builders = factories_by_model()
    objects = {}
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            assert model in builders, f"No {model.__name__} in the seed data and no factory for it: add one to tests/factories.py"
            obj = builders[model]()
        objects[model] = obj
    return objects


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_every_changelist_add_and_change_page_renders_for_a_superuser(superuser_client, one_of_each):
    failures = []
    for model, model_admin in admin.site._registry.items():
        urls = [admin_url(model, "changelist"), admin_url(model, "change", one_of_each[model].pk)]
        request = RequestFactory().get("/")
        request.user = superuser_client.user
        if model_admin.has_add_permission(request):  # e.g. rows only the worker writes have no add page
            urls.append(admin_url(model, "add"))
        for url in urls:
            status = superuser_client.get(url).status_code
            if status != 200:
                failures.append(f"{url}: {status}")
    assert not failures, failures


def test_every_changelist_search_renders(superuser_client, one_of_each):
    for model, model_admin in admin.site._registry.items():
        if model_admin.search_fields:
            response = superuser_client.get(admin_url(model, "changelist"), {"q": "ЦОС"})
            assert response.status_code == 200, model.__name__


def test_the_admin_index_lists_the_portal_apps_in_russian(superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    for label in ["Школы (ОУ)", "Районы", "Кураторы", "Дорожные карты", "Ключевые результаты", "Показатели", "Мероприятия", "Сроки"]:
        assert label in page


@pytest.mark.parametrize("extra_schools", [0, 40])
def test_the_school_list_shows_each_schools_curator_with_a_fixed_number_of_queries(superuser_client, django_assert_max_num_queries, extra_schools):
    district = School.objects.get(full_name="МАОУ «Школа № 10»").district
    for n in range(extra_schools):
        factories.CuratorFactory(school=factories.SchoolFactory(district=district, number=1000 + n, full_name=f"МБОУ «Школа № {1000 + n}»"))
    # session, user, the user's profile (middleware), municipalities and districts for the filters,
    # count filtered + count all, the page of schools with district and municipality, their active curators with users
    with django_assert_max_num_queries(9):
        page = superuser_client.get(admin_url(School, "changelist"), {"district__id__exact": district.pk}).content.decode()
    assert "МАОУ «Школа № 10»" in page
    assert "Соколова" in page  # kurator-10, Ирина Соколова


def test_the_key_result_list_filters_overdue_and_due_soon_results(superuser_client, django_assert_max_num_queries):
    url = admin_url(KeyResult, "changelist")
    rostov_roadmap_id = KeyResult.objects.get(number="1.5").roadmap_id
    # session, user, the user's profile (middleware), roadmaps and directions for the filters,
    # count filtered + count all, the page of key results with roadmap, direction and indicator, their deadlines
    with django_assert_max_num_queries(9):
        overdue = superuser_client.get(url, {"due": "overdue", "roadmap__id__exact": rostov_roadmap_id})
    assert overdue.status_code == 200
    # Every dated deadline of the seed roadmaps lies before 2025: all of Rostov's dated results are overdue now.
    assert "Назначение куратора от каждого ОУ" in overdue.content.decode()
    recurring = superuser_client.get(url, {"due": "recurring"}).content.decode()
    assert "организация и проведение установочного семинара" in recurring
    assert "Назначение куратора от каждого ОУ" not in recurring


def test_changing_a_deadline_wording_in_the_admin_reparses_its_deadlines(superuser_client):
    kr = KeyResult.objects.get(number="1.5", roadmap__municipality__name="Ростов-на-Дону")
    form = {
        "roadmap": kr.roadmap_id,
        "direction": kr.direction_id,
        "number": kr.number,
        "order": kr.order,
        "kind": kr.kind,
        "text": kr.text,
        "deadline_text": "Сентябрь 2021, 2022",
        "deadlines-TOTAL_FORMS": "0",
        "deadlines-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "fact": kr.fact,
    }
    response = superuser_client.post(admin_url(KeyResult, "change", kr.pk), form, follow=True)
    assert response.status_code == 200
    assert "Сроки пересчитаны" in response.content.decode()
    assert list(kr.deadlines.values_list("due_date", flat=True)) == [dt.date(2021, 9, 30), dt.date(2022, 9, 30)]


def test_an_unknown_deadline_wording_is_refused_with_a_russian_message_and_nothing_changes(superuser_client):
    kr = KeyResult.objects.get(number="1.5", roadmap__municipality__name="Ростов-на-Дону")
    form = {
        "roadmap": kr.roadmap_id,
        "direction": kr.direction_id,
        "number": kr.number,
        "order": kr.order,
        "kind": kr.kind,
        "text": kr.text,
        "deadline_text": "Когда-нибудь",
        "deadlines-TOTAL_FORMS": "0",
        "deadlines-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(admin_url(KeyResult, "change", kr.pk), form)
    assert response.status_code == 200
    assert "Не удалось разобрать срок «Когда-нибудь»" in response.content.decode()
    kr.refresh_from_db()
    assert kr.deadline_text == "Май 2021"
    assert list(Deadline.objects.filter(key_result=kr).values_list("due_date", flat=True)) == [dt.date(2021, 5, 31)]
