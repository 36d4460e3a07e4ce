"""Recompute a round's ratings, status eligibility and indicator progress right now, without the Celery queue."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ratings.models import IndicatorProgress, Rating, StatusEligibility
from ratings.services import rating_recompute_round
from surveys.models import RESULTS_FINAL, SubmissionRound


class Command(BaseCommand):
    help = "Пересчитать рейтинг, статус «Цифровая школа» и показатели раунда сразу, без очереди Celery, и напечатать итоги."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, dest="round_id", help="id раунда мониторинга")
        parser.add_argument("--stale", action="store_true", help="все раунды, итоги которых отстают от изменений анкет")

    def handle(self, *args, round_id=None, stale=False, **options):
        if round_id is None and not stale:
            raise CommandError("Укажите раунд: --round <id> (или --stale — все раунды с устаревшими итогами).")
        if round_id is not None:
            round_ids = [round_id]
        else:
            round_ids = list(SubmissionRound.objects.filter(computed_seq__lt=F("changes_seq")).exclude(RESULTS_FINAL).values_list("pk", flat=True))
            if not round_ids:
                self.stdout.write("Итоги всех раундов актуальны, пересчитывать нечего.")
        for pk in round_ids:
            with CaptureQueriesContext(connection) as queries:
                result = rating_recompute_round(round_id=pk, force=True)
            if result is None:
                raise CommandError(f"Раунда мониторинга с id {pk} нет.")
            if result.final:
                raise CommandError(
                    f"Итоги раунда {pk} зафиксированы при закрытии и не пересчитываются. Исправить их может администратор на странице "
                    f"{reverse('ratings:round-correction', args=[pk])} — с указанием причины, изменения попадут в журнал."
                )
            self._report(SubmissionRound.objects.get(pk=pk), result, len(queries))

    def _report(self, submission_round, result, query_count: int) -> None:
        ratings = Rating.objects.filter(round=submission_round).aggregate(
            total=Count("pk"),
            rated=Count("pk", filter=Q(score__isnull=False)),
            mean=Avg("score"),
            **{level: Count("pk", filter=Q(level=level)) for level in Rating.Level.values},
        )
        status = StatusEligibility.objects.filter(round=submission_round).aggregate(checked=Count("pk"), eligible=Count("pk", filter=Q(eligible=True)))
        verdicts = dict(IndicatorProgress.objects.filter(round=submission_round).values_list("verdict").annotate(n=Count("pk")))
        labels = dict(IndicatorProgress.Verdict.choices)
        mean = f"{ratings['mean']:.1f}".replace(".", ",") if ratings["mean"] is not None else "—"
        seconds = f"{result.seconds:.2f}".replace(".", ",")
        written = result.section_scores + result.ratings + result.eligibility + result.indicator_progress
        lines = [
            f"Раунд {submission_round.pk} «{submission_round.title}»: пересчитан за {seconds} с, запросов к базе: {query_count}, записано строк: {written}",
            f"  школ: {ratings['total']}, с рейтингом: {ratings['rated']}, нет данных: {ratings['total'] - ratings['rated']}; средний балл: {mean}",
            f"  уровни: высокий {ratings['high']}, средний {ratings['medium']}, низкий {ratings['low']}",
            f"  проходят по критериям статуса «Цифровая школа {submission_round.year}»: {status['eligible']} из {status['checked']} проверенных",
            f"  показателей: {result.indicator_progress}"
            + (" (" + ", ".join(f"{labels[v]} {n}" for v, n in sorted(verdicts.items())) + ")" if verdicts else ""),
        ]
        self.stdout.write(self.style.SUCCESS(lines[0]))
        self.stdout.write("\n".join(lines[1:]))
