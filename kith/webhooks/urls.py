from __future__ import annotations

from django.urls import path

from kith.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("new/", views.endpoint_new, name="endpoint_new"),
    path("<int:endpoint_id>/", views.endpoint_log, name="endpoint_log"),
    path("<int:endpoint_id>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:endpoint_id>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<int:endpoint_id>/test/", views.endpoint_test, name="endpoint_test"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="endpoint_delete"),
]
