"""Computing a closed wave's results: read the unlinked responses, ask the privacy engine
which cells may be published, compute those and store them. Nothing else is ever stored,
so pages, the API and exports cannot show a withheld cell even by mistake."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from kith.core.dates import org_today
from kith.pulse.engine import results as engine
from kith.pulse.engine import suppression
from kith.pulse.engine.instruments import INSTRUMENTS
from kith.pulse.models import Comment as SurveyComment
from kith.pulse.models import CommentCell, Invitation, ResultCell, Wave
from kith.pulse.models import Response as SurveyResponse
from kith.pulse.questionnaire import engine_items

log = logging.getLogger(__name__)
Cell = tuple[int, int, int]


def tree_of(wave: Wave) -> engine.Tree:
    return engine.Tree(parent=np.array([int(u[2]) for u in wave.units], dtype=np.int64))


def _fetch(model: Any, columns: Sequence[str], wave: Wave, where: str = "") -> list[Any]:
    """Rows of `columns` of one wave's table, JSON columns as text (one json.loads per column
    later is far faster than one per value: a wave can hold a million rows)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {quote('wave_id')} = %s {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [wave.pk])
        return list(cursor.fetchall())


def _text(column: str) -> str:
    return f"CAST({connection.ops.quote_name(column)} AS TEXT)"


def _json_matrix(texts: Sequence[str], width: int, *, nan: bool = False) -> np.ndarray:
    """Many JSON arrays of `width` numbers (or null) as one float or int matrix."""
    if not texts:
        return np.zeros((0, width), dtype=np.float64 if nan else np.int64)
    joined = "[" + ",".join(texts) + "]"
    if nan:
        return np.array(json.loads(joined.replace("null", "NaN")), dtype=np.float64).reshape(
            len(texts), width
        )
    return np.array(json.loads(joined), dtype=np.int64).reshape(len(texts), width)


Respondents = tuple[np.ndarray, np.ndarray, np.ndarray]  # person ids, units, attribute codes


def _respondent_arrays(wave: Wave, cache: dict[int, Respondents] | None = None) -> Respondents:
    if cache is not None and wave.pk in cache:
        return cache[wave.pk]
    quote = connection.ops.quote_name
    rows = _fetch(
        Invitation,
        [quote("person_id"), quote("unit"), _text("attrs")],
        wave,
        f"AND {quote('responded')} = TRUE ORDER BY {quote('person_id')}",
    )
    found = (
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        _json_matrix([r[2] for r in rows], len(wave.attributes)),
    )
    if cache is not None:
        cache[wave.pk] = found
    return found


def respondents_of(
    wave: Wave, into: Wave | None = None, cache: dict[int, Respondents] | None = None
) -> suppression.Wave:
    """Who responded in `wave` (from invitations, never responses), with units and attribute
    codes translated into `into`'s snapshot when given (units by org unit id, values by label)."""
    person, unit, attrs = _respondent_arrays(wave, cache)
    rows = person  # one entry per respondent
    if into is not None and into.pk != wave.pk:
        here = {u[0]: i for i, u in enumerate(into.units)}
        unit_map = np.array([here.get(u[0], 0) for u in wave.units] or [0], dtype=np.int64)
        unit = unit_map[unit] if unit.size else unit
        names = into.attribute_names
        mapped = np.zeros((len(rows), len(names)), dtype=np.int64)
        for j, name in enumerate(names):
            target = {label: c for c, label in enumerate(into.attributes[j][1])}
            if name in wave.attribute_names and len(rows):
                col = wave.attribute_names.index(name)
                source = wave.attributes[col][1]
                codes = np.array([target.get(label, -1) for label in source], dtype=np.int64)
                mapped[:, j] = codes[attrs[:, col]]
            else:
                mapped[:, j] = -1
        attrs = mapped
    return suppression.Wave(person=person, unit=unit, attrs=attrs)


def published_cells(wave: Wave) -> set[Cell]:
    return {
        (u, a, v)
        for u, a, v in ResultCell.objects.filter(wave=wave).values_list("unit", "attr", "value")
    }


def _clean(x: float | None, digits: int = 3) -> float | None:
    if x is None or x != x:  # None or NaN
        return None
    return round(x, digits)


def _serialise(result: engine.CellResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cell as stored. Distributions are kept for whole units only (the AI figures and
    item views of filtered groups need means and shares, not counts per answer)."""
    clean = _clean
    scores = {
        key: {
            "n": s.n,
            "mean": clean(s.mean),
            "ci": [clean(s.ci_low), clean(s.ci_high)],
            "favourable": clean(s.favourable_pct, 1),
            "enps": clean(s.enps, 1),
        }
        for key, s in result.scores.items()
    }
    whole_unit = result.cell[1] < 0
    items: dict[str, Any] = {}
    for key, stat in result.items.items():
        entry: dict[str, Any] = {
            "n": stat.n,
            "mean": clean(stat.mean),
            "favourable": clean(stat.favourable_pct, 1),
        }
        if whole_unit:
            entry["distribution"] = {str(int(k)): int(v) for k, v in stat.distribution.items()}
        items[key] = entry
    return scores, items


def wave_results_compute(
    *,
    wave: Wave,
    now: dt.datetime | None = None,
    cache: dict[int, Respondents] | None = None,
) -> int:
    """Compute and store a wave's publishable results. Returns the number of cells stored.
    `cache` keeps waves' respondents between calls of one recompute (campaign_recompute)."""
    now = now or timezone.now()
    campaign = wave.campaign
    k = campaign.min_group
    tree = tree_of(wave)
    width = len(wave.attributes)
    items = engine_items(wave)
    instruments = [INSTRUMENTS[key] for key in campaign.instruments]

    quote = connection.ops.quote_name
    rows = _fetch(SurveyResponse, [quote("unit"), _text("attrs"), _text("values")], wave)
    unit = np.array([r[0] for r in rows], dtype=np.int64)
    attrs = _json_matrix([r[1] for r in rows], width)
    values = _json_matrix([r[2] for r in rows], len(items), nan=True)
    for column, item in enumerate(items):
        if item.reverse:  # item_value's reversal, for a whole column at once
            values[:, column] = item.scale.lo + item.scale.hi - values[:, column]
    responses = engine.Responses(unit=unit, attrs=attrs, values=values)

    published = suppression.publishable_cells(tree, unit, attrs, k)
    current = respondents_of(wave)
    earlier = []
    for before in campaign.waves.filter(number__lt=wave.number, results_at__isnull=False):
        earlier.append((respondents_of(before, into=wave, cache=cache), published_cells(before)))
    published = suppression.stable_across_waves(tree, earlier, current, published, k)
    computed = engine.compute(items, instruments, tree, responses, sorted(published))

    invited_rows = _fetch(Invitation, [quote("unit"), _text("attrs")], wave)
    invited = engine.cell_counts(
        tree,
        np.array([r[0] for r in invited_rows], dtype=np.int64),
        _json_matrix([r[1] for r in invited_rows], width),
    )
    cells = []
    for cell, result in computed.items():
        scores, item_stats = _serialise(result)
        cells.append(
            ResultCell(
                wave=wave,
                unit=cell[0],
                attr=cell[1],
                value=cell[2],
                respondents=result.respondents,
                invited=invited.get(cell, result.respondents),
                scores=scores,
                items=item_stats,
            )
        )
    comment_cells = _comment_cells(wave, tree, campaign.min_comment_group)
    with transaction.atomic():
        ResultCell.objects.filter(wave=wave).delete()
        CommentCell.objects.filter(wave=wave).delete()
        ResultCell.objects.bulk_create(cells, batch_size=1000)
        CommentCell.objects.bulk_create(comment_cells, batch_size=1000)
        wave.results_at = now
        wave.results_error = ""
        wave.save(update_fields=["results_at", "results_error"])
    log.info("computed wave %s of campaign %s: %d cells", wave.number, campaign.pk, len(cells))
    return len(cells)


def _comment_cells(wave: Wave, tree: engine.Tree, k: int) -> list[CommentCell]:
    """Per free-text question: the units (whole subtrees, no attribute filters) whose comments
    may be read, by the same engine with the comment threshold."""
    found = []
    for item in {i["key"] for i in wave.items if i["kind"] == "text"}:
        rows = list(
            SurveyComment.objects.filter(wave=wave, item=item).values_list("unit", flat=True)
        )
        if not rows:
            continue
        unit = np.array(rows, dtype=np.int64)
        attrs = np.zeros((unit.size, 0), dtype=np.int64)
        counts = engine.cell_counts(tree, unit, attrs)
        candidates = [c for c in counts if c[1] == -1]
        for cell in suppression.publishable_cells(tree, unit, attrs, k, candidates=candidates):
            found.append(CommentCell(wave=wave, unit=cell[0], item=item, writers=counts[cell]))
    return found


def campaign_recompute(*, campaign_id: int, now: dt.datetime | None = None) -> list[int]:
    """Recompute every closed wave of a campaign in order (after a fix to the engine, say);
    each wave's respondents are read once. Returns the cells stored per wave."""
    cache: dict[int, Respondents] = {}
    cells = []
    waves = Wave.objects.filter(campaign_id=campaign_id, sent_at__isnull=False).order_by("number")
    for wave in waves.select_related("campaign"):
        if wave.results_at is None and wave.closes_on >= org_today():
            break  # still open: its results wait for it to close
        cells.append(wave_results_compute(wave=wave, now=now, cache=cache))
    return cells


def waves_close_due(*, now: dt.datetime | None = None) -> int:
    """Compute the results of every sent wave whose closing day has passed."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=timezone.get_default_timezone())
    done = 0
    for wave in Wave.objects.filter(
        sent_at__isnull=False, results_at__isnull=True, closes_on__lt=today
    ).select_related("campaign"):
        try:
            wave_results_compute(wave=wave, now=now)
            done += 1
        except Exception as exc:  # one broken wave must not hold up the others
            log.exception("could not compute wave %s", wave.pk)
            Wave.objects.filter(pk=wave.pk).update(results_error=str(exc)[:500])
    return done


def is_closed(wave: Wave) -> bool:
    return wave.results_at is not None or wave.closes_on < org_today()
