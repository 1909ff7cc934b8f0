"""Demo offices: the directory's demo creates them (kith/directory/demo/seed.py); this gives
each an address line and a few amenities. No photos (the cards read well without)."""

from __future__ import annotations

import datetime as dt
import random

from kith.directory.models import Office

# Made-up street addresses in the demo's office cities; an unknown city gets a generic one.
ADDRESSES = {
    "Lisbon": "Rua da Prata 80, 2nd floor",
    "London": "12 Clerkenwell Green",
    "Berlin": "Oranienstraße 24, Hinterhaus",
    "New York City": "55 Water Street, 9th floor",
    "San Francisco": "400 Brannan Street",
    "São Paulo": "Rua Augusta 1500, 7º andar",
    "Nairobi": "Ngong Road, Kilimani Business Centre",
    "Bengaluru": "80 Feet Road, Koramangala",
    "Singapore": "71 Robinson Road, #10-01",
    "Sydney": "1 Bligh Street, Level 20",
}
AMENITIES = (
    "Quiet room",
    "Bike parking",
    "Kitchen",
    "Showers",
    "Terrace",
    "Step-free access",
    "Parents' room",
    "Prayer room",
    "Video booths",
    "Games corner",
    "Library",
    "Lockers",
)


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    rng = random.Random(seed * 7919 + 12)
    offices = list(Office.objects.defer("photo").order_by("name"))
    for office in offices:
        office.address = office.address or ADDRESSES.get(office.city, "Main Street 1")
        if not office.amenities:
            picked = rng.sample(AMENITIES, rng.randint(3, 6))
            office.amenities = sorted(picked, key=AMENITIES.index)
    Office.objects.bulk_update(offices, ["address", "amenities"])
    return f"{len(offices)} offices with addresses and amenities" if offices else ""
