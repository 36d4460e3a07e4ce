"""History of reference data (django-simple-history) as people read it: who, when, field by field before → after.

Used by the admin's history pages (PortalHistoryAdmin) and by the objects' own pages (e.g. the school card).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from simple_history.admin import SimpleHistoryAdmin

ACTIONS = {"+": "создание", "~": "изменение", "-": "удаление"}
HIDDEN_FIELDS = {"id", "history_id", "history_date", "history_change_reason", "history_type", "history_user", "history_relation"}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    version: int = 0  # the record's history id: «версия N» of the object


def _tracked_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS and not f.name.startswith("history_")]


def _related_names(records: list, fields: list[models.Field]) -> dict[tuple[str, object], str]:
    """Names of the objects foreign keys point to, one query per related model, not one per cell."""
    names = {}
    for f in fields:
        if isinstance(f, models.ForeignKey):
            ids = {getattr(r, f.attname) for r in records} - {None}
            if ids:
                for pk, obj in f.related_model._base_manager.in_bulk(ids).items():
                    names[(f.name, pk)] = str(obj)
    return names


def _shown(f: models.Field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(f, models.ForeignKey):
        return names.get((f.name, value), f"№ {value}")
    if isinstance(f, models.BooleanField):
        return "да" if value else "нет"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "d.m.Y H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "d.m.Y")
    return str(value)


def history_entries(records, *, subject=str) -> list[HistoryEntry]:
    """Entries of historical records (any number of objects of one model), each compared with the previous
    record of the same object; newest first. `records` is a queryset of one model's history."""
    records = list(records.select_related("history_user").order_by("history_date", "history_id"))
    if not records:
        return []
    fields = _tracked_fields(records[0].instance_type)
    attnames = [(f, f.attname) for f in fields]
    names = _related_names(records, fields)
    previous: dict[object, object] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        changes = [
            Change(str(f.verbose_name), _shown(f, getattr(before, attname), names) if before else "—", _shown(f, getattr(record, attname), names))
            for f, attname in attnames
            if before is None and record.history_type == "+" or before is not None and getattr(before, attname) != getattr(record, attname)
        ]
        if record.history_type == "+":
            changes = [c for c in changes if c.new != "—"]
        user = record.history_user
        who = (user.get_full_name() or user.username) if user else "система (загрузка, задача или команда)"
        entries.append(
            HistoryEntry(record.history_date, who, ACTIONS.get(record.history_type, record.history_type), subject(record), changes, record.history_id)
        )
        previous[record.id] = record
    entries.reverse()
    return entries


class PortalHistoryAdmin(SimpleHistoryAdmin):
    """The admin's «История» page in Russian: field names as the form shows them, values as people read them."""

    object_history_list_template = "admin/portal_history_list.html"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        if not records:
            return
        # Compared with every earlier record of the object, so the oldest record on this page has its «before».
        earlier = self.model.history.filter(id__in={r.id for r in records}, history_date__lte=max(r.history_date for r in records))
        by_id = {entry.version: entry for entry in history_entries(earlier)}
        for record in records:
            entry = by_id.get(record.history_id)
            record.portal_changes = entry.changes if entry else []
