"""Malformed addresses never give a 500 (issue 13, recipe 11): every URL pattern of the project, with odd path
values (huge numbers, short or strange tokens) and odd query values, for an administrator, a curator and an
anonymous visitor. A 4xx with a Russian page is the right answer; a 500 is a bug."""

import re

import pytest
from django.test import Client

from tests.security_world import build_world
from tests.test_security_access_matrix import project_patterns

pytestmark = pytest.mark.django_db

PATH_VALUES = {
    "int": ["0", "99999999999999999999", "9223372036854775808"],
    "str": ["AAAA", "..", "%00", "a" * 300, "9999-12-31"],
    "slug": ["AAAA", "-"],
}
QUERY = (
    "?start=9999-12-31&end=0001-01-01&page=99999999999999999999&round=99999999999999999999&year=99999&district=-1"
    "&state=%00&sort=--&q=%27%22%3C&kind=..&school=abc&municipality=1e9&level=x&target=zz&next=//evil.example"
)
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def urls_for(route: str) -> list[str]:
    """The route with each parameter replaced by each odd value of its kind (the others kept sane)."""
    parameters = list(ROUTE_PARAMETER.finditer(route))
    sane = {m.group("name"): ("1" if (m.group("converter") or "str") == "int" else "rating") for m in parameters}
    urls = ["/" + ROUTE_PARAMETER.sub(lambda m: sane[m.group("name")], route)]
    for match in parameters:
        for value in PATH_VALUES.get(match.group("converter") or "str", ["x"]):
            odd = {**sane, match.group("name"): value}
            urls.append("/" + ROUTE_PARAMETER.sub(lambda m, odd=odd: odd[m.group("name")], route))
    return urls


def test_the_recipes_are_4xx_with_a_russian_page(client):
    world = build_world()
    client.force_login(world.users["curator"])
    response = client.get("/roadmaps/calendar/?start=9999-12-31")
    assert response.status_code == 400
    assert "Дата" in response.content.decode()
    client.force_login(world.users["administrator"])
    response = client.get("/schools/import/AAAA/logins.xlsx")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "curator", "administrator"])
def test_no_url_pattern_answers_a_malformed_request_with_a_500(role):
    world = build_world()
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    failures = []
    for name, route in sorted(project_patterns().items()):
        for url in urls_for(route):
            for method, target in (("get", url), ("get", url + QUERY), ("post", url + QUERY)):
                response = getattr(client, method)(target, {"page": "x", "version": "99999999999999999999", "round": "-1"} if method == "post" else None)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {target} ({name}): {response.status_code}")
    assert not failures, "\n".join(failures)
