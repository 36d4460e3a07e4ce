"""`manage.py create_demo_accounts`: the seven demo logins of BRIEF.md, their roles, and that a second run duplicates nothing."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from schools.models import Curator, School, UserProfile
from schools.roles import Access, Role
from tests.factories import CuratorFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Demo-portal-2026"
EXPECTED_ROLES = {
    "admin": Role.ADMINISTRATOR,
    "metodist": Role.METHODOLOGIST,
    "minobr": Role.REGIONAL,
    "rayon-pervomaysky": Role.DISTRICT_OFFICER,
    "kurator-10": Role.CURATOR,
    "kurator-97": Role.CURATOR,
    "kurator-87": Role.CURATOR,
    # Plans people report against (issue 16): the curator of МАОУ «СОШ №2», and people a roadmap names, with no portal role.
    "kurator-sosh2": Role.CURATOR,
    "direktor-sosh2": Role.NONE,
    "koordinator-murom": Role.NONE,
    "zam-uo-murom": Role.NONE,
    "nachalnik-uo-murom": Role.NONE,
}


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # six demo passwords, hashed fast
    call_command("load_seed_data", stdout=StringIO())


def create_accounts() -> str:
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    return out.getvalue()


def test_each_demo_account_has_the_role_brief_names(seeded):
    create_accounts()
    assert {user.username: Access(user).role for user in User.objects.all()} == EXPECTED_ROLES
    assert set(Group.objects.values_list("name", flat=True)) == {"administrator", "methodologist", "regional", "district_officer"}
    assert User.objects.get(username="admin").is_staff
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()


def test_each_demo_account_logs_in_with_the_demo_password(seeded, client):
    create_accounts()
    for username in EXPECTED_ROLES:
        response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
        client.post("/accounts/logout/")


def test_curators_are_the_active_curators_of_their_schools_with_an_appointment_order(seeded):
    create_accounts()
    curators = {c.user.username: c for c in Curator.objects.select_related("user", "school__district")}
    assert {name: (c.school.full_name, c.school.district and c.school.district.name) for name, c in curators.items()} == {
        "kurator-10": ("МАОУ «Школа № 10»", "Первомайский"),
        "kurator-97": ("МБОУ «Школа № 97»", "Первомайский"),
        "kurator-87": ("МБОУ «Школа № 87»", "Советский"),
        "kurator-sosh2": ("МАОУ «СОШ №2»", None),
    }
    assert all(c.is_active and c.order_number and c.order_date for c in curators.values())


def test_the_district_officer_sees_the_pervomaysky_district(seeded):
    create_accounts()
    officer = User.objects.get(username="rayon-pervomaysky")
    assert officer.profile.district.name == "Первомайский"
    assert Access(officer).district_id == officer.profile.district_id


def test_the_command_prints_logins_roles_and_the_password(seeded):
    output = create_accounts()
    for username in EXPECTED_ROLES:
        assert username in output
    assert output.count(PASSWORD) >= 6
    assert "районный отдел образования" in output and "куратор школы" in output
    assert "МБОУ «Школа № 87»" in output


def test_a_second_run_duplicates_nothing_and_changes_nothing_but_a_changed_password(seeded):
    create_accounts()
    counts = (User.objects.count(), Group.objects.count(), Curator.objects.count(), UserProfile.objects.count())
    ids = dict(User.objects.values_list("username", "pk"))
    curator = User.objects.get(username="kurator-10")
    curator.first_name = "Анна"
    curator.set_password("Changed-password-1")
    curator.save()
    Curator.objects.filter(user=curator).update(order_number="99-к")

    create_accounts()

    assert (User.objects.count(), Group.objects.count(), Curator.objects.count(), UserProfile.objects.count()) == counts
    assert dict(User.objects.values_list("username", "pk")) == ids
    curator.refresh_from_db()
    assert curator.first_name == "Анна"
    assert curator.check_password(PASSWORD)  # the printed password stays true
    assert Curator.objects.get(user=curator).order_number == "99-к"


def test_a_school_that_already_has_a_curator_keeps_it(seeded):
    existing = CuratorFactory(school=School.objects.get(full_name="МБОУ «Школа № 97»"))
    err = StringIO()
    call_command("create_demo_accounts", stdout=StringIO(), stderr=err)
    assert "уже есть действующий куратор" in err.getvalue()
    existing.refresh_from_db()
    assert existing.is_active
    demo = Curator.objects.get(user__username="kurator-97")
    assert not demo.is_active


def test_without_the_seed_data_the_command_says_what_to_run_first(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with pytest.raises(CommandError, match="Сначала загрузите данные: python manage.py load_seed_data"):
        create_accounts()


def test_rostov_staff_see_rostov_and_the_regional_account_sees_every_municipality(seeded):
    from schools.selectors import schools_visible_to

    create_accounts()

    def reach(name: str) -> set[str]:
        return set(schools_visible_to(Access(User.objects.get(username=name))).values_list("municipality__name", flat=True))

    every = set(School.objects.values_list("municipality__name", flat=True))
    assert len(every) > 1
    assert (reach("admin"), reach("metodist"), reach("minobr")) == ({"Ростов-на-Дону"}, {"Ростов-на-Дону"}, every)
