"""Done-when of issue 16: after the demo set-up, key results 1.2–1.5 and 1.8 of the Rostov roadmap are fulfilled for 2025
from the demo round's own data, with the evidence linked — nobody typed it."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from indicators.models import KeyResult, KeyResultEvidence

pytestmark = pytest.mark.django_db


def test_demo_round_fulfils_rostov_key_results_for_2025(client):
    for command in ("load_seed_data", "create_demo_accounts", "load_demo_rounds"):
        call_command(command, stdout=io.StringIO())
    rostov = KeyResult.objects.filter(roadmap__municipality__name="Ростов-на-Дону", direction__number=1)
    for number in ("1.2", "1.3", "1.4", "1.5", "1.8"):
        evidence = KeyResultEvidence.objects.get(key_result=rostov.get(number=number), year=2025)
        assert evidence.status == "fulfilled", (number, evidence.summary)
        assert evidence.link
    assert KeyResult.objects.filter(completed_on__isnull=False).count() == 0  # nothing marked by hand
    completeness = KeyResultEvidence.objects.get(key_result=rostov.get(number="1.3"), year=2025)
    assert (completeness.counted, completeness.total) == (29, 29)

    client.force_login(User.objects.get(username="metodist"))
    page = client.get(reverse("indicators:keyresult-detail", args=[rostov.get(number="1.3").pk])).content.decode()
    assert "Анкеты отправили 29 из 29 школ к сроку 18.04.2025" in page
    assert reverse("surveys:round-completeness", args=[completeness.link.rstrip("/").rsplit("/", 1)[-1]]) in page
