"""From deficits to the plan (issue 16): on a school's rating card, the sections where it lost the most points
suggest activities from the methodologists' library (`ActivitySuggestion`, by section title); the school's curator adds
the chosen ones to the school's plan with dates (`indicators.services.plan_activity_add`); a later round's card shows,
for each such activity, the section's share of points then and now — whether the section improved."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from indicators.models import Activity, Roadmap
from indicators.services import plan_activity_add

from .models import ActivitySuggestion
from .selectors import RatingCard

DEFICITS_SHOWN = 3


@dataclass
class Deficit:
    title: str
    lost: object
    possible: object
    percent: int
    suggestions: list[ActivitySuggestion] = field(default_factory=list)


@dataclass
class DeficitActivity:
    activity: Activity
    now_percent: int | None

    @property
    def change(self) -> int | None:
        if self.now_percent is None or self.activity.deficit_percent is None:
            return None
        return self.now_percent - self.activity.deficit_percent


@dataclass
class DeficitsBlock:
    deficits: list[Deficit]
    plan: Roadmap | None
    added: list[DeficitActivity]


def school_plan(school_id: int) -> Roadmap | None:
    return Roadmap.objects.filter(school_id=school_id, tracks_reports=True).order_by("-period_start").first()


def deficits_block(card: RatingCard) -> DeficitsBlock:
    """The sections where the school lost most points (at most 3, only those with points lost), each with the library's
    suggestions; the plan's activities added from deficits with the section's share then and in this round. Three queries."""
    sections = [s for s in card.sections if s.score is not None and s.score.possible]
    worst = sorted(sections, key=lambda s: s.score.possible - s.score.points, reverse=True)
    deficits = [Deficit(s.title, s.score.possible - s.score.points, s.score.possible, s.percent) for s in worst if s.score.points < s.score.possible][
        :DEFICITS_SHOWN
    ]
    by_title: dict[str, list[ActivitySuggestion]] = defaultdict(list)
    for suggestion in ActivitySuggestion.objects.filter(section_title__in=[d.title for d in deficits]):
        by_title[suggestion.section_title].append(suggestion)
    for deficit in deficits:
        deficit.suggestions = by_title.get(deficit.title, [])
    plan = school_plan(card.rating.school_id)
    percents = {s.title: s.percent for s in sections}
    added = []
    if plan is not None:
        for activity in plan.activities.exclude(deficit_section="").order_by("order"):
            added.append(DeficitActivity(activity, percents.get(activity.deficit_section)))
    return DeficitsBlock(deficits, plan, added)


class DeficitError(Exception):
    """The activity cannot be added; the message says why."""


@transaction.atomic
def deficit_activity_add(*, card: RatingCard, suggestion: ActivitySuggestion, start_date: dt.date, end_date: dt.date, responsible: str = "") -> Activity:
    """Add a library activity against one of the card's deficits to the school's plan, remembering the section's share now."""
    plan = school_plan(card.rating.school_id)
    if plan is None:
        raise DeficitError("У школы нет плана в портале: администратор загружает его вместе с дорожными картами.")
    section = next((s for s in card.sections if s.title == suggestion.section_title and s.score is not None), None)
    if section is None:
        raise DeficitError("Этого раздела нет в анкете школы этого раунда.")
    if end_date < start_date:
        raise DeficitError("Окончание не может быть раньше начала.")
    return plan_activity_add(
        roadmap=plan,
        title=suggestion.title,
        start_date=start_date,
        end_date=end_date,
        responsible=responsible,
        document_type=suggestion.document_type,
        expected_result=suggestion.expected_result,
        deficit_section=section.title,
        deficit_round_id=card.rating.round_id,
        deficit_percent=section.percent,
    )
