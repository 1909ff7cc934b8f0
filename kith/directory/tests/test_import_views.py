"""The upload page: HR uploads, previews, applies in the background and watches progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kith.accounts.models import User
from kith.core.models import AuditEvent
from kith.core.permissions import HR_ADMINS_GROUP
from kith.directory.importing.tasks import apply_import_run
from kith.directory.models import ImportRun, Person

DATA = Path(__file__).parent / "data"
UPLOAD_URL = reverse("directory:import")

pytestmark = pytest.mark.django_db


def make_user(email: str, *, hr: bool) -> User:
    user = User.objects.create_user(email, "a-long-password-1")
    if hr:
        user.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    Person.objects.create(employee_id=f"X-{email}", full_name=email.split("@")[0], email=email)
    return user


@pytest.fixture
def hr_client(client):
    client.force_login(make_user("harriet.hr@example.com", hr=True))
    return client


@pytest.fixture
def employee_client(client):
    client.force_login(make_user("eddie.employee@example.com", hr=False))
    return client


def upload(
    client,
    name: str = "import_clean.csv",
    *,
    content: bytes | None = None,
    deactivate: bool = False,
):
    data = content if content is not None else (DATA / name).read_bytes()
    form: dict[str, object] = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if deactivate:
        form["deactivate_missing"] = "on"
    return client.post(UPLOAD_URL, form)


def test_only_hr_admins(employee_client):
    run = ImportRun.objects.create(filename="x.csv", status=ImportRun.Status.PREVIEWED)
    assert employee_client.get(UPLOAD_URL).status_code == 403
    assert upload(employee_client).status_code == 403
    assert employee_client.get(reverse("directory:import_run", args=[run.pk])).status_code == 403
    apply_url = reverse("directory:import_apply", args=[run.pk])
    assert employee_client.post(apply_url).status_code == 403
    assert not ImportRun.objects.exclude(pk=run.pk).exists()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED


def test_anonymous_is_sent_to_login(client):
    response = client.get(UPLOAD_URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_upload_page(hr_client):
    response = hr_client.get(UPLOAD_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Deactivate people missing from this file" in page
    assert "No files have been uploaded yet" in page


def test_invalid_file_shows_every_problem(hr_client):
    response = upload(hr_client, "import_faults.csv")
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:import_run", args=[run.pk])
    assert run.status == ImportRun.Status.INVALID
    assert run.content == b""  # a refused file's personal data is not kept
    assert len(run.errors) == 19 and run.summary["problem_count"] == 19
    page = hr_client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page
    assert "19 problems" in page
    assert "<td>10</td><td>manager_id</td><td>E999</td>" in page
    assert "no city called &#x27;Atlantis&#x27;" in page
    assert "Apply" not in page
    assert Person.objects.count() == 1  # only the HR admin


def test_preview_apply_and_progress(hr_client, django_capture_on_commit_callbacks):
    response = upload(hr_client)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED
    assert run.summary["created"] == 10 and run.progress_total == 10
    page = hr_client.get(response["Location"]).content.decode()
    assert "Ready to apply" in page and "To create" in page and "Ana Silva" in page
    assert "Apply these changes" in page
    assert Person.objects.count() == 1  # nothing written by the preview

    apply_url = reverse("directory:import_apply", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(apply_url)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"][0] == run.pk

    page = hr_client.get(reverse("directory:import_run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting to start" in page
    assert hr_client.post(apply_url).status_code == 302  # a second click queues nothing
    assert DBTaskResult.objects.count() == 1

    assert apply_import_run.call(*task.args_kwargs["args"]) == ImportRun.Status.DONE
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.finished_at is not None
    assert run.content == b"" and run.progress_done == run.progress_total == 10
    assert Person.objects.filter(is_active=True).count() == 11
    assert AuditEvent.objects.get(action="directory.import").actor.email == "harriet.hr@example.com"

    # The polling request gets the partial alone, which stops polling once done.
    partial = hr_client.get(
        reverse("directory:import_run", args=[run.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.lstrip().startswith('<section id="import-status"')
    assert "<html" not in partial and "hx-trigger" not in partial
    assert "Done: the directory now matches import_clean.csv" in partial
    assert "Created" in partial and "Logins: 10 created" in partial
    assert apply_import_run.call(run.pk) == ImportRun.Status.DONE  # a duplicate task is harmless
    assert Person.objects.count() == 11


def test_running_partial_polls_and_shows_progress(hr_client):
    run = ImportRun.objects.create(
        filename="big.csv", status=ImportRun.Status.RUNNING, progress_total=5000, progress_done=2000
    )
    url = reverse("directory:import_run", args=[run.pk])
    partial = hr_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in partial and f'hx-get="{url}"' in partial
    assert 'max="5000" value="2000"' in partial and "2,000 of 5,000" in partial
    ImportRun.objects.filter(pk=run.pk).update(progress_done=5000)
    partial = hr_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Saving all changes" in partial


def test_no_changes_preview(hr_client):
    upload(hr_client)
    run = ImportRun.objects.get()
    apply_import_run.call(run.pk)  # not queued: nothing happens
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED)
    apply_import_run.call(run.pk)
    response = upload(hr_client)
    page = hr_client.get(response["Location"]).content.decode()
    assert "No changes" in page and "Apply these changes" not in page


def test_directory_changed_between_preview_and_apply(hr_client):
    text = "employee_id,full_name,email,manager_id\nE1,Ana,ana@example.com,B7\n"
    Person.objects.create(employee_id="B7", full_name="Boss", email="boss@example.com")
    upload(hr_client, content=text.encode())
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED
    Person.objects.filter(employee_id="B7").update(is_active=False)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED)
    assert apply_import_run.call(run.pk) == ImportRun.Status.INVALID
    run.refresh_from_db()
    assert run.errors[0]["column"] == "manager_id" and "has left" in run.errors[0]["reason"]
    assert not Person.objects.filter(employee_id="E1").exists()


def test_deactivation_warning_in_preview(hr_client):
    text = "employee_id,full_name,email\nE1,Ana,ana@example.com\n"
    response = upload(hr_client, content=text.encode(), deactivate=True)
    page = hr_client.get(response["Location"]).content.decode()
    assert "To deactivate" in page and "harriet.hr" in page
    assert "applying it deactivates you and your login" in page


def test_upload_size_limit(hr_client, settings):
    settings.KITH_IMPORT_MAX_UPLOAD_BYTES = 100
    response = upload(hr_client)
    assert response.status_code == 200
    assert "uploads are limited to 100" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_empty_upload_is_refused(hr_client):
    response = upload(hr_client, content=b"")
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()


def test_recent_runs_are_listed(hr_client):
    upload(hr_client)
    page = hr_client.get(UPLOAD_URL).content.decode()
    assert "import_clean.csv" in page and "Ready to apply" in page


def test_import_help_lists_every_alias_for_hr_only(hr_client):
    from django.test import Client

    from kith.directory.importing.parse import HEADER_ALIASES

    employee = Client()
    employee.force_login(make_user("someone@example.com", hr=False))
    assert employee.get("/people/import/help/").status_code == 403
    page = hr_client.get("/people/import/help/").content.decode()
    for aliases in HEADER_ALIASES.values():
        for alias in aliases:
            assert alias.replace("&", "&amp;") in page
    assert "Self-employed" in page
