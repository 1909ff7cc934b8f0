"""The shell every page shares (base.html): navigation, language, and the error pages, in
English by default and in Portuguese when the browser or the person asks for it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from kith.core.permissions import require

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_speaks_portuguese_to_a_portuguese_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert '<html lang="pt">' in page
    assert "Iniciar sessão no Kith" in page
    assert "Saltar para o conteúdo" in page
    assert "jsi18n/?l=pt" in page  # the script catalogue in the page's language


def test_the_navigation_is_translated_and_english_stays_the_default(hr_client):
    english = hr_client.get("/").content.decode()
    assert '<html lang="en">' in english and ">People</a>" in english
    portuguese = hr_client.get("/", HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    for text in (">Pessoas</a>", ">Gestão</summary>", "Sair</button>", "Precisa de si agora"):
        assert text in portuguese


def test_a_permission_message_in_portuguese():
    with translation.override("pt"), pytest.raises(PermissionDenied) as denied:
        require(False)
    assert str(denied.value) == "Não tem acesso a esta página."


def test_the_language_switch_in_the_footer_changes_the_language(employee_client):
    page = employee_client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language"' in page
    answer = employee_client.post("/i18n/setlang/", {"language": "pt", "next": "/people/"})
    assert answer.status_code == 302 and answer["Location"] == "/people/"
    assert "Sair</button>" in employee_client.get("/people/").content.decode()


def test_hrs_admin_pages_are_one_menu_marked_current_on_its_pages(hr_client, employee_client):
    audit = hr_client.get("/audit/").content.decode()
    assert '<summary data-current="true">Admin</summary>' in audit
    assert 'href="/audit/" aria-current="page"' in audit
    assert "<summary" in employee_client.get("/").content.decode()  # the "Me" menu
    assert ">Admin</summary>" not in employee_client.get("/").content.decode()


def test_the_audit_log_table_scrolls_in_a_named_focusable_region(hr_client, hr_person):
    from kith.accounts.models import User
    from kith.core import audit

    hr_login = User.objects.get(email=hr_person.email)
    audit.record(actor=hr_login, action="test.viewed", target="organisation")
    page = hr_client.get("/audit/").content.decode()
    assert 'class="table-scroll" tabindex="0" role="region" aria-labelledby="audit-title"' in page
