"""Word documents of the status list: the annex of the order and a draft of the order (docxtpl templates).

The default templates are built here with python-docx in the layout of ГОСТ Р 7.0.97 (Times New Roman 14, margins
20/10/20/20 mm, single spacing, indent 1.25 cm, page number centred at the top from the second page). An
administrator may replace either with the department's own Word file (admin → «Шаблоны документов»): a template is
a .docx with Jinja placeholders (TEMPLATE_PLACEHOLDERS); the default can be downloaded, edited in Word and uploaded.
"""

import io
from dataclasses import dataclass

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.shared import Cm, Mm, Pt
from docxtpl import DocxTemplate

from roadmap_portal.documents import gost_page as _gost_page

from .models import DocumentTemplate

TEMPLATE_PLACEHOLDERS = {
    "department": "название органа: «Управление образования города Ростова-на-Дону»",
    "department_genitive": "то же в родительном падеже: «Управления образования города Ростова-на-Дону»",
    "city": "город в родительном падеже: «Ростова-на-Дону»",
    "year": "год статуса: 2022",
    "status_title": "название статуса в кавычках: «Цифровая школа Ростова-на-Дону 2022»",
    "districts": "районы по алфавиту; у каждого name (название) и schools (школы через запятую, по номерам), school_list (списком)",
    "school_count": "число школ в списке",
    "district_count": "число районов",
    "order_reference": "реквизиты приказа, если они указаны при подтверждении списка, иначе пусто",
    "today": "дата формирования: 30.11.2026",
}


TEXT_WIDTH = Mm(210 - 20 - 10)  # A4 less the left and right margins of ГОСТ Р 7.0.97


@dataclass(frozen=True)
class DistrictRow:
    name: str
    schools: str
    school_list: list[str]


def status_context(*, municipality, year: int, groups, order_reference: str = "") -> dict:
    """What a template may use: one dict for both documents (see TEMPLATE_PLACEHOLDERS)."""
    city = municipality.name_genitive or municipality.name
    districts = []
    for group in groups:
        names = [str(row.school) for row in group.schools]
        districts.append(DistrictRow(group.name, ", ".join(names), names))
    return {
        "department": f"Управление образования города {city}",
        "department_genitive": f"Управления образования города {city}",
        "city": city,
        "year": year,
        "status_title": f"«Цифровая школа {city} {year}»",
        "districts": districts,
        "school_count": sum(len(d.school_list) for d in districts),
        "district_count": len(districts),
        "order_reference": order_reference,
        "today": f"{timezone.localdate():%d.%m.%Y}",
    }


def render(kind: str, context: dict) -> bytes:
    """The document of `kind` (DocumentTemplate.Kind) from the administrator's template or the default one."""
    uploaded = DocumentTemplate.objects.filter(kind=kind).first()
    source = io.BytesIO(uploaded.file.read() if uploaded else default_template(kind))
    document = DocxTemplate(source)
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- The default templates ---------------------------------------------------------------------------------


def _paragraph(document, text: str = "", *, align=WD_ALIGN_PARAGRAPH.LEFT, bold: bool = False, indent: bool = False, after: int = 0):
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
    if after:
        paragraph.paragraph_format.space_after = Pt(after)
    if text:
        paragraph.add_run(text).bold = bold
    return paragraph


def _annex(document, *, with_marking: bool) -> None:
    if with_marking:
        for line in ("Приложение № 1", "к приказу {{ department_genitive }}", "от ____________ № ________"):
            marking = _paragraph(document, line)
            marking.paragraph_format.left_indent = Cm(9.5)
        _paragraph(document)
    _paragraph(document, "Список общеобразовательных учреждений,", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _paragraph(document, "получивших статус {{ status_title }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, after=12)
    table = document.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Cm(5), TEXT_WIDTH - Cm(5))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    rows = (("Район", "ОУ"), ("{%tr for district in districts %}", ""), ("{{ district.name }}", "{{ district.schools }}"), ("{%tr endfor %}", ""))
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, width, text in zip(row.cells, widths, cells, strict=True):
            cell.width = width
            cell.paragraphs[0].add_run(text).bold = row is table.rows[0]
    _paragraph(document, "Всего: {{ school_count }} ОУ в {{ district_count }} районах.", after=0).paragraph_format.space_before = Pt(6)


def default_template(kind: str) -> bytes:
    document = Document()
    _gost_page(document)
    if kind == DocumentTemplate.Kind.STATUS_ANNEX:
        _annex(document, with_marking=True)
    else:
        _paragraph(document, "{{ department|upper }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, after=12)
        _paragraph(document, "П Р И К А З", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, after=12)
        dated = _paragraph(document, "____________\t№ ________", after=12)
        dated.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        _paragraph(document, "г. {{ city }}", align=WD_ALIGN_PARAGRAPH.CENTER, after=18)
        _paragraph(document, "Об итогах выполнения")
        _paragraph(document, "плана дорожной карты ЦОС", after=18)
        _paragraph(
            document,
            "По итогам мониторинга готовности общеобразовательных учреждений города {{ city }} к подключению к цифровой "
            "образовательной среде и в соответствии с критериями статуса {{ status_title }}",
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            indent=True,
        )
        _paragraph(document, "ПРИКАЗЫВАЮ:", bold=True, after=6).paragraph_format.space_before = Pt(6)
        points = (
            "1. Присвоить статус {{ status_title }} общеобразовательным учреждениям по списку (приложение № 1) — "
            "{{ school_count }} ОУ в {{ district_count }} районах.",
            "2. Начальникам районных отделов образования обеспечить контроль и координацию исполнения мероприятий "
            "дорожной карты в общеобразовательных учреждениях района.",
            "3. Руководителям общеобразовательных учреждений обеспечить исполнение мероприятий дорожной карты в части, касающейся деятельности учреждений.",
            "4. Контроль исполнения настоящего приказа оставляю за собой.",
        )
        for point in points:
            _paragraph(document, point, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
        _paragraph(document)
        _paragraph(document)
        signature = _paragraph(document, "Начальник\tИ.О. Фамилия")
        signature.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _annex(document, with_marking=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
