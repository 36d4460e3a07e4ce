"""Demo roadmaps from the seed documents: Rostov-on-Don (seed 000), Murom district (seed 004), the plan of МАОУ «СОШ №2» (seed 001).

Texts come from `fixtures/roadmap_rostov.json`, `fixtures/roadmap_murom.json` and `fixtures/plan_sosh2.json` exactly as the
documents write them; deadlines and targets are parsed here (`deadlines.py`, `targets.py`). Idempotent: rows are found by
natural keys (roadmap + number or code) and updated in place; parsed deadlines are kept when unchanged.
"""

import datetime as dt
from decimal import Decimal

from schools.models import Municipality, School
from schools.seed import SeedTally, read_fixture

from .deadlines import parse_date, parse_deadline
from .models import Activity, Deadline, Direction, Indicator, IndicatorTarget, KeyResult, Roadmap
from .targets import parse_cell, parse_text_targets, parse_yearly_targets

KINDS = {"main": Indicator.Kind.MAIN, "additional": Indicator.Kind.ADDITIONAL}


def load(tally: SeedTally) -> None:
    load_rostov(tally)
    load_murom(tally)
    load_school_plan(tally)


def load_rostov(tally: SeedTally) -> Roadmap:
    data = read_fixture("roadmap_rostov.json")
    roadmap = _roadmap(tally, data, municipality=Municipality.objects.get(name=data["municipality"]))
    key_results = {}
    for item in data["directions"]:
        direction = _direction(tally, roadmap, item["number"], item["title"])
        for order, row in enumerate(item["key_results"], start=1):
            key_results[row["number"]] = _key_result(
                tally, roadmap, number=row["number"], order=order, direction=direction, kind=row["kind"], text=row["text"], deadline_text=row["deadline"]
            )
    for order, item in enumerate(data["indicators"], start=1):
        indicator = _indicator(
            tally,
            roadmap,
            code=item["code"],
            order=order,
            name=item["name"],
            unit=item["unit"],
            question_code=item["question_code"],
            aggregation=item["aggregation"],
            denominator_code=item.get("denominator_code", ""),
            condition_choices=item.get("condition_choices", []),
            threshold_urban=item.get("threshold_urban"),
            threshold_rural=item.get("threshold_rural"),
        )
        index = item.get("target_index", 0)
        for number in item["key_results"]:
            key_result = key_results[number]
            target = parse_text_targets(key_result.text)[index]
            due_dates = [deadline.due_date for deadline in parse_deadline(key_result.deadline_text)]
            if len(due_dates) != 1 or due_dates[0] is None:
                raise ValueError(f"Ключевой результат {number}: у цели показателя {item['code']} должен быть один срок, а не «{key_result.deadline_text}»")
            _target(tally, indicator, due_date=due_dates[0], year=None, value=target.value, raw_text=target.raw)
            # KR 1.11–1.15 carry two targets (minimal and standard kit); the key result links to the first one's indicator.
            if index == 0 and key_result.indicator_id != indicator.pk:
                key_result.indicator = indicator
                key_result.save(update_fields=["indicator"])
    return roadmap


def load_murom(tally: SeedTally) -> Roadmap:
    data = read_fixture("roadmap_murom.json")
    roadmap = _roadmap(tally, data, municipality=Municipality.objects.get(name=data["municipality"]))
    for order, row in enumerate(data["results"], start=1):
        _key_result(
            tally,
            roadmap,
            number=row["number"],
            order=order,
            direction=None,
            kind=KeyResult.Kind.RESULT,
            text=row["text"],
            deadline_text=row["deadline"],
            responsible=row["responsible"],
            confirming_document=row["confirming_document"],
            controller=row["controller"],
        )
    # The executor, document and controller of the indicator rows stay in the fixture: Indicator has no fields for them.
    for row in data["indicators"]:
        indicator = _indicator(
            tally,
            roadmap,
            code=row["code"],
            order=int(row["number"]),
            name=row["name"],
            unit=row["unit"],
            question_code=row.get("question_code", ""),
            aggregation=row.get("aggregation", Indicator.Aggregation.NONE),
            threshold_urban=row.get("threshold_urban"),
            threshold_rural=row.get("threshold_rural"),
        )
        for year, target in parse_yearly_targets(row["targets"]).items():
            _target(tally, indicator, due_date=dt.date(year, 12, 31), year=year, value=target.value, raw_text=target.raw)
    return roadmap


def load_school_plan(tally: SeedTally) -> Roadmap:
    data = read_fixture("plan_sosh2.json")
    school = School.objects.get(municipality__name=data["municipality"], full_name=data["school"])
    roadmap = _roadmap(tally, data, school=school, kind=Roadmap.Kind.SCHOOL)

    indicators: dict[str, Indicator] = {}
    for order, row in enumerate(data["indicators"], start=1):
        parent = indicators.get(row.get("parent", ""))
        # Sub-rows 3.1 and 4.1 leave the type column empty: they are of their parent's type.
        kind = KINDS[row["kind"]] if row["kind"] else parent.kind
        base = parse_cell(row["base_value"])
        indicators[row["number"]] = indicator = _indicator(
            tally,
            roadmap,
            code=row["code"],
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
                _target(
                    tally,
                    indicator,
                    due_date=dt.date(int(year), 12, 31),
                    year=int(year),
                    value=target.value,
                    absolute_value=target.absolute,
                    raw_text=target.raw,
                )

    direction = _direction(tally, roadmap, data["direction"]["number"], data["direction"]["title"])
    for order, row in enumerate(data["results"], start=1):
        _key_result(
            tally,
            roadmap,
            number=row["number"],
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
        activity, created = Activity.objects.update_or_create(
            roadmap=roadmap,
            number=row["number"],
            defaults={
                "parent": activities[parent_number] if parent_number else None,
                "order": order,
                "title": row["title"],
                "start_text": row["start"],
                "end_text": row["end"],
                "start_date": _activity_date(row, "start"),
                "end_date": _activity_date(row, "end"),
                "date_flag": row.get("date_flag", ""),
                "responsible": row["responsible"],
                "document_type": row["document_type"],
                "expected_result": row["expected_result"],
            },
        )
        activities[row["number"]] = activity
        tally.add("мероприятий", created)
    return roadmap


def _activity_date(row: dict, which: str) -> dt.date | None:
    """The date as written, or the reading the fixture gives for a typo ("2012.2021" → 20.12.2021)."""
    text = row.get(f"{which}_reading") or row[which]
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise ValueError(f"Мероприятие {row['number']}: дата «{row[which]}» с опечаткой — укажите прочтение в {which}_reading") from exc


def _roadmap(tally: SeedTally, data: dict, *, municipality=None, school=None, kind=Roadmap.Kind.MUNICIPAL) -> Roadmap:
    roadmap, created = Roadmap.objects.update_or_create(
        municipality=municipality,
        school=school,
        title=data["title"],
        defaults={
            "kind": kind,
            "goal": data.get("goal", ""),
            "period_start": dt.date.fromisoformat(data["period_start"]),
            "period_end": dt.date.fromisoformat(data["period_end"]),
            "source": data["source"],
        },
    )
    tally.add("дорожных карт", created)
    return roadmap


def _direction(tally: SeedTally, roadmap: Roadmap, number: int, title: str) -> Direction:
    direction, created = Direction.objects.update_or_create(roadmap=roadmap, number=number, defaults={"title": title})
    tally.add("направлений", created)
    return direction


def _key_result(tally: SeedTally, roadmap: Roadmap, *, number: str, text: str, deadline_text: str, **fields) -> KeyResult:
    targets = parse_text_targets(text)
    key_result, created = KeyResult.objects.update_or_create(
        roadmap=roadmap,
        number=number,
        defaults={
            "text": text,
            "deadline_text": deadline_text,
            "target_value": targets[0].value if targets else None,
            "target_unit": targets[0].unit if targets else "",
            **fields,
        },
    )
    tally.add("ключевых результатов", created)
    _sync_deadlines(tally, key_result)
    return key_result


def _sync_deadlines(tally: SeedTally, key_result: KeyResult) -> None:
    """Make the Deadline rows match the parsed wording, keeping the rows (and ids) that already match."""
    existing = list(key_result.deadlines.all())
    kept = []
    for parsed in parse_deadline(key_result.deadline_text) if key_result.deadline_text else []:
        row = next((d for d in existing if d not in kept and (d.kind, d.due_date, d.recurrence) == (parsed.kind, parsed.due_date, parsed.recurrence)), None)
        created = row is None
        if created:
            row = Deadline(key_result=key_result, kind=parsed.kind, due_date=parsed.due_date, recurrence=parsed.recurrence)
        if created or row.times_per_month != parsed.times_per_month:
            row.times_per_month = parsed.times_per_month
            row.save()
        kept.append(row)
        tally.add("сроков", created)
    stale = [row.pk for row in existing if row not in kept]
    if stale:
        Deadline.objects.filter(pk__in=stale).delete()


def _indicator(tally: SeedTally, roadmap: Roadmap, *, code: str, threshold_urban=None, threshold_rural=None, **fields) -> Indicator:
    indicator, created = Indicator.objects.update_or_create(
        roadmap=roadmap,
        code=code,
        defaults={
            "threshold_urban": _decimal(threshold_urban),
            "threshold_rural": _decimal(threshold_rural),
            **fields,
        },
    )
    tally.add("показателей", created)
    return indicator


def _target(tally: SeedTally, indicator: Indicator, *, due_date: dt.date, **fields) -> IndicatorTarget:
    target, created = IndicatorTarget.objects.update_or_create(indicator=indicator, due_date=due_date, defaults=fields)
    tally.add("целевых значений", created)
    return target


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
