from django.urls import path

from kith.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.health, name="health"),
    path("me/", views.me, name="me"),
    path("me/opt-out/", views.opt_out, name="opt_out"),
    path("me/opt-in/", views.opt_in, name="opt_in"),
    path("notice/", views.notice, name="notice"),
    path("manage/", views.manage, name="manage"),
    path("manage/switch/", views.switch, name="switch"),
    path("manage/compute/", views.compute, name="compute"),
    path("manage/targets/", views.targets, name="targets"),
    path("imports/", views.upload, name="upload"),
    path("imports/<int:run_id>/", views.import_run, name="import_run"),
    path("imports/<int:run_id>/apply/", views.import_apply, name="import_apply"),
    path("export.csv", views.export, name="export"),
]
