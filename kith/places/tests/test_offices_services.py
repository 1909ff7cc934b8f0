"""Offices: the services' rules (geocoded city, close matches on a miss, amenities, capacity,
unique name, photo by its bytes, audit rows, HR only) and the selectors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.places.engine import offices as engine
from kith.places.selectors import offices as selectors
from kith.places.services import offices as s

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


def viewer(*, hr: bool = False):
    return viewer_for_user(login_for(PersonFactory(), hr=hr))


@pytest.fixture
def hr():
    return viewer(hr=True)


def lisbon(**changes) -> s.OfficeInput:
    fields = {
        "name": "Lisbon office",
        "city": "lisbon",
        "country": "Portugal",
        "capacity": 120,
        "address": "Rua Augusta 100",
        "amenities": ("Quiet room", "Bike parking"),
    }
    return s.OfficeInput(**{**fields, **changes})


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_the_city_is_geocoded(hr):
    office = s.office_create(viewer=hr, data=lisbon())
    office.refresh_from_db()
    assert (office.city, office.country, office.timezone) == ("Lisbon", "PT", "Europe/Lisbon")
    assert office.latitude == pytest.approx(38.725, abs=0.01)
    assert office.longitude == pytest.approx(-9.15, abs=0.01)
    assert office.amenities == ["Quiet room", "Bike parking"]
    assert office.address == "Rua Augusta 100"


def test_a_time_zone_can_be_set_by_hand(hr):
    office = s.office_create(viewer=hr, data=lisbon(timezone="atlantic/azores"))
    assert office.timezone == "Atlantic/Azores"
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(name="Other", timezone="Mars/Olympus"))
    assert "IANA" in errors(exc)["timezone"][0]


def test_an_unknown_city_is_refused_with_close_matches(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(city="Lisbn"))
    message = errors(exc)["city"][0]
    assert "No city called 'Lisbn' is known in PT" in message
    assert "Did you mean Lisbon?" in message
    assert not Office.objects.exists()


def test_a_city_with_no_close_match_says_what_to_do(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(city="Qwxzvb"))
    assert "Check the spelling" in errors(exc)["city"][0]


def test_an_unknown_country_is_named(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(country="Atlantis"))
    assert "unknown country" in errors(exc)["country"][0].lower()


def test_an_ambiguous_city_asks_for_the_region(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(name="Portland", city="Portland", country="US"))
    assert "region" in errors(exc)["city"][0]
    office = s.office_create(
        viewer=hr, data=lisbon(name="Portland", city="Portland", country="US", region="OR")
    )
    assert office.timezone == "America/Los_Angeles"


def test_every_bad_field_is_named_at_once(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(
            viewer=hr,
            data=lisbon(name=" ", capacity=-1, amenities=tuple(f"A{n}" for n in range(13))),
        )
    assert set(errors(exc)) >= {"name", "capacity", "amenities"}


@pytest.mark.parametrize("capacity", [-1, 1_000_001, True, 2.5])
def test_capacity_is_a_whole_number_from_zero(hr, capacity):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(capacity=capacity))
    assert "capacity" in errors(exc)


def test_amenities_are_short_labels_and_at_most_twelve(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(amenities=("x" * 41,)))
    assert "longer than 40" in errors(exc)["amenities"][0]
    twelve = tuple(f"Amenity {n}" for n in range(12))
    office = s.office_create(viewer=hr, data=lisbon(amenities=(*twelve, "amenity 0", " ")))
    assert office.amenities == list(twelve)  # repeats (any case) and blanks dropped


def test_split_amenities():
    assert engine.split_amenities(" Kitchen ,, quiet  room, kitchen") == ["Kitchen", "quiet room"]


def test_the_name_is_unique_ignoring_case(hr):
    s.office_create(viewer=hr, data=lisbon())
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(name="LISBON OFFICE"))
    assert "already an office called “Lisbon office”" in errors(exc)["name"][0]
    assert Office.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]
)
def test_a_photo_is_known_by_its_bytes(hr, content, kind):
    office = s.office_create(viewer=hr, data=lisbon(), photo=s.PhotoChange(content=content))
    office.refresh_from_db()
    assert office.photo_type == kind
    assert bytes(office.photo) == content


def test_a_photo_that_is_no_image_or_too_big_is_refused(hr):
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(), photo=s.PhotoChange(content=GIF))
    assert "PNG, JPEG or WebP" in errors(exc)["photo"][0]
    big = PNG + b"\x00" * engine.MAX_PHOTO_BYTES
    with pytest.raises(ValidationError) as exc:
        s.office_create(viewer=hr, data=lisbon(), photo=s.PhotoChange(content=big))
    assert "the most is 2 MB" in errors(exc)["photo"][0]
    assert not Office.objects.exists()


def test_update_changes_the_place_and_can_remove_the_photo(hr):
    office = s.office_create(viewer=hr, data=lisbon(), photo=s.PhotoChange(content=PNG))
    s.office_update(
        viewer=hr,
        office_id=office.pk,
        data=lisbon(name="Porto office", city="Porto"),
        photo=s.PhotoChange(remove=True),
    )
    office.refresh_from_db()
    assert (office.name, office.city) == ("Porto office", "Porto")
    assert office.latitude == pytest.approx(41.15, abs=0.01)
    assert office.photo is None and office.photo_type == ""
    row = AuditEvent.objects.get(action="places.office_updated")
    assert set(row.detail["changed"]) >= {"name", "city", "latitude", "photo"}


def test_an_office_the_geocoder_does_not_know_keeps_its_place_on_edit(hr):
    office = Office.objects.create(
        name="Atlantis HQ",
        city="Atlantis",
        country="PT",
        latitude=1.0,
        longitude=2.0,
        timezone="Europe/Lisbon",
    )
    data = s.OfficeInput(name="Atlantis HQ", city="Atlantis", country="PT", capacity=9)
    s.office_update(viewer=hr, office_id=office.pk, data=data)
    office.refresh_from_db()
    assert (office.capacity, office.latitude, office.longitude) == (9, 1.0, 2.0)


def test_every_hr_write_is_audited(hr):
    office = s.office_create(viewer=hr, data=lisbon())
    s.office_update(viewer=hr, office_id=office.pk, data=lisbon(capacity=5))
    s.office_delete(viewer=hr, office_id=office.pk)
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "target", "actor"))
    assert [r[0] for r in rows] == [
        "places.office_created",
        "places.office_updated",
        "places.office_deleted",
    ]
    assert {r[1] for r in rows} == {f"office:{office.pk}"}
    assert all(r[2] == hr.user.pk for r in rows)


def test_only_hr_writes(hr):
    colleague = viewer()
    with pytest.raises(PermissionDenied):
        s.office_create(viewer=colleague, data=lisbon())
    office = s.office_create(viewer=hr, data=lisbon())
    with pytest.raises(PermissionDenied):
        s.office_update(viewer=colleague, office_id=office.pk, data=lisbon(capacity=1))
    with pytest.raises(PermissionDenied):
        s.office_delete(viewer=colleague, office_id=office.pk)
    assert Office.objects.get().capacity == 120


def test_every_colleague_sees_the_offices_without_the_photo_bytes(hr, django_assert_num_queries):
    s.office_create(viewer=hr, data=lisbon(), photo=s.PhotoChange(content=PNG))
    s.office_create(viewer=hr, data=lisbon(name="Berlin office", city="Berlin", country="DE"))
    colleague = viewer()
    with django_assert_num_queries(1):
        offices = selectors.offices_for_viewer(colleague)
    assert [(o.name, o.has_photo) for o in offices] == [
        ("Berlin office", False),
        ("Lisbon office", True),
    ]
    assert "photo" in offices[0].get_deferred_fields()
    photo = selectors.office_photo_for_viewer(colleague, offices[1].pk)
    assert photo is not None and photo.content == PNG and photo.content_type == "image/png"
    assert selectors.office_photo_for_viewer(colleague, offices[0].pk) is None
    assert selectors.office_for_viewer(colleague, 2**63) is None
