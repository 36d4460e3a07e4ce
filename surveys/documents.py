"""Documents due from schools (issue 16): the administrator asks every school of a municipality — or of one district —
for a document by a date; curators upload it from their school page; methodologists and district officers see who has
not; curators are told when asked and reminded (by hand, and 3 days and 1 day before the date) like for rounds.

A school has submitted when it has at least one upload; a later upload replaces the shown copy (the earlier stay).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from roadmap_portal.uploads import evidence_check
from schools.models import Curator, District, Municipality, School
from schools.roles import Access
from schools.selectors import schools_visible_to

from .models import DocumentRequest, DocumentUpload, Notice
from .notices import Draft, _curator_users, _curators_by_school, notices_create

AUTO_REMINDER_DAYS = (3, 1)


# --- Reads -------------------------------------------------------------------------------------


def asked_schools(document_request: DocumentRequest) -> QuerySet[School]:
    """The active schools the request asks: its municipality's, or its district's."""
    schools = School.objects.filter(municipality_id=document_request.municipality_id, is_active=True)
    if document_request.district_id:
        schools = schools.filter(district_id=document_request.district_id)
    return schools


def requests_visible_to(access: Access) -> QuerySet[DocumentRequest]:
    """Requests that ask at least one school the user sees, each with how many of those schools were asked and have sent it."""
    visible = schools_visible_to(access).filter(is_active=True)
    asks = Q(municipality_id__in=visible.values("municipality_id"))
    if not access.sees_city:
        asks &= Q(district__isnull=True) | Q(district_id__in=visible.values("district_id"))
    return DocumentRequest.objects.filter(asks).select_related("municipality", "district", "created_by")


@dataclass
class RequestCounts:
    asked: int
    sent: int

    @property
    def missing(self) -> int:
        return self.asked - self.sent

    @property
    def percent(self) -> int:
        return round(100 * self.sent / self.asked) if self.asked else 0


def request_counts(document_request: DocumentRequest, access: Access) -> RequestCounts:
    """Asked schools the user sees and how many of them have sent the document: one query."""
    sent = DocumentUpload.objects.filter(request=document_request, school=OuterRef("pk"))
    schools = asked_schools(document_request).filter(pk__in=schools_visible_to(access).values("pk"))
    row = schools.aggregate(asked=Count("pk"), sent=Count("pk", filter=Q(Exists(sent))))
    return RequestCounts(asked=row["asked"], sent=row["sent"])


def request_school_rows(document_request: DocumentRequest, access: Access, *, missing_only: bool = False) -> QuerySet[School]:
    """Asked schools the user sees, each with its latest upload (id, name, when) and its curators: a fixed number of queries."""
    latest = DocumentUpload.objects.filter(request=document_request, school=OuterRef("pk")).order_by("-uploaded_at", "-pk")
    rows = (
        asked_schools(document_request)
        .filter(pk__in=schools_visible_to(access).values("pk"))
        .select_related("district")
        .annotate(
            upload_id=Subquery(latest.values("pk")[:1]),
            upload_name=Subquery(latest.values("file_name")[:1]),
            uploaded_at=Subquery(latest.values("uploaded_at")[:1]),
        )
    )
    if missing_only:
        rows = rows.filter(upload_id__isnull=True)
    curators = Curator.objects.filter(is_active=True).select_related("user")
    return rows.prefetch_related(Prefetch("curators", queryset=curators, to_attr="active_curators")).order_by("district__name", "number", "full_name", "pk")


@dataclass
class SchoolRequest:
    request: DocumentRequest
    upload: DocumentUpload | None

    @property
    def overdue(self) -> bool:
        return self.upload is None and self.request.due_date < timezone.localdate()


def requests_for_school(school: School) -> list[SchoolRequest]:
    """Requests that ask this school, newest date first, each with the school's latest upload: two queries."""
    requests = list(
        DocumentRequest.objects.filter(municipality_id=school.municipality_id)
        .filter(Q(district__isnull=True) | Q(district_id=school.district_id))
        .order_by("-due_date", "-pk")
    )
    latest: dict[int, DocumentUpload] = {}
    for upload in DocumentUpload.objects.filter(request__in=requests, school=school).select_related("uploaded_by"):  # newest first
        latest.setdefault(upload.request_id, upload)
    return [SchoolRequest(r, latest.get(r.pk)) for r in requests]


def uploads_visible_to(access: Access) -> QuerySet[DocumentUpload]:
    return DocumentUpload.objects.filter(school__in=schools_visible_to(access))


def missing_school_ids(document_request: DocumentRequest) -> list[int]:
    sent = DocumentUpload.objects.filter(request=document_request).values("school_id")
    return list(asked_schools(document_request).exclude(pk__in=sent).values_list("pk", flat=True))


# --- Writes ------------------------------------------------------------------------------------


class DocumentError(Exception):
    """The document cannot be taken; the message says why."""


def _link(document_request: DocumentRequest) -> str:
    return reverse("surveys:my-school") + f"#document-{document_request.pk}"


@transaction.atomic
def document_request_create(
    *, municipality: Municipality, district: District | None, kind: str, title: str, description: str, due_date: dt.date, user
) -> DocumentRequest:
    """Ask the schools for a document; their curators are told at once (in the portal, by e-mail after commit)."""
    document_request = DocumentRequest(
        municipality=municipality, district=district, kind=kind, title=title.strip(), description=description.strip(), due_date=due_date, created_by=user
    )
    document_request.full_clean(exclude=["created_by"])
    if district is not None and district.municipality_id != municipality.pk:
        raise DocumentError(f"Район «{district}» не входит в {municipality}.")
    document_request.save()
    school_ids = asked_schools(document_request).values_list("pk", flat=True)
    text = f"Представьте, пожалуйста, «{document_request.title}» до {due_date:%d.%m.%Y}: загрузите файл на странице своей школы."
    if document_request.description:
        text += f"\n\n{document_request.description}"
    notices_create(
        recipients=_curator_users(school_ids),
        draft=Draft(
            kind=Notice.Kind.DOCUMENT_REQUESTED,
            event_key=f"doc_requested:{document_request.pk}",
            subject=f"Нужен документ: {document_request.title} — до {due_date:%d.%m.%Y}",
            text=text,
            link=_link(document_request),
        ),
    )
    return document_request


@transaction.atomic
def document_upload(*, document_request: DocumentRequest, school: School, user, file, comment: str = "") -> DocumentUpload:
    """A school's copy of the requested document, checked by its content (PDF, DOCX, XLSX, JPG or PNG)."""
    if not asked_schools(document_request).filter(pk=school.pk).exists():
        raise DocumentError("Этот документ у вашей школы не запрашивали.")
    evidence = evidence_check(file)
    upload = DocumentUpload(request=document_request, school=school, file_name=evidence.display_name, comment=comment.strip(), uploaded_by=user)
    upload.file.save(evidence.display_name, file, save=False)
    upload.full_clean(exclude=["uploaded_by", "file"])
    upload.save()
    return upload


def document_reminders_send(*, document_request: DocumentRequest, kind: str = "manual", today: dt.date | None = None) -> int:
    """Remind the curators of the schools that have not sent the document; returns how many curators were told.

    A manual reminder goes at most once a day; an automatic one (3 days, 1 day before the date) once."""
    today = today or timezone.localdate()
    missing = missing_school_ids(document_request)
    by_school = _curators_by_school(missing)
    key = f"doc_reminder:{document_request.pk}:{kind}" + (f":{today:%Y%m%d}" if kind == "manual" else "")
    days = (document_request.due_date - today).days
    when = "сегодня" if days == 0 else (f"через {days} дн." if days > 0 else f"срок прошёл {document_request.due_date:%d.%m.%Y}")
    told = 0
    with transaction.atomic():
        for users in by_school.values():
            told += notices_create(
                recipients=users,
                draft=Draft(
                    kind=Notice.Kind.DOCUMENT_REMINDER,
                    event_key=key,
                    subject=f"Напоминание: {document_request.title} — до {document_request.due_date:%d.%m.%Y}",
                    text=f"Ваша школа ещё не представила «{document_request.title}» (срок — {document_request.due_date:%d.%m.%Y}, {when}). "
                    "Загрузите файл на странице своей школы.",
                    link=_link(document_request),
                ),
            )
    return told


def document_reminders_send_due(*, today: dt.date | None = None) -> int:
    """Beat: the automatic reminders of every request due in 3 days or in 1 day (each sent once)."""
    today = today or timezone.localdate()
    told = 0
    for days in AUTO_REMINDER_DAYS:
        for document_request in DocumentRequest.objects.filter(due_date=today + dt.timedelta(days=days)):
            told += document_reminders_send(document_request=document_request, kind=f"auto_{days}d", today=today)
    return told
