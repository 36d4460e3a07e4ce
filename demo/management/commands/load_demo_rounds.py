"""Demo rounds for Ростов-на-Дону: a closed 2025 round (every school accepted) and an open 2026 round in progress.

Run after `load_seed_data` and `create_demo_accounts`. Idempotent: a round that exists is left as it is.
Every answer, submit, return and acceptance goes through the surveys services, so the audit trail,
deviation flags and recomputes are the same as when people do it in the browser.
"""

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ratings.models import ActivitySuggestion, StatusAward
from ratings.services import StatusConfirmError, key_result_facts_refresh, rating_recompute_round, status_awards_confirm
from schools.models import Curator, Municipality, School
from surveys import notices
from surveys.documents import document_request_create, document_upload
from surveys.models import AnswerChange, DocumentRequest, Notice, Question, Questionnaire, RoundEvent, Submission, SubmissionEvent, SubmissionRound
from surveys.services import (
    round_close,
    round_create,
    round_open,
    submission_accept,
    submission_return,
    submission_save_draft,
    submission_submit,
)

MUNICIPALITY = "Ростов-на-Дону"
QUESTIONNAIRE = "Фактическая готовность ОУ к подключению к ЦОС. Инфраструктура сегодня"
TITLE_2025 = "Мониторинг готовности ОУ к ЦОС — 2025"
TITLE_2026 = "Мониторинг готовности ОУ к ЦОС — 2026"
DEMO_CURATOR_SCHOOLS = (10, 97, 87)
CURATOR_ORDER_TITLE = "Копия приказа о назначении куратора"
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # kurator-10, kurator-97, kurator-87 fill these themselves
FIRST_NAMES = ["Ирина", "Наталья", "Елена", "Ольга", "Светлана", "Татьяна", "Марина", "Анна", "Юлия", "Сергей", "Андрей", "Дмитрий"]
PATRONYMICS = ["Викторовна", "Александровна", "Сергеевна", "Николаевна", "Игоревна", "Владимировна", "Петровна"]
MALE_PATRONYMICS = ["Викторович", "Александрович", "Сергеевич", "Николаевич", "Игоревич"]
LAST_NAMES = ["Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Лебедев", "Ковалёв"]
RETURN_COMMENTS = [
    ("students_count", "Численность обучающихся расходится с РИС «Контингент» — проверьте и исправьте."),
    ("internet_speed", "Скорость указана без замера: приложите протокол замера или уточните значение."),
]


def _answers(rng: random.Random, questions: list[Question], school: School, year: int, base: dict | None = None) -> dict[str, object]:
    """Plausible answers; in 2026 a school improves a little on its 2025 answers (`base`)."""
    base = base or {}
    speed = base.get("internet_speed") or Decimal(rng.choice([30, 50, 50, 80, 100, 100, 100, 150, 200, 300]))
    if year >= 2026 and base:
        speed = Decimal(int(speed * Decimal(rng.choice(["1", "1", "1.2", "1.5"]))))
    kit = base.get("equipment_kit") or rng.choices(["none", "minimal", "standard"], weights=[2, 5, 4])[0]
    if year >= 2026 and base and kit != "standard" and rng.random() < 0.4:
        kit = {"none": "minimal", "minimal": "standard"}[kit]
    workstations = 0 if kit == "none" else (base.get("kit_workstations") or rng.randint(8, 30))
    if kit == "standard":
        workstations = max(workstations, 15)
    teachers = base.get("teachers_ready_share") or Decimal(rng.randint(45, 90))
    if year >= 2026 and base:
        teachers = min(Decimal(100), teachers + rng.randint(0, 10))
    students = school.students_count or rng.randint(550, 1600)
    values = {
        "internet_speed": speed,
        "channel_meets_requirements": speed >= 100 or rng.random() < 0.2,
        "connection_contract_next_year": rng.random() < 0.85,
        "equipment_kit": kit,
        "kit_workstations": workstations,
        "kit_workstations_fast": min(workstations, int(workstations * rng.choice([0.5, 0.8, 1, 1]))) if speed >= 100 else 0,
        "speed_measured_on": dt.date(year, rng.randint(1, 3), rng.randint(1, 28)),
        "teachers_ready_share": teachers,
        "admin_ready_share": Decimal(rng.randint(60, 100)),
        "platforms_used": sorted({"sferum", *rng.sample(["moya_shkola", "resh", "uchi", "yandex", "sberclass"], rng.randint(1, 3))}),
        "best_practice": rng.choices(["none", "prospective", "current"], weights=[5, 3, 2])[0],
        "ecosystem_member": rng.random() < 0.6,
        "ris_content_share": Decimal(rng.randint(70, 100)),
        "ris_active_users_share": Decimal(rng.randint(40, 98)),
        "parents_consultation": rng.random() < 0.75,
        "students_count": students + (rng.randint(-30, 60) if base else 0),
        "teachers_count": school.teachers_count or max(30, students // 18),
        "certification_request": speed >= 100 and kit != "none" and rng.random() < 0.6,
        "comment": "",
    }
    known = {q.code for q in questions}
    return {code: value for code, value in values.items() if code in known}


class Command(BaseCommand):
    help = "Создаёт демонстрационные мониторинги 2025 (закрыт) и 2026 (идёт приём анкет) для Ростова-на-Дону."

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(name=MUNICIPALITY).first()
        questionnaire = Questionnaire.objects.filter(title=QUESTIONNAIRE).order_by("version").first()
        if municipality is None or questionnaire is None:
            raise CommandError("Нет данных Ростова-на-Дону или опросной формы: сначала выполните load_seed_data и create_demo_accounts.")
        User = get_user_model()
        reviewer = User.objects.filter(username="metodist").first() or User.objects.filter(is_superuser=True).first()
        if reviewer is None:
            raise CommandError("Нет учётной записи методиста metodist: сначала выполните create_demo_accounts.")
        schools = list(School.objects.filter(municipality=municipality, is_active=True).select_related("district").order_by("number", "pk"))
        questions = list(questionnaire.questions.all())
        curators = self._ensure_curators(schools)

        old = SubmissionRound.objects.filter(municipality=municipality, title=TITLE_2025).first()
        if old is None:
            started = timezone.now()
            old = self._round_2025(municipality, questionnaire, schools, questions, curators, reviewer)
            # The 2025 round is made up history, not news: the portal told nobody about it then.
            Notice.objects.filter(created_at__gte=started).delete()
            self.stdout.write(f"Создан закрытый мониторинг «{TITLE_2025}»: анкеты всех {len(schools)} школ приняты.")
            awarded = self._confirm_status_2025(municipality, old)
            self.stdout.write(f"Утверждён список статуса «Цифровая школа» 2025: {awarded} школ.")
        else:
            self.stdout.write(f"Мониторинг «{TITLE_2025}» уже есть — не меняется.")

        new = SubmissionRound.objects.filter(municipality=municipality, title=TITLE_2026).first()
        if new is None:
            counts = self._round_2026(municipality, questionnaire, schools, questions, curators, reviewer, old)
            self.stdout.write(
                f"Создан открытый мониторинг «{TITLE_2026}» (приём анкет 14 дней): принято {counts['accepted']}, ждут проверки {counts['submitted']}, "
                f"возвращено {counts['returned']}, черновиков {counts['draft']}, не начато {counts['none']} "
                "(школы № 10, 97 и 87 — для кураторов kurator-10, kurator-97, kurator-87)."
            )
        else:
            self.stdout.write(f"Мониторинг «{TITLE_2026}» уже есть — не меняется.")
        new = SubmissionRound.objects.get(municipality=municipality, title=TITLE_2026)
        self.stdout.write(f"Уведомлений ждут демо-кураторы: {self._demo_notices(new)} новых.")
        # Key results 1.2–1.5, 1.7, 1.8 of the Rostov roadmap: evidenced by these rounds, nobody types them.
        self.stdout.write(f"Подтверждений ключевых результатов по данным портала: {key_result_facts_refresh()}.")
        self._curator_order_request(municipality, schools, curators)
        self._activity_library()

    def _activity_library(self) -> None:
        """A few activities per section for the rating card's deficits (the methodologists extend the library)."""
        if ActivitySuggestion.objects.exists():
            return
        library = {
            "Инфраструктура": [
                ("Замер скорости канала и заявка провайдеру на подключение 100 Мбит/с", "протокол замера, заявка", "канал соответствует требованиям ЦОС"),
                ("Приобретение комплекта средств обучения ЦОС (минимальный)", "договор поставки, акт", "комплект ЦОС в школе"),
            ],
            "Современное управление и кадры": [
                (
                    "Диагностика ИКТ-компетентности педагогов и курсы повышения квалификации",
                    "сертификаты о повышении квалификации",
                    "готовность педагогов к работе в ЦОС",
                ),
            ],
            "РИС «Контингент»": [("Сверка реестра обучающихся и кадров в РИС «Контингент»", "отчёт о сверке", "контент РИС актуален")],
        }
        for section_title, rows in library.items():
            for order, (title, document, result) in enumerate(rows, start=1):
                ActivitySuggestion.objects.create(section_title=section_title, order=order, title=title, document_type=document, expected_result=result)
        self.stdout.write("Библиотека мероприятий по разделам анкеты: добавлены примеры.")

    def _curator_order_request(self, municipality, schools, curators) -> None:
        """Seed 002, п. 3.2 asks every school for the copy of its curator's appointment order; the demo asks it again now,
        and most schools have sent it — the three demo curators' schools have not (they upload it themselves)."""
        if DocumentRequest.objects.filter(municipality=municipality, title=CURATOR_ORDER_TITLE).exists():
            self.stdout.write(f"Запрос «{CURATOR_ORDER_TITLE}» уже есть — не меняется.")
            return
        admin = get_user_model().objects.filter(username="admin").first()
        request = document_request_create(
            municipality=municipality,
            district=None,
            kind=DocumentRequest.Kind.CURATOR_ORDER,
            title=CURATOR_ORDER_TITLE,
            description="Представить копию приказа о назначении куратора, ответственного за организацию деятельности общеобразовательного "
            "учреждения по исполнению мероприятий дорожной карты, в МАУ ИМЦО (как в п. 3.2 приказа об итогах выполнения плана дорожной карты ЦОС).",
            due_date=timezone.localdate() + dt.timedelta(days=10),
            user=admin,
        )
        others = [s for s in schools if s.number not in DEMO_CURATOR_SCHOOLS]
        for school in others[: len(others) - 4]:
            document_upload(
                document_request=request,
                school=school,
                user=curators[school.pk],
                file=ContentFile(DEMO_PDF, name=f"prikaz-kurator-{school.number or school.pk}.pdf"),
            )
        sent = len(others) - 4
        self.stdout.write(f"Запрошена «{CURATOR_ORDER_TITLE}» до {request.due_date:%d.%m.%Y}: представили {sent} из {len(schools)} школ.")

    def _confirm_status_2025(self, municipality, submission_round) -> int:
        """The administrator confirmed the 2025 status list from the round's accepted answers (as in seed 002)."""
        User = get_user_model()
        admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
        submission_round.refresh_from_db()
        rating_recompute_round(round_id=submission_round.pk)  # results current even when a real worker has not run yet
        try:
            awards = status_awards_confirm(municipality_id=municipality.pk, year=2025, user=admin, order_reference="приказ Управления образования (демо)")
        except StatusConfirmError:
            return 0
        # Confirmed when it would have been: ten days after the round's results were fixed.
        StatusAward.objects.filter(pk__in=[a.pk for a in awards]).update(confirmed_at=submission_round.results_fixed_at + dt.timedelta(days=10))
        return len(awards)

    def _ensure_curators(self, schools: list[School]) -> dict[int, object]:
        """Every school needs a curator to fill its form; schools without one get a demo contact (no password)."""
        User = get_user_model()
        existing = {c.school_id: c.user for c in Curator.objects.filter(is_active=True, school__in=schools).select_related("user")}
        created = 0
        for school in schools:
            if school.pk in existing:
                continue
            rng = random.Random(f"curator-{school.pk}-{school.number}")
            first = rng.choice(FIRST_NAMES)
            male = first in ("Сергей", "Андрей", "Дмитрий")
            last = rng.choice(LAST_NAMES) + ("" if male else "а")
            patronymic = rng.choice(MALE_PATRONYMICS if male else PATRONYMICS)
            username = f"demo-kurator-{school.number or school.pk}"
            user, _ = User.objects.get_or_create(
                username=username, defaults={"first_name": f"{first} {patronymic}", "last_name": last, "email": f"{username}@school.example"}
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            Curator.objects.create(
                user=user,
                school=school,
                position="заместитель директора по УВР",
                phone=f"+7 (863) {rng.randint(200, 299)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                # Appointed by the school's order (seed 002): key result 1.5 counts curators with an order.
                order_number=f"{rng.randint(20, 180)}-о",
                order_date=dt.date(2024, 8, rng.randint(20, 30)),
            )
            existing[school.pk] = user
            created += 1
        # Demo contacts are not real people: they are told in the portal only, no e-mail is sent to them.
        for user in User.objects.filter(username__startswith="demo-kurator-"):
            notices.notice_preference_set(user=user, by_email=False)
        if created:
            self.stdout.write(f"Добавлены контакты кураторов для {created} школ (вход для них закрыт, это демонстрационные контакты).")
        return existing

    def _demo_notices(self, submission_round: SubmissionRound) -> int:
        """The demo curators (kurator-10, -97, -87) find notices waiting under the bell: the round is open, and a reminder
        worded for their school's state. Idempotent: each notice has a fixed event key."""
        schools = list(School.objects.filter(municipality=submission_round.municipality, number__in=DEMO_CURATOR_SCHOOLS, rounds=submission_round))
        opened = RoundEvent.objects.filter(round=submission_round, action=RoundEvent.Action.OPENED).order_by("pk").first()
        created = notices.notify_round_opened(submission_round=submission_round, event_id=opened.pk if opened else 0, school_ids=[s.pk for s in schools])
        states = dict(Submission.objects.filter(round=submission_round, school__in=schools).values_list("school_id", "state"))
        for school in schools:
            users = [c.user for c in Curator.objects.filter(school=school, is_active=True).select_related("user")]
            draft = notices.reminder_draft(
                reminder_id=0, submission_round=submission_round, school=school, state=states.get(school.pk, "none"), deadline=submission_round.closes_at
            )
            created += notices.notices_create(recipients=users, draft=replace(draft, event_key=f"demo-reminder:{submission_round.pk}:{school.pk}"))
        return created

    def _fill(self, submission_round, school, user, answers, version=0):
        saved = submission_save_draft(submission_round=submission_round, school=school, user=user, answers=answers, expected_version=version)
        return saved.submission

    def _round_2025(self, municipality, questionnaire, schools, questions, curators, reviewer) -> SubmissionRound:
        now = timezone.now()
        submission_round = round_create(
            title=TITLE_2025,
            municipality=municipality,
            questionnaire=questionnaire,
            year=2025,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=1),
        )
        submission_round = round_open(submission_round=submission_round)
        for school in schools:
            rng = random.Random(f"2025-{school.pk}")
            user = curators[school.pk]
            submission = self._fill(submission_round, school, user, _answers(rng, questions, school, 2025))
            submission = submission_submit(submission_round=submission_round, school=school, user=user, expected_version=submission.version)
            submission_accept(submission=submission, user=reviewer, expected_version=submission.version)
        round_close(submission_round=submission_round)
        self._move_to_past(submission_round)
        return submission_round

    def _move_to_past(self, submission_round: SubmissionRound) -> None:
        """The 2025 round was filled just now through the services; give it the dates it would have had."""
        tz = timezone.get_current_timezone()
        opens, closes = dt.datetime(2025, 3, 3, 9, 0, tzinfo=tz), dt.datetime(2025, 4, 18, 18, 0, tzinfo=tz)
        with transaction.atomic():
            SubmissionRound.objects.filter(pk=submission_round.pk).update(opens_at=opens, closes_at=closes, results_fixed_at=closes + dt.timedelta(days=3))
            for n, submission in enumerate(Submission.objects.filter(round=submission_round).order_by("pk")):
                sent = opens + dt.timedelta(days=5 + n, hours=n % 7)
                reviewed = sent + dt.timedelta(days=2)
                Submission.objects.filter(pk=submission.pk).update(created_at=sent - dt.timedelta(days=2), submitted_at=sent, reviewed_at=reviewed)
                AnswerChange.objects.filter(submission=submission).update(changed_at=sent - dt.timedelta(days=1))
                SubmissionEvent.objects.filter(submission=submission, action=SubmissionEvent.Action.SUBMITTED).update(created_at=sent)
                SubmissionEvent.objects.filter(submission=submission, action=SubmissionEvent.Action.ACCEPTED).update(created_at=reviewed)
            # updated_at is auto_now: set it last, with a plain UPDATE.
            for submission in Submission.objects.filter(round=submission_round):
                Submission.objects.filter(pk=submission.pk).update(updated_at=submission.reviewed_at)

    def _round_2026(self, municipality, questionnaire, schools, questions, curators, reviewer, previous) -> dict[str, int]:
        now = timezone.now()
        submission_round = round_create(
            title=TITLE_2026,
            municipality=municipality,
            questionnaire=questionnaire,
            year=2026,
            opens_at=now - dt.timedelta(days=20),
            closes_at=timezone.localtime(now + dt.timedelta(days=14)).replace(hour=18, minute=0, second=0, microsecond=0),
            previous=previous,
        )
        submission_round = round_open(submission_round=submission_round)
        previous_values = self._values_2025(previous)
        others = [s for s in schools if s.number not in DEMO_CURATOR_SCHOOLS]
        drafts, returned = others[-2:], others[-4:-2]
        counts = {"accepted": 0, "submitted": 0, "returned": 0, "draft": 0, "none": len(schools) - len(others)}
        for n, school in enumerate(others):
            rng = random.Random(f"2026-{school.pk}")
            user = curators[school.pk]
            answers = _answers(rng, questions, school, 2026, previous_values.get(school.pk))
            if n == 1:
                answers["internet_speed"] = Decimal(500)  # a big jump: flagged for the reviewer
            if school in drafts:
                self._fill(submission_round, school, user, {k: v for i, (k, v) in enumerate(answers.items()) if i < 9})
                counts["draft"] += 1
                continue
            submission = self._fill(submission_round, school, user, answers)
            submission = submission_submit(submission_round=submission_round, school=school, user=user, expected_version=submission.version)
            if school in returned:
                code, comment = RETURN_COMMENTS[returned.index(school)]
                question = next(q for q in questions if q.code == code)
                submission_return(
                    submission=submission,
                    user=reviewer,
                    comment="Проверьте, пожалуйста, отмеченные ответы и отправьте анкету снова.",
                    question_comments={question.pk: comment},
                    expected_version=submission.version,
                )
                counts["returned"] += 1
            elif n % 3 == 2:
                counts["submitted"] += 1
            else:
                submission_accept(submission=submission, user=reviewer, expected_version=submission.version)
                counts["accepted"] += 1
        return counts

    def _values_2025(self, previous: SubmissionRound) -> dict[int, dict[str, object]]:
        values: dict[int, dict[str, object]] = {}
        for submission in Submission.objects.filter(round=previous).prefetch_related("answers__question"):
            row = values.setdefault(submission.school_id, {})
            for answer in submission.answers.all():
                code = answer.question.code
                if code in ("internet_speed", "teachers_ready_share"):
                    row[code] = answer.value_number
                elif code == "kit_workstations" and answer.value_number is not None:
                    row[code] = int(answer.value_number)
                elif code == "equipment_kit":
                    row[code] = answer.value_text
        return values
