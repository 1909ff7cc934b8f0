from __future__ import annotations

from kith.matrix.views import urlpatterns

app_name = "matrix"

__all__ = ["app_name", "urlpatterns"]
