"""/touchpoints/…: each part keeps its routes beside its views (views/<part>.py)."""

from __future__ import annotations

from kith.touchpoints.views import audit, coverage, journeys, oneonones, span

app_name = "touchpoints"
urlpatterns = [
    *oneonones.urlpatterns,
    *journeys.urlpatterns,
    *span.urlpatterns,
    *audit.urlpatterns,
    *coverage.urlpatterns,
]
