from __future__ import annotations

from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from config.api import api
from kith.core import views as core_views
from kith.directory import views as directory_views

handler403 = "kith.core.views.forbidden"
handler404 = "kith.core.views.not_found"
handler500 = "kith.core.views.server_error"

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon),
    # Translations: the language switch (set_language) and the JavaScript catalogue.
    path("i18n/", include("django.conf.urls.i18n")),
    # Cached by the browser for an hour; pages ask for it with ?l=<language>, so a change of
    # language is a new address.
    path(
        "jsi18n/",
        cache_control(max_age=3600, private=True)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("privacy/", core_views.privacy, name="privacy"),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("integrations/", core_views.integrations, name="integrations"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("people/", include("kith.directory.urls")),
    path("me/", include("kith.accounts.urls")),
    path("notifications/", include("kith.notify.urls")),
    path("connect/", include("kith.connect.urls")),
    path("pulse/", include("kith.pulse.urls")),
    path("map/", include("kith.bandmap.urls")),
    path("communities/", include("kith.communities.urls")),
    path("events/", include("kith.events.urls")),
    path("celebrate/", include("kith.celebrate.urls")),
    path("insights/", include("kith.insights.urls")),
    path("touchpoints/", include("kith.touchpoints.urls")),
    path("places/", include("kith.places.urls")),
    path("gatherings/", include("kith.gatherings.urls")),
    path("guidelines/", include("kith.guidelines.urls")),
    path("calendars/", include("kith.calendars.urls")),
    path("integrations/slack/", include("kith.slack.urls")),
    path("integrations/matrix/", include("kith.matrix.urls")),
    path("integrations/webhooks/", include("kith.webhooks.urls")),
    path("integrations/scim/", include("kith.scim.pages")),
    path("scim/v2/", include("kith.scim.urls")),
]
