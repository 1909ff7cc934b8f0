from django.urls import path

from kith.events import views

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
]
