"""A school's readiness passport (DOCX, PDF through LibreOffice) and a district's passports as one ZIP built by a job."""

import datetime as dt
import io
import shutil
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document

from indicators import plans
from indicators.models import LineReport, Roadmap
from reports.models import ExportJob
from reports.passport import NO_PLAN_TEXT, passport_docx
from reports.selectors import school_card
from schools.models import School

from .reports_world import small_round
from .security_world import build_world

pytestmark = pytest.mark.django_db


def text_of(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_curator_downloads_the_passport_of_their_school_with_its_figures_and_history(client):
    world = build_world()
    school = world.schools["own"]
    client.force_login(world.users["curator"])

    response = client.get(reverse("reports:school-passport", args=[school.pk, "docx"]) + f"?round={world.round.pk}")

    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    text = text_of(Document(io.BytesIO(response.content)))
    assert "Паспорт готовности к подключению к ЦОС" in text and school.full_name in text
    assert f"Итоги мониторинга «{world.round.title}»" in text and "Рейтинг готовности:" in text
    assert "История по мониторингам" in text and world.closed_round.title in text
    assert "Критерии статуса «Цифровая школа 2026»" in text


def test_the_passport_pdf_is_made_by_libreoffice_when_it_is_installed(client):
    if not shutil.which("libreoffice"):
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer)")
    world = build_world()
    client.force_login(world.users["methodologist"])

    response = client.get(reverse("reports:school-passport", args=[world.schools["own"].pk, "pdf"]))

    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_without_libreoffice_the_card_offers_word_only_and_says_why(client, monkeypatch):
    world = build_world()
    monkeypatch.setenv("PATH", "/nonexistent")  # a server where LibreOffice is not installed
    client.force_login(world.users["methodologist"])

    page = client.get(reverse("reports:school-card", args=[world.schools["own"].pk])).content.decode()

    assert "PDF недоступен: на сервере не установлен LibreOffice" in page
    assert "passport.docx" in page and "passport.pdf" not in page
    assert client.get(reverse("reports:school-passport", args=[world.schools["own"].pk, "pdf"])).status_code == 404


def test_a_district_s_passports_are_one_zip_built_by_an_export_job(client, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # DOCX only: keeps the test fast; the PDF path is tested above
    world = build_world()
    client.force_login(world.users["district_officer"])
    district = world.schools["own"].district

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export-create", args=["passports"]), {"round": world.round.pk, "district": district.pk})

    job = ExportJob.objects.get(user=world.users["district_officer"], kind="passports")
    assert response.status_code == 302 and response["Location"] == reverse("reports:export-job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.done_rows == job.total_rows
    download = client.get(reverse("reports:export-job-download", args=[job.pk]))
    assert download["Content-Type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    schools_of_district = [s for s in world.schools.values() if s.district_id == district.pk and world.round.schools.filter(pk=s.pk).exists()]
    assert sorted(n for n in bundle.namelist() if n.endswith(".docx")) == sorted(f"pasport-gotovnosti-{s.number}.docx" for s in schools_of_district)
    assert "README.txt" in bundle.namelist()  # says why there are no PDFs
    first = Document(io.BytesIO(bundle.read(f"pasport-gotovnosti-{schools_of_district[0].number}.docx")))
    assert schools_of_district[0].full_name in text_of(first)


def test_a_district_officer_cannot_bundle_another_district(client):
    world = build_world()
    client.force_login(world.users["district_officer"])

    response = client.post(reverse("reports:export-create", args=["passports"]), {"round": world.round.pk, "district": world.schools["foreign"].district_id})

    assert response.status_code == 404 and not ExportJob.objects.filter(kind="passports").exists()


def test_the_passport_lists_the_city_indicators_the_school_affects_and_whether_it_meets_each():
    world = small_round()
    world.speed.aggregation, world.speed.threshold_urban = "share", 100  # «не менее 100 Мбит/с»: №10 answered 120, №97 answered 80
    world.speed.save()

    def indicator_rows(school):
        document = Document(io.BytesIO(passport_docx(school_card(school), world.current.pk)))
        table = next(t for t in document.tables if t.rows[0].cells[0].text == "Показатель")
        return [[cell.text for cell in row.cells] for row in table.rows[1:]], text_of(document)

    rows, text = indicator_rows(world.s10)
    assert "Показатели города, на которые влияет школа" in text
    assert rows == [["ROS-SPEED Доля ОУ с доступом к Интернету не менее 100 Мбит/с", "«Скорость подключения к Интернету» от 100", "120 Мбит/с", "выполняет"]]
    rows, _text = indicator_rows(world.s97)
    assert rows[0][2:] == ["80 Мбит/с", "не выполняет"]


def test_the_passport_of_sosh2_shows_its_plan_lines_with_their_states_and_a_school_without_a_plan_says_so():
    call_command("load_seed_data", stdout=io.StringIO(), stderr=io.StringIO())
    plan = Roadmap.objects.get(school__full_name="МАОУ «СОШ №2»")
    activity = plan.activities.order_by("order").first()
    LineReport.objects.create(roadmap=plan, activity=activity, progress=LineReport.Progress.DONE, review=LineReport.Review.CONFIRMED, comment="Акт подписан")

    document = Document(io.BytesIO(passport_docx(school_card(plan.school))))

    table = next(t for t in document.tables if t.rows[0].cells[0].text == "№")
    rows = [(row.cells[1].text, row.cells[3].text) for row in table.rows[1:]]
    expected = plans.plan_lines([plan], dt.date.today())
    assert rows == [(line.title, line.state.label) for line in expected] and len(rows) == 17 + 39
    assert (activity.title, "выполнено") in rows
    assert sorted(state for _title, state in rows) == ["выполнено"] + ["просрочено"] * 55  # the plan ended on 31.12.2024
    assert "План школы" in text_of(document) and "выполнено — 1" in text_of(document)
    other = School.objects.exclude(pk=plan.school_id).order_by("pk").first()  # a school of the seed's city: no plan of its own
    assert NO_PLAN_TEXT in text_of(Document(io.BytesIO(passport_docx(school_card(other)))))
