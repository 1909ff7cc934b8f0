"""Plain-text reports of an import for the command line, and the change lines the import page
shows too (their labels in the active language: the command line runs in English)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kith.directory.importing.parse import Problem

MAX_VALUE_WIDTH = 40
MAX_COLUMN_WIDTH = 24


def shorten(value: str, width: int = MAX_VALUE_WIDTH) -> str:
    """One line, at most `width` characters: a cell with a line break stays readable."""
    flat = value.replace("\r", "").replace("\n", "⏎")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def problems_table(problems: Iterable[Problem]) -> str:
    header = ("Row", "Column", "Value", "Reason")
    rows = [
        (
            str(p.row) if p.row is not None else "-",
            shorten(p.column, MAX_COLUMN_WIDTH),
            shorten(p.value),
            p.reason,
        )
        for p in problems
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = []
    rule = (*("-" * width for width in widths), "-" * 6)
    for cells in [header, rule, *rows]:
        lead = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
        lines.append(f"{lead}  {cells[3]}".rstrip())
    return "\n".join(lines)


CHANGE_KINDS = (
    # summary key, label before applying, label after
    ("created", gettext_noop("To create"), gettext_noop("Created")),
    ("updated", gettext_noop("To update"), gettext_noop("Updated")),
    ("reactivated", gettext_noop("To reactivate"), gettext_noop("Reactivated")),
    ("deactivated", gettext_noop("To deactivate"), gettext_noop("Deactivated")),
)


@dataclass(frozen=True)
class ChangeLine:
    kind: str
    label: str
    count: int
    names: list[str]  # empty when too many to list


def change_lines(summary: dict[str, Any], *, applied: bool) -> list[ChangeLine]:
    """One line per kind of change, for the command's report and the page alike. Names are
    listed for small changes only; a big change is a count (and the changed fields)."""
    lines = []
    for kind, before, after in CHANGE_KINDS:
        count = int(summary.get(kind, 0))
        samples = summary.get("samples", {}).get(kind, [])
        names = [_sample_name(s) for s in samples] if count <= len(samples) else []
        lines.append(ChangeLine(kind, _(after if applied else before), count, names))
    return lines


def _sample_name(sample: Any) -> str:
    if isinstance(sample, dict):
        # Field names are stored in English (plan.FIELD_LABELS) and shown in the reader's.
        fields = ", ".join(_(f) for f in sample.get("fields", []))
        return f"{sample['name']} ({fields})" if fields else str(sample["name"])
    return str(sample)


def has_changes(summary: dict[str, Any]) -> bool:
    return any(summary.get(kind) for kind, _, _ in CHANGE_KINDS)


def summary_text(summary: dict[str, Any], *, filename: str, applied: bool) -> str:
    rows = summary.get("rows", 0)
    if not has_changes(summary):
        lead = "No changes" if applied else "Dry run, nothing written. No changes"
        lines = [f"{lead}: the directory already matches {filename} ({rows} rows)."]
    else:
        lines = [
            f"Imported {filename} ({rows} rows):"
            if applied
            else f"Dry run, nothing written. Importing {filename} ({rows} rows) would:"
        ]
        for line in change_lines(summary, applied=applied):
            lines.append(f"  {line.label:<14}{line.count:>8}  {'; '.join(line.names)}".rstrip())
        lines.append(f"  {'Unchanged':<14}{summary.get('unchanged', 0):>8}")
        units = (summary.get("departments_created", 0), summary.get("teams_created", 0))
        if any(units):
            lines.append(f"New org units: {units[0]} departments, {units[1]} teams.")
        if summary.get("field_changes"):
            fields = ", ".join(f"{k} {v}" for k, v in summary["field_changes"].items())
            lines.append(f"Changed fields: {fields}.")
    if summary.get("logins_created") or summary.get("logins_deactivated"):
        lines.append(
            f"Logins: {summary.get('logins_created', 0)} created, "
            f"{summary.get('logins_reactivated', 0)} reactivated, "
            f"{summary.get('logins_deactivated', 0)} switched off."
        )
    if summary.get("ignored_columns"):
        lines.append("Ignored columns: " + ", ".join(summary["ignored_columns"]) + ".")
    lines.extend(f"Warning: {w}" for w in summary.get("warnings", []))
    return "\n".join(lines)
