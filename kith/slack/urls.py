from __future__ import annotations

from kith.slack import views

app_name = "slack"

urlpatterns = views.urlpatterns
