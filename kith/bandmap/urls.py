from django.urls import path

from kith.bandmap import views

app_name = "bandmap"

urlpatterns = [
    path("", views.home, name="home"),
    path("outlines.json", views.outlines, name="outlines"),
    path("preference/", views.preference, name="preference"),
]
