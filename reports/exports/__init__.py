"""Excel exports: each a working file, not a dump. A title and the moment of export on top, a Russian
header row that stays frozen and carries an autofilter, column widths that fit, numbers as numbers,
percents as percents and dates as dates. Workbooks are written in openpyxl's `write_only` mode, rows
stream from querysets in chunks, so memory stays bounded whatever the number of schools.

Each export is an `ExportSpec`: how many rows it will have (to choose between a download now and a
Celery job) and a writer that takes the selector output and a file path.
"""

import datetime as dt
import os
import tempfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from indicators.models import Indicator
from ratings.models import Rating, StatusAward
from schools.forms import DistrictSearchField
from schools.models import District, Municipality, School
from schools.roles import Access
from schools.selectors import active_curators, districts_visible_to, schools_visible_to
from surveys.models import SubmissionRound

from .sheets import Progress
from .writers import write_answers, write_completeness, write_indicators, write_rating, write_status

# --- The catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSpec:
    kind: str
    title: str
    description: str
    needs: str  # "round" or "year" or "municipality"
    extension: str = "xlsx"
    always_job: bool = False  # built by the worker whatever its size (one document per school)
    personal_data: str = ""  # what personal data the file carries: its every download is logged per person

    def filename(self, subject: str) -> str:
        return f"{self.title} — {subject}.{self.extension}".replace("/", "-")


EXPORTS = {
    "rating": ExportSpec("rating", "Рейтинг", "Место, школа, район, форма, рейтинг, уровень, баллы по разделам, изменение, статус", "round"),
    "answers": ExportSpec("answers", "Ответы школ", "Одна строка — школа, один столбец — вопрос (код и текст), состояние анкеты", "round"),
    "completeness": ExportSpec(
        "completeness", "Полнота заполнения", "По районам и по школам: состояние анкет, даты, кураторы", "round", personal_data="ФИО и e-mail кураторов"
    ),
    "indicators": ExportSpec("indicators", "Показатели", "Показатель, цель, срок, факт по раундам, оценка", "municipality"),
    "status": ExportSpec("status", "Статус «Цифровая школа»", "Приложение к приказу: район — школы через запятую", "year"),
    "passports": ExportSpec(
        "passports",
        "Паспорта готовности",
        "ZIP: паспорт каждой школы района за раунд (Word и PDF)",
        "round",
        extension="zip",
        always_job=True,
        personal_data="ФИО кураторов",
    ),
}


@dataclass
class ExportRequest:
    """What to export, resolved and scoped for one user."""

    spec: ExportSpec
    access: Access
    round: SubmissionRound | None = None
    municipality: Municipality | None = None
    year: int | None = None
    district: District | None = None

    @property
    def schools(self) -> QuerySet[School]:
        """The user's schools; with a district chosen for a round's export, those the round keeps in that district
        (as the round's pages filter them). The passports take the district their own way (`passport_schools`)."""
        schools = schools_visible_to(self.access)
        if self.district is not None and self.round is not None and self.spec.kind != "passports":
            schools = schools.filter(round_participations__round=self.round, round_participations__district=self.district)
        return schools

    @property
    def subject(self) -> str:
        if self.district is not None:
            return f"{self.district.name}, {self.round.title}"
        if self.round is not None:
            return self.round.title
        if self.year is not None:
            return str(self.year)
        return self.municipality.name if self.municipality else ""

    @property
    def filename(self) -> str:
        return self.spec.filename(self.subject)

    @property
    def scope(self) -> str:
        """Every parameter the file was made with, as its title row states it (the one place that writes them):
        the municipality, the round with its year or the year, and the district — the one asked for or the
        district officer's own — else «все районы». The indicators sheet covers every round of the municipality."""
        parts = [self.municipality.name] if self.municipality else []
        if self.round is not None and self.spec.kind != "indicators":
            parts.append(f"раунд «{self.round.title}» ({self.round.year} год)")
        elif self.year is not None:
            parts.append(f"{self.year} год")
        else:
            parts.append("все раунды")
        district = self.district
        if district is None and not self.access.sees_city and self.access.district_id:
            district = District.objects.filter(pk=self.access.district_id).first()
        parts.append(f"район: {district.name}" if district is not None else "все районы")
        return ", ".join(parts)

    def count_rows(self) -> int:
        """Rows the file will have, in one query: decides between a download now and a job."""
        kind = self.spec.kind
        if kind == "passports":
            return self.passport_schools().count()
        if kind == "rating":
            return Rating.objects.filter(round=self.round, school__in=self.schools.values("pk")).count()
        if kind in ("answers", "completeness"):
            return self.schools.filter(round_participations__round=self.round, round_participations__is_active=True).count()
        if kind == "status":
            return StatusAward.objects.filter(municipality=self.municipality, year=self.year, school__in=self.schools.values("pk")).count()
        return Indicator.objects.filter(roadmap__municipality=self.municipality, level=Indicator.Level.CITY).count()

    def write(self, path, exported_at: dt.datetime, progress: Progress | None = None) -> int:
        kind = self.spec.kind
        if kind == "passports":
            from ..passport import write_passports_zip

            return write_passports_zip(
                path, schools=self.passport_schools(), round_id=self.round.pk, min_schools=self.access.aggregate_min_schools, progress=progress
            )
        if kind == "rating":
            return write_rating(path, round_=self.round, schools=self.schools, exported_at=exported_at, scope=self.scope, progress=progress)
        if kind == "answers":
            return write_answers(path, round_=self.round, schools=self.schools, exported_at=exported_at, scope=self.scope, progress=progress)
        if kind == "completeness":
            return write_completeness(
                path,
                round_=self.round,
                access=self.access,
                schools=self.schools,
                district_ids=[self.district.pk] if self.district is not None else None,
                exported_at=exported_at,
                scope=self.scope,
                progress=progress,
            )
        if kind == "status":
            return write_status(
                path, municipality=self.municipality, year=self.year, schools=self.schools, exported_at=exported_at, scope=self.scope, progress=progress
            )
        return write_indicators(path, municipality=self.municipality, exported_at=exported_at, scope=self.scope, progress=progress)

    def personal_data_subjects(self) -> list:
        """The people whose personal data the file carries: the active curators of its schools."""
        schools = self.passport_schools() if self.spec.kind == "passports" else self.schools.filter(rounds=self.round)
        return [curator.user for curator in active_curators().filter(school__in=schools.values("pk"))]

    def passport_schools(self) -> QuerySet[School]:
        return self.schools.filter(rounds=self.round, district=self.district).select_related("district").order_by("number", "full_name")

    @property
    def params(self) -> dict:
        return {
            "round": self.round.pk if self.round else None,
            "year": self.year,
            "municipality": self.municipality.pk if self.municipality else None,
            "district": self.district.pk if self.district else None,
        }


class ExportNotFound(LookupError):
    """The export, its round or its year is not there for this user."""


class ExportDistrictUnknown(ExportNotFound):
    """A district typed by name that is none of the user's districts of the export's municipality (or none typed for
    the passports): the message says what to do."""


def export_request_for(access: Access, kind: str, *, round_id=None, year=None, district=None) -> ExportRequest:
    """Resolve an export for a user: the round among the rounds they may see, the municipality of
    their schools, the year as a number, the district by its id or its name (as typed in the export page's
    search input) among the user's districts of that municipality. Raises ExportNotFound for anything else
    (ExportDistrictUnknown for a name that matches no district)."""
    from ..dashboard import dashboard_municipality, rounds_reported

    spec = EXPORTS.get(kind)
    if spec is None:
        raise ExportNotFound(kind)
    request = ExportRequest(spec=spec, access=access)
    # A year's exports (status list, indicators) take their municipality from the chosen round, if any.
    if spec.needs == "round" or round_id:
        try:
            request.round = rounds_reported(access).get(pk=int(round_id))
        except (TypeError, ValueError, SubmissionRound.DoesNotExist) as error:
            raise ExportNotFound(round_id) from error
    request.municipality = request.round.municipality if request.round else dashboard_municipality(access, None)
    if request.municipality is None:
        raise ExportNotFound("municipality")
    if spec.needs == "year":
        try:
            request.year = int(year)
        except (TypeError, ValueError) as error:
            raise ExportNotFound(year) from error
    # The passports are made district by district; a round's other exports may be narrowed to one district, as its pages.
    text = str(district if district is not None else "").strip()
    if spec.kind == "passports" or (text and spec.needs == "round"):
        field = DistrictSearchField(
            queryset=districts_visible_to(access).filter(municipality=request.municipality),
            required=True,
            error_messages={"required": "Выберите район: паспорта собираются по районам."},
        )
        try:
            request.district = field.clean(text)
        except ValidationError as error:
            if text.isascii() and text.isdigit():  # an id comes from a link or a forged form, never typed: not there for this user
                raise ExportNotFound(text) from error
            raise ExportDistrictUnknown(error.messages[0]) from error
    return request


def export_to_tempfile(request: ExportRequest, progress: Progress | None = None):
    """Write the export to a temporary file and return it open for reading; the file has no name on
    disk any more, so it disappears when closed (after the response has streamed it)."""
    handle, path = tempfile.mkstemp(suffix=f".{request.spec.extension}", prefix="export-")
    os.close(handle)
    try:
        request.write(path, timezone.now(), progress)
        stream = open(path, "rb")  # noqa: SIM115 - closed by the response or the caller
    finally:
        os.unlink(path)
    return stream
