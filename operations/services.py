"""Writes of operations: the heartbeat, and the sweep of uploaded files no row owns."""

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import Heartbeat

BEAT = "beat"
logger = logging.getLogger(__name__)


def heartbeat_record(*, name: str) -> Heartbeat:
    """One row per process name, overwritten: a heartbeat is a fact about now, not history."""
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    return heartbeat


# --- Uploaded files no row owns -------------------------------------------------------------------------------------

# Waiting files: kept on purpose between two requests, useless after their own time limit.
HEALTH_DIR = "health"  # the health check writes and deletes one file; a crash between the two leaves it
HEALTH_MAX_AGE = dt.timedelta(hours=1)


@dataclass
class SweepSummary:
    removed: list[str] = field(default_factory=list)  # names under MEDIA_ROOT
    freed_bytes: int = 0

    def add(self, path: Path, root: Path) -> None:
        self.removed.append(path.relative_to(root).as_posix())


def _file_fields() -> dict[str, list[tuple[type, str]]]:
    """Each directory files are uploaded to (the fixed part of `upload_to`) and the (model, field) pairs that name its
    files, history rows included: a file an earlier version of a row names is still owned."""
    owners: dict[str, list[tuple[type, str]]] = {}
    for model in apps.get_models():
        tracked = getattr(model, "instance_type", None)  # django-simple-history: the model this history is of
        source = tracked if tracked is not None and model.__name__.startswith("Historical") else model
        for model_field in source._meta.concrete_fields:
            if isinstance(model_field, models.FileField) and isinstance(model_field.upload_to, str):
                top = model_field.upload_to.split("%", 1)[0].strip("/").split("/", 1)[0]
                if top:
                    owners.setdefault(top, []).append((model, model_field.name))
    return owners


def _files_older_than(root: Path, directory: str, limit: dt.datetime, *, skip: str = "") -> list[Path]:
    base = root / directory
    if not base.is_dir():
        return []
    older, cutoff = [], limit.timestamp()
    for folder, subfolders, names in os.walk(base):  # links are not followed
        if skip:
            subfolders[:] = [s for s in subfolders if (Path(folder) / s) != root / skip]
        for name in names:
            path = Path(folder) / name
            if not path.is_symlink() and path.stat().st_mtime < cutoff:
                older.append(path)
    return older


def _remove(paths: list[Path], root: Path, summary: SweepSummary, *, dry_run: bool) -> None:
    for path in paths:
        size = path.stat().st_size
        if not dry_run:
            path.unlink(missing_ok=True)
        summary.add(path, root)
        summary.freed_bytes += size


def uploads_sweep(*, orphans: bool = True, dry_run: bool = False, now: dt.datetime | None = None) -> SweepSummary:
    """Delete uploaded files no row owns (README «Загружаемые файлы»):

    - files kept between two requests, after their own limit: evidence kept from a refused save (`evidence/pending/`,
      PENDING_MAX_AGE, its token has expired), an Excel import previewed but never confirmed (`imports/*.xlsx`, 12 h),
      one-time passwords never downloaded (`imports/*-logins.sealed`, 1 h), a health check's probe (`health/`, 1 h);
    - any other file in a directory files are uploaded to (evidence, documents, orders, acts, exports, templates) that
      no row names, current or in its history, once older than UPLOAD_ORPHAN_MAX_AGE_HOURS: a save that failed after
      its file was written, a row deleted without its file. The age keeps a save still in progress safe.
      `orphans=False` skips this part (it reads every owning table once: beat runs it daily, the rest hourly).
    """
    from schools.imports.files import CREDENTIALS_SUFFIX, CREDENTIALS_TTL, PENDING_TTL
    from surveys.pending_uploads import PENDING_DIR, PENDING_MAX_AGE

    now = now or timezone.now()
    root = Path(settings.MEDIA_ROOT)
    summary = SweepSummary()
    waiting = _files_older_than(root, PENDING_DIR, now - dt.timedelta(seconds=PENDING_MAX_AGE))
    waiting += _files_older_than(root, HEALTH_DIR, now - HEALTH_MAX_AGE)
    imports = root / "imports"
    for pattern, ttl in (("*.xlsx", PENDING_TTL), (f"*{CREDENTIALS_SUFFIX}", CREDENTIALS_TTL)):
        if imports.is_dir():
            waiting += [p for p in imports.glob(pattern) if p.is_file() and p.stat().st_mtime < (now - ttl).timestamp()]
    _remove(waiting, root, summary, dry_run=dry_run)

    if not orphans:
        return summary
    orphan_limit = now - dt.timedelta(hours=settings.UPLOAD_ORPHAN_MAX_AGE_HOURS)
    for directory, owners in sorted(_file_fields().items()):
        candidates = _files_older_than(root, directory, orphan_limit, skip=PENDING_DIR)
        if not candidates:
            continue
        owned: set[str] = set()  # one pass over each owning table (an index on a file name would not help a prefix)
        for model, name in owners:
            owned.update(model._default_manager.filter(**{f"{name}__startswith": f"{directory}/"}).values_list(name, flat=True).iterator())
        _remove([path for path in candidates if path.relative_to(root).as_posix() not in owned], root, summary, dry_run=dry_run)
    if summary.removed:
        logger.info("uploads swept", extra={"files": len(summary.removed), "bytes": summary.freed_bytes, "dry_run": dry_run})
    return summary
