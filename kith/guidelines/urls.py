from __future__ import annotations

from kith.guidelines.views import boundaries, guide

app_name = "guidelines"

urlpatterns = [
    *guide.urlpatterns,
    *boundaries.urlpatterns,
]
