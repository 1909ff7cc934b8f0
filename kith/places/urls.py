from __future__ import annotations

from kith.places.views import days, offices

app_name = "places"

urlpatterns = [
    *offices.urlpatterns,
    *days.urlpatterns,
]
