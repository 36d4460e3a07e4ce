"""Writes of roadmaps: events held for process key results, and marking a key result done."""

import datetime as dt

from django.db import transaction

from .models import KeyResult, ProcessEvent


@transaction.atomic
def process_event_record(
    *,
    key_result: KeyResult,
    recorded_by,
    date: dt.date,
    title: str,
    format: str,
    schools_count: int = 0,
    participants_count: int = 0,
    link: str = "",
    document=None,
) -> ProcessEvent:
    event = ProcessEvent(
        key_result=key_result,
        recorded_by=recorded_by,
        date=date,
        title=title.strip(),
        format=format,
        schools_count=schools_count,
        participants_count=participants_count,
        link=link,
    )
    if document:
        event.document = document
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def process_event_delete(*, event: ProcessEvent) -> None:
    if event.document:
        document = event.document
        transaction.on_commit(lambda: document.delete(save=False))
    event.delete()


@transaction.atomic
def key_result_set_completed(*, key_result: KeyResult, completed_on: dt.date | None) -> KeyResult:
    """Mark a key result done on a date (or clear the mark); its state then reads «выполнен»."""
    key_result.completed_on = completed_on
    key_result.full_clean()
    key_result.save(update_fields=["completed_on"])
    return key_result
