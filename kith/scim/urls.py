from __future__ import annotations

from django.urls import path, re_path

from kith.scim import views

app_name = "scim"

urlpatterns = [
    path("", views.scim_endpoint, name="root"),
    re_path(r"^(?P<path>.+)$", views.scim_endpoint, name="endpoint"),
]
