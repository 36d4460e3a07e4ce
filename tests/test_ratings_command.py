"""`manage.py recompute_ratings`: the recompute without the queue, with its figures printed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from ratings.models import Rating
from surveys.models import SubmissionRound

from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("recompute_ratings", *args, stdout=out)
    return out.getvalue()


def test_it_recomputes_the_round_and_prints_the_figures():
    submission_round, _schools = rated_round(4)
    Rating.objects.filter(round=submission_round).delete()

    output = run("--round", str(submission_round.pk))

    assert Rating.objects.filter(round=submission_round).count() == 4
    assert f"Раунд {submission_round.pk} «{submission_round.title}»: пересчитан за" in output
    assert "школ: 4, с рейтингом: 3, нет данных: 1; средний балл: 91,0" in output
    assert "уровни: высокий 3, средний 0, низкий 0" in output
    assert "показателей: 1 (не достигнут 1)" in output


def test_stale_rounds_are_recomputed_with_the_stale_flag():
    submission_round, _schools = rated_round(2)
    SubmissionRound.objects.filter(pk=submission_round.pk).update(changes_seq=F("changes_seq") + 1)

    assert "пересчитан" in run("--stale")
    assert not SubmissionRound.objects.get(pk=submission_round.pk).results_stale
    assert "пересчитывать нечего" in run("--stale")


def test_it_says_what_is_missing():
    with pytest.raises(CommandError, match="Укажите раунд"):
        run()
    with pytest.raises(CommandError, match="Раунда мониторинга с id 424242 нет"):
        run("--round", "424242")
