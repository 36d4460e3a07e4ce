"""manage.py generate_region: a reproducible synthetic region of schools, curators and rounds of answers."""

import io
import statistics
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from demo.synthetic import SyntheticRegionError, region_delete
from indicators.models import Indicator
from ratings.models import IndicatorProgress, Rating
from schools.models import Curator, District, Municipality, School
from surveys.answers import submission_errors
from surveys.models import Answer, Question, Submission, SubmissionRound

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("load_seed_data", verbosity=0)


SHARED = {"schools": 600, "rounds": 3, "seed": 21, "districts": 8}


@pytest.fixture(scope="class")
def shared_region(django_db_setup, django_db_blocker):
    """One region generated once for the tests that only read it (it takes seconds): inside a transaction rolled back
    after the class, as Django's TestCase.setUpClass does; each test runs in a savepoint of it."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_seed_data", verbosity=0)
        output = generate(**SHARED)
        yield region(SHARED["seed"]), output
        transaction.set_rollback(True)


class TestOneSharedRegion:
    """Tests that only read a region share one, generated once for the class."""

    def test_region_has_districts_urban_and_rural_schools_curators_and_rounds(self, shared_region):
        municipality, output = shared_region
        schools = School.objects.filter(municipality=municipality)
        assert schools.count() == 600
        assert District.objects.filter(municipality=municipality).count() == 8
        assert schools.filter(is_urban=False).exists() and schools.filter(is_urban=True).exists()
        curators = Curator.objects.filter(school__municipality=municipality, is_active=True)
        assert curators.count() == 600
        assert curators.values("school").distinct().count() == 600
        # One precomputed hash for all of them, and nobody can log in without --password.
        hashes = set(User.objects.filter(curatorships__in=curators).values_list("password", flat=True))
        assert len(hashes) == 1
        assert not User.objects.filter(curatorships__in=curators).first().has_usable_password()

        rounds = list(SubmissionRound.objects.filter(municipality=municipality).order_by("opens_at"))
        assert [r.state for r in rounds] == ["closed", "closed", "open"]
        assert [r.previous_id for r in rounds] == [None, rounds[0].pk, rounds[1].pk]
        assert {r.questionnaire.title for r in rounds} == {"Фактическая готовность ОУ к подключению к ЦОС. Инфраструктура сегодня"}
        assert all(r.schools.count() == 600 for r in rounds)
        # No recompute asked: every round says its results lag behind.
        assert all(r.results_stale for r in rounds)
        assert "школ 600, раундов 3" in output

    def test_the_number_of_districts_can_be_fixed(self, shared_region):
        districts = District.objects.filter(municipality=shared_region[0])
        assert districts.count() == SHARED["districts"]
        assert School.objects.filter(district__in=districts).count() == SHARED["schools"]

    def test_about_a_quarter_of_schools_are_rural(self, shared_region):
        schools = School.objects.filter(municipality=shared_region[0])
        assert 0.15 <= schools.filter(is_urban=False).count() / 600 <= 0.35

    def test_answers_stay_within_question_bounds_and_pass_the_submit_checks(self, shared_region):
        municipality = shared_region[0]
        answers = list(Answer.objects.filter(submission__round__municipality=municipality).select_related("question"))
        assert answers
        for answer in answers:
            question = answer.question
            if question.type in Question.NUMERIC_TYPES:
                assert answer.value_number is not None
                assert question.min_value is None or answer.value_number >= question.min_value, question.code
                assert question.max_value is None or answer.value_number <= question.max_value, question.code
            if question.type in Question.CHOICE_TYPES:
                assert set(answer.value_text.split("|")) <= set(question.choice_labels), question.code

        submissions = Submission.objects.filter(round__municipality=municipality).exclude(state=Submission.State.DRAFT).prefetch_related("answers")
        questionnaire = SubmissionRound.objects.filter(municipality=municipality).first().questionnaire
        questions, rules = list(questionnaire.questions.all()), list(questionnaire.rules.select_related("left", "right"))
        for submission in submissions:
            assert submission_errors(questions, rules, {a.question_id: a for a in submission.answers.all()}) == {}, submission.school_id

    def test_submission_states_follow_the_designed_shares(self, shared_region):
        n = SHARED["schools"]
        *_earlier, closed, open_ = SubmissionRound.objects.filter(municipality=shared_region[0]).order_by("opens_at")
        states = Counter(Submission.objects.filter(round=open_).values_list("state", flat=True))
        missing = n - sum(states.values())
        assert 0.80 <= (states["submitted"] + states["accepted"]) / n <= 0.93
        assert 0.01 <= states["draft"] / n <= 0.08
        assert 0.01 <= states["returned"] / n <= 0.08
        assert 0.02 <= missing / n <= 0.10
        closed_states = Counter(Submission.objects.filter(round=closed).values_list("state", flat=True))
        assert closed_states["accepted"] / n >= 0.7
        # Some drafts were left half filled: fewer answers than the questionnaire has required questions.
        required = Question.objects.filter(questionnaire=open_.questionnaire, required=True).count()
        draft_sizes = [s.answers.count() for s in Submission.objects.filter(round=open_, state=Submission.State.DRAFT)]
        assert min(draft_sizes) < required <= max(draft_sizes)

    def test_schools_improve_round_over_round_and_rural_speeds_are_lower(self, shared_region):
        rounds = list(SubmissionRound.objects.filter(municipality=shared_region[0]).order_by("opens_at"))

        def values(code, **filters):
            return [float(v) for v in Answer.objects.filter(question__code=code, **filters).values_list("value_number", flat=True)]

        teachers = [statistics.mean(values("teachers_ready_share", submission__round=r)) for r in rounds]
        assert teachers[0] < teachers[1] < teachers[2]
        last = rounds[-1]
        urban = statistics.median(values("internet_speed", submission__round=last, submission__school__is_urban=True))
        rural = statistics.median(values("internet_speed", submission__round=last, submission__school__is_urban=False))
        assert rural < urban
        assert 60 <= urban <= 160


def generate(**options) -> str:
    out = io.StringIO()
    call_command("generate_region", stdout=out, **{"no_recompute": True, **options})
    return out.getvalue()


def region(seed: int) -> Municipality:
    return Municipality.objects.get(name=f"Синтетический регион S={seed}")


def snapshot(municipality: Municipality) -> list[tuple]:
    """Everything drawn from the seed, keyed by names and codes rather than database ids."""
    answers = Answer.objects.filter(submission__round__municipality=municipality).select_related("submission__school", "submission__round", "question")
    rows = [
        (
            a.submission.round.year,
            a.submission.school.full_name,
            a.submission.school.is_urban,
            a.submission.state,
            a.question.code,
            a.value_bool,
            a.value_number,
            a.value_text,
            a.value_date,
        )
        for a in answers
    ]
    schools = [
        (s.full_name, s.district.name, s.kind, s.legal_form, s.students_count)
        for s in School.objects.filter(municipality=municipality).select_related("district")
    ]
    return sorted(schools) + sorted(rows, key=repr)


def test_same_seed_gives_the_same_region_and_another_seed_does_not(seeded):
    generate(schools=60, rounds=2, seed=5)
    first = snapshot(region(5))
    users_before = User.objects.count()

    generate(schools=60, rounds=2, seed=5, replace=True)
    again = snapshot(region(5))
    generate(schools=60, rounds=2, seed=6)
    other = snapshot(region(6))

    assert again == first
    assert User.objects.count() == users_before + 60  # the replaced region's curators went with it
    assert [row[4:] for row in other if len(row) > 5] != [row[4:] for row in first if len(row) > 5]


def test_existing_region_is_refused_unless_replaced(seeded):
    generate(schools=10, rounds=1, seed=4)

    with pytest.raises(CommandError, match="--replace"):
        generate(schools=10, rounds=1, seed=4)
    assert School.objects.filter(municipality=region(4)).count() == 10


def test_without_the_default_questionnaire_it_asks_to_load_seed_data():
    with pytest.raises(CommandError, match="load_seed_data"):
        generate(schools=10, rounds=1, seed=1)
    assert not Municipality.objects.filter(name__startswith="Синтетический регион").exists()


def test_a_real_municipality_is_never_deleted_as_synthetic(seeded):
    rostov = Municipality.objects.get(name="Ростов-на-Дону")

    with pytest.raises(SyntheticRegionError):
        region_delete(municipality=rostov)
    assert School.objects.filter(municipality=rostov).exists()


def test_ratings_of_every_round_are_recomputed_after_generating(seeded):
    generate(schools=40, rounds=2, seed=12, no_recompute=False)

    for submission_round in SubmissionRound.objects.filter(municipality=region(12)):
        assert not submission_round.results_stale
        rated = Rating.objects.filter(round=submission_round, score__isnull=False).count()
        counted = Submission.objects.filter(round=submission_round, state__in=Submission.COUNTED_STATES).count()
        assert rated == counted
        # The region's roadmap carries Rostov's questionnaire-linked indicators, so progress is computed too.
        linked = Indicator.objects.filter(roadmap__municipality__name="Ростов-на-Дону", level="city").exclude(question_code="").count()
        assert linked > 0
        assert IndicatorProgress.objects.filter(round=submission_round, indicator__roadmap__municipality=region(12)).count() == linked
