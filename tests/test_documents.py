"""Documents due from schools (issue 16 item 2): the administrator asks, curators upload, reviewers see who has not, reminders."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from surveys.documents import document_reminders_send, document_reminders_send_due, document_request_create, document_upload
from surveys.models import DocumentRequest, DocumentUpload, Notice
from tests.factories import CuratorFactory, DistrictFactory, MunicipalityFactory, SchoolFactory, UserFactory, administrator, district_officer, methodologist

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="prikaz.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def city():
    first, second = DistrictFactory(name="Первомайский"), None
    second = DistrictFactory(municipality=first.municipality, name="Советский")
    schools = [SchoolFactory(municipality=first.municipality, district=first if n < 3 else second) for n in range(5)]
    curators = [CuratorFactory(school=s, user=UserFactory(email=f"k{n}@school.example")) for n, s in enumerate(schools)]
    return first.municipality, [first, second], schools, curators


def ask(municipality, district=None, days=10):
    return document_request_create(
        municipality=municipality,
        district=district,
        kind="curator_order",
        title="Копия приказа о назначении куратора",
        description="п. 3.2",
        due_date=timezone.localdate() + dt.timedelta(days=days),
        user=administrator(),
    )


def test_asking_tells_every_curator_of_the_asked_schools_once(city, django_capture_on_commit_callbacks):
    municipality, districts, schools, curators = city
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(municipality, district=districts[0])
    told = Notice.objects.filter(kind=Notice.Kind.DOCUMENT_REQUESTED)
    assert set(told.values_list("recipient_id", flat=True)) == {c.user_id for c in curators[:3]}  # only the district's schools
    assert f"до {request.due_date:%d.%m.%Y}" in told.first().subject


def test_curator_uploads_from_the_school_page_and_the_methodologist_sees_who_has_not(client, city):
    municipality, _, schools, curators = city
    request = ask(municipality)
    client.force_login(curators[0].user)
    page = client.get(reverse("surveys:my-school")).content.decode()
    assert "Документы, которые ждут от школы" in page and "Копия приказа о назначении куратора" in page
    response = client.post(reverse("surveys:document-upload", args=[request.pk]), {"file": pdf("prikaz 57-o.pdf"), "comment": "приказ № 57-о"})
    assert response.status_code == 302
    upload = DocumentUpload.objects.get()
    assert (upload.school_id, upload.uploaded_by_id, upload.comment) == (schools[0].pk, curators[0].user_id, "приказ № 57-о")

    client.force_login(methodologist())
    page = client.get(reverse("surveys:document-detail", args=[request.pk])).content.decode()
    assert "Представили 1 из 5" in page
    missing = client.get(reverse("surveys:document-detail", args=[request.pk]) + "?state=missing").content.decode()
    assert schools[0].full_name not in missing and schools[1].full_name in missing
    assert client.get(reverse("surveys:document-file", args=[upload.pk])).status_code == 200


def test_a_file_that_is_not_what_it_says_is_refused(client, city):
    municipality, _, schools, curators = city
    request = ask(municipality)
    client.force_login(curators[0].user)
    response = client.post(reverse("surveys:document-upload", args=[request.pk]), {"file": SimpleUploadedFile("prikaz.pdf", b"MZ not a pdf")}, follow=True)
    assert "не похож на" in response.content.decode()
    assert not DocumentUpload.objects.exists()


def test_a_school_outside_the_district_is_not_asked(client, city):
    municipality, districts, schools, curators = city
    request = ask(municipality, district=districts[0])
    client.force_login(curators[4].user)  # Советский
    assert client.post(reverse("surveys:document-upload", args=[request.pk]), {"file": pdf()}).status_code == 404
    assert "Копия приказа" not in client.get(reverse("surveys:my-school")).content.decode()


def test_reminders_go_to_schools_that_have_not_sent_it_manual_once_a_day_auto_once(city):
    municipality, _, schools, curators = city
    request = ask(municipality, days=3)
    document_upload(document_request=request, school=schools[0], user=curators[0].user, file=pdf())
    assert document_reminders_send(document_request=request) == 4
    assert document_reminders_send(document_request=request) == 0  # the same day: nothing again
    assert document_reminders_send_due() == 4  # three days before the date
    assert document_reminders_send_due() == 0
    reminded = Notice.objects.filter(kind=Notice.Kind.DOCUMENT_REMINDER).values_list("recipient_id", flat=True)
    assert curators[0].user_id not in reminded


def test_district_officer_sees_only_the_district_and_may_remind(client, city):
    municipality, districts, schools, curators = city
    request = ask(municipality)
    officer = district_officer(districts[0])
    client.force_login(officer)
    page = client.get(reverse("surveys:document-detail", args=[request.pk])).content.decode()
    assert "Представили 0 из 3" in page and schools[4].full_name not in page
    assert client.post(reverse("surveys:document-list"), {"title": "x"}).status_code == 403  # only the administrator asks


def test_administrator_asks_from_the_page(client, city):
    municipality, districts, _, _ = city
    client.force_login(administrator())
    response = client.post(
        reverse("surveys:document-list"),
        {"municipality": municipality.pk, "district": "", "kind": "curator_order", "title": "Копия приказа", "description": "", "due_date": "2026-12-20"},
    )
    request = DocumentRequest.objects.get()
    assert response.status_code == 302 and request.due_date == dt.date(2026, 12, 20) and request.district is None


def test_the_request_form_searches_the_district_by_name_instead_of_listing_them(client, city):
    """A region's 800 districts are not rendered as options: «Только район» is typed (or picked from the suggestions) and
    found by name among the chosen municipality's districts; a name that matches none, or another municipality's, is refused."""
    municipality, districts, _, _ = city
    elsewhere = DistrictFactory(municipality=MunicipalityFactory(name="Батайск", name_genitive="Батайска"), name="Первомайский")  # the same name elsewhere
    SchoolFactory(municipality=elsewhere.municipality, district=elsewhere)
    for number in range(30):
        DistrictFactory(municipality=municipality, name=f"Пустой район {number}")
    client.force_login(administrator())
    page = client.get(reverse("surveys:document-list")).content.decode()
    assert "Пустой район" not in page
    assert "<option" not in page.split('name="district"')[1].split("</div>")[0]
    assert 'data-district-search="' in page
    fields = {"municipality": municipality.pk, "kind": "curator_order", "title": "Копия приказа", "description": "", "due_date": "2026-12-20"}
    unknown = client.post(reverse("surveys:document-list"), {**fields, "district": "Заречный"})
    assert unknown.status_code == 400 and "Район «Заречный» не найден" in unknown.content.decode()
    foreign = client.post(reverse("surveys:document-list"), {**fields, "municipality": municipality.pk, "district": elsewhere.pk})
    assert foreign.status_code == 400 and "не входит в" in foreign.content.decode()
    assert not DocumentRequest.objects.exists()
    response = client.post(reverse("surveys:document-list"), {**fields, "district": "первомайский"})
    assert response.status_code == 302 and DocumentRequest.objects.get().district == districts[0]


def test_request_page_queries_do_not_grow_with_schools(client, city, django_assert_max_num_queries):
    municipality, _, schools, _ = city
    request = ask(municipality)
    for _ in range(20):
        CuratorFactory(school=SchoolFactory(municipality=municipality, district=schools[0].district))
    client.force_login(methodologist())
    # session, user, profile, groups, request, counts, schools with latest upload, curators (+ notices bell)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("surveys:document-detail", args=[request.pk])).status_code == 200
