from __future__ import annotations

from django_tasks import task

from kith.jobs.registry import periodic
from kith.matrix import answers


@periodic(every_seconds=60)
@task()
def read_matrix_answers() -> int:
    """Replies and reactions to Kith's Matrix messages since the last read, through the
    features' own services (kith.notify.channels.handle_action)."""
    return answers.answers_read()


__all__ = ["read_matrix_answers"]
