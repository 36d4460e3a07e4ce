"""The act of destruction of personal data as a Word document (ГОСТ Р 7.0.97 layout), with the event-log extract."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from roadmap_portal.documents import gost_page, table


def act_docx(act) -> bytes:
    document = Document()
    gost_page(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(f"АКТ № {act.pk}\nоб уничтожении (обезличивании) персональных данных").bold = True
    who = (
        f"администратором {act.performed_by.get_full_name() or act.performed_by.get_username()}"
        if act.performed_by
        else "автоматически, периодической задачей портала"
    )
    document.add_paragraph(f"Дата и время: {act.performed_at:%d.%m.%Y %H:%M}. Выполнено {who}.")
    document.add_paragraph(f"Субъект персональных данных: {act.subject_label} (имя после уничтожения не указывается).")
    document.add_paragraph(f"Основание: {act.get_reason_display()}. Способ: обезличивание записей в базе данных портала и удаление файлов.")
    document.add_paragraph("Уничтожены:")
    table(document, ["Где", "Что"], [[item["где"], item["что"]] for item in act.destroyed] or [["—", "персональных данных не найдено"]])
    document.add_paragraph("")
    document.add_paragraph("Выписка из журнала событий (до уничтожения):")
    extract = [[e["когда"], e["событие"], e["подробности"]] for e in act.log_extract]
    table(document, ["Когда", "Событие", "Подробности"], extract or [["—", "событий нет", ""]])
    document.add_paragraph("")
    document.add_paragraph("Ответственный за обработку персональных данных ____________________ / ____________________ /")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
