from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group

from kith.accounts.models import User
from kith.core.permissions import HR_ADMINS_GROUP
from kith.directory.engine.text import search_text_for
from kith.directory.models import OrgUnit, Person
from kith.directory.services import orgunit_set_path


class OrgUnitFactory(factory.django.DjangoModelFactory[OrgUnit]):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = OrgUnit.Kind.TEAM
    parent = None

    @factory.post_generation
    def set_path(obj: OrgUnit, create: bool, extracted: object, **kwargs: object) -> None:
        orgunit_set_path(obj)
        if create:
            obj.save(update_fields=["path", "depth"])


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    full_name = factory.Sequence(lambda n: f"Person Number{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    title = "Engineer"
    start_date = dt.date(2022, 3, 14)
    city = "Lisbon"
    country = "PT"
    latitude = 38.72509
    longitude = -9.1498
    timezone = "Europe/Lisbon"
    preferred_name = ""
    search_text = factory.LazyAttribute(
        lambda p: search_text_for(p.full_name, p.preferred_name, p.title)
    )


def login_for(person: Person, *, hr: bool = False, password: str = "pw-for-tests-1") -> User:
    user, _ = User.objects.get_or_create(email=person.email.lower())
    user.set_password(password)
    user.save()
    if hr:
        user.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    return user
