"""On the embedded SQLite default, curators saving at the same moment wait for each other instead of failing with
«database is locked» (issue 13, recipe 6). A child process works on a SQLite file with several threads at once."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json, os, sys, threading
    sys.path.insert(0, {root!r})
    os.environ["DJANGO_SETTINGS_MODULE"] = "roadmap_portal.settings"
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    call_command("migrate", verbosity=0)

    from surveys.models import Answer, AnswerChange, Submission
    from surveys.services import submission_save_draft
    from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, join_round, readiness_questionnaire

    questionnaire = readiness_questionnaire()
    schools = [SchoolFactory() for _ in range({threads})]
    curators = [CuratorFactory(school=school).user for school in schools]
    rnd = SubmissionRoundFactory(questionnaire=questionnaire, municipality=schools[0].municipality)
    join_round(rnd, schools)
    connection.close()

    barrier = threading.Barrier({threads})
    errors = []

    def curator(n):
        version = 0
        try:
            barrier.wait()
            for i in range(1, {saves} + 1):
                saved = submission_save_draft(
                    submission_round=rnd, school=schools[n], user=curators[n],
                    answers={{"students_count": i, "comment": f"школа {{n}}, сохранение {{i}}"}}, expected_version=version,
                )
                version = saved.submission.version
        except Exception as error:
            errors.append(f"{{type(error).__name__}}: {{error}}")
        finally:
            connection.close()

    workers = [threading.Thread(target=curator, args=(n,)) for n in range({threads})]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    last = sorted(Answer.objects.filter(question__code="comment").values_list("value_text", flat=True))
    print(json.dumps({{"errors": errors, "last": last, "changes": AnswerChange.objects.count(), "submissions": Submission.objects.count()}}))
    """
)


def test_simultaneous_saves_on_a_sqlite_file_all_succeed(tmp_path):
    threads, saves = 6, 8
    script = SCRIPT.format(root=str(ROOT), threads=threads, saves=saves)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "REDIS_URL": "", "MEDIA_ROOT": str(tmp_path / "media")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["errors"] == [], "saves failed instead of waiting for the lock"
    assert figures["submissions"] == threads
    assert figures["last"] == sorted(f"школа {n}, сохранение {saves}" for n in range(threads)), "every school keeps its last save"
    assert figures["changes"] == threads * saves * 2, "every change of every save is in the audit trail"
