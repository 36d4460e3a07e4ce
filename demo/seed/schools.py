"""Demo data of the schools app from `fixtures/schools.json`: municipalities, Rostov's districts and schools.

Idempotent: every row is found by its natural key and updated in place, so a second load changes nothing.
"""

import json
import re
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import models

from schools.models import District, Municipality, School

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"

SCHOOL_NAME = re.compile(r"(?P<legal_form>МБОУ|МАОУ)?\s*«(?P<inner>[^»]+)»")
KIND_WORDS = (("гимназия", School.Kind.GYMNASIUM), ("лицей", School.Kind.LYCEUM), ("сош", School.Kind.SOSH), ("школа", School.Kind.SCHOOL))


def read_fixture(name: str) -> dict:
    with open(FIXTURES_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


class SeedTally:
    """How many rows of each kind a loader went through, and how many of them were new."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.created: Counter[str] = Counter()

    def add(self, label: str, created: bool, count: int = 1) -> None:
        self.seen[label] += count
        if created:
            self.created[label] += count

    def lines(self) -> list[str]:
        return [f"{label}: {count}" + (f" (новых {self.created[label]})" if self.created[label] else "") for label, count in self.seen.items()]

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


class Upsert:
    """Find-or-create rows by natural key against one read of the existing rows; write only what differs.

    `update=False` creates missing rows and leaves existing ones as they are (defaults an administrator may have edited).
    """

    def __init__(self, queryset: models.QuerySet, key: tuple[str, ...], *, fixed: dict | None = None, update: bool = True) -> None:
        self.model = queryset.model
        self.key = key
        self.fixed = fixed or {}
        self.update = update
        self.rows = {tuple(self._current(obj, name) for name in key): obj for obj in queryset}

    def __call__(self, *key_values, **values) -> tuple[models.Model, bool]:
        lookup = tuple(_plain(value) for value in key_values)
        obj = self.rows.get(lookup)
        if obj is None:
            obj = self.model.objects.create(**self.fixed, **dict(zip(self.key, key_values, strict=True)), **values)
            self.rows[lookup] = obj
            return obj, True
        if self.update:
            changed = [name for name, value in values.items() if self._current(obj, name) != _plain(value)]
            for name in changed:
                setattr(obj, name, values[name])
            if changed:
                obj.save(update_fields=changed)
        return obj, False

    def _current(self, obj: models.Model, name: str):
        # Foreign keys are compared by id, without fetching the related row.
        return getattr(obj, self.model._meta.get_field(name).attname)


def _plain(value):
    return value.pk if isinstance(value, models.Model) else value


def parse_school_name(full_name: str) -> dict:
    """Legal form, kind and number of a name such as "МАОУ «Юридическая гимназия № 9 им. М.М. Сперанского»"."""
    match = SCHOOL_NAME.search(full_name)
    if not match:
        return {"legal_form": School.LegalForm.OTHER, "kind": School.Kind.OTHER, "number": None}
    inner = match["inner"].lower()
    kind = next((value for word, value in KIND_WORDS if word in inner), School.Kind.OTHER)
    number = re.search(r"№\s*(\d+)", inner)
    return {
        "legal_form": match["legal_form"] or School.LegalForm.OTHER,
        "kind": kind,
        "number": int(number.group(1)) if number else None,
    }


def name_key(name: str) -> str:
    """A spelling-insensitive key: "им М.М." and "им. М.М." give the same key."""
    return re.sub(r"[^0-9a-zа-я]", "", name.lower().replace("ё", "е"))


def resolve_school(name: str, schools: list[School]) -> School:
    """The one school of `schools` that `name` denotes, by full name or by a spelling differing only in punctuation."""
    found = [school for school in schools if name_key(school.full_name) == name_key(name)]
    if len(found) != 1:
        raise ValueError(f"Школа «{name}» не найдена среди загруженных (совпадений: {len(found)})")
    return found[0]


def _add_alias(school: School, spelling: str) -> None:
    aliases = [line for line in school.aliases.splitlines() if line.strip()]
    if spelling != school.full_name and spelling not in aliases:
        school.aliases = "\n".join([*aliases, spelling])
        school.save(update_fields=["aliases"])


def load(tally: SeedTally) -> None:
    data = read_fixture("schools.json")

    put_municipality = Upsert(Municipality.objects.all(), ("name",))
    municipalities = {}
    for item in data["municipalities"]:
        municipality, created = put_municipality(item["name"], kind=item["kind"], name_genitive=item["name_genitive"])
        municipalities[municipality.name] = municipality
        tally.add("муниципалитетов", created)

    rostov = data["rostov"]
    city = municipalities[rostov["municipality"]]
    put_district = Upsert(District.objects.filter(municipality=city), ("name",), fixed={"municipality": city})
    put_school = Upsert(School.objects.filter(municipality=city), ("full_name",), fixed={"municipality": city})
    schools = []
    for district_name, names in rostov["annex_2022"]["districts"].items():
        district, created = put_district(district_name)
        tally.add("районов", created)
        for full_name in names:
            school, created = put_school(full_name, district=district, is_urban=rostov["is_urban"], **parse_school_name(full_name))
            schools.append(school)
            tally.add("школ", created)

    for spelling in rostov["best_practices_2022"]["current"]:
        _add_alias(resolve_school(spelling, schools), spelling)
        tally.add("школ с действующими лучшими практиками", created=False)

    for item in data["other_schools"]:
        municipality = municipalities[item["municipality"]]
        put = Upsert(School.objects.filter(municipality=municipality), ("full_name",), fixed={"municipality": municipality})
        _, created = put(item["full_name"], district=None, is_urban=item["is_urban"], **parse_school_name(item["full_name"]))
        tally.add("школ", created)
