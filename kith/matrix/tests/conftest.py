"""A real Synapse for the Matrix tests: started once per test session (per xdist worker that
runs them; they all live in test_synapse.py) and stopped at the end.

Without Synapse installed (`make synapse`) those tests are skipped with the reason, unless
KITH_REQUIRE_SYNAPSE=1 (CI), where a missing Synapse fails them.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator

import pytest

from kith.matrix.tests.synapse import MatrixUser, Synapse, SynapseMissing, synapse_python

_names = itertools.count(1)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    try:
        synapse_python()
    except SynapseMissing as exc:
        if os.environ.get("KITH_REQUIRE_SYNAPSE") == "1":
            pytest.fail(f"KITH_REQUIRE_SYNAPSE=1: {exc}")
        pytest.skip(str(exc))
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def matrix_bot(synapse: Synapse) -> MatrixUser:
    return synapse.register("kith-bot")


@pytest.fixture
def matrix_account(db, synapse: Synapse, matrix_bot: MatrixUser):
    """Kith connected to the test homeserver as the bot; ids from `@{localpart}:localhost`."""
    from kith.core.sealing import seal
    from kith.matrix.account import TOKEN_PURPOSE
    from kith.matrix.models import MatrixAccount, MatrixSyncState

    # Read the bot's events from now on (as connecting on the page does): earlier tests' rooms
    # are not this test's business.
    MatrixSyncState.objects.create(pk=1, next_batch=synapse.sync(matrix_bot)["next_batch"])
    return MatrixAccount.objects.create(
        homeserver=synapse.url,
        user_id=matrix_bot.user_id,
        access_token=seal(matrix_bot.access_token, purpose=TOKEN_PURPOSE),
        id_template="@{localpart}:localhost",
    )


@pytest.fixture
def matrix_person(db, synapse: Synapse):
    """make(name) → (a Person, their Matrix account): a fresh local part per call, so tests
    sharing the homeserver never see each other's rooms."""
    from kith.directory.tests.factories import PersonFactory

    def make(name: str = "member"):
        localpart = f"{name}{next(_names)}{secrets.token_hex(3)}"
        user = synapse.register(localpart)
        return PersonFactory(full_name=name.title(), email=f"{localpart}@example.com"), user

    return make
