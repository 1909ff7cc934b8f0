"""/api/v1/touchpoints/…: one router per part, with the same selectors as the pages."""

from __future__ import annotations

from ninja import Router

from kith.touchpoints.api import audit, coverage, journeys, oneonones, span

router = Router()
router.add_router("", oneonones.router)
router.add_router("/journeys", journeys.router)
router.add_router("/span", span.router)
router.add_router("/audit", audit.router)
router.add_router("/coverage", coverage.router)
