"""A school's readiness passport for one round: a Word document (and PDF through LibreOffice when installed).

Everything in it comes from the school card's reads (reports.selectors.school_card): the round's score, places and
level, points per section, the history over rounds, the status criteria of the round and the answers against the city;
the city indicators the school's answers count towards (ratings.selectors.school_indicator_rows: the recompute's own rows)
and the state of the school's plan (indicators.plans.plan_lines: the plan page's states).
"""

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from indicators.plans import plan_lines, summarize
from ratings.deficits import school_plan
from ratings.selectors import school_indicator_rows
from roadmap_portal.documents import gost_page as _gost_page
from roadmap_portal.documents import table
from roadmap_portal.formatting import format_number

from .selectors import SchoolCard, school_card

LIBREOFFICE_TIMEOUT = 120
MEETS_TEXT = {True: "выполняет", False: "не выполняет", None: "нет ответа"}
NO_PLAN_TEXT = "План школы не ведётся в портале."


def pdf_available() -> bool:
    return shutil.which("libreoffice") is not None or shutil.which("soffice") is not None


def _table(document, header: list[str], rows: list[list[str]], widths_cm: list[float] | None = None):
    return table(document, header, rows, font_pt=11, widths_cm=widths_cm)


def _heading(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.add_run(text).bold = True


def passport_round(card: SchoolCard, round_id: int | None):
    """The round the passport is for: the one asked for if the school was rated in it, else the latest rated."""
    rated = [h for h in card.history if h.rating is not None]
    chosen = next((h for h in rated if h.round.pk == round_id), None) if round_id else None
    return chosen or (rated[-1] if rated else None)


def passport_docx(card: SchoolCard, round_id: int | None = None) -> bytes:
    school = card.school
    entry = passport_round(card, round_id)
    document = Document()
    _gost_page(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("Паспорт готовности к подключению к ЦОС").bold = True
    name = document.add_paragraph(school.full_name)
    name.alignment = WD_ALIGN_PARAGRAPH.CENTER
    facts = [f"Район: {school.district.name if school.district_id else '—'}; {'городская' if school.is_urban else 'сельская'} школа."]
    if card.curator is not None:
        facts.append(f"Куратор: {card.curator.user.get_full_name() or card.curator.user.username}.")
    document.add_paragraph(" ".join(facts))
    if entry is None:
        document.add_paragraph("У школы ещё нет рейтинга ни в одном мониторинге: итоги появятся после первого пересчёта.")
        _plan_section(document, school.pk)
        return _saved(document)
    rating = entry.rating
    _heading(document, f"Итоги мониторинга «{entry.round.title}»")
    document.add_paragraph(
        f"Рейтинг готовности: {format_number(rating.score, places=1)} из 100; уровень: {rating.get_level_display()}; "
        f"место в городе: {rating.rank or '—'} из {entry.rated_in_round}; место в районе: {rating.district_rank or '—'}."
    )
    sections = [
        [title_, format_number(points, places=2), format_number(possible, places=2)]
        for title_, (points, possible) in zip(card.section_titles, entry.sections, strict=True)
    ]
    if sections:
        _table(document, ["Раздел", "Баллы школы", "Возможно"], sections)
    _heading(document, "История по мониторингам")
    _table(
        document,
        ["Мониторинг", "Рейтинг", "Место", "Уровень"],
        [[h.round.title, format_number(h.rating.score, places=1), str(h.rating.rank or "—"), h.rating.get_level_display()] for h in card.history],
    )
    _heading(document, f"Критерии статуса «Цифровая школа {entry.round.year}»")
    eligibility = next((row for row in card.eligibility if row.round.pk == entry.round.pk), None)
    if eligibility is None:
        document.add_paragraph("Проверка критериев для этого мониторинга не проводилась.")
    elif eligibility.eligible:
        document.add_paragraph("Школа проходит по всем критериям статуса.")
    else:
        document.add_paragraph("Не выполнено: " + "; ".join(eligibility.failed) + ".")
    _indicators_section(document, entry.round, school.pk)
    _plan_section(document, school.pk)
    if card.answers and card.answers_round and card.answers_round.pk == entry.round.pk:
        _heading(document, "Ответы школы и город")
        rows = [[a.question.text, a.display, (format_number(a.city, places=1) if a.city is not None else "—")] for a in card.answers]
        _table(document, ["Вопрос", "Школа", "Город (медиана или доля «да», %)"], rows)
    stamp = document.add_paragraph(f"Сформировано {timezone.localtime():%d.%m.%Y %H:%M} · Портал мониторинга дорожной карты ЦОС")
    stamp.paragraph_format.space_before = Pt(10)
    for run in stamp.runs:
        run.font.size = Pt(10)
    return _saved(document)


def _indicators_section(document, submission_round, school_id: int) -> None:
    rows = school_indicator_rows(submission_round, school_id)
    _heading(document, "Показатели города, на которые влияет школа")
    if not rows:
        document.add_paragraph("Ни один показатель дорожной карты города не связан с вопросами анкеты этого мониторинга.")
        return
    document.add_paragraph(
        "Показатель города считается по ответам школ на связанный вопрос анкеты; «выполняет» — ответ школы отвечает условию "
        "показателя (порог для городских или сельских школ, нужные варианты ответа)."
    )
    _table(
        document,
        ["Показатель", "Условие для школы", "Ответ школы", "Школа"],
        [[f"{row.indicator.code} {row.indicator.name}".strip(), row.condition, row.answer, MEETS_TEXT[row.meets]] for row in rows],
        widths_cm=[6.5, 5.5, 3, 2.5],
    )


def _plan_section(document, school_id: int) -> None:
    _heading(document, "План школы")
    plan = school_plan(school_id)
    if plan is None:
        document.add_paragraph(NO_PLAN_TEXT)
        return
    today = timezone.localdate()
    lines = plan_lines([plan], today)
    if not lines:
        document.add_paragraph(f"«{plan.title}»: в плане пока нет строк.")
        return
    summary = summarize(lines)
    counts = ", ".join(f"{state.label} — {count}" for state, count in summary.segments)
    document.add_paragraph(f"«{plan.title}», на {today:%d.%m.%Y}: строк {summary.total} ({counts}).")
    _table(
        document,
        ["№", "Мероприятие или результат", "Сроки", "Состояние"],
        [[line.number or "—", line.title, line.dates_text or "—", line.state.label] for line in lines],
        widths_cm=[1.5, 9.5, 3.5, 3],
    )


def _saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_to_pdf(body: bytes) -> bytes:
    """LibreOffice headless, in a profile of its own (two conversions at once must not share one)."""
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary is None:
        raise RuntimeError("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="passport-") as work:
        source = Path(work) / "passport.docx"
        source.write_bytes(body)
        command = [binary, "--headless", f"-env:UserInstallation=file://{work}/profile", "--convert-to", "pdf", "--outdir", work, str(source)]
        subprocess.run(command, check=True, capture_output=True, timeout=LIBREOFFICE_TIMEOUT)
        return (Path(work) / "passport.pdf").read_bytes()


def passport_filename(school, extension: str) -> str:
    number = f"-{school.number}" if school.number else f"-{school.pk}"
    return f"pasport-gotovnosti{number}.{extension}"


def write_passports_zip(path, *, schools, round_id: int, min_schools: int, progress=None) -> int:
    """One passport (DOCX, and PDF when LibreOffice is there) per school into a ZIP at `path`."""
    with_pdf = pdf_available()
    count = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for school in schools:
            body = passport_docx(school_card(school, min_schools=min_schools), round_id)
            bundle.writestr(passport_filename(school, "docx"), body)
            if with_pdf:
                bundle.writestr(passport_filename(school, "pdf"), docx_to_pdf(body))
            count += 1
            if progress is not None:
                progress(count)
        if not with_pdf:
            bundle.writestr("README.txt", "PDF не сформированы: на сервере не установлен LibreOffice (apt-get install libreoffice-writer).\n")
    return count
