"""Backup and restore of a whole installation: the database and the uploaded files in one archive.

The archive is a tar with `manifest.json` (what it holds: row counts of every table, checksums of the answers,
of the evidence-file records and of every file), the database (`pg_dump --format=custom` for PostgreSQL; a
consistent copy made with SQLite's backup API for SQLite) and the files under `media/`. The database is dumped
first, then the files are read: files are written before their rows commit and are never deleted, so every file
a row of the dump names is in the archive (a file uploaded during the backup may be there without its row).

Restore goes onto an empty installation (no users, no schools; migrated or not): it refuses otherwise unless told
to replace. It checks the restored database and files against the manifest and then applies the migrations of
the running code, so a backup of an older version restores into a newer one.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1
ROOT = "portal-backup"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"


class BackupError(Exception):
    """Something the operator must act on; the message says what."""


# --- What an installation holds --------------------------------------------------------------------------


def _engine() -> str:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Резервное копирование поддерживает PostgreSQL и SQLite, а не {connection.vendor}.")
    return connection.vendor


def _table_digest(cursor, table: str, quote) -> str:
    """sha256 over every row of a table in key order, all columns as stored: the same rows give the same digest.
    Raw SQL, not the models: a backup taken before upgrading the code reads tables the new models do not match."""
    digest = hashlib.sha256()
    cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY 1")  # noqa: S608 - a table name from the database's own catalogue
    while rows := cursor.fetchmany(5000):
        for row in rows:
            digest.update(repr(tuple(str(value) for value in row)).encode())
    return digest.hexdigest()


# What cannot be typed in again: the schools' answers and the records of their evidence files.
DIGESTED_TABLES = {"answers_sha256": "surveys_answer", "evidence_files_sha256": "surveys_evidencefile"}


def _facts(cursor, tables: list[str], quote) -> dict:
    facts = {"tables": {}}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - names come from the database's own catalogue
        facts["tables"][table] = cursor.fetchone()[0]
    for key, table in DIGESTED_TABLES.items():
        facts[key] = _table_digest(cursor, table, quote) if table in tables else ""
    return facts


def database_facts() -> dict:
    """Row count of every table and checksums of the answers and of the evidence-file records."""
    with connection.cursor() as cursor:
        return _facts(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)


def _sqlite_file_facts(path: Path) -> dict:
    """The same facts read from an SQLite file directly, with Django's type conversions (same digests)."""
    with sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES) as db:
        cursor = db.cursor()
        tables = [name for (name,) in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'")]
        return _facts(cursor, tables, connection.ops.quote_name)


def media_files(root: Path) -> dict[str, str]:
    """sha256 of every file under the media root, by its path relative to the root (health-check leftovers aside)."""
    sums = {}
    if not root.exists():
        return sums
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).parts[0] != "health":
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
            sums[path.relative_to(root).as_posix()] = digest.hexdigest()
    return sums


def installation_is_empty() -> bool:
    """No people and no schools: a fresh `migrate` (or not even that) — nothing a restore would overwrite."""
    from django.contrib.auth import get_user_model

    from schools.models import School

    if not {get_user_model()._meta.db_table, School._meta.db_table} <= set(connection.introspection.table_names()):
        return True
    return not get_user_model().objects.exists() and not School.objects.exists()


# --- PostgreSQL tools ------------------------------------------------------------------------------------


def _pg_args_and_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432), "--username", db.get("USER") or "postgres"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Не найдена программа {command[0]}: установите клиент PostgreSQL той же версии, что и сервер (apt-get install postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} завершился с ошибкой:\n{result.stderr.strip()}")


# --- Backup ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSummary:
    tables: int
    rows: int
    files: int
    bytes: int


def backup_create(*, output: BinaryIO) -> BackupSummary:
    """Write the archive to `output` (a file or a pipe: written as a stream)."""
    engine = _engine()
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        dump = Path(work) / (PG_DUMP if engine == "postgresql" else SQLITE_COPY)
        facts = _dump_with_facts(engine, dump)
        files, written = {}, 0
        with tarfile.open(fileobj=output, mode="w|") as archive:
            archive.add(dump, arcname=f"{ROOT}/{dump.name}")
            written += dump.stat().st_size
            for relative, digest in media_files(media_root).items():
                try:
                    archive.add(media_root / relative, arcname=f"{ROOT}/media/{relative}")
                except FileNotFoundError:
                    continue  # removed since the scan (a draft's replaced file): no row of the dump needs it
                files[relative] = digest
                written += (media_root / relative).stat().st_size
            # Last, so that it lists exactly what the archive holds.
            manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(), "engine": engine, "database": dump.name, "facts": facts, "media": files}
            _add_bytes(archive, f"{ROOT}/manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return BackupSummary(tables=len(facts["tables"]), rows=sum(facts["tables"].values()), files=len(files), bytes=written)


def _dump_with_facts(engine: str, dump: Path) -> dict:
    """The dump and the manifest's facts see the same moment, however many curators write meanwhile."""
    if engine == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(dump) as copy:
            connection.connection.backup(copy)  # SQLite's online backup API: a consistent snapshot
        return _sqlite_file_facts(dump)  # the facts of the copy itself
    args, env = _pg_args_and_env()
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args, "--file", str(dump)]
    if connection.in_atomic_block:  # already inside a transaction (tests): facts first, then the dump
        facts = database_facts()
        _run([*command, settings.DATABASES["default"]["NAME"]], env)
        return facts
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = database_facts()
        _run([*command, f"--snapshot={snapshot}", settings.DATABASES["default"]["NAME"]], env)  # pg_dump reads our snapshot
    return facts


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o644
    archive.addfile(info, io.BytesIO(data))


# --- Restore ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreSummary:
    tables: int
    rows: int
    files: int
    migrated: bool


def _member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.parts[:1] != (ROOT,):
        raise BackupError(f"В архиве посторонний путь {name!r}: это не архив портала или он повреждён.")
    return PurePosixPath(*path.parts[1:])


def backup_restore(*, source: BinaryIO, replace: bool = False) -> RestoreSummary:
    """Restore an archive written by `backup_create` onto this installation, then check it against its manifest."""
    engine = _engine()
    if not replace and not installation_is_empty():
        raise BackupError(
            "В этой установке уже есть пользователи или школы. Восстановление выполняется в пустую установку; "
            "чтобы заменить текущие данные архивом, повторите с --replace (текущие данные будут удалены)."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if not replace and any(media_files(media_root)):
        raise BackupError(f"В каталоге файлов {media_root} уже есть файлы. Укажите пустой MEDIA_ROOT или повторите с --replace.")
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        manifest, dump, staged = _unpack(source, Path(work))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Архив формата {manifest.get('format')}, а эта версия портала читает формат {FORMAT}.")
        if manifest["engine"] != engine:
            raise BackupError(f"Архив снят с {manifest['engine']}, а портал работает на {engine}: восстановите в базу того же вида.")
        _restore_database(engine, dump)
        if replace and media_root.exists():
            shutil.rmtree(media_root)
        media_root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, media_root, dirs_exist_ok=True)
    _verify(manifest, media_root)
    migrated = _migrate_to_this_version()
    facts = manifest["facts"]["tables"]
    return RestoreSummary(tables=len(facts), rows=sum(facts.values()), files=len(manifest["media"]), migrated=migrated)


def _unpack(source: BinaryIO, work: Path) -> tuple[dict, Path, Path]:
    manifest, dump = None, None
    staged = work / "media"
    staged.mkdir()
    try:
        archive = tarfile.open(fileobj=source, mode="r|")
    except tarfile.TarError as error:
        raise BackupError(f"Это не архив портала или он повреждён ({error}).") from error
    with archive:
        for member in archive:
            relative = _member_path(member.name)
            if member.isdir():
                continue
            if not member.isfile():
                raise BackupError(f"В архиве не файл: {member.name!r}.")
            data = archive.extractfile(member)
            if relative.as_posix() == "manifest.json":
                manifest = json.load(data)
                continue
            if relative.parts[0] == "media":
                target = staged.joinpath(*relative.parts[1:])
            elif relative.as_posix() in (PG_DUMP, SQLITE_COPY):
                target = dump = work / relative.name
            else:
                raise BackupError(f"В архиве неизвестная часть {member.name!r}.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                shutil.copyfileobj(data, out)
    if manifest is None or dump is None:
        raise BackupError("В архиве нет описи (manifest.json) или копии базы: это не архив портала или он обрезан.")
    return manifest, dump, staged


def _restore_database(engine: str, dump: Path) -> None:
    if engine == "postgresql":
        with connection.cursor() as cursor:
            # Whatever a fresh `migrate` created goes: the dump brings its own schema and rows.
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        connection.close()
        args, env = _pg_args_and_env()
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args]
        _run([*command, "--dbname", settings.DATABASES["default"]["NAME"], str(dump)], env)
    else:
        connection.close()
        with sqlite3.connect(dump) as copy, sqlite3.connect(settings.DATABASES["default"]["NAME"]) as target:
            copy.backup(target)  # replaces the whole target database, page by page
    connection.close()


def _verify(manifest: dict, media_root: Path) -> None:
    facts = database_facts()
    expected = manifest["facts"]
    restored = facts["tables"]
    wrong = [f"{table}: в архиве {count}, восстановлено {restored.get(table)}" for table, count in expected["tables"].items() if restored.get(table) != count]
    for key, label in (("answers_sha256", "ответы"), ("evidence_files_sha256", "записи о файлах-подтверждениях")):
        if facts[key] != expected[key]:
            wrong.append(f"{label}: контрольная сумма не совпала")
    files = media_files(media_root)
    wrong += [f"файл {name}: не восстановлен или изменён" for name, digest in manifest["media"].items() if files.get(name) != digest]
    if wrong:
        raise BackupError("Восстановленные данные не совпадают с описью архива:\n" + "\n".join(wrong))


def _migrate_to_this_version() -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True
