"""Demo roadmaps from the seed documents: Rostov-on-Don (seed 000), Murom district (seed 004), the plan of МАОУ «СОШ №2» (seed 001).

Texts come from `fixtures/roadmap_rostov.json`, `fixtures/roadmap_murom.json` and `fixtures/plan_sosh2.json` exactly as the
documents write them; deadlines and targets are parsed here (`deadlines.py`, `targets.py`). Idempotent: rows are found by
natural keys (roadmap + number or code) and written only where they differ; parsed deadlines keep their rows while unchanged.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from indicators.deadlines import parse_date, parse_deadline
from indicators.models import Activity, Deadline, Direction, Indicator, IndicatorTarget, KeyResult, Roadmap
from indicators.services import sync_deadlines
from indicators.targets import parse_cell, parse_text_targets, parse_yearly_targets
from schools.models import Municipality, School

from .schools import SeedTally, Upsert, read_fixture

KINDS = {"main": Indicator.Kind.MAIN, "additional": Indicator.Kind.ADDITIONAL}


def load(tally: SeedTally) -> None:
    load_rostov(tally)
    load_murom(tally)
    load_school_plan(tally)


def load_rostov(tally: SeedTally) -> Roadmap:
    data = read_fixture("roadmap_rostov.json")
    rows = RoadmapRows(tally, data, municipality=Municipality.objects.get(name=data["municipality"]))
    key_results = {}
    # Final results with an indicator target: their verdict at the deadline comes from the portal's rounds.
    verdicts = {number for item in data["indicators"] if item.get("target_index", 0) == 0 for number in item["key_results"]}
    for item in data["directions"]:
        direction = rows.direction(item["number"], item["title"])
        for order, row in enumerate(item["key_results"], start=1):
            key_results[row["number"]] = rows.key_result(
                row["number"],
                order=order,
                direction=direction,
                kind=row["kind"],
                text=row["text"],
                deadline_text=row["deadline"],
                fact=row.get("fact") or (KeyResult.Fact.INDICATOR_VERDICT if row["number"] in verdicts else ""),
            )
    for order, item in enumerate(data["indicators"], start=1):
        indicator = rows.indicator(
            item["code"],
            order=order,
            name=item["name"],
            unit=item["unit"],
            question_code=item["question_code"],
            aggregation=item["aggregation"],
            denominator_code=item.get("denominator_code", ""),
            condition_choices=item.get("condition_choices", []),
            threshold_urban=_decimal(item.get("threshold_urban")),
            threshold_rural=_decimal(item.get("threshold_rural")),
        )
        index = item.get("target_index", 0)
        for number in item["key_results"]:
            key_result = key_results[number]
            target = parse_text_targets(key_result.text)[index]
            due_dates = [deadline.due_date for deadline in parse_deadline(key_result.deadline_text)]
            if len(due_dates) != 1 or due_dates[0] is None:
                raise ValueError(f"Ключевой результат {number}: у цели показателя {item['code']} должен быть один срок, а не «{key_result.deadline_text}»")
            rows.target(indicator, due_dates[0], year=None, value=target.value, absolute_value=None, raw_text=target.raw)
            # KR 1.11–1.15 carry two targets (minimal and standard kit); the key result links to the first one's indicator.
            if index == 0 and key_result.indicator_id != indicator.pk:
                key_result.indicator = indicator
                key_result.save(update_fields=["indicator"])
    return rows.roadmap


def load_murom(tally: SeedTally) -> Roadmap:
    data = read_fixture("roadmap_murom.json")
    rows = RoadmapRows(tally, data, municipality=Municipality.objects.get(name=data["municipality"]), tracks_reports=True)
    for order, row in enumerate(data["results"], start=1):
        rows.key_result(
            row["number"],
            order=order,
            direction=None,
            kind=KeyResult.Kind.RESULT,
            text=row["text"],
            deadline_text=row["deadline"],
            responsible=row["responsible"],
            confirming_document=row["confirming_document"],
            controller=row["controller"],
        )
    for row in data["indicators"]:
        indicator = rows.indicator(
            row["code"],
            order=int(row["number"]),
            name=row["name"],
            unit=row["unit"],
            question_code=row.get("question_code", ""),
            aggregation=row.get("aggregation", Indicator.Aggregation.NONE),
            threshold_urban=_decimal(row.get("threshold_urban")),
            threshold_rural=_decimal(row.get("threshold_rural")),
            responsible=row["responsible"],
            confirming_document=row["confirming_document"],
            controller=row["controller"],
        )
        for year, target in parse_yearly_targets(row["targets"]).items():
            rows.target(indicator, dt.date(year, 12, 31), year=year, value=target.value, absolute_value=None, raw_text=target.raw)
    return rows.roadmap


def load_school_plan(tally: SeedTally) -> Roadmap:
    data = read_fixture("plan_sosh2.json")
    school = School.objects.get(municipality__name=data["municipality"], full_name=data["school"])
    rows = RoadmapRows(tally, data, school=school, kind=Roadmap.Kind.SCHOOL, tracks_reports=True)

    indicators: dict[str, Indicator] = {}
    for order, row in enumerate(data["indicators"], start=1):
        parent = indicators.get(row.get("parent", ""))
        # Sub-rows 3.1 and 4.1 leave the type column empty: they are of their parent's type.
        kind = KINDS[row["kind"]] if row["kind"] else parent.kind
        base = parse_cell(row["base_value"])
        indicators[row["number"]] = indicator = rows.indicator(
            row["code"],
            order=order,
            name=row["name"],
            parent=parent,
            kind=kind,
            unit=Indicator.Unit.PERCENT,
            level=Indicator.Level.SCHOOL,
            base_value=base.value if base else None,
            base_date=parse_date(row["base_date"]) if row["base_date"] else None,
        )
        for year, cell in row["targets"].items():
            target = parse_cell(cell)
            if target is not None:
                rows.target(indicator, dt.date(int(year), 12, 31), year=int(year), value=target.value, absolute_value=target.absolute, raw_text=target.raw)

    direction = rows.direction(data["direction"]["number"], data["direction"]["title"])
    for order, row in enumerate(data["results"], start=1):
        rows.key_result(
            row["number"],
            order=order,
            direction=direction,
            kind=KeyResult.Kind.RESULT,
            text=row["text"],
            deadline_text=row["deadline"],
            characteristic=row["characteristic"],
        )

    activities: dict[str, Activity] = {}
    for order, row in enumerate(data["activities"], start=1):
        parent_number = row["number"].split(".")[0] if "." in row["number"] else None
        activities[row["number"]] = rows.activity(
            row["number"],
            parent=activities[parent_number] if parent_number else None,
            order=order,
            title=row["title"],
            start_text=row["start"],
            end_text=row["end"],
            start_date=_activity_date(row, "start"),
            end_date=_activity_date(row, "end"),
            date_flag=row.get("date_flag", ""),
            responsible=row["responsible"],
            document_type=row["document_type"],
            expected_result=row["expected_result"],
        )
    return rows.roadmap


class RoadmapRows:
    """The rows of one roadmap, read once, and written by natural key (number or code) where they differ."""

    def __init__(self, tally: SeedTally, data: dict, *, municipality=None, school=None, kind=Roadmap.Kind.MUNICIPAL, tracks_reports=False) -> None:
        self.tally = tally
        owner = {"municipality": municipality, "school": school}
        put_roadmap = Upsert(Roadmap.objects.filter(**owner), ("title",), fixed=owner)
        self.roadmap, created = put_roadmap(
            data["title"],
            kind=kind,
            goal=data.get("goal", ""),
            period_start=dt.date.fromisoformat(data["period_start"]),
            period_end=dt.date.fromisoformat(data["period_end"]),
            source=data["source"],
            tracks_reports=tracks_reports,
        )
        tally.add("дорожных карт", created)
        fixed = {"roadmap": self.roadmap}
        self._directions = Upsert(Direction.objects.filter(roadmap=self.roadmap), ("number",), fixed=fixed)
        self._key_results = Upsert(KeyResult.objects.filter(roadmap=self.roadmap), ("number",), fixed=fixed)
        self._indicators = Upsert(Indicator.objects.filter(roadmap=self.roadmap), ("code",), fixed=fixed)
        self._targets = Upsert(IndicatorTarget.objects.filter(indicator__roadmap=self.roadmap), ("indicator", "due_date"))
        self._activities = Upsert(Activity.objects.filter(roadmap=self.roadmap), ("number",), fixed=fixed)
        self._deadlines: dict[int, list[Deadline]] = defaultdict(list)
        for deadline in Deadline.objects.filter(key_result__roadmap=self.roadmap):
            self._deadlines[deadline.key_result_id].append(deadline)

    def direction(self, number: int, title: str) -> Direction:
        direction, created = self._directions(number, title=title)
        self.tally.add("направлений", created)
        return direction

    def key_result(self, number: str, *, text: str, deadline_text: str, **fields) -> KeyResult:
        targets = parse_text_targets(text)
        key_result, created = self._key_results(
            number,
            text=text,
            deadline_text=deadline_text,
            target_value=targets[0].value if targets else None,
            target_unit=targets[0].unit if targets else "",
            **fields,
        )
        self.tally.add("ключевых результатов", created)
        new, total, _ = sync_deadlines(key_result, existing=self._deadlines[key_result.pk])
        self.tally.add("сроков", False, total - new)
        self.tally.add("сроков", True, new)
        return key_result

    def indicator(self, code: str, **fields) -> Indicator:
        indicator, created = self._indicators(code, **fields)
        self.tally.add("показателей", created)
        return indicator

    def target(self, indicator: Indicator, due_date: dt.date, **fields) -> IndicatorTarget:
        target, created = self._targets(indicator, due_date, **fields)
        self.tally.add("целевых значений", created)
        return target

    def activity(self, number: str, **fields) -> Activity:
        activity, created = self._activities(number, **fields)
        self.tally.add("мероприятий", created)
        return activity


def _activity_date(row: dict, which: str) -> dt.date | None:
    """The date as written, or the reading the fixture gives for a typo ("2012.2021" → 20.12.2021)."""
    text = row.get(f"{which}_reading") or row[which]
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise ValueError(f"Мероприятие {row['number']}: дата «{row[which]}» с опечаткой — укажите прочтение в {which}_reading") from exc


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
