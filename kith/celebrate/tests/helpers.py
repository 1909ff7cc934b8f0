from __future__ import annotations

from kith.core.permissions import Viewer, viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import login_for


def viewer_of(person: Person, *, hr: bool = False) -> Viewer:
    return viewer_for_user(login_for(person, hr=hr))
