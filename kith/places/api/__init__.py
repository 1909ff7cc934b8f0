"""The places API: one router per part."""

from __future__ import annotations

from ninja import Router

from kith.places.api import days, offices

router = Router()
router.add_router("/offices", offices.router)
router.add_router("", days.router)
