"""Offices' pages and API: cards for every colleague, HR's add/edit/delete (with the events
warning), the photo view, and /api/v1/places/offices (HR writes, 403 JSON, 400 naming the
field)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kith.core.models import AuditEvent
from kith.directory.models import Office

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
API = "/api/v1/places/offices"


@pytest.fixture
def office():
    return Office.objects.create(
        name="Lisbon office",
        city="Lisbon",
        country="PT",
        latitude=38.72509,
        longitude=-9.1498,
        timezone="Europe/Lisbon",
        capacity=120,
        address="Rua Augusta 100",
        amenities=["Quiet room", "Bike parking"],
    )


def form(**changes):
    data = {
        "name": "Porto office",
        "city": "Porto",
        "country": "PT",
        "capacity": "40",
        "amenities": "Kitchen, Terrace",
        "address": "Avenida dos Aliados 1",
    }
    return {**data, **changes}


def test_every_colleague_sees_the_cards(employee_client, office):
    page = employee_client.get("/places/offices/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Lisbon office", "Rua Augusta 100", "120 seats", "Quiet room", "Bike parking"):
        assert text in html
    assert f"/map/#office-{office.pk}" in html
    assert "Add an office" not in html and "/edit/" not in html


def test_hr_adds_an_office_with_a_photo(hr_client):
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    response = hr_client.post("/places/offices/new/", {**form(), "photo": photo})
    assert response.status_code == 302
    office = Office.objects.get(name="Porto office")
    assert response["Location"] == f"/places/offices/#office-{office.pk}"
    assert (office.city, office.timezone, office.amenities) == (
        "Porto",
        "Europe/Lisbon",
        ["Kitchen", "Terrace"],
    )
    assert office.photo_type == "image/png"
    html = hr_client.get("/places/offices/").content.decode()
    assert f"/places/offices/{office.pk}/photo" in html and "Photo of Porto office" in html


def test_the_form_names_an_unknown_city_and_suggests(hr_client):
    response = hr_client.post("/places/offices/new/", form(city="Portto"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No city called &#x27;Portto&#x27; is known in PT" in html
    assert "Did you mean Porto?" in html
    assert not Office.objects.exists()


def test_the_form_refuses_a_photo_that_is_no_image(hr_client):
    fake = SimpleUploadedFile("p.png", b"GIF89a" + b"\x00" * 20, content_type="image/png")
    response = hr_client.post("/places/offices/new/", {**form(), "photo": fake})
    assert "PNG, JPEG or WebP" in response.content.decode()
    assert not Office.objects.exists()


def test_the_form_names_a_taken_name_and_bad_capacity(hr_client, office):
    response = hr_client.post("/places/offices/new/", form(name="lisbon office", capacity="-1"))
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 0" in html
    response = hr_client.post("/places/offices/new/", form(name="lisbon office"))
    assert "already an office called “Lisbon office”" in response.content.decode()


def test_hr_edits_an_office(hr_client, office):
    page = hr_client.get(f"/places/offices/{office.pk}/edit/")
    assert 'value="Quiet room, Bike parking"' in page.content.decode()
    response = hr_client.post(
        f"/places/offices/{office.pk}/edit/",
        form(name="Lisbon office", city="Lisbon", capacity="150", amenities="Quiet room"),
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert (office.capacity, office.amenities) == (150, ["Quiet room"])


def test_the_delete_page_warns_about_events(hr_client, office, employee):
    from kith.events.tests.builders import make_event

    event = make_event(office=office)
    make_event(office=office, title="Second")
    page = hr_client.get(f"/places/offices/{office.pk}/delete/")
    assert "2 events refer to this office." in page.content.decode()
    response = hr_client.post(f"/places/offices/{office.pk}/delete/")
    assert response.status_code == 302
    assert not Office.objects.exists()
    event.refresh_from_db()
    assert event.office_id is None and event.city == "Lisbon"
    assert AuditEvent.objects.get(action="places.office_deleted").detail["events"] == 2


def test_colleagues_cannot_write(employee_client, office):
    assert employee_client.get("/places/offices/new/").status_code == 403
    assert employee_client.post("/places/offices/new/", form()).status_code == 403
    assert employee_client.post(f"/places/offices/{office.pk}/edit/", form()).status_code == 403
    assert employee_client.post(f"/places/offices/{office.pk}/delete/").status_code == 403
    assert Office.objects.count() == 1


def test_the_photo_view(employee_client, office):
    assert employee_client.get(f"/places/offices/{office.pk}/photo").status_code == 404
    office.photo, office.photo_type = PNG, "image/png"
    office.save()
    response = employee_client.get(f"/places/offices/{office.pk}/photo")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG
    assert "max-age=3600" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    again = employee_client.get(
        f"/places/offices/{office.pk}/photo", headers={"if-none-match": response["ETag"]}
    )
    assert again.status_code == 304


def test_signed_out_sees_nothing(client, office):
    assert client.get("/places/offices/").status_code == 302
    assert client.get(f"/places/offices/{office.pk}/photo").status_code == 302


# --- API ------------------------------------------------------------------------------------


def body(**changes):
    data = {
        "name": "Porto office",
        "city": "Porto",
        "country": "PT",
        "capacity": 40,
        "amenities": ["Kitchen"],
    }
    return json.dumps({**data, **changes})


def test_api_lists_and_gets(employee_client, office):
    listed = employee_client.get(API).json()
    assert [o["name"] for o in listed] == ["Lisbon office"]
    one = employee_client.get(f"{API}/{office.pk}").json()
    assert one["amenities"] == ["Quiet room", "Bike parking"] and one["photo_url"] is None
    assert employee_client.get(f"{API}/{2**63}").status_code == 404


def test_api_hr_creates_puts_patches_and_deletes(hr_client, office):
    created = hr_client.post(API, body(), content_type="application/json")
    assert created.status_code == 201, created.content
    new = created.json()
    assert (new["city"], new["timezone"]) == ("Porto", "Europe/Lisbon")
    put = hr_client.put(
        f"{API}/{new['id']}", body(capacity=55, address="Rua 1"), content_type="application/json"
    )
    assert put.status_code == 200 and put.json()["capacity"] == 55
    patched = hr_client.patch(
        f"{API}/{office.pk}", json.dumps({"capacity": 7}), content_type="application/json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["capacity"] == 7 and patched.json()["amenities"] == [
        "Quiet room",
        "Bike parking",
    ]
    moved = hr_client.patch(
        f"{API}/{office.pk}",
        json.dumps({"city": "Berlin", "country": "DE"}),
        content_type="application/json",
    )
    assert moved.json()["timezone"] == "Europe/Berlin"
    assert hr_client.delete(f"{API}/{new['id']}").status_code == 204
    assert list(Office.objects.values_list("name", flat=True)) == ["Lisbon office"]


def test_api_400_names_the_field(hr_client, office):
    response = hr_client.post(API, body(city="Portto"), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("city: No city called 'Portto'")
    taken = hr_client.post(API, body(name="LISBON office"), content_type="application/json")
    assert taken.status_code == 400 and taken.json()["detail"].startswith("name: ")
    schema = hr_client.post(API, body(capacity="5"), content_type="application/json")
    assert schema.status_code == 422


def test_api_writes_are_hr_only(employee_client, office):
    for response in (
        employee_client.post(API, body(), content_type="application/json"),
        employee_client.put(f"{API}/{office.pk}", body(), content_type="application/json"),
        employee_client.patch(f"{API}/{office.pk}", "{}", content_type="application/json"),
        employee_client.delete(f"{API}/{office.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["detail"] == "Only HR admins add, change or remove offices."
    assert Office.objects.get().name == "Lisbon office"
