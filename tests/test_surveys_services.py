"""Services of surveys: draft saves, submit checks, deviation flags, optimistic locking, closed rounds, review, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ratings.models import Rating
from surveys.models import Answer, AnswerChange, Questionnaire, RoundExtension, Submission, SubmissionEvent, SubmissionRound
from surveys.participants import participants_facts_refresh
from surveys.services import (
    RoundClosedError,
    SubmissionConflictError,
    SubmissionIncompleteError,
    SubmissionStateError,
    SurveyError,
    questionnaire_new_version,
    round_close,
    round_extension_grant,
    round_open,
    round_reopen,
    submission_accept,
    submission_return,
    submission_save_draft,
    submission_submit,
)
from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, join_round, methodologist, readiness_questionnaire

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
COMPLETE = {
    "internet_speed": Decimal("120.5"),
    "channel_meets_requirements": True,
    "equipment_kit": "standard",
    "kit_workstations": 12,
    "kit_workstations_fast": 10,
    "speed_measured_on": dt.date(2026, 3, 1),
    "teachers_ready_share": Decimal("85"),
    "platforms_used": ["sferum", "resh"],
    "students_count": 950,
    "comment": "",
}


@pytest.fixture
def world():
    questionnaire = readiness_questionnaire()
    school = SchoolFactory()
    curator = CuratorFactory(school=school).user
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality)
    join_round(submission_round, [school], replace=False)
    return submission_round, school, curator


def save(world, answers, version=0, **kwargs):
    submission_round, school, curator = world
    return submission_save_draft(submission_round=submission_round, school=school, user=curator, answers=answers, expected_version=version, **kwargs)


def submit(world, version):
    submission_round, school, curator = world
    return submission_submit(submission_round=submission_round, school=school, user=curator, expected_version=version)


def submitted(world, answers=None):
    saved = save(world, answers or COMPLETE)
    return submit(world, saved.submission.version)


def test_draft_save_keeps_a_partial_answer_set_without_required_checks(world):
    saved = save(world, {"internet_speed": Decimal("55.5"), "platforms_used": ["resh", "sferum"]})
    answers = {a.question.code: a for a in Answer.objects.filter(submission=saved.submission).select_related("question")}
    assert saved.submission.state == Submission.State.DRAFT
    assert answers["internet_speed"].value_number == Decimal("55.5")
    assert answers["platforms_used"].value_text == "sferum|resh"  # questionnaire order, joined by "|"
    assert "students_count" not in answers


def test_a_second_draft_save_changes_only_what_differs_and_audits_it(world):
    first = save(world, {"internet_speed": Decimal("50"), "students_count": 900})
    second = save(world, {"internet_speed": Decimal("50.0"), "students_count": 910}, version=first.submission.version)
    assert second.changed == 1
    change = AnswerChange.objects.filter(question__code="students_count").order_by("-pk").first()
    assert (change.old_value, change.new_value, change.user) == ("900 чел.", "910 чел.", world[2])
    assert change.version == second.submission.version


def test_saving_with_no_changes_does_not_bump_the_version(world):
    first = save(world, {"internet_speed": Decimal("50")})
    again = save(world, {"internet_speed": Decimal("50")}, version=first.submission.version)
    assert again.changed == 0
    assert again.submission.version == first.submission.version


def test_submit_refuses_missing_required_answers_and_keeps_the_draft(world):
    saved = save(world, {"internet_speed": Decimal("50")})
    with pytest.raises(SubmissionIncompleteError) as error:
        submit(world, saved.submission.version)
    assert "students_count" in error.value.errors
    assert "internet_speed" not in error.value.errors
    assert "platforms_used" not in error.value.errors  # optional
    assert Submission.objects.get().state == Submission.State.DRAFT
    assert Answer.objects.get(question__code="internet_speed").value_number == Decimal("50")


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("teachers_ready_share", Decimal("120"), "не больше 100"),
        ("internet_speed", Decimal("20000"), "не больше 10000"),
        ("students_count", -5, "не меньше 0"),
        ("kit_workstations", Decimal("2.5"), "целое число"),
        ("equipment_kit", "deluxe", "вариант из списка"),
    ],
)
def test_submit_checks_bounds_and_types_of_each_answer(world, code, value, message):
    saved = save(world, {**COMPLETE, code: value})
    with pytest.raises(SubmissionIncompleteError) as error:
        submit(world, saved.submission.version)
    assert message in " ".join(error.value.errors[code])


def test_fast_workstations_above_all_workstations_break_a_rule_naming_both_questions(world):
    saved = save(world, {**COMPLETE, "kit_workstations": 5, "kit_workstations_fast": 8})
    with pytest.raises(SubmissionIncompleteError) as error:
        submit(world, saved.submission.version)
    message = error.value.errors["kit_workstations_fast"][0]
    assert "«Рабочих мест со скоростью не менее 100 Мбит/с»" in message and "«Рабочих мест в комплекте»" in message
    assert message in error.value.errors["kit_workstations"]


def test_a_minimal_kit_requires_workstations(world):
    saved = save(world, {**COMPLETE, "equipment_kit": "minimal", "kit_workstations": 0, "kit_workstations_fast": 0})
    with pytest.raises(SubmissionIncompleteError) as error:
        submit(world, saved.submission.version)
    assert "«минимальный»" in error.value.errors["equipment_kit"][0]
    assert "больше нуля" in error.value.errors["kit_workstations"][0]


def test_no_kit_allows_zero_workstations(world):
    submission = submitted(world, {**COMPLETE, "equipment_kit": "none", "kit_workstations": 0, "kit_workstations_fast": 0})
    assert submission.state == Submission.State.SUBMITTED


def test_submit_records_the_event_and_queues_a_recompute(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submission = submitted(world)
    event = SubmissionEvent.objects.get(submission=submission)
    assert (event.action, event.from_state, event.to_state, event.user) == ("submitted", "draft", "submitted", world[2])
    assert len(callbacks) == 1
    # The queued recompute ran (in-process here) and caught up with the submit.
    submission_round = SubmissionRound.objects.get()
    assert submission_round.changes_seq == submission_round.computed_seq == 1
    assert Rating.objects.filter(round=submission_round, school=submission.school, submission=submission).exists()


def test_a_submitted_form_is_read_only(world):
    submission = submitted(world)
    with pytest.raises(SubmissionStateError):
        save(world, {"students_count": 1}, version=submission.version)


def test_a_big_change_from_the_previous_round_is_flagged_not_refused(world):
    submission_round, school, curator = world
    previous = SubmissionRoundFactory(
        questionnaire=submission_round.questionnaire,
        municipality=school.municipality,
        opens_at=timezone.now() - dt.timedelta(days=400),
        closes_at=timezone.now() - dt.timedelta(days=300),
        state=SubmissionRound.State.CLOSED,
    )
    old = Submission.objects.create(round=previous, school=school, state=Submission.State.ACCEPTED)
    for code, number in (("internet_speed", "100"), ("students_count", "940")):
        Answer.objects.create(submission=old, question=submission_round.questionnaire.questions.get(code=code), value_number=Decimal(number))
    submission_round.previous = previous
    submission_round.save()

    submission = submitted(world, {**COMPLETE, "internet_speed": Decimal("20")})
    flags = dict(Answer.objects.filter(submission=submission).values_list("question__code", "deviation_flag"))
    assert submission.state == Submission.State.SUBMITTED
    assert flags["internet_speed"] == "В прошлом раунде было 100 Мбит/с, теперь 20 Мбит/с (−80 %)."
    assert flags["students_count"] == ""  # 940 → 950 is within ±50 %


def test_a_save_based_on_a_stale_version_is_refused_with_what_changed(world):
    first = save(world, {"internet_speed": Decimal("50")})
    save(world, {"internet_speed": Decimal("60")}, version=first.submission.version)
    with pytest.raises(SubmissionConflictError) as error:
        save(world, {"internet_speed": Decimal("70")}, version=first.submission.version)
    assert [(c.old_value, c.new_value) for c in error.value.changes] == [("50 Мбит/с", "60 Мбит/с")]
    assert Answer.objects.get(question__code="internet_speed").value_number == Decimal("60")


def test_a_stale_submit_is_refused(world):
    first = save(world, COMPLETE)
    save(world, {"students_count": 1000}, version=first.submission.version)
    with pytest.raises(SubmissionConflictError):
        submit(world, first.submission.version)


def test_a_closed_round_refuses_saves_submits_and_reviews(world):
    submission = submitted(world)
    submission_round = round_close(submission_round=world[0])
    assert submission_round.results_fixed_at is not None
    with pytest.raises(RoundClosedError, match="закрыт"):
        save(world, {"students_count": 1}, version=submission.version)
    with pytest.raises(RoundClosedError):
        submission_accept(submission=submission, user=methodologist(), expected_version=submission.version)


def test_a_school_outside_the_round_can_neither_save_nor_submit_and_is_told_what_to_do(world):
    submission_round, school, curator = world
    outsider = SchoolFactory(municipality=school.municipality)
    with pytest.raises(RoundClosedError, match="не участвует в раунде") as refused:
        submission_save_draft(submission_round=submission_round, school=outsider, user=curator, answers={"students_count": 1}, expected_version=0)
    assert "обратитесь к администратору портала" in refused.value.message
    with pytest.raises(RoundClosedError, match="не участвует в раунде"):
        submission_submit(submission_round=submission_round, school=outsider, user=curator, expected_version=0)
    assert not Submission.objects.filter(school=outsider).exists()


def test_a_participant_deactivated_in_the_round_can_neither_save_nor_submit(world):
    submission_round, school, _curator = world
    saved = save(world, {"students_count": 900})
    school.is_active = False  # the school closed; the round takes it in at its next refresh of the participants' facts
    school.save()
    assert participants_facts_refresh(submission_round=submission_round) == 1
    with pytest.raises(RoundClosedError, match="не участвует в раунде"):
        save(world, {"students_count": 1}, version=saved.submission.version)
    with pytest.raises(RoundClosedError, match="не участвует в раунде"):
        submit(world, saved.submission.version)
    submission = Submission.objects.get(pk=saved.submission.pk)
    assert (submission.state, submission.version) == (Submission.State.DRAFT, saved.submission.version)
    assert Answer.objects.get(submission=submission, question__code="students_count").value_number == 900


def test_a_round_past_its_deadline_refuses_saves(world):
    SubmissionRound.objects.update(closes_at=timezone.now() - dt.timedelta(minutes=1), opens_at=timezone.now() - dt.timedelta(days=3))
    world[0].refresh_from_db()
    with pytest.raises(RoundClosedError, match="истёк"):
        save(world, {"students_count": 1})


def test_an_extension_lets_one_school_in_after_closing(world):
    submission_round, school, curator = world
    other = SchoolFactory(district=school.district)
    join_round(submission_round, [other], replace=False)
    round_close(submission_round=submission_round)
    admin_user = methodologist()
    extension = round_extension_grant(
        submission_round=submission_round, school=school, closes_at=timezone.now() + dt.timedelta(days=2), user=admin_user, reason="болел куратор"
    )
    assert RoundExtension.objects.get().granted_by == admin_user and extension.reason == "болел куратор"
    assert save(world, {"students_count": 900}).submission.state == Submission.State.DRAFT
    with pytest.raises(RoundClosedError):
        submission_save_draft(submission_round=submission_round, school=other, user=curator, answers={"students_count": 1}, expected_version=0)


def test_reopening_a_closed_round_unfixes_its_results(world):
    round_close(submission_round=world[0])
    reopened = round_reopen(submission_round=world[0], closes_at=timezone.now() + dt.timedelta(days=9), reason="школы просили")
    assert reopened.state == SubmissionRound.State.OPEN and reopened.results_fixed_at is None
    assert reopened.events.get(action="reopened").comment.endswith("причина: школы просили")


def test_reopening_never_moves_the_deadline_earlier_than_it_was(world):
    round_close(submission_round=world[0])  # closed early: the deadline was a week ahead
    with pytest.raises(SurveyError, match="не может быть раньше прежнего"):
        round_reopen(submission_round=world[0], closes_at=timezone.now() + dt.timedelta(days=5))
    assert SubmissionRound.objects.get(pk=world[0].pk).state == SubmissionRound.State.CLOSED


def test_return_with_comments_then_resubmit_then_accept(world):
    reviewer = methodologist()
    submission = submitted(world)
    question = world[0].questionnaire.questions.get(code="students_count")
    returned = submission_return(
        submission=submission,
        user=reviewer,
        comment="Уточните численность",
        question_comments={question.pk: "По данным РИС — 1020"},
        expected_version=submission.version,
    )
    assert returned.state == Submission.State.RETURNED and returned.return_comment == "Уточните численность"
    assert Answer.objects.get(submission=submission, question=question).review_comment == "По данным РИС — 1020"

    saved = save(world, {"students_count": 1020}, version=returned.version)
    resubmitted = submit(world, saved.submission.version)
    accepted = submission_accept(submission=resubmitted, user=reviewer, expected_version=resubmitted.version)
    assert accepted.state == Submission.State.ACCEPTED and accepted.reviewed_by == reviewer
    assert not Answer.objects.filter(submission=submission).exclude(review_comment="").exists()
    actions = list(SubmissionEvent.objects.filter(submission=submission).order_by("pk").values_list("action", flat=True))
    assert actions == ["submitted", "returned", "submitted", "accepted"]


def test_return_needs_a_comment(world):
    submission = submitted(world)
    with pytest.raises(SurveyError, match="Напишите"):
        submission_return(submission=submission, user=methodologist(), comment=" ", question_comments={}, expected_version=submission.version)


def test_a_draft_cannot_be_accepted_or_returned(world):
    saved = save(world, {"students_count": 1})
    with pytest.raises(SubmissionStateError):
        submission_accept(submission=saved.submission, user=methodologist(), expected_version=saved.submission.version)
    with pytest.raises(SubmissionStateError):
        submission_return(submission=saved.submission, user=methodologist(), comment="x", question_comments={}, expected_version=saved.submission.version)


def test_evidence_is_checked_by_content_and_replaced_before_submit(world):
    fake = SimpleUploadedFile("приказ.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(Exception, match="не похож на PDF"):
        save(world, {}, files={"evidence_file": fake})
    first = save(world, {}, files={"evidence_file": SimpleUploadedFile("../../Приказ о назначении.pdf", PDF)})
    answer = Answer.objects.get(question__code="evidence_file")
    old_path = answer.file.path
    assert answer.file_name == "Приказ_о_назначении.pdf" and answer.file.name.startswith("evidence/")
    save(world, {}, files={"evidence_file": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)}, version=first.submission.version)
    answer.refresh_from_db()
    assert answer.file_name == "scan.png"
    change = AnswerChange.objects.filter(question__code="evidence_file").order_by("-pk").first()
    assert (change.old_value, change.new_value) == ("Приказ_о_назначении.pdf", "scan.png")
    assert answer.file.storage.exists(answer.file.name)
    del old_path  # the replaced file is removed after commit (tests run inside one transaction)


def test_opening_a_round_freezes_its_questionnaire_and_adds_all_active_schools(world):
    submission_round, school, _ = world
    SchoolFactory(municipality=school.municipality, district=school.district)
    SchoolFactory(municipality=school.municipality, district=school.district, is_active=False)
    draft = SubmissionRoundFactory(questionnaire=submission_round.questionnaire, municipality=school.municipality, state=SubmissionRound.State.DRAFT)
    opened = round_open(submission_round=draft)
    assert opened.state == SubmissionRound.State.OPEN
    assert Questionnaire.objects.get(pk=draft.questionnaire_id).is_frozen
    assert opened.schools.count() == 2


def test_a_new_version_copies_sections_questions_and_rules(world):
    questionnaire = world[0].questionnaire
    copy = questionnaire_new_version(questionnaire=questionnaire)
    assert copy.version == 2 and copy.previous == questionnaire and not copy.is_frozen
    assert sorted(copy.questions.values_list("code", flat=True)) == sorted(questionnaire.questions.values_list("code", flat=True))
    assert copy.sections.count() == questionnaire.sections.count()
    assert {(r.left.code, r.right.code) for r in copy.rules.all()} == {("kit_workstations_fast", "kit_workstations"), ("equipment_kit", "kit_workstations")}
    assert all(r.left.questionnaire_id == copy.pk for r in copy.rules.all())
