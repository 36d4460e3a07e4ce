"""Export pages: who may export, a small file downloads at once, a large one becomes a job with progress."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook

from reports.exports import export_request_for, sheets
from reports.models import ExportJob
from reports.services import export_job_run, export_job_start
from schools.roles import Access
from tests.factories import (
    CuratorFactory,
    DistrictFactory,
    MunicipalityFactory,
    StatusAwardFactory,
    SubmissionRoundFactory,
    UserFactory,
    district_officer,
    methodologist,
)
from tests.reports_world import many_schools, small_round

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post_export(client, kind: str, **data):
    return client.post(reverse("reports:export-create", args=[kind]), data)


def workbook_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_export_page_offers_every_export_for_the_chosen_round(client):
    world = small_round()
    client.force_login(methodologist())
    response = client.get(reverse("reports:export-list"), {"round": world.previous.pk})
    text = response.content.decode()
    assert response.status_code == 200
    for title in ("Рейтинг", "Ответы школ", "Полнота заполнения", "Показатели", "Статус «Цифровая школа»"):
        assert title in text
    assert "Скачать за «Мониторинг 2025»" in text


def test_the_export_page_searches_districts_by_name_instead_of_listing_them(client):
    """A region's 800 districts are not rendered as options: each export's district is typed (or picked from the
    suggestions) and found by name or by id; a name that matches none, or no district for the passports, says what to do."""
    world = small_round()
    for number in range(30):
        DistrictFactory(municipality=world.pervomaysky.municipality, name=f"Пустой район {number}")
    client.force_login(methodologist())
    page = client.get(reverse("reports:export-list"), {"round": world.current.pk}).content.decode()
    cards = page.split('<div class="row g-3 mb-4">')[1]
    assert "<option" not in cards
    assert cards.count("data-district-search=") == 4  # the rating, the answers, the completeness and the passports
    by_name = post_export(client, "answers", round=world.current.pk, district=" первомайский ")
    ws = workbook_of(by_name)["Ответы"]
    assert [ws.cell(row=r, column=1).value for r in range(5, 9)] == ["МАОУ «Школа № 10»", "МБОУ «Школа № 16»", "МБОУ «Школа № 97»", None]
    by_id = post_export(client, "answers", round=world.current.pk, district=world.sovetsky.pk)
    assert workbook_of(by_id)["Ответы"].cell(row=5, column=1).value == "МБОУ «Лицей № 58»"
    back = reverse("reports:export-list") + f"?round={world.current.pk}"
    unknown = post_export(client, "rating", round=world.current.pk, district="Заречный")
    assert unknown.status_code == 302 and unknown["Location"] == back
    assert "Район «Заречный» не найден" in client.get(back).content.decode()
    nothing = post_export(client, "passports", round=world.current.pk, district="")
    assert nothing.status_code == 302 and "Выберите район" in client.get(back).content.decode()
    assert not ExportJob.objects.exists()


def test_small_export_downloads_at_once(client):
    world = small_round()
    client.force_login(methodologist())
    response = post_export(client, "rating", round=world.current.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert "%D0%A0%D0%B5%D0%B9%D1%82%D0%B8%D0%BD%D0%B3" in response["Content-Disposition"]  # «Рейтинг» in the file name
    assert workbook_of(response)["Рейтинг"]["C5"].value == "МАОУ «Школа № 10»"
    assert not ExportJob.objects.exists()


def test_curator_and_user_without_role_may_not_export(client):
    world = small_round()
    for user in (CuratorFactory(school=world.s10).user, UserFactory()):
        client.force_login(user)
        assert client.get(reverse("reports:export-list")).status_code == 403
        assert post_export(client, "rating", round=world.current.pk).status_code == 403


def test_export_of_a_round_of_another_city_or_an_unknown_kind_is_not_found(client):
    world = small_round()
    other = SubmissionRoundFactory(municipality=MunicipalityFactory(name="Муром"), questionnaire=world.questionnaire)
    client.force_login(methodologist())
    assert post_export(client, "rating", round=other.pk).status_code == 404
    assert post_export(client, "pivot", round=world.current.pk).status_code == 404
    assert post_export(client, "status", year="двадцать").status_code == 404
    assert client.get(reverse("reports:export-create", args=["rating"]), {"round": world.current.pk}).status_code == 405


def test_large_export_runs_as_a_job_with_progress_and_a_download_for_its_owner_only(client, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_ASYNC_ROWS = 2
    world = small_round()
    owner = district_officer(world.pervomaysky)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_export(client, "answers", round=world.current.pk)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:export-job", args=[job.pk])
    assert (job.user, job.kind, job.total_rows, job.state) == (owner, "answers", 3, ExportJob.State.DONE)

    page = client.get(response["Location"]).content.decode()
    assert reverse("reports:export-job-status", args=[job.pk]) in page and "js/exports.js" in page
    status = client.get(reverse("reports:export-job-status", args=[job.pk])).json()
    assert status == {
        "state": "done",
        "state_label": "готов",
        "done": 3,
        "total": 3,
        "percent": 100,
        "download": reverse("reports:export-job-download", args=[job.pk]),
        "error": "",
    }
    download = client.get(status["download"])
    assert download.status_code == 200
    ws = workbook_of(download)["Ответы"]
    assert [ws.cell(row=r, column=1).value for r in range(5, 8)] == ["МАОУ «Школа № 10»", "МБОУ «Школа № 16»", "МБОУ «Школа № 97»"]  # their district only

    client.force_login(methodologist())
    for name in ("reports:export-job", "reports:export-job-status", "reports:export-job-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_job_reports_progress_chunk_by_chunk_and_runs_once(monkeypatch):
    world = small_round()
    many_schools(world, 5)
    monkeypatch.setattr(sheets, "CHUNK", 4)
    user = methodologist()
    seen = []
    export_request_for(Access(user), "rating", round_id=world.current.pk).write("/dev/null", world.current.opens_at, seen.append)
    assert seen == [4, 8, 10]

    job = ExportJob.objects.create(kind="rating", user=user, params={"round": world.current.pk, "filename": "r.xlsx"}, total_rows=10)
    assert export_job_run(job_id=job.pk) is True
    assert export_job_run(job_id=job.pk) is False  # a second delivery of the task finds it claimed
    job.refresh_from_db()
    assert (job.state, job.done_rows, bool(job.file), job.finished_at is not None) == ("done", 10, True, True)


def test_job_whose_round_is_gone_fails_with_a_message(client):
    world = small_round()
    user = methodologist()
    job = ExportJob.objects.create(kind="rating", user=user, params={"round": world.current.pk + 100}, total_rows=500)
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "недоступны" in job.error
    client.force_login(user)
    assert client.get(reverse("reports:export-job-download", args=[job.pk])).status_code == 404
    assert "недоступны" in client.get(reverse("reports:export-job", args=[job.pk])).content.decode()


def test_status_year_defaults_to_the_latest_confirmed_list(client):
    world = small_round()
    StatusAwardFactory(school=world.s10, year=2022)
    client.force_login(methodologist())
    response = client.get(reverse("reports:export-list"))
    assert response.context["chosen"]["year"] == 2022
    assert "2026 — статусы ещё не подтверждены" in response.content.decode()


def test_jobs_finished_a_week_ago_are_removed_with_their_files_when_a_new_one_starts(settings, django_capture_on_commit_callbacks):
    settings.EXPORT_ASYNC_ROWS = 2
    world = small_round()
    user = methodologist()
    old = ExportJob.objects.create(kind="rating", user=user, params={"round": world.current.pk}, state=ExportJob.State.DONE, total_rows=5)
    old.file.save("old.xlsx", ContentFile(b"PK old"), save=True)
    ExportJob.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(days=8))
    stored = Path(old.file.path)
    request = export_request_for(Access(user), "rating", round_id=world.current.pk)
    with django_capture_on_commit_callbacks(execute=True):
        export_job_start(request=request, user=user, total_rows=5)
    assert list(ExportJob.objects.values_list("state", flat=True)) == ["done"]
    assert not ExportJob.objects.filter(pk=old.pk).exists() and not stored.exists()
