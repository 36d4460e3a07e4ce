"""factory_boy factories for every model the tests create. Add new ones at the end of the file."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from schools.models import Curator, District, Municipality, School, UserProfile
from schools.roles import ADMINISTRATOR_GROUP, DISTRICT_OFFICER_GROUP, METHODOLOGIST_GROUP
from surveys.models import Answer, Question, Questionnaire, Section, Submission, SubmissionRound

PASSWORD = "Portal-test-pass-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Ирина"
    last_name = factory.Sequence(lambda n: f"Петрова{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


def _user_in_group(group_name: str, **kwargs) -> User:
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    return user


def administrator(**kwargs) -> User:
    return _user_in_group(ADMINISTRATOR_GROUP, **kwargs)


def methodologist(**kwargs) -> User:
    return _user_in_group(METHODOLOGIST_GROUP, **kwargs)


def district_officer(district, **kwargs) -> User:
    user = _user_in_group(DISTRICT_OFFICER_GROUP, **kwargs)
    UserProfile.objects.update_or_create(user=user, defaults={"district": district})
    return user


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = "Ростов-на-Дону"
    name_genitive = "Ростова-на-Дону"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Район {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    municipality = factory.LazyAttribute(lambda s: s.district.municipality)
    legal_form = School.LegalForm.MBOU
    number = factory.Sequence(lambda n: n + 1)
    full_name = factory.LazyAttribute(lambda s: f"МБОУ «Школа № {s.number}»")
    students_count = 800
    teachers_count = 50


class CuratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Curator

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    order_number = factory.Sequence(lambda n: f"{n}-к")
    order_date = dt.date(2022, 6, 1)


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    title = factory.Sequence(lambda n: f"Анкета {n}")
    version = 1


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Раздел {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    questionnaire = factory.LazyAttribute(lambda q: q.section.questionnaire)
    order = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"q{n}")
    text = factory.Sequence(lambda n: f"Вопрос {n}")
    type = Question.Type.INTEGER
    required = True
    min_value = Decimal(0)


class SubmissionRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubmissionRound

    title = factory.Sequence(lambda n: f"Мониторинг {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    questionnaire = factory.SubFactory(QuestionnaireFactory)
    year = 2026
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    state = SubmissionRound.State.OPEN


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    round = factory.SubFactory(SubmissionRoundFactory)
    school = factory.SubFactory(SchoolFactory)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    submission = factory.SubFactory(SubmissionFactory)
    question = factory.SubFactory(QuestionFactory)
