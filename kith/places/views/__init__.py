"""One module per part; each exports `urlpatterns`."""
