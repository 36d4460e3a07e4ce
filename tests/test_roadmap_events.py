"""Methodologists record events held for process key results; counts and schedules follow."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Deadline, ProcessEvent
from tests.factories import CuratorFactory, DeadlineFactory, KeyResultFactory, ProcessEventFactory, administrator, district_officer, methodologist

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def event_data(**overrides):
    data = {
        "date": "2022-03-15",
        "title": "Семинар «Дорожная карта. ЦОС» № 3",
        "format": "seminar",
        "schools_count": "29",
        "participants_count": "47",
        "link": "https://imc-rnd.ru/seminar-3",
    }
    return {**data, **overrides}


def test_methodologist_records_an_event_and_the_schedule_counts_it(client):
    kr = KeyResultFactory(text="Процессный: общегородские семинары")
    DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.MONTHLY)
    user = methodologist()
    client.force_login(user)

    response = client.post(reverse("indicators:event-create", args=[kr.pk]), event_data(document=SimpleUploadedFile("программа.pdf", PDF)))

    assert response.status_code == 302
    event = ProcessEvent.objects.get()
    assert (event.title, event.date, event.schools_count, event.participants_count, event.recorded_by) == (
        "Семинар «Дорожная карта. ЦОС» № 3",
        dt.date(2022, 3, 15),
        29,
        47,
        user,
    )
    page = client.get(response["Location"]).content.decode()
    assert "внесено" in page
    assert "проведено 1 из 25 по графику на сегодня" in page
    download = client.get(reverse("indicators:event-document", args=[event.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_event_in_the_future_is_refused_and_what_was_typed_stays(client):
    kr = KeyResultFactory()
    client.force_login(methodologist())
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(reverse("indicators:event-create", args=[kr.pk]), event_data(date=future, title="Круглый стол по РИС"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "дата не может быть в будущем" in text
    assert 'value="Круглый стол по РИС"' in text
    assert not ProcessEvent.objects.exists()


def test_document_that_is_not_what_its_name_says_is_refused(client):
    kr = KeyResultFactory()
    client.force_login(methodologist())
    response = client.post(reverse("indicators:event-create", args=[kr.pk]), event_data(document=SimpleUploadedFile("протокол.pdf", b"MZ not a pdf")))
    assert response.status_code == 400
    assert not ProcessEvent.objects.exists()


def test_district_officer_and_curator_may_read_but_not_record_or_delete(client):
    kr = KeyResultFactory()
    event = ProcessEventFactory(key_result=kr)
    curator = CuratorFactory()
    for user in (district_officer(curator.school.district), curator.user):
        client.force_login(user)
        page = client.get(reverse("indicators:keyresult-detail", args=[kr.pk]))
        assert page.status_code == 200
        assert "Внести проведённое мероприятие" not in page.content.decode()
        assert client.post(reverse("indicators:event-create", args=[kr.pk]), event_data()).status_code == 403
        assert client.post(reverse("indicators:event-delete", args=[event.pk])).status_code == 403
    assert ProcessEvent.objects.count() == 1


def test_administrator_deletes_a_mistaken_event(client):
    event = ProcessEventFactory()
    client.force_login(administrator())
    response = client.post(reverse("indicators:event-delete", args=[event.pk]))
    assert response.status_code == 302
    assert not ProcessEvent.objects.exists()


def test_marking_a_key_result_done_and_clearing_the_mark(client):
    kr = KeyResultFactory()
    DeadlineFactory(key_result=kr, due_date=dt.date(2021, 5, 31))
    client.force_login(methodologist())
    client.post(reverse("indicators:keyresult-completed", args=[kr.pk]), {"completed_on": "2021-05-20"})
    kr.refresh_from_db()
    assert kr.completed_on == dt.date(2021, 5, 20)
    assert "выполнен" in client.get(reverse("indicators:keyresult-detail", args=[kr.pk])).content.decode()
    client.post(reverse("indicators:keyresult-completed", args=[kr.pk]), {"completed_on": ""})
    kr.refresh_from_db()
    assert kr.completed_on is None
