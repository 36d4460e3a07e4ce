"""Uploaded files no row owns are swept from disk (operations.services.uploads_sweep, beat and `manage.py sweep_uploads`):
an Excel import previewed but never confirmed, one-time passwords never downloaded, evidence kept from a refused save,
a file whose save failed after it was written. Each only once older than its limit; files rows name (also in their
history) and fresh ones stay."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from schools.imports.files import credentials_path, pending_path, pending_save
from surveys.pending_uploads import pending_upload_keep
from tests.factories import AnswerFactory, CuratorFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DAYS_AGO_3 = time.time() - 3 * 24 * 3600


def media(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def age(*paths: Path, when: float = DAYS_AGO_3) -> None:
    for path in paths:
        os.utime(path, (when, when))


def kept_evidence() -> Path:
    upload = SimpleUploadedFile("скан.pdf", PDF, content_type="application/pdf")
    before = set(media("evidence/pending").glob("*")) if media("evidence/pending").exists() else set()
    pending_upload_keep(upload=upload, user_id=1, round_id=1, code="q1")
    (path,) = set(media("evidence/pending").glob("*")) - before
    return path


def test_only_old_files_no_row_owns_are_swept():
    # Waiting files: an import previewed and abandoned, one-time passwords never downloaded, evidence of a refused save.
    old_import, fresh_import = (pending_path(pending_save(SimpleUploadedFile("школы.xlsx", b"PK\x03\x04 table"))) for _ in range(2))
    old_logins = credentials_path("A" * 24)
    old_logins.write_bytes(b"sealed")
    old_pending, fresh_pending = kept_evidence(), kept_evidence()
    # A save that failed after its file was written: no row names the file.
    old_lost = media(default_storage.save("evidence/2026/10/lost.pdf", ContentFile(PDF)))
    fresh_lost = media(default_storage.save("evidence/2026/11/being-saved.pdf", ContentFile(PDF)))
    # Files rows own: an answer's evidence; a curator's order replaced since (its history still names the first one).
    answer = AnswerFactory()
    answer.file.save("owned.pdf", ContentFile(PDF))
    curator = CuratorFactory()
    curator.order_file.save("order-1.pdf", ContentFile(PDF))
    first_order = media(curator.order_file.name)
    curator.order_file.save("order-2.pdf", ContentFile(PDF))
    owned = [media(answer.file.name), first_order, media(curator.order_file.name)]
    age(old_import, old_logins, old_pending, old_lost, *owned)
    assert all(p.exists() for p in [old_import, old_logins, old_pending, old_lost])

    call_command("sweep_uploads", stdout=open(os.devnull, "w"))

    assert not any(p.exists() for p in [old_import, old_logins, old_pending, old_lost])
    assert all(p.exists() for p in [fresh_import, fresh_pending, fresh_lost, *owned])


def test_beat_sweeps_waiting_files_hourly_and_orphans_nightly():
    from operations.tasks import sweep_uploads

    lost = media(default_storage.save("evidence/2026/10/lost.pdf", ContentFile(PDF)))
    waiting = kept_evidence()
    age(lost, waiting)
    hourly, nightly = settings.CELERY_BEAT_SCHEDULE["sweep-waiting-uploads"], settings.CELERY_BEAT_SCHEDULE["sweep-orphan-uploads"]
    assert hourly["task"] == nightly["task"] == sweep_uploads.name
    sweep_uploads.delay(**hourly.get("kwargs", {}))
    assert not waiting.exists() and lost.exists()
    sweep_uploads.delay(**nightly.get("kwargs", {}))
    assert not lost.exists()


def test_an_orphan_younger_than_the_limit_stays_and_the_dry_run_deletes_nothing(settings):
    settings.UPLOAD_ORPHAN_MAX_AGE_HOURS = 100
    lost = media(default_storage.save("exports/2026/10/lost.xlsx", ContentFile(b"x")))
    age(lost)  # 72 hours old
    call_command("sweep_uploads", stdout=open(os.devnull, "w"))
    assert lost.exists()
    settings.UPLOAD_ORPHAN_MAX_AGE_HOURS = 24
    call_command("sweep_uploads", "--dry-run", stdout=open(os.devnull, "w"))
    assert lost.exists()
    call_command("sweep_uploads", stdout=open(os.devnull, "w"))
    assert not lost.exists()
