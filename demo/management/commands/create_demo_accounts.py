"""Demo accounts of BRIEF.md: one per role, all with the password `Demo-portal-2026`; safe to run any number of times.

A second run creates nothing new and changes nothing but the password, which it sets back to the demo password
so that the printed table stays true.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from schools.models import Curator, District, School, UserProfile
from schools.roles import ADMINISTRATOR_GROUP, DISTRICT_OFFICER_GROUP, METHODOLOGIST_GROUP, ROLE_LABELS, Role

DEMO_PASSWORD = "Demo-portal-2026"
MUNICIPALITY = "Ростов-на-Дону"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    first_name: str
    last_name: str
    group: str = ""
    district: str = ""
    school: str = ""
    order_number: str = ""
    order_date: dt.date | None = None


ACCOUNTS = [
    DemoAccount("admin", Role.ADMINISTRATOR, "Елена", "Иванова", group=ADMINISTRATOR_GROUP),
    DemoAccount("metodist", Role.METHODOLOGIST, "Марина", "Петрова", group=METHODOLOGIST_GROUP),
    DemoAccount("rayon-pervomaysky", Role.DISTRICT_OFFICER, "Сергей", "Кузнецов", group=DISTRICT_OFFICER_GROUP, district="Первомайский"),
    DemoAccount("kurator-10", Role.CURATOR, "Ирина", "Соколова", school="МАОУ «Школа № 10»", order_number="57-о", order_date=dt.date(2022, 7, 1)),
    DemoAccount("kurator-97", Role.CURATOR, "Наталья", "Морозова", school="МБОУ «Школа № 97»", order_number="112", order_date=dt.date(2022, 7, 4)),
    DemoAccount("kurator-87", Role.CURATOR, "Алексей", "Волков", school="МБОУ «Школа № 87»", order_number="94-од", order_date=dt.date(2022, 7, 11)),
]


class Command(BaseCommand):
    help = (
        "Создаёт демонстрационные учётные записи (администратор, методист, районный отдел Первомайского района, "
        f"кураторы трёх школ) с паролем {DEMO_PASSWORD} и печатает их. Нужны загруженные данные: manage.py load_seed_data."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            for name in (ADMINISTRATOR_GROUP, METHODOLOGIST_GROUP, DISTRICT_OFFICER_GROUP):
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

        place = "все школы города" if account.role in (Role.ADMINISTRATOR, Role.METHODOLOGIST) else ""
        if account.district:
            district = self._district(account.district)
            if profile.district_id is None:
                profile.district = district
                profile.save(update_fields=["district"])
            place = f"{district.name} район"
        if account.school:
            school = self._school(account.school)
            self._ensure_curator(user, school, account)
            place = school.full_name
        return (account.username, ROLE_LABELS[account.role], DEMO_PASSWORD, place)

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

    def _district(self, name: str) -> District:
        try:
            return District.objects.get(municipality__name=MUNICIPALITY, name=name)
        except District.DoesNotExist:
            raise CommandError(f"Нет района «{name}» среди районов Ростова-на-Дону. Сначала загрузите данные: python manage.py load_seed_data") from None

    def _school(self, full_name: str) -> School:
        try:
            return School.objects.get(municipality__name=MUNICIPALITY, full_name=full_name)
        except School.DoesNotExist:
            raise CommandError(f"Нет школы {full_name} среди школ Ростова-на-Дону. Сначала загрузите данные: python manage.py load_seed_data") from None
