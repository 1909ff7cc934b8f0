"""The directory and places in European Portuguese: pages, the HR import's problems (also when
the background worker checks the file), stored failure texts, and the Python messages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kith.core.permissions import viewer_for_user
from kith.directory.importing import runs
from kith.directory.importing.runs import APPLY_FAILED, TIMED_OUT
from kith.directory.importing.tasks import check_import_run
from kith.directory.importing.validate import parse_date
from kith.directory.models import ImportRun
from kith.directory.provisioning import PersonInput, ProvisioningError, person_provision
from kith.directory.services import EmailChange, person_email_changes_record
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.directory.tests.test_import_views import upload
from kith.places.services import offices

pytestmark = pytest.mark.django_db

PT = {"HTTP_ACCEPT_LANGUAGE": "pt"}
BAD_ROWS = (
    b"employee_id,full_name,email,start_date\n"
    b"E1,Ana Silva,,2024-03-01\n"  # row 2: no email
    b"E2,Rui Costa,rui@example.com,03/01/2024\n"  # row 3: day and month either way round
)


@pytest.fixture
def hr_client(client):
    client.force_login(login_for(PersonFactory(full_name="Hana HR"), hr=True))
    return client


def test_the_teams_page_and_org_chart_in_portuguese(client):
    team = OrgUnitFactory(name="Platform")
    OrgUnitFactory(name="Databases", parent=team)
    person = PersonFactory(full_name="Margarida Ribeiro", org_unit=team)
    client.force_login(login_for(person))

    page = client.get(reverse("directory:team", args=[team.pk]), **PT).content.decode()
    assert "Membros" in page and "Dentro de Platform" in page and "0 membros diretos" in page
    assert "incluindo a sua 1 subunidade" in page and "Members" not in page

    chart = client.get(reverse("directory:org_chart"), **PT).content.decode()
    assert "Equipas e organograma" in chart and "Linha hierárquica de Margarida Ribeiro" in chart


def test_import_problems_are_shown_in_portuguese(hr_client):
    # A run's problems are written once, in the language of whoever uploaded the file.
    hr_client.defaults.update(PT)
    response = upload(hr_client, "bad.csv", content=BAD_ROWS)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.INVALID
    page = hr_client.get(response["Location"]).content.decode()
    assert "Nada foi importado" in page and "O ficheiro tem 2 problemas" in page
    assert "obrigatório: cada pessoa precisa de um email de trabalho" in page
    assert "o dia e o mês podem estar trocados" in page
    listing = hr_client.get(reverse("directory:import")).content.decode()
    assert "Importações recentes" in listing and "Tem erros" in listing


def test_the_worker_writes_problems_in_the_uploaders_language(monkeypatch, client):
    monkeypatch.setattr(runs, "INLINE_PREVIEW_MAX_ROWS", 0)
    user = login_for(PersonFactory(full_name="Hana HR"), hr=True)
    user.language = "pt"
    user.save(update_fields=["language"])
    run = runs.import_run_upload(
        content=BAD_ROWS, filename="bad.csv", deactivate_missing=False, uploaded_by=user
    )
    assert check_import_run.call(run.pk) == ImportRun.Status.INVALID  # no request, no language
    run.refresh_from_db()
    reasons = [p["reason"] for p in run.errors]
    assert "obrigatório: cada pessoa precisa de um email de trabalho" in reasons


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (APPLY_FAILED, "A importação parou devido a um erro inesperado"),
        (TIMED_OUT, "Isto não terminou em 30 minutos"),
    ],
)
def test_a_stored_failure_is_shown_in_the_readers_language(hr_client, stored, shown):
    run = ImportRun.objects.create(
        filename="people.csv", status=ImportRun.Status.FAILED, summary={"error": stored}
    )
    page = hr_client.get(reverse("directory:import_run", args=[run.pk]), **PT).content.decode()
    assert shown in page and "A importação falhou" in page
    english = hr_client.get(reverse("directory:import_run", args=[run.pk])).content.decode()
    assert stored in english.replace("&#x27;", "'")


def test_python_messages_in_portuguese():
    with translation.override("pt"):
        with pytest.raises(ValueError, match="escreva-a como AAAA-MM-DD"):
            parse_date("03/01/2024")
        assert str(ImportRun.Status.PREVIEWED.label) == "Pronta a aplicar"
    with pytest.raises(ValueError, match="write it as YYYY-MM-DD"):
        parse_date("03/01/2024")


def test_office_rules_in_portuguese():
    hr = viewer_for_user(login_for(PersonFactory(), hr=True))
    data = offices.OfficeInput(name="", city="Lisbn", country="Portugal", capacity=-1)
    with translation.override("pt"), pytest.raises(ValidationError) as exc:
        offices.office_create(viewer=hr, data=data)
    errors = exc.value.message_dict
    assert errors["name"] == ["Dê um nome ao escritório."]
    assert "Não se conhece nenhuma cidade chamada 'Lisbn' em PT" in errors["city"][0]
    assert "Queria dizer Lisbon?" in errors["city"][0]


def test_a_changed_sign_in_address_is_told_in_the_persons_language(
    django_capture_on_commit_callbacks,
):
    rae = PersonFactory(full_name="Rae Report", email="rae.new@example.com")
    user = login_for(rae)
    user.language = "pt"
    user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        person_email_changes_record(
            changes=[EmailChange(rae.pk, "rae@example.com", "rae.new@example.com")],
            actor=None,
            via="an import of b.csv",
        )
    [message] = mail.outbox
    assert message.subject == "O seu endereço de início de sessão no Kith foi alterado"
    assert "através de uma importação de b.csv" in message.body
    assert "a sua chefia e a equipa de segurança informática" in message.body


def test_a_taken_email_is_a_conflict_in_any_language():
    PersonFactory(employee_id="E1", email="ana@example.com")
    taken = PersonInput(employee_id="E2", email="ana@example.com", full_name="Ana Outra")
    with translation.override("pt"), pytest.raises(ProvisioningError) as exc:
        person_provision(person_id=None, values=taken, via="SCIM token test")
    assert exc.value.conflict and "pertence ao colaborador E1" in str(exc.value)
