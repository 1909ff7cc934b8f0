from __future__ import annotations

import pytest

from kith.directory.engine.geocoding import Geocoder, GeocodingError


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder(5000)


@pytest.mark.parametrize(
    ("city", "country", "region", "zone"),
    [
        ("Lisbon", "PT", "", "Europe/Lisbon"),
        ("lisbon", "Portugal", "", "Europe/Lisbon"),
        ("Sao Paulo", "BR", "", "America/Sao_Paulo"),
        ("Cologne", "DE", "", "Europe/Berlin"),  # an alternate name
        ("Portland", "US", "OR", "America/Los_Angeles"),
        ("Portland", "USA", "Maine", "America/New_York"),
        ("Nairobi", "KEN", "", "Africa/Nairobi"),
        ("Paris", "FR", "", "Europe/Paris"),  # dominant over small namesakes
    ],
)
def test_resolves_city_to_zone(geocoder, city, country, region, zone):
    place = geocoder.resolve(city, country, region)
    assert place.timezone == zone
    assert -90 <= place.latitude <= 90 and -180 <= place.longitude <= 180


def test_country_resolves_the_ambiguity_between_countries(geocoder):
    assert geocoder.resolve("Valencia", "ES").timezone == "Europe/Madrid"
    assert geocoder.resolve("Valencia", "VE").timezone == "America/Caracas"


@pytest.mark.parametrize(
    ("city", "country", "message"),
    [
        ("Atlantis", "PT", "no city called 'Atlantis' is known in PT"),
        ("Lisbon", "Narnia", "unknown country 'Narnia'"),
        ("", "PT", "the city is empty"),
        ("Springfield", "US", "ambiguous in US"),
    ],
)
def test_never_guesses(geocoder, city, country, message):
    with pytest.raises(GeocodingError, match=message):
        geocoder.resolve(city, country)
