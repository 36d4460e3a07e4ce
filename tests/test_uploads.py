"""Uploads inspected as streams (issue 13, recipe 3): an Office file whose parts unpack to gigabytes is refused
before it is unpacked, whatever its headers claim; the check runs once, outside the save's transaction; the web
process stays within 150 MB of idle for any upload up to the limit."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from schools.imports import ImportFileError, plan_schools
from surveys.models import Answer
from surveys.services import submission_save_draft
from tests.factories import CuratorFactory, MunicipalityFactory, SchoolFactory, SubmissionRoundFactory, join_round, readiness_questionnaire
from tests.zip_bombs import docx_bomb, many_parts_docx, real_docx, xlsx_bomb

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world():
    questionnaire = readiness_questionnaire()
    school = SchoolFactory()
    curator = CuratorFactory(school=school).user
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality)
    join_round(submission_round, [school], replace=False)
    return submission_round, school, curator


def upload(world, content: bytes, name="Приказ.docx"):
    submission_round, school, curator = world
    return submission_save_draft(
        submission_round=submission_round,
        school=school,
        user=curator,
        answers={},
        expected_version=0,
        files={"evidence_file": SimpleUploadedFile(name, content)},
    )


def test_a_docx_whose_content_types_unpack_to_a_gigabyte_is_refused(world):
    bomb = docx_bomb(1024)
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(ValidationError, match="распаковывается в слишком большой объём"):
        upload(world, bomb)
    assert not Answer.objects.exists()


def test_a_docx_whose_headers_understate_its_size_is_refused_without_reading_past_them(world):
    with pytest.raises(ValidationError, match="повреждён|не похож на документ Word"):
        upload(world, docx_bomb(300, lie=True))


def test_a_docx_of_thousands_of_parts_is_refused(world):
    with pytest.raises(ValidationError, match="слишком многих частей"):
        upload(world, many_parts_docx(5000))


def test_an_ordinary_docx_is_kept(world):
    saved = upload(world, real_docx())
    answer = Answer.objects.get(submission=saved.submission)
    assert answer.file_name == "Приказ.docx"


def test_an_import_spreadsheet_that_unpacks_to_gigabytes_is_refused(tmp_path):
    path = tmp_path / "schools.xlsx"
    path.write_bytes(xlsx_bomb(300))
    with pytest.raises(ImportFileError, match="распаковывается в слишком большой объём"):
        list(plan_schools(path, municipality=MunicipalityFactory()).rows)


@pytest.mark.django_db(transaction=True)
def test_the_upload_is_checked_once_and_outside_the_saves_transaction(world, monkeypatch):
    from django.db import connection

    from roadmap_portal import uploads

    calls = []
    real = uploads.inspect_office_file

    def spy(*args, **kwargs):
        calls.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "inspect_office_file", spy)
    upload(world, real_docx())
    assert calls == [False], "one check, before the transaction opens"


MEASURE = textwrap.dedent(
    """
    import json, os, resource, sys, tempfile
    sys.path.insert(0, {root!r})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")
    import django
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from tests.zip_bombs import docx_bomb, xlsx_bomb
    from roadmap_portal.uploads import evidence_check, spreadsheet_check

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    bombs = [("bomb.docx", docx_bomb({megabytes})), ("lie.docx", docx_bomb({megabytes}, lie=True)), ("bomb.xlsx", xlsx_bomb({megabytes}))]
    idle = peak_mb()
    refused = []
    for name, content in bombs:
        upload = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
        upload.write(content)
        upload.flush()
        del content
        try:
            evidence_check(upload)
        except ValidationError:
            refused.append(name)
        upload.seek(0)
        try:
            spreadsheet_check(upload)
        except ValidationError:
            pass
        upload.close()
    print(json.dumps({{"idle": idle, "peak": peak_mb(), "refused": refused}}))
    """
)


def test_an_upload_up_to_the_limit_costs_the_process_less_than_150_mb():
    """A child process checks bombs of ~4 GB packed into ~4 MB (the evidence limit is 10 MB) and reports its peak RSS."""
    script = MEASURE.format(root=str(ROOT), megabytes=4000)
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["refused"] == ["bomb.docx", "lie.docx", "bomb.xlsx"]
    grown = figures["peak"] - figures["idle"]
    assert grown < 150, f"the check grew the process by {grown:.0f} MB (idle {figures['idle']:.0f} MB)"
