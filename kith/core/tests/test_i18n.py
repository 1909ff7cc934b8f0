"""Every language Kith ships is complete, and the language follows the person (issue 14)."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kith.core.management.commands.messages import catalogue_roots, languages

pytestmark = pytest.mark.django_db

HAVE_GETTEXT = shutil.which("xgettext") is not None and shutil.which("msgfmt") is not None
needs_gettext = pytest.mark.skipif(
    not HAVE_GETTEXT and not os.environ.get("KITH_REQUIRE_GETTEXT"),
    reason="GNU gettext is not installed (apt-get install gettext); CI installs it",
)


@needs_gettext
@pytest.mark.parametrize("root", catalogue_roots(), ids=lambda root: root.name)
def test_every_catalogue_is_complete(root, capsys):
    """Every string in the code has a translation, none fuzzy, and the .mo is the .po's."""
    try:
        call_command("messages", str(root), check=True)
    except CommandError:
        pytest.fail(capsys.readouterr().out)


def test_portuguese_is_shipped():
    assert languages() == ["pt"]
    with translation.override("pt"):
        # Django's own catalogue answers in Portuguese, and so do Kith's.
        assert translation.gettext("Yes") != "Yes"


def test_the_browser_language_is_used_and_the_javascript_catalogue_is_public():
    client = Client(HTTP_ACCEPT_LANGUAGE="pt")
    response = client.get(reverse("javascript-catalog"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response.headers.get("Content-Language") == "pt"


def test_set_language_is_remembered():
    client = Client()
    response = client.post(reverse("set_language"), {"language": "pt", "next": "/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "pt"
    refused = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert refused.status_code == 302
    assert client.cookies["django_language"].value == "pt"


def test_sign_in_texts_from_allauth_are_portuguese_too():
    """allauth ships pt_PT, not pt: Kith keeps its catalogue as pt (LOCALE_PATHS)."""
    with translation.override("pt"):
        assert translation.gettext("Forgot your password?") == "Esqueceu-se da sua palavra-passe?"
