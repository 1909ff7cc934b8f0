from django.urls import path

from kith.events import town_hall_views, views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.event_edit, name="new"),
    path("feed/", views.feed, name="feed"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed_ics"),
    path("<int:event_id>/", views.event_detail, name="event"),
    path("<int:event_id>/edit/", views.event_edit, name="edit"),
    path("<int:event_id>/rsvp/", views.rsvp, name="rsvp"),
    path("<int:event_id>/invite.ics", views.invite, name="invite"),
    path("<int:event_id>/check-in/", views.check_in, name="check_in"),
    path("<int:event_id>/attendance/", views.attendance, name="attendance"),
    path("<int:event_id>/met/", views.met, name="met"),
    path("<int:event_id>/invitations/", views.invitations, name="invitations"),
    # Town halls (named and anonymous questions share one address: see town_hall_views)
    path("<int:event_id>/questions/", town_hall_views.questions, name="questions"),
    path(
        "<int:event_id>/questions/settings/",
        town_hall_views.settings,
        name="question_settings",
    ),
    path(
        "<int:event_id>/questions/<uuid:question_id>/vote/",
        town_hall_views.vote,
        name="question_vote",
    ),
    path(
        "<int:event_id>/questions/<uuid:question_id>/withdraw/",
        town_hall_views.withdraw,
        name="question_withdraw",
    ),
    path(
        "<int:event_id>/questions/<uuid:question_id>/moderate/",
        town_hall_views.moderate,
        name="question_moderate",
    ),
    path("<int:event_id>/notes/", town_hall_views.notes, name="town_hall_notes"),
]
