from django.urls import path

from kith.connect import views

app_name = "connect"

urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<int:program_id>/", views.program_detail, name="program"),
    path("programs/<int:program_id>/<slug:action>/", views.program_action, name="program_action"),
    path("matches/<int:match_id>/", views.match_detail, name="match"),
    path("matches/<int:match_id>/answer/", views.match_answer, name="match_answer"),
    path("matches/<int:match_id>/invite-<int:index>.ics", views.match_invite, name="match_invite"),
    path("do-not-pair/", views.do_not_pair, name="do_not_pair"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.program_edit, name="program_new"),
    path("manage/<int:program_id>/edit/", views.program_edit, name="program_edit"),
    path("manage/<int:program_id>/preview/", views.preview, name="preview"),
    path("manage/<int:program_id>/draw/", views.draw, name="draw"),
    path("manage/<int:program_id>/stats/", views.stats, name="stats"),
]
