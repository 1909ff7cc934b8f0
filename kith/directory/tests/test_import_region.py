"""The people import's optional `region` column: a `holidays` subdivision of the country
(the person's regional public holidays, used by the gatherings planner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kith.directory.models import Person
from kith.directory.tests.test_import_command import run_text

pytestmark = pytest.mark.django_db
HEADER = "employee_id,full_name,email,city,country,region\n"


def test_codes_and_names_are_stored_as_the_subdivision_code(tmp_path: Path):
    code, _, err = run_text(
        tmp_path,
        HEADER
        + "1,Ana,ana@example.com,Munich,DE,by\n"
        + "2,Bo,bo@example.com,Portland,US,Oregon\n"
        + "3,Cy,cy@example.com,Lisbon,PT,\n",
    )
    assert code == 0, err
    regions = dict(Person.objects.values_list("employee_id", "region"))
    assert regions == {"1": "BY", "2": "OR", "3": ""}


def test_an_unknown_region_names_the_row_and_field_and_writes_nothing(tmp_path: Path):
    code, out, err = run_text(
        tmp_path,
        HEADER + "1,Ana,ana@example.com,Munich,DE,BY\n2,Bo,bo@example.com,Berlin,DE,Narnia\n",
    )
    assert code != 0
    assert "Narnia" in err + out and "region" in (err + out).lower()
    assert "BY" in err + out  # the codes it could be
    assert not Person.objects.exists()
