"""Backup and restore: a dump of the demo data restored into a fresh database holds the same rows and files.

On PostgreSQL (CI) the dump is pg_dump's and the restore runs pg_restore into a new database; on SQLite the copy is
made with SQLite's backup API. The restore runs as `manage.py restore` in a separate process, as an operator runs it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, models

from operations.backup import database_facts, media_files
from surveys.models import Answer, EvidenceFile, Question

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed rows only

ROOT = Path(settings.BASE_DIR)


def load_demo(tmp_path) -> None:
    """The demo of `make demo`, plus evidence files on a few answers (the demo has none)."""
    quiet = {"stdout": open(os.devnull, "w")}  # noqa: SIM115
    call_command("load_seed_data", **quiet)
    call_command("create_demo_accounts", **quiet)
    call_command("load_demo_rounds", **quiet)
    answers = Answer.objects.filter(question__type__in=[Question.Type.YES_NO, Question.Type.INTEGER]).order_by("pk")[:3]
    for number, answer in enumerate(answers, start=1):
        name = default_storage.save(f"evidence/2026/01/akt-{number}.pdf", ContentFile(b"%PDF-1.4 evidence " + bytes([number]) * 2000))
        Answer.objects.filter(pk=answer.pk).update(file=name, file_name=f"Акт {number}.pdf")
        EvidenceFile.objects.create(answer=answer, file=name, file_name=f"Акт {number}.pdf", kind="pdf", size=2017, version=1)


def stored_file_names() -> set[str]:
    """Every file a row of the database points at (evidence, the documents schools sent, templates, exports...)."""
    names = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names |= set(model._default_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True}).values_list(field.name, flat=True))
    return names


def fresh_database(tmp_path) -> str:
    """The URL of a new, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(db.get("USER") or "postgres") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def drop_fresh_database(url: str) -> None:
    if url.startswith("postgres"):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


def manage(*args: str, database_url: str, media_root: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root), "DB_CONN_MAX_AGE": "0"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, timeout=300)


FACTS_SCRIPT = "import json; from pathlib import Path; from django.conf import settings; from operations.backup import database_facts, media_files; "
FACTS_SCRIPT += "print(json.dumps({'db': database_facts(), 'media': media_files(Path(settings.MEDIA_ROOT))}))"


def test_a_dump_of_the_demo_data_restores_into_a_fresh_database_with_every_row_and_file(tmp_path):
    load_demo(tmp_path)
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive), stdout=open(os.devnull, "w"))  # noqa: SIM115
    before = {"db": database_facts(), "media": media_files(Path(settings.MEDIA_ROOT))}
    url = fresh_database(tmp_path)
    try:
        restored = manage("restore", str(archive), database_url=url, media_root=tmp_path / "restored-media")
        assert restored.returncode == 0, restored.stderr.decode()
        assert "совпадает с описью архива" in restored.stdout.decode()

        facts = manage("shell", "--no-imports", "-c", FACTS_SCRIPT, database_url=url, media_root=tmp_path / "restored-media")
        after = json.loads(facts.stdout.decode().strip().splitlines()[-1])
    finally:
        drop_fresh_database(url)

    # The demo really is in the dump: its answers, and every file its rows point at (the three evidence files above and
    # the documents the demo's schools sent), counted from the data rather than a number that changes with the demo.
    files = stored_file_names()
    assert before["db"]["tables"]["surveys_answer"] > 500 and len(files) > 3
    assert sorted(before["media"]) == sorted(files)
    assert after["db"]["tables"] == before["db"]["tables"]  # every table, row for row
    assert after["db"]["answers_sha256"] == before["db"]["answers_sha256"]
    assert after["db"]["evidence_files_sha256"] == before["db"]["evidence_files_sha256"]
    assert after["media"] == before["media"]  # every evidence file, byte for byte


def test_restore_refuses_an_installation_that_already_has_data(tmp_path):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("kurator-1", password="Dlinnyj-parol-1")
    archive = tmp_path / "backup.tar"
    archive.write_bytes(b"anything: the installation is checked first")

    with pytest.raises(CommandError, match="пустую установку"):
        call_command("restore", str(archive))
    assert get_user_model().objects.filter(username="kurator-1").exists()


def test_restore_refuses_what_is_not_a_portal_archive(tmp_path):
    bogus = tmp_path / "not-a-backup.tar"
    bogus.write_bytes(b"this is no tar archive at all" * 100)

    with pytest.raises(CommandError, match="не архив портала"):
        call_command("restore", str(bogus))
