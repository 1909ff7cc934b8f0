"""events's JSON API: the same selectors and permissions as the pages."""

from __future__ import annotations

from ninja import Router

router = Router()
