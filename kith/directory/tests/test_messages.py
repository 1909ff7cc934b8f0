"""No database wording reaches a person: every rule names its field and limit, in the
person's language (issue 14, items 5 and 14)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kith.directory.forms import ProfileForm
from kith.directory.models import OrgUnit, Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


def profile_data(**changes: str) -> dict[str, object]:
    data: dict[str, object] = {"work_start": "09:00", "work_end": "17:00", "work_days": ["1"]}
    data.update(changes)
    return data


def test_too_many_interests_names_the_field_and_the_limit():
    many = ", ".join(f"hobby {n}" for n in range(51))
    form = ProfileForm(data=profile_data(interests=many, skills=many))
    assert not form.is_valid()
    assert form.errors["interests"] == ["Interests: at most 50 interests (you gave 51)."]
    assert form.errors["skills"] == ["Skills: at most 50 skills (you gave 51)."]
    assert ProfileForm(data=profile_data(interests=", ".join(["a"] * 50))).is_valid()


def test_too_many_interests_in_portuguese():
    many = ", ".join(f"hobby {n}" for n in range(51))
    with translation.override("pt"):
        form = ProfileForm(data=profile_data(interests=many))
        assert not form.is_valid()
        assert form.errors["interests"] == ["Interesses: no máximo 50 interesses (indicou 51)."]


def test_constraints_speak_of_fields_not_of_constraints():
    person = PersonFactory()
    person.manager = person
    with pytest.raises(ValidationError) as caught:
        person.full_clean(exclude=["org_unit"])
    assert caught.value.messages == ["Manager: a person cannot be their own manager."]
    root = OrgUnitFactory(name="Engineering", parent=None)
    with pytest.raises(ValidationError) as caught:
        OrgUnit(name=root.name, parent=None, path="x.").full_clean()
    assert any("top-level names are unique" in m for m in caught.value.messages)
    assert Person.objects.count() == 1


def test_the_home_page_in_portuguese(employee_client):
    html = employee_client.get("/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert "Encontre um colega por nome, equipa, cidade, competência ou interesse" in html
    assert "Com quem vai falar esta semana?" in html
    edit = employee_client.get(reverse("directory:profile_edit"), HTTP_ACCEPT_LANGUAGE="pt")
    assert "Guardar o perfil" in edit.content.decode()


def test_search_and_profile_pages_in_portuguese(employee_client, employee):
    html = employee_client.get(reverse("directory:search"), HTTP_ACCEPT_LANGUAGE="pt")
    assert "Nome, equipa, cargo, cidade, competência ou interesse" in html.content.decode()
    profile = employee_client.get(
        reverse("directory:person", args=[employee.pk]), HTTP_ACCEPT_LANGUAGE="pt"
    )
    assert "Abrir no organograma" in profile.content.decode()
