from __future__ import annotations

from django.urls import path

from kith.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("connect/caldav/", views.connect_caldav, name="connect_caldav"),
    path("connect/<str:provider>/", views.connect_provider, name="connect_provider"),
    path("test/", views.test, name="test"),
    path("disconnect/", views.disconnect, name="disconnect"),
    path("settings/", views.provider_settings, name="settings"),
    path("settings/<str:provider>/test/", views.provider_test, name="provider_test"),
    path("settings/<str:provider>/clear/", views.provider_clear, name="provider_clear"),
]
