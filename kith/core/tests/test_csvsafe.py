"""CSV formula injection (OWASP): every CSV Kith writes shows a would-be formula as text."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client

from kith.core import csvsafe
from kith.core.dates import org_today
from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.tests.factories import login_for
from kith.pulse import results
from kith.pulse import services as pulse_services
from kith.pulse.tests.builders import answer_all, campaign

HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Engineering", "Engineering"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, "-3"),
        (-0.25, "-0.25"),
        (None, ""),
    ],
)
def test_cells_that_start_like_a_formula_become_text(cell, written):
    out = io.StringIO(newline="")
    csvsafe.writer(out).writerow([cell])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [written]


def test_the_writer_keeps_csv_writers_interface():
    out = io.StringIO(newline="")
    writer = csvsafe.writer(out, delimiter=";")
    writer.writerows([["=a", 1], ["b", -2]])
    assert out.getvalue() == "'=a;1\r\nb;-2\r\n"
    assert writer.dialect.delimiter == ";"


@pytest.mark.django_db
def test_an_imported_unit_named_like_a_formula_is_exported_as_text(tmp_path):
    rows = io.StringIO(newline="")
    writer = csv.writer(rows)
    writer.writerow(["employee_id", "full_name", "email", "department"])
    for i in range(6):
        writer.writerow([f"h{i}", f"Hostile Person{i}", f"h{i}@example.com", HOSTILE])
        writer.writerow([f"f{i}", f"Finance Person{i}", f"f{i}@example.com", "Finance"])
    outcome = people_import(content=rows.getvalue().encode(), filename="hris.csv")
    assert outcome.applied, outcome.problems
    people = list(Person.objects.all())
    hr = login_for(people[-1], hr=True)
    wave = campaign(hr, today=org_today()).waves.get(number=1)
    pulse_services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, people)
    results.wave_results_compute(wave=wave)

    client = Client()
    client.force_login(hr)
    page = client.get(f"/pulse/waves/{wave.pk}/export.csv").content.decode()
    target = tmp_path / "export.csv"
    call_command("pulse_export", str(wave.campaign.pk), "--output", str(target))
    for exported in (page, target.read_text(encoding="utf-8")):
        groups = [row[0] for row in csv.reader(io.StringIO(exported))][1:]
        assert any(HOSTILE in group for group in groups), groups  # the cell was published
        assert not any(group.startswith(csvsafe.FORMULA_STARTS) for group in groups)
        assert f"'{HOSTILE}" in groups or any(g.startswith(f"'{HOSTILE}") for g in groups)
