"""Answer values: typed value ↔ Answer columns, checks run on submit, deviation from the previous round.

Plain functions without queries: services and selectors load the rows and pass them in.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from roadmap_portal.formatting import format_number

from .models import Answer, Question, QuestionRule

EMPTY_STORAGE = {"value_bool": None, "value_number": None, "value_text": "", "value_date": None}
PERCENT_BOUNDS = (Decimal(0), Decimal(100))


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """A stored number without trailing zeros and never in exponent form (for form initial values)."""
    if value is None:
        return None
    return Decimal(f"{value.normalize():f}")


def storage_for(question: Question, value) -> dict:
    """Column values for a typed answer value (None, "", [] mean "no answer")."""
    storage = dict(EMPTY_STORAGE)
    kind = question.type
    if kind == Question.Type.YES_NO:
        storage["value_bool"] = value
    elif kind in Question.NUMERIC_TYPES:
        storage["value_number"] = None if value is None or value == "" else Decimal(value)
    elif kind == Question.Type.MULTIPLE_CHOICE:
        chosen = set(value or [])
        # Stored in the questionnaire's order so equal answers compare equal.
        storage["value_text"] = "|".join(str(v) for v, _label in question.choices if str(v) in chosen)
    elif kind == Question.Type.DATE:
        storage["value_date"] = value or None
    elif kind in (Question.Type.SINGLE_CHOICE, Question.Type.TEXT):
        storage["value_text"] = (value or "").strip()
    return storage


def storage_of(answer: Answer | None) -> dict:
    if answer is None:
        return dict(EMPTY_STORAGE)
    return {key: getattr(answer, key) for key in EMPTY_STORAGE}


def display(question: Question, storage: Mapping) -> str:
    """What a person reads for an answer: «да», «12,5 Мбит/с», «Сферум, РЭШ», «01.09.2026»."""
    kind = question.type
    if kind == Question.Type.YES_NO:
        value = storage["value_bool"]
        return "" if value is None else ("да" if value else "нет")
    if kind in Question.NUMERIC_TYPES:
        number = storage["value_number"]
        if number is None:
            return ""
        return f"{format_number(number)} {question.display_unit}".strip()
    if kind in Question.CHOICE_TYPES:
        labels = question.choice_labels
        return ", ".join(labels.get(v, v) for v in storage["value_text"].split("|") if v)
    if kind == Question.Type.DATE:
        value = storage["value_date"]
        return f"{value:%d.%m.%Y}" if value else ""
    return storage.get("value_text", "")


def answer_display(question: Question, answer: Answer | None) -> str:
    if answer is None:
        return ""
    if question.type == Question.Type.FILE:
        return answer.file_name
    return display(question, storage_of(answer))


def is_empty(question: Question, answer: Answer | None) -> bool:
    if answer is None:
        return True
    if question.type == Question.Type.FILE:
        return not answer.file
    storage = storage_of(answer)
    return storage == EMPTY_STORAGE


def bounds_of(question: Question) -> tuple[Decimal | None, Decimal | None]:
    low, high = question.min_value, question.max_value
    if question.type == Question.Type.PERCENT:
        low = PERCENT_BOUNDS[0] if low is None else max(low, PERCENT_BOUNDS[0])
        high = PERCENT_BOUNDS[1] if high is None else min(high, PERCENT_BOUNDS[1])
    return low, high


REQUIRED_MESSAGE = "Ответьте на этот вопрос: он обязательный."
WHOLE_NUMBER_MESSAGE = "Введите целое число."


def bound_messages(question: Question) -> tuple[str, str]:
    """The messages of a number below or above the question's bounds («не меньше 0 %», «не больше 100 чел.»)."""
    low, high = bounds_of(question)
    unit = f" {question.display_unit}" if question.display_unit else ""
    return (
        f"Значение должно быть не меньше {format_number(low)}{unit}." if low is not None else "",
        f"Значение должно быть не больше {format_number(high)}{unit}." if high is not None else "",
    )


def client_checks(questions: Iterable[Question], rules: Iterable[QuestionRule]) -> dict:
    """The submit's checks as data for the form's live validation in the browser (the server still decides)."""
    checks = {}
    for question in questions:
        low, high = bounds_of(question)
        too_low, too_high = bound_messages(question)
        checks[question.code] = {
            "type": question.type,
            "required": question.required,
            "min": None if low is None else str(low),
            "max": None if high is None else str(high),
            "min_message": too_low,
            "max_message": too_high,
        }
    by_id = {q.pk: q.code for q in questions}
    cross = [
        {
            "kind": rule.kind,
            "left": by_id[rule.left_id],
            "right": by_id[rule.right_id],
            "left_values": [str(v) for v in rule.left_values],
            "message": rule.message or _generic_rule_message(rule),
        }
        for rule in rules
        if rule.left_id in by_id and rule.right_id in by_id
    ]
    return {"questions": checks, "rules": cross, "required_message": REQUIRED_MESSAGE, "whole_number_message": WHOLE_NUMBER_MESSAGE}


def _generic_rule_message(rule: QuestionRule) -> str:
    if rule.kind == QuestionRule.Kind.LTE:
        return f"Ответ на вопрос {_quoted(rule.left)} не может быть больше, чем ответ на вопрос {_quoted(rule.right)}."
    return f"При таком ответе на вопрос {_quoted(rule.left)} в вопросе {_quoted(rule.right)} укажите число больше нуля."


def question_errors(question: Question, answer: Answer | None) -> list[str]:
    """Errors of one answer on submit: required, bounds, whole numbers, known options."""
    if is_empty(question, answer):
        return [REQUIRED_MESSAGE] if question.required else []
    if question.type in Question.NUMERIC_TYPES:
        number = answer.value_number
        low, high = bounds_of(question)
        too_low, too_high = bound_messages(question)
        if low is not None and number < low:
            return [too_low]
        if high is not None and number > high:
            return [too_high]
        if question.type == Question.Type.INTEGER and number != number.to_integral_value():
            return [WHOLE_NUMBER_MESSAGE]
    if question.type in Question.CHOICE_TYPES:
        known = set(question.choice_labels)
        unknown = [v for v in answer.value_text.split("|") if v and v not in known]
        if unknown:
            return ["Выберите вариант из списка."]
    return []


def _quoted(question: Question) -> str:
    text = question.text.strip().rstrip("?:.")
    return f"«{text}»"


def rule_error(rule: QuestionRule, answers: Mapping[int, Answer]) -> str | None:
    """The message of a broken cross-question rule, naming both questions, or None."""
    left, right = answers.get(rule.left_id), answers.get(rule.right_id)
    if rule.kind == QuestionRule.Kind.LTE:
        if left is None or right is None or left.value_number is None or right.value_number is None:
            return None
        if left.value_number <= right.value_number:
            return None
        return rule.message or (
            f"Ответ на вопрос {_quoted(rule.left)} ({format_number(left.value_number)}) не может быть больше, "
            f"чем ответ на вопрос {_quoted(rule.right)} ({format_number(right.value_number)})."
        )
    if rule.kind == QuestionRule.Kind.REQUIRES_POSITIVE:
        if left is None:
            return None
        if rule.left.type == Question.Type.YES_NO:
            chosen = {"yes"} if left.value_bool else ({"no"} if left.value_bool is False else set())
        else:
            chosen = {v for v in left.value_text.split("|") if v}
        trigger = chosen & {str(v) for v in rule.left_values}
        if not trigger:
            return None
        if right is not None and right.value_number is not None and right.value_number > 0:
            return None
        labels = rule.left.choice_labels
        picked = ", ".join(f"«{labels.get(v, v)}»" for v in sorted(trigger))
        return rule.message or (f"В вопросе {_quoted(rule.left)} выбрано {picked}, поэтому в вопросе {_quoted(rule.right)} укажите число больше нуля.")
    return None


def submission_errors(questions: Iterable[Question], rules: Iterable[QuestionRule], answers: Mapping[int, Answer]) -> dict[str, list[str]]:
    """Every problem that blocks a submit, keyed by question code (in questionnaire order)."""
    errors: dict[str, list[str]] = {}
    by_id = {}
    for question in questions:
        by_id[question.pk] = question
        problems = question_errors(question, answers.get(question.pk))
        if problems:
            errors[question.code] = problems
    for rule in rules:
        message = rule_error(rule, answers)
        if message:
            for question_id in (rule.left_id, rule.right_id):
                code = by_id[question_id].code if question_id in by_id else None
                if code and message not in errors.get(code, []):
                    errors.setdefault(code, []).append(message)
    order = {q.code: i for i, q in enumerate(by_id.values())}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], 0)))


def deviation_note(question: Question, answer: Answer, previous: Answer | None, threshold_percent: int) -> str:
    """A note for the reviewer when a number moved more than the threshold from the previous round."""
    if question.type not in Question.NUMERIC_TYPES or previous is None:
        return ""
    new, old = answer.value_number, previous.value_number
    if new is None or old is None or new == old:
        return ""
    before, after = display(question, storage_of(previous)), display(question, storage_of(answer))
    if old == 0:
        return f"В прошлом раунде было {before}, теперь {after}".rstrip(".") + "."  # «15 шт.», not «15 шт..»
    change = (new - old) / abs(old) * 100
    if abs(change) <= threshold_percent:
        return ""
    sign = "+" if change > 0 else "−"
    return f"В прошлом раунде было {before}, теперь {after} ({sign}{format_number(abs(change).quantize(Decimal(1)))} %)."
