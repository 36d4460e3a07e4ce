"""Demo accounts of BRIEF.md: one per role, all with the password `Demo-portal-2026`; safe to run any number of times.

A second run creates nothing new and changes nothing but the password, which it sets back to the demo password
so that the printed table stays true.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.models import PlanRole, Roadmap
from schools.models import Curator, District, Municipality, School, UserProfile
from schools.roles import ADMINISTRATOR_GROUP, DISTRICT_OFFICER_GROUP, METHODOLOGIST_GROUP, REGIONAL_GROUP, ROLE_LABELS, STAFF_GROUPS, Role

DEMO_PASSWORD = "Demo-portal-2026"
MUNICIPALITY = "Ростов-на-Дону"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    first_name: str
    last_name: str
    group: str = ""
    municipality: str = ""
    district: str = ""
    school: str = ""
    order_number: str = ""
    order_date: dt.date | None = None
    municipality: str = "Ростов-на-Дону"
    # Roles a roadmap names that this account acts for: (roadmap's owner, executor/controller, title as in the document).
    plan_roles: tuple = ()


SOSH2_TOWN = "Муниципальное образование (план МАОУ «СОШ №2»)"
MUROM = "Муромский район"


ACCOUNTS = [
    DemoAccount("admin", Role.ADMINISTRATOR, "Елена", "Иванова", group=ADMINISTRATOR_GROUP, municipality=MUNICIPALITY),
    DemoAccount("metodist", Role.METHODOLOGIST, "Марина", "Петрова", group=METHODOLOGIST_GROUP, municipality=MUNICIPALITY),
    DemoAccount("minobr", Role.REGIONAL, "Ольга", "Смирнова", group=REGIONAL_GROUP),
    DemoAccount("rayon-pervomaysky", Role.DISTRICT_OFFICER, "Сергей", "Кузнецов", group=DISTRICT_OFFICER_GROUP, district="Первомайский"),
    DemoAccount("kurator-10", Role.CURATOR, "Ирина", "Соколова", school="МАОУ «Школа № 10»", order_number="57-о", order_date=dt.date(2022, 7, 1)),
    DemoAccount("kurator-97", Role.CURATOR, "Наталья", "Морозова", school="МБОУ «Школа № 97»", order_number="112", order_date=dt.date(2022, 7, 4)),
    DemoAccount("kurator-87", Role.CURATOR, "Алексей", "Волков", school="МБОУ «Школа № 87»", order_number="94-од", order_date=dt.date(2022, 7, 11)),
    # Plans people report against (issue 16): the curator of МАОУ «СОШ №2» reports its plan (seed 001), its director confirms;
    # the Murom district roadmap (seed 004) is reported by its coordinator and confirmed by the persons it names.
    DemoAccount(
        "kurator-sosh2",
        Role.CURATOR,
        "Ирина",
        "Лукиянова",
        school="МАОУ «СОШ №2»",
        municipality=SOSH2_TOWN,
        order_number="15-о",
        order_date=dt.date(2019, 1, 21),
    ),
    DemoAccount("direktor-sosh2", Role.NONE, "Ольга", "Белова", plan_roles=(("school", "controller", ""),)),
    DemoAccount("koordinator-murom", Role.NONE, "Андрей", "Сомов", plan_roles=(("murom", "executor", "Муниципальный координатор"),)),
    DemoAccount(
        "zam-uo-murom",
        Role.NONE,
        "Татьяна",
        "Егорова",
        plan_roles=(("murom", "controller", "Заместитель начальника управления образования"),),
    ),
    DemoAccount(
        "nachalnik-uo-murom",
        Role.NONE,
        "Павел",
        "Грачёв",
        plan_roles=(
            ("murom", "controller", "Заместитель Главы администрации района, начальник управления образования"),
            ("murom", "controller", ""),  # and every other line: «Глава администрации района» confirms through him
        ),
    ),
]


class Command(BaseCommand):
    help = (
        "Создаёт демонстрационные учётные записи (администратор и методист Ростова-на-Дону, специалист министерства образования "
        "области, районный отдел Первомайского района, "
        f"кураторы трёх школ) с паролем {DEMO_PASSWORD} и печатает их. Нужны загруженные данные: manage.py load_seed_data."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            for name in STAFF_GROUPS:
                Group.objects.get_or_create(name=name)
            rows = [self._ensure(account) for account in ACCOUNTS]

        self.stdout.write(self.style.SUCCESS("Демонстрационные учётные записи (вход: /accounts/login/):"))
        header = ("Логин", "Роль", "Пароль", "Школа или район")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, tuple("-" * width for width in widths), *rows]:
            self.stdout.write("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def _ensure(self, account: DemoAccount) -> tuple[str, str, str, str]:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@example.org",
                "is_staff": account.role == Role.ADMINISTRATOR,
                "is_superuser": account.role == Role.ADMINISTRATOR,
            },
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if account.group:
            user.groups.add(Group.objects.get(name=account.group))
        profile, _ = UserProfile.objects.get_or_create(user=user)

        place = "все муниципалитеты области" if account.role == Role.REGIONAL else ""
        if account.municipality:
            municipality = self._municipality(account.municipality)
            if profile.municipality_id is None:
                profile.municipality = municipality
                profile.save(update_fields=["municipality"])
            place = f"все школы: {municipality.name}"
        if account.district:
            district = self._district(account.district)
            if profile.district_id is None:
                profile.district = district
                profile.save(update_fields=["district"])
            place = f"{district.name} район"
        if account.school:
            school = self._school(account.school, account.municipality)
            self._ensure_curator(user, school, account)
            place = school.full_name
        for owner, kind, title in account.plan_roles:
            roadmap = self._plan(owner)
            PlanRole.objects.get_or_create(roadmap=roadmap, kind=kind, title=title, defaults={"user": user})
            place = f"{PlanRole.Kind(kind).label}: {title or 'все строки'} ({roadmap.owner})"
        role = "по дорожной карте" if account.plan_roles else ROLE_LABELS[account.role]
        return (account.username, role, DEMO_PASSWORD, place)

    def _ensure_curator(self, user: User, school: School, account: DemoAccount) -> None:
        if Curator.objects.filter(user=user, school=school).exists():
            return
        other = Curator.objects.filter(school=school, is_active=True).exclude(user=user).first()
        if other:
            # The school already has its curator (imported or appointed in the admin): the demo account stays inactive.
            self.stderr.write(f"У школы {school} уже есть действующий куратор ({other.user.username}); {user.username} добавлен неактивным.")
        Curator.objects.create(
            user=user,
            school=school,
            position="заместитель директора",
            order_number=account.order_number,
            order_date=account.order_date,
            is_active=other is None,
        )

    def _municipality(self, name: str) -> Municipality:
        try:
            return Municipality.objects.get(name=name)
        except Municipality.DoesNotExist:
            raise CommandError(f"Нет муниципалитета «{name}». Сначала загрузите данные: python manage.py load_seed_data") from None

    def _district(self, name: str) -> District:
        try:
            return District.objects.get(municipality__name=MUNICIPALITY, name=name)
        except District.DoesNotExist:
            raise CommandError(f"Нет района «{name}» среди районов Ростова-на-Дону. Сначала загрузите данные: python manage.py load_seed_data") from None

    def _plan(self, owner: str) -> Roadmap:
        lookup = {"school": {"school__municipality__name": SOSH2_TOWN}, "murom": {"municipality__name": MUROM}}[owner]
        try:
            return Roadmap.objects.get(tracks_reports=True, **lookup)
        except Roadmap.DoesNotExist:
            raise CommandError("Нет плана школы или дорожной карты Мурома. Сначала загрузите данные: python manage.py load_seed_data") from None

    def _school(self, full_name: str, municipality: str = MUNICIPALITY) -> School:
        try:
            return School.objects.get(municipality__name=municipality, full_name=full_name)
        except School.DoesNotExist:
            raise CommandError(f"Нет школы {full_name} среди школ Ростова-на-Дону. Сначала загрузите данные: python manage.py load_seed_data") from None
