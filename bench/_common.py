"""Helpers the benchmarks share (they are run as scripts: `python bench/x.py`)."""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections.abc import Callable
from typing import Any


def forked(function: Callable[[], Any]) -> Any:
    """function() in a forked child, with no database connection shared with it."""
    from django.db import connections

    connections.close_all()
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)

    def child() -> None:
        try:
            child_end.send(("ok", function()))
        except BaseException:
            child_end.send(("error", traceback.format_exc()))
            raise

    process = context.Process(target=child)
    process.start()
    status, out = parent_end.recv()
    process.join()
    if status != "ok":
        raise RuntimeError(f"child failed:\n{out}")
    return out
