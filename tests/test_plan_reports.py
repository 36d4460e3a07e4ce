"""Plans people report against (issue 16 item 3): the school plan of МАОУ «СОШ №2» (seed 001) and the Murom district
roadmap (seed 004) from the demo set-up; every line has a state, the executor reports, the controlling person confirms or returns."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from indicators import plans
from indicators.models import Activity, KeyResult, LineReport, Roadmap
from indicators.services import PlanReportError, line_report_create, line_report_review
from tests.factories import regional

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def demo():
    for command in ("load_seed_data", "create_demo_accounts"):
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
    return {
        "sosh2": Roadmap.objects.get(school__full_name="МАОУ «СОШ №2»"),
        "murom": Roadmap.objects.get(municipality__name="Муромский район"),
    }


def user(name: str) -> User:
    return User.objects.get(username=name)


def pdf(name="report.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def line_url(line_obj, kind):
    return reverse("indicators:plan-line", args=[line_obj.roadmap_id, kind, line_obj.pk])


def test_every_line_has_a_state_computed_from_its_dates(demo):
    lines = plans.plan_lines([demo["sosh2"]], TODAY)
    assert len(lines) == 17 + 39  # results and activities of seed 001
    assert {line.state for line in lines} == {plans.OVERDUE}  # the plan ended on 31.12.2024, nothing reported
    future = plans.plan_lines([demo["sosh2"]], dt.date(2019, 1, 15))
    assert {line.state for line in future} == {plans.NOT_STARTED}


def test_curator_reports_an_activity_done_with_its_document_and_the_director_confirms(client, demo):
    activity = Activity.objects.get(roadmap=demo["sosh2"], number="3.1")
    client.force_login(user("kurator-sosh2"))
    page = client.get(line_url(activity, "activity")).content.decode()
    assert "технические задания, коммерческие предложения" in page  # the document the plan names, as written
    assert "Реутова Л.А., заместитель директора" in page and "01.02.2019 — 01.07.2019" in page

    # Done without the document the plan names: refused, says what to attach.
    response = client.post(
        reverse("indicators:plan-line-report", args=[demo["sosh2"].pk, "activity", activity.pk]), {"progress": "done", "comment": "ТЗ готово"}
    )
    assert response.status_code == 400
    assert "приложите его" in response.content.decode()
    assert not LineReport.objects.exists()

    response = client.post(
        reverse("indicators:plan-line-report", args=[demo["sosh2"].pk, "activity", activity.pk]),
        {"progress": "done", "comment": "Техническое задание и три коммерческих предложения", "document": pdf("tz.pdf")},
    )
    assert response.status_code == 302
    report = LineReport.objects.get()
    assert (report.review, report.reported_by.username, report.document_name) == ("pending", "kurator-sosh2", "tz.pdf")
    assert plans.plan_line(demo["sosh2"], "activity", activity.pk, TODAY).state == plans.AWAITING

    # The curator cannot confirm his own report; the director (the plan's controlling person) can.
    assert client.post(reverse("indicators:plan-report-review", args=[report.pk]), {"decision": "confirm"}).status_code == 403
    client.force_login(user("direktor-sosh2"))
    assert "Отчёт ждёт вашего подтверждения" in client.get(line_url(activity, "activity")).content.decode()
    assert client.get(reverse("indicators:plan-report-document", args=[report.pk])).status_code == 200
    client.post(reverse("indicators:plan-report-review", args=[report.pk]), {"decision": "confirm", "comment": ""})
    report.refresh_from_db()
    assert (report.review, report.reviewed_by.username) == ("confirmed", "direktor-sosh2")
    assert plans.plan_line(demo["sosh2"], "activity", activity.pk, TODAY).state == plans.DONE


def test_murom_result_is_reported_by_the_coordinator_and_returned_by_its_controller(client, demo):
    result = KeyResult.objects.get(roadmap=demo["murom"], number="3")
    line = plans.plan_line(demo["murom"], "result", result.pk, TODAY)
    assert (line.executor.username, line.controller.username) == ("koordinator-murom", "zam-uo-murom")
    client.force_login(user("koordinator-murom"))
    client.post(
        reverse("indicators:plan-line-report", args=[demo["murom"].pk, "result", result.pk]),
        {"progress": "done", "comment": "Медиаплан утверждён", "document": pdf("prikaz16.pdf")},
    )
    report = LineReport.objects.get(key_result=result)

    client.force_login(user("nachalnik-uo-murom"))  # controls other lines, not this one
    assert client.post(reverse("indicators:plan-report-review", args=[report.pk]), {"decision": "return", "comment": "нет"}).status_code == 403
    client.force_login(user("zam-uo-murom"))
    response = client.post(reverse("indicators:plan-report-review", args=[report.pk]), {"decision": "return", "comment": ""}, follow=True)
    assert "без комментария отчёт не возвращается" in response.content.decode()
    client.post(reverse("indicators:plan-report-review", args=[report.pk]), {"decision": "return", "comment": "Приложите приказ № 16 целиком"})
    report.refresh_from_db()
    assert (report.review, report.review_comment) == ("returned", "Приложите приказ № 16 целиком")
    line = plans.plan_line(demo["murom"], "result", result.pk, TODAY)
    assert line.state == plans.OVERDUE  # 13.01.2020 has passed and nothing is confirmed
    client.force_login(user("koordinator-murom"))
    assert "Отчёт возвращён: Приложите приказ № 16 целиком" in client.get(line_url(result, "result")).content.decode()


def test_seed_texts_show_on_the_plan_pages_exactly_as_written(client, demo):
    client.force_login(regional())  # Murom and СОШ №2 are not Rostov: the regional role reads every plan
    murom = client.get(reverse("indicators:plan-detail", args=[demo["murom"].pk])).content.decode()
    for text in (
        "Утверждено должностное лицо в составе муниципального проектного офиса, ответственное за внедрение целевой модели ЦОС",
        "24.04.2019",
        "Муниципальный координатор",
        "Распоряжение Главы администрации района от 24.04.2019 №43 «Об утверждении ответственных лиц за реализацию национальных проектов "
        "на территории муниципального образования Муромский район»",
        "Глава администрации района",
        "Заместитель Главы администрации района, начальник управления образования",
        "Муниципальная программа «Развитие образования Муромского района»",
        "2020 – 15%",
    ):
        assert text.replace("«", "&laquo;").replace("»", "&raquo;") in murom or text in murom, text
    sosh2 = client.get(reverse("indicators:plan-detail", args=[demo["sosh2"].pk])).content.decode()
    for text in ("Лукиянова И.М., руководитель РМЦ", "01.09.2020-", "2012.2021", "сертификаты о повышении квалификации", "15 (1,9)", "31.12.2019"):
        assert text in sosh2, text


def test_overdue_lines_of_every_plan_on_one_page(client, demo, django_assert_max_num_queries):
    client.force_login(regional())  # «every plan»: Murom and СОШ №2 too
    # session, user, profile, groups, roadmaps, results, deadlines, activities, reports, roles, curators, plans list
    with django_assert_max_num_queries(13):
        page = client.get(reverse("indicators:plan-attention")).content.decode()
    assert "Просрочено во всех планах" in page
    assert "Подключение МАОУ «СОШ №2» к высокоскоростному Интернету".replace("«", "&laquo;").replace("»", "&raquo;") in page or "Подключение МАОУ" in page
    assert "Сформирован и утвержден перечень оборудования для внедрения целевой модели ЦОС" in page


def test_a_second_review_of_the_same_report_is_refused(demo):
    result = KeyResult.objects.get(roadmap=demo["murom"], number="4")
    report = line_report_create(roadmap=demo["murom"], key_result=result, user=user("koordinator-murom"), progress="done", comment="Перечень утверждён")
    with pytest.raises(PlanReportError):
        line_report_create(roadmap=demo["murom"], key_result=result, user=user("koordinator-murom"), progress="done", comment="ещё раз")
    line_report_review(report=report, user=user("zam-uo-murom"), confirm=True)
    with pytest.raises(PlanReportError, match="уже проверен"):
        line_report_review(report=report, user=user("zam-uo-murom"), confirm=False, comment="поздно")


def test_people_without_a_role_see_only_the_roadmaps_they_act_for(client, demo):
    client.force_login(user("koordinator-murom"))
    assert client.get(reverse("indicators:plan-detail", args=[demo["murom"].pk])).status_code == 200
    assert client.get(reverse("indicators:plan-detail", args=[demo["sosh2"].pk])).status_code == 404
    client.force_login(User.objects.create_user("nobody"))
    assert client.get(reverse("indicators:plan-attention")).status_code == 403


def test_curator_reports_a_school_indicators_actual_and_sees_it_against_the_target(client, demo):
    from decimal import Decimal

    from indicators.models import Indicator

    indicator = Indicator.objects.get(roadmap=demo["sosh2"], code="SOSH2-3.1")
    url = reverse("indicators:plan-indicator", args=[demo["sosh2"].pk, indicator.pk])
    client.force_login(user("direktor-sosh2"))  # reads it, does not report it
    assert client.post(url, {"year": 2020, "value": "12", "absolute_value": "1,5"}).status_code == 403
    client.force_login(user("kurator-sosh2"))
    assert client.post(url, {"year": 2020, "value": "12", "absolute_value": "1,5", "comment": "по журналу"}).status_code == 302
    client.post(url, {"year": 2021, "value": "35"})
    rows = {c.year: c for c in plans.plan_indicator_rows(demo["sosh2"], only=indicator.pk)[0].cells}
    assert (rows[2020].target.raw_text, rows[2020].actual.value, rows[2020].actual.absolute_value) == ("15 (1,9)", Decimal(12), Decimal("1.5"))
    assert rows[2020].verdict == "at_risk"  # 3 points short of 15: the city's rule (at most 10 points short)
    assert rows[2021].verdict == "achieved" and rows[2022].verdict == "no_data"
    page = client.get(reverse("indicators:plan-detail", args=[demo["sosh2"].pk])).content.decode()
    assert "цель 15 (1,9)" in page and "факт 12 (1,5)" in page and "под угрозой" in page
