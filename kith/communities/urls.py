from django.urls import path

from kith.communities import views

app_name = "communities"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.community_edit, name="new"),
    path("welcome/", views.welcome, name="welcome"),
    path("leadership/", views.leadership, name="leadership"),
    path(
        "leadership/<int:request_id>/<slug:action>/",
        views.leadership_answer,
        name="leadership_answer",
    ),
    path("ambassador/", views.ambassador, name="ambassador"),
    path("ambassadors/", views.ambassadors, name="ambassadors"),
    path(
        "ambassadors/<int:ambassador_id>/remove/",
        views.ambassador_remove,
        name="ambassador_remove",
    ),
    path("c/<slug:slug>/", views.community, name="community"),
    path("c/<slug:slug>/join/", views.join, name="join"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/edit/", views.community_edit, name="edit"),
    path("c/<slug:slug>/manage/", views.manage, name="manage"),
    path(
        "c/<slug:slug>/manage/<int:membership_id>/<slug:action>/",
        views.manage_action,
        name="manage_action",
    ),
    path(
        "c/<slug:slug>/manage/leadership/<int:request_id>/<slug:action>/",
        views.manage_leadership,
        name="manage_leadership",
    ),
]
