from django.urls import path

from kith.celebrate import views

app_name = "celebrate"

urlpatterns = [
    path("", views.home, name="home"),
    path("team/<int:unit_id>/", views.team_feed, name="team"),
    path("community/<int:community_id>/", views.community_feed, name="community"),
    path("kudos/new/", views.give, name="give"),
    path("kudos/<int:kudos_id>/", views.kudos_detail, name="kudos"),
    path("people/", views.suggest, name="suggest"),
    path("me/", views.my_settings, name="me"),
    path("values/", views.company_values, name="values"),
    path("values/<int:value_id>/", views.company_value_toggle, name="value_toggle"),
]
