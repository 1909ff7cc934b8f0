from django.urls import path

from kith.accounts import views

urlpatterns = [
    path("", views.account_settings, name="account_settings"),
    path("language/", views.language_set, name="account_language"),
    path("tokens/", views.token_create, name="api_token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("export.json", views.my_data_export, name="my_data_export"),
]
