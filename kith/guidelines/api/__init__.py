"""The guidelines API: one router per part."""

from __future__ import annotations

from ninja import Router

from kith.guidelines.api import boundaries, guide

router = Router()
router.add_router("", guide.router)
router.add_router("/boundaries", boundaries.router)
