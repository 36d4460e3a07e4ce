"""The done-when of issue 12: an independent recomputation, in plain Python from the answers and the rules shown in
the admin, of every school's section points, score, rank, district rank, level, status eligibility and every city
indicator's actual, on a generated region of 800 schools in two rounds — field for field against the stored rows and
the rating export. Runs on the database of the test run (CI: PostgreSQL)."""

import io
import math
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from indicators.models import Indicator
from ratings.models import IndicatorProgress, Rating, ScoringRule, ScoringScheme, SectionScore, StatusCriteria, StatusEligibility
from ratings.services import rating_recompute_round
from reports.exports import export_request_for
from schools.models import Municipality
from schools.roles import Access
from surveys.models import Answer, RoundParticipant, Submission, SubmissionRound

from .factories import UserFactory

pytestmark = pytest.mark.django_db

COUNTED = (Submission.State.SUBMITTED, Submission.State.ACCEPTED)


def half_up(value: Fraction, places: int) -> Decimal:
    return Decimal(math.floor(value * 10**places + Fraction(1, 2))) / 10**places


def answer_value(answer: Answer):
    kind = answer.question.type
    if kind == "yes_no":
        return answer.value_bool
    if kind in ("integer", "decimal", "percent"):
        return None if answer.value_number is None else Fraction(answer.value_number)
    if kind == "date":
        return answer.value_date
    if kind == "file":
        return answer.file.name or None
    return answer.value_text


def points(rule: ScoringRule, value) -> Fraction:
    top = Fraction(rule.max_points)
    if rule.kind == "yes":
        return top if value is True else Fraction(0)
    if rule.kind == "filled":
        return top if value not in (None, "") else Fraction(0)
    if rule.kind == "linear":
        floor, full = Fraction(rule.floor_value), Fraction(rule.full_value)
        if value is None or value <= floor:
            return Fraction(0)
        if value >= full:
            return top
        return Fraction(half_up(top * (value - floor) / (full - floor), 3))
    if rule.kind == "steps":
        reached = [Fraction(s.points) for s in sorted(rule.steps.all(), key=lambda s: s.threshold) if value is not None and Fraction(s.threshold) <= value]
        return min(max(reached[-1], Fraction(0)), top) if reached else Fraction(0)
    if rule.kind == "choice":
        chosen = set((value or "").split("|"))
        total = sum((Fraction(c.points) for c in rule.choice_points.all() if c.value in chosen), Fraction(0))
        return min(max(total, Fraction(0)), top)
    raise AssertionError(rule.kind)


def competition_ranks(scores: dict) -> dict:
    return {key: 1 + sum(1 for other in scores.values() if other > score) for key, score in scores.items()}


def reference(submission_round: SubmissionRound):
    """Everything the round's results should be, from its answers, rules, criteria, indicators and participants."""
    scheme = ScoringScheme.objects.get(questionnaire_id=submission_round.questionnaire_id)
    rules = {r.question_id: r for r in ScoringRule.objects.filter(scheme=scheme).select_related("question").prefetch_related("steps", "choice_points")}
    possible_by_section = defaultdict(Fraction)
    for rule in rules.values():
        possible_by_section[rule.question.section_id] += Fraction(rule.max_points)
    participants = {p.school_id: p for p in RoundParticipant.objects.filter(round=submission_round, is_active=True)}
    submissions = {s.school_id: s for s in Submission.objects.filter(round=submission_round, state__in=COUNTED, school_id__in=participants)}
    answers = defaultdict(dict)
    for a in Answer.objects.filter(submission__in=submissions.values()).select_related("question", "submission"):
        answers[a.submission.school_id][a.question.code] = (a.question, answer_value(a))

    sections, scores = {}, {}
    for school_id in submissions:
        by_section = defaultdict(Fraction)
        for question, value in answers[school_id].values():
            if question.pk in rules:
                by_section[question.section_id] += points(rules[question.pk], value)
        sections[school_id] = {section: by_section[section] for section in possible_by_section}
        scores[school_id] = half_up(sum(by_section.values(), Fraction(0)) / sum(possible_by_section.values()) * 100, 1)
    ranks = competition_ranks(scores)
    district_ranks = {}
    for district in {participants[s].district_id for s in scores}:
        district_ranks.update(competition_ranks({s: v for s, v in scores.items() if participants[s].district_id == district}))

    def level(score):
        return "high" if score >= scheme.level_high else "medium" if score >= scheme.level_medium else "low"

    criteria = StatusCriteria.objects.get(municipality_id=submission_round.municipality_id, year=submission_round.year)
    kit_order = [v for v, _label in next(q for q, _v in answers[next(iter(answers))].values() if q.code == "equipment_kit").choices] if answers else []
    eligible = {}
    for school_id, score in scores.items():
        given = {code: value for code, (_q, value) in answers[school_id].items()}
        speed = criteria.speed_urban if participants[school_id].is_urban else criteria.speed_rural
        kit = given.get("equipment_kit") or ""
        checks = (
            score >= criteria.min_score,
            given.get("internet_speed") is not None and given["internet_speed"] >= Fraction(speed),
            kit in kit_order and kit_order.index(kit) >= kit_order.index(criteria.min_kit),
            not criteria.require_contract or given.get("connection_contract_next_year") is True,
            given.get("teachers_ready_share") is not None and given["teachers_ready_share"] >= Fraction(criteria.min_teacher_share),
            not criteria.require_certification_request or given.get("certification_request") is True,
        )
        eligible[school_id] = checks

    actuals = {}
    for indicator in (
        Indicator.objects.filter(roadmap__municipality_id=submission_round.municipality_id, level="city").exclude(aggregation="none").exclude(question_code="")
    ):
        with_data, meeting, values = 0, 0, []
        for school_id in submissions:
            given = answers[school_id]
            if indicator.question_code not in given:
                continue
            question, value = given[indicator.question_code]
            denominator = given.get(indicator.denominator_code, (None, None))[1]
            if question.type == "yes_no":
                if value is None:
                    continue
                meets = value is True
            elif question.type in ("single", "multiple"):
                if not value:
                    continue
                meets = value in [str(c) for c in indicator.condition_choices]
            elif indicator.aggregation == "share_full":
                if value is None or denominator is None:
                    continue
                meets = denominator > 0 and value >= denominator
            else:
                if value is None:
                    continue
                threshold = indicator.threshold_urban if participants[school_id].is_urban or indicator.threshold_rural is None else indicator.threshold_rural
                meets = value > 0 if threshold is None else value >= Fraction(threshold)
            with_data += 1
            meeting += meets
            values.append(value)
        if with_data:
            actual = half_up(sum(values, Fraction(0)) / with_data, 2) if indicator.aggregation == "mean" else half_up(Fraction(meeting * 100, with_data), 2)
            actuals[indicator.pk] = (actual, with_data, meeting)
    return {
        "participants": participants,
        "sections": sections,
        "scores": scores,
        "ranks": ranks,
        "district_ranks": district_ranks,
        "levels": {s: level(v) for s, v in scores.items()},
        "eligible": eligible,
        "actuals": actuals,
    }


def fraction_decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


@pytest.fixture
def region():
    call_command("load_seed_data", verbosity=0)
    call_command("generate_region", schools=800, rounds=2, seed=12, stdout=io.StringIO())
    municipality = Municipality.objects.get(name="Синтетический регион S=12")
    rounds = list(SubmissionRound.objects.filter(municipality=municipality).order_by("opens_at"))
    for submission_round in rounds:
        rating_recompute_round(round_id=submission_round.pk, force=True)
    return municipality, rounds


def test_an_independent_recomputation_matches_every_stored_figure_and_the_rating_export(region, tmp_path):
    municipality, rounds = region
    assert len(rounds) == 2
    for submission_round in rounds:
        expected = reference(submission_round)
        # Not a vacuous check: most schools are rated, some pass the status and some do not, indicators have data.
        assert len(expected["scores"]) > 500 and 0 < sum(all(c) for c in expected["eligible"].values()) < len(expected["eligible"])
        assert len(expected["actuals"]) >= 5 and len(set(expected["levels"].values())) == 3
        stored = {r.school_id: r for r in Rating.objects.filter(round=submission_round)}
        assert set(stored) == set(expected["participants"])
        for school_id, row in stored.items():
            if school_id not in expected["scores"]:
                assert (row.score, row.rank, row.level) == (None, None, "none")
                continue
            assert (row.score, row.rank, row.district_rank, row.level, row.district_id) == (
                expected["scores"][school_id],
                expected["ranks"][school_id],
                expected["district_ranks"][school_id],
                expected["levels"][school_id],
                expected["participants"][school_id].district_id,
            ), school_id
        for ss in SectionScore.objects.filter(round=submission_round):
            assert ss.points == fraction_decimal(expected["sections"][ss.school_id][ss.section_id])
        checks = {
            e.school_id: (e.ok_score, e.ok_speed, e.ok_kit, e.ok_contract, e.ok_teachers, e.ok_certification)
            for e in StatusEligibility.objects.filter(round=submission_round)
        }
        assert checks == expected["eligible"]
        progress = {
            p.indicator_id: (p.actual, p.schools_with_data, p.schools_meeting)
            for p in IndicatorProgress.objects.filter(round=submission_round, school__isnull=True)
            if p.schools_with_data
        }
        assert progress == expected["actuals"]

        # The rating export shows the same figures as the stored rows.
        user = UserFactory(is_staff=True, is_superuser=True)
        path = tmp_path / f"rating-{submission_round.pk}.xlsx"
        export_request_for(Access(user), "rating", round_id=submission_round.pk).write(path, submission_round.closes_at)
        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r and "Рейтинг" in [str(c) for c in r if c])
        columns = {name: n for n, name in enumerate(rows[header])}
        exported = [
            r for r in rows[header + 1 :] if r and r[columns["Школа"]] and r[columns["Рейтинг"]] is not None and isinstance(r[columns["Рейтинг"]], (int, float))
        ]
        by_name = {r.school.full_name: r for r in Rating.objects.filter(round=submission_round, score__isnull=False).select_related("school")}
        assert len(exported) == len(by_name)
        for r in exported:
            row = by_name[r[columns["Школа"]]]
            assert Decimal(str(r[columns["Рейтинг"]])).quantize(Decimal("0.1")) == row.score
            assert r[columns["Место"]] == row.rank
