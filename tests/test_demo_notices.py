"""`make run` shows an open round with notices waiting for the demo curators: the round is open and a reminder worded for the
school's state, and the curator's appointment order asked for; a second run adds nothing; synthetic demo contacts are told in the
portal only (no e-mail to fake addresses)."""

import io

import pytest
from django.core.management import call_command

from surveys.models import Notice

pytestmark = pytest.mark.django_db


def test_demo_curators_find_notices_waiting_and_a_second_run_adds_none():
    for command in ("load_seed_data", "create_demo_accounts", "load_demo_rounds"):
        call_command(command, stdout=io.StringIO())
    mine = Notice.objects.filter(recipient__username="kurator-10")
    # The round is open, a reminder, and the curator's appointment order the demo asks every school for (seed 002, п. 3.2):
    # the demo curators' schools have not sent it yet.
    assert sorted(mine.values_list("kind", flat=True)) == ["doc_requested", "reminder", "round_opened"]
    asked = mine.get(kind="doc_requested")
    assert "приказа о назначении куратора" in asked.subject and asked.read_at is None and "/my-school/#document-" in asked.link
    reminder = mine.get(kind="reminder")
    assert "ещё не начата" in reminder.text and reminder.read_at is None and reminder.link.endswith("/form/")
    assert mine.get(kind="round_opened").email_state == Notice.Email.PENDING  # a demo account with an address: e-mailed after commit
    assert not Notice.objects.filter(recipient__username__startswith="demo-kurator-").exclude(email_state=Notice.Email.SKIPPED).exists()
    assert not Notice.objects.filter(text__contains="2025").exists()  # the made-up 2025 round told nobody
    assert Notice.objects.filter(recipient__username__startswith="demo-kurator-", kind="returned").count() == 2
    total = Notice.objects.count()

    output = io.StringIO()
    call_command("load_demo_rounds", stdout=output)
    assert Notice.objects.count() == total
    assert "Уведомлений ждут демо-кураторы: 0 новых." in output.getvalue()
