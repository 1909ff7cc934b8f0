from django.urls import path

from kith.directory import views
from kith.directory.importing import views as import_views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:person_id>/", views.person_detail, name="person"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
    path(
        "me/email-change/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("teams/", views.org_chart, name="org_chart"),
    path("teams/<int:unit_id>/", views.team_detail, name="team"),
    path("import/", import_views.import_upload, name="import"),
    path("import/help/", import_views.import_help, name="import_help"),
    path("import/<int:run_id>/", import_views.import_run, name="import_run"),
    path("import/<int:run_id>/apply/", import_views.import_apply, name="import_apply"),
]
