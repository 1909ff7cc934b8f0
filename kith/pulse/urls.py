from django.urls import path

from kith.pulse import views

app_name = "pulse"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<str:token>/", views.answer, name="answer"),
    path("instruments/", views.instruments, name="instruments"),
    path("waves/<int:wave_id>/", views.results, name="results"),
    path("waves/<int:wave_id>/export.csv", views.export, name="export"),
    path("waves/<int:wave_id>/comments/", views.comments, name="comments"),
    path("waves/<int:wave_id>/ai/", views.ai_use, name="ai"),
    path("waves/<int:wave_id>/plan/", views.plan_action, name="plan_action"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:action_id>/status/", views.action_status, name="action_status"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.campaign_edit, name="campaign_new"),
    path("manage/<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("manage/waves/<int:wave_id>/<slug:action>/", views.wave_action, name="wave_action"),
]

# Focus groups (kith/pulse/focus_views.py).
from kith.pulse import focus_views  # noqa: E402

urlpatterns += [
    path("waves/<int:wave_id>/focus/", focus_views.focus_list, name="focus_list"),
    path("waves/<int:wave_id>/focus/new/", focus_views.focus_new, name="focus_new"),
    path("waves/<int:wave_id>/focus/themes/", focus_views.focus_themes, name="focus_themes"),
    path("focus/<int:group_id>/", focus_views.focus_group, name="focus_group"),
    path("focus/<int:group_id>/themes/", focus_views.focus_theme, name="focus_theme"),
]
