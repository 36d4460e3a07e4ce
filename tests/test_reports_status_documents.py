"""The status list of a year as Word documents: the annex of the order and a draft of the order (seed 002 for 2022)."""

import io
import re
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.shared import Pt

from reports.models import DocumentTemplate
from schools.models import District, Municipality

pytestmark = pytest.mark.django_db

# Seed 002: the annex of the 2022 order, district by district as the order lists them.
SEED_002 = {
    "Ворошиловский": ["МАОУ «Гимназия № 76»", "МБОУ «Школа № 99»"],
    "Железнодорожный": ["МАОУ «Классический лицей № 1»", "МАОУ «Юридическая гимназия № 9 им. М.М. Сперанского»", "МАОУ «Лицей экономический № 14»"],
    "Кировский": ["МАОУ «Школа № 53»", "МБОУ «Школа № 80»"],
    "Ленинский": ["МБОУ «Гимназия № 35»", "МБОУ «Гимназия № 36»"],
    "Октябрьский": ["МАОУ «Лицей № 27»", "МБОУ «Школа № 43»", "МБОУ «Лицей № 50 при ДГТУ»"],
    "Первомайский": [
        "МАОУ «Школа № 10»",
        "МБОУ «Школа № 16»",
        "МБОУ «Гимназия № 19»",
        "МБОУ «Школа № 21»",
        "МБОУ «Школа № 23»",
        "МБОУ «Школа № 97»",
        "МБОУ «Школа № 109»",
        "МБОУ «Школа № 111»",
    ],
    "Пролетарский": ["МАОУ «Лицей № 11»", "МБОУ «Лицей № 13»"],
    "Советский": [
        "МБОУ «Школа № 31»",
        "МБОУ «Лицей № 58»",
        "МБОУ «Школа № 60»",
        "МБОУ «Школа № 86»",
        "МБОУ «Школа № 87»",
        "МБОУ «Лицей № 103»",
        "МАОУ «Школа № 115»",
    ],
}


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_seed_data", stdout=StringIO())
    call_command("create_demo_accounts", stdout=StringIO())
    return Municipality.objects.get(name="Ростов-на-Дону")


def signed_in(client, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def download(client, municipality, kind, year=2022):
    response = client.get(reverse("reports:status-document", args=[year, kind]) + f"?m={municipality.pk}")
    assert response.status_code == 200, response
    assert response["Content-Type"].endswith("wordprocessingml.document")
    return Document(io.BytesIO(response.content)), response.content


def annex_rows(document) -> dict[str, list[str]]:
    table = document.tables[-1]
    rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Район", "ОУ"]
    return {district: schools.split(", ") if schools else [] for district, schools in rows[1:]}


def test_the_2022_annex_lists_the_29_schools_of_seed_002_under_their_8_districts(client, seeded):
    document, _body = download(signed_in(client, "admin"), seeded, "annex")

    rows = annex_rows(document)
    # Names with a comma inside would split wrongly; seed 002 has none.
    assert rows == SEED_002
    assert sum(len(schools) for schools in rows.values()) == 29 and len(rows) == 8
    text = "\n".join(p.text for p in document.paragraphs)
    assert "получивших статус «Цифровая школа Ростова-на-Дону 2022»" in text
    assert "к приказу Управления образования города Ростова-на-Дону" in text


def test_the_documents_are_laid_out_as_gost_r_7_0_97_asks(client, seeded):
    document, _body = download(signed_in(client, "admin"), seeded, "order")

    section = document.sections[0]
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert [round(m.mm, 1) for m in margins] == [20, 10, 20, 20]  # Word keeps twips: 20 mm reads back as 20.0025
    normal = document.styles["Normal"].font
    assert (normal.name, normal.size) == ("Times New Roman", Pt(14))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "П Р И К А З" in text and "ПРИКАЗЫВАЮ:" in text
    assert "Присвоить статус «Цифровая школа Ростова-на-Дону 2022»" in text and "29 ОУ в 8 районах" in text
    assert annex_rows(document) == SEED_002  # the annex follows the order


def test_the_department_s_own_template_replaces_the_default(client, seeded, settings, tmp_path):
    own = Document()
    own.add_paragraph("Наш бланк: {{ department }}, статус {{ status_title }}, школ {{ school_count }}")
    buffer = io.BytesIO()
    own.save(buffer)
    template = DocumentTemplate(kind=DocumentTemplate.Kind.STATUS_ORDER)
    template.file.save("own.docx", ContentFile(buffer.getvalue()))

    document, _body = download(signed_in(client, "admin"), seeded, "order")

    assert document.paragraphs[0].text == "Наш бланк: Управление образования города Ростова-на-Дону, статус «Цифровая школа Ростова-на-Дону 2022», школ 29"


def test_a_district_officer_gets_the_annex_of_their_district_and_no_order(client, seeded):
    client = signed_in(client, "rayon-pervomaysky")

    document, _body = download(client, seeded, "annex")

    assert annex_rows(document) == {"Первомайский": SEED_002["Первомайский"]}
    assert client.get(reverse("reports:status-document", args=[2022, "order"]) + f"?m={seeded.pk}").status_code == 403


def test_a_year_without_a_confirmed_list_sends_back_to_the_status_page_saying_why(client, seeded):
    response = signed_in(client, "admin").get(reverse("reports:status-document", args=[2031, "annex"]) + f"?m={seeded.pk}", follow=True)

    assert "Список 2031 года ещё не подтверждён" in response.content.decode()


def test_the_status_page_offers_both_documents_to_the_administrator(client, seeded):
    page = signed_in(client, "admin").get(reverse("ratings:status", args=[2022]) + f"?m={seeded.pk}").content.decode()

    assert "Приложение к приказу (Word)" in page and "Проект приказа с приложением (Word)" in page


def test_libreoffice_converts_the_order_to_pdf(client, seeded, tmp_path):
    if not shutil.which("libreoffice"):
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer)")
    _document, body = download(signed_in(client, "admin"), seeded, "order")
    (tmp_path / "order.docx").write_bytes(body)

    result = subprocess.run(
        [
            "libreoffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "order.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr
    pdf = (tmp_path / "order.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 2  # the order, then its annex


def test_the_default_template_is_downloadable_for_administrators_only(client, seeded):
    assert signed_in(client, "admin").get(reverse("reports:document-template-default", args=["status_annex"])).status_code == 200
    assert signed_in(client, "metodist").get(reverse("reports:document-template-default", args=["status_annex"])).status_code == 403
    assert District.objects.filter(municipality=seeded).count() == 8
