from __future__ import annotations

from django.urls import path

from kith.gatherings import views

app_name = "gatherings"

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("<int:gathering_id>/", views.detail, name="detail"),
    path("<int:gathering_id>/options/", views.options, name="options"),
    path("<int:gathering_id>/options/again/", views.replan, name="replan"),
    path("<int:gathering_id>/choose/", views.choose, name="choose"),
    path("<int:gathering_id>/agenda/", views.agenda, name="agenda"),
    path("<int:gathering_id>/send/", views.send, name="send"),
    path("<int:gathering_id>/groups/", views.groups, name="groups"),
    path("<int:gathering_id>/cancel/", views.cancel, name="cancel"),
]
