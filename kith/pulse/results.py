"""Computing a closed wave's results: read the unlinked responses, ask the disclosure layer
which cells may be published (against everything published before, through the ledger),
compute those, store them and record them in the ledger. Nothing else is ever stored, so
pages, the API and exports cannot show a withheld cell even by mistake."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from kith.core.dates import org_today
from kith.core.disclosure import ledger
from kith.pulse import ai
from kith.pulse.ai import ai_cells_compute
from kith.pulse.engine import results as engine
from kith.pulse.engine import suppression
from kith.pulse.engine.instruments import INSTRUMENTS, ITEMS
from kith.pulse.hooks import wave_closed
from kith.pulse.models import AICell, CommentCell, Invitation, Receipt, ResultCell, Wave
from kith.pulse.models import Comment as SurveyComment
from kith.pulse.models import Response as SurveyResponse
from kith.pulse.questionnaire import engine_items
from kith.pulse.receipts import answered_mask

log = logging.getLogger(__name__)
Cell = tuple[int, int, int]


def tree_of(wave: Wave) -> engine.Tree:
    return engine.Tree(parent=np.array([int(u[2]) for u in wave.units], dtype=np.int64))


def _joined(model: Any, columns: Sequence[str], wave: Wave) -> list[str]:
    """Each of `columns` over one wave's rows, joined with commas by the database in one
    aggregate query (the same row order for every column): a wave can hold a million rows,
    and one string per column is far cheaper than a Python tuple per row."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        parts = [f"string_agg(CAST({c} AS TEXT), ',' ORDER BY {quote('id')})" for c in columns]
    else:
        parts = [f"group_concat({c}, ',')" for c in columns]
    sql = f"SELECT {', '.join(parts)} FROM {table} WHERE {quote('wave_id')} = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [wave.pk])
        row = cursor.fetchone()
    return [text or "" for text in row]


def _integers(joined: str) -> np.ndarray:
    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")


def _json_matrix(joined: str, rows: int, width: int, *, nan: bool = False) -> np.ndarray:
    """`rows` JSON arrays of `width` numbers (or null), joined with commas, as one float or
    int matrix, parsed in one pass: whole numbers of one or two digits, as Kith stores
    answers and codes, by a vectorised byte parser; anything else by numpy's."""
    if rows == 0 or width == 0:
        return np.zeros((rows, width), dtype=np.float64 if nan else np.int64)
    flat = joined.replace("[", "").replace("]", "").replace(" ", "")
    numbers = _small_numbers(flat)
    if numbers is None:
        numbers = np.fromstring(flat.replace("null", "nan"), dtype=np.float64, sep=",")
    if numbers.size != rows * width:
        raise ValueError(f"expected {rows} rows of {width} numbers, got {numbers.size}")
    matrix = numbers.reshape(rows, width)
    return matrix if nan else matrix.astype(np.int64)


def _small_numbers(flat: str) -> np.ndarray | None:
    """ "3,10,null,-1" → [3, 10, nan, -1] for tokens of one or two characters (digits, a
    minus sign, or null); None when any token is anything else."""
    raw = np.frombuffer(flat.replace("null", "n").encode("ascii"), dtype=np.uint8)
    if raw.size == 0:
        return np.zeros(0, dtype=np.float64)
    commas = np.flatnonzero(raw == ord(","))
    starts = np.concatenate([[0], commas + 1])
    length = np.concatenate([commas, [raw.size]]) - starts
    if length.min() < 1 or length.max() > 2:
        return None
    first = raw[starts].astype(np.int64)
    second = raw[np.minimum(starts + 1, raw.size - 1)].astype(np.int64)
    one, two = length == 1, length == 2
    digit1 = (first >= 48) & (first <= 57)
    digit2 = (second >= 48) & (second <= 57)
    null = one & (first == ord("n"))
    negative = two & (first == ord("-")) & digit2
    ok = (one & (digit1 | null)) | (two & digit1 & digit2) | negative
    if not ok.all():
        return None
    value = np.where(one, first - 48, (first - 48) * 10 + (second - 48)).astype(np.float64)
    value[negative] = -(second[negative] - 48)
    value[null] = np.nan
    return value


@dataclass(frozen=True, slots=True)
class Invitees:
    """A wave's invitations as arrays, sorted by person: true snapshot codes (where each
    person sits) and stored codes (the coarser group their answers were stored under), and
    whether they answered (from receipts, never from responses)."""

    person: np.ndarray
    unit: np.ndarray
    attrs: np.ndarray
    stored_unit: np.ndarray
    stored_attrs: np.ndarray
    answered: np.ndarray

    def respondents(self) -> suppression.Wave:
        r = self.answered
        return suppression.Wave(person=self.person[r], unit=self.unit[r], attrs=self.attrs[r])


class ReceiptKeyMissing(RuntimeError):
    """A wave's receipts cannot all be read with the keys this server holds."""


# Waves' invitees read once per recompute (campaign_recompute sets a cache for its duration).
Signatures = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class _ReadOnce:
    invitees: dict[int, Invitees]
    signatures: dict[tuple[int, tuple[int, ...]], Signatures]


_READ_ONCE: ContextVar[_ReadOnce | None] = ContextVar("pulse_read_once", default=None)


def invitees_of(wave: Wave) -> Invitees:
    cache = _READ_ONCE.get()
    if cache is not None and wave.pk in cache.invitees:
        return cache.invitees[wave.pk]
    quote = connection.ops.quote_name
    person, token, unit, attrs, stored_unit, stored_attrs = _joined(
        Invitation,
        [
            quote("person_id"),
            quote("token"),
            quote("unit"),
            quote("attrs"),
            quote("stored_unit"),
            quote("stored_attrs"),
        ],
        wave,
    )
    width = len(wave.attributes)
    persons = _integers(person)
    found = Invitees(
        person=persons,
        unit=_integers(unit),
        attrs=_json_matrix(attrs, persons.size, width),
        stored_unit=_integers(stored_unit),
        stored_attrs=_json_matrix(stored_attrs, persons.size, width),
        answered=answered_mask(wave.pk, token.split(",") if token else []),
    )
    receipts = Receipt.objects.filter(wave=wave).count()
    if int(found.answered.sum()) != receipts:
        # Fail closed: receipts made with a key this server no longer holds would make the
        # wave's respondents look like nobody, and the ledger would forget what it showed.
        raise ReceiptKeyMissing(
            f"wave {wave.pk}: only {int(found.answered.sum())} of its {receipts} receipts "
            "match SECRET_KEY or SECRET_KEY_FALLBACKS; put the key the wave was answered "
            "under back in SECRET_KEY_FALLBACKS (keep old keys there for the disclosure "
            "window, KITH_DISCLOSURE_WINDOW_MONTHS)"
        )
    if cache is not None:
        cache.invitees[wave.pk] = found
    return found


# --- the disclosure ledger: stable keys and populations --------------------------------------

SOURCE = "pulse"
ORG_KEY = "org"


def batch_of(wave: Wave) -> str:
    return f"wave:{wave.pk}"


def cell_key(wave: Wave, cell: Cell) -> str:
    """A cell's stable identity: the org unit's id (not its position in the snapshot) and
    the attribute's name and label (not their codes)."""
    u, j, v = cell
    unit_id = wave.units[u][0]
    key = f"unit:{ORG_KEY if unit_id is None else unit_id}"
    if j < 0:
        return key
    name, labels = wave.attributes[j]
    return f"{key}|{name}={labels[v]}"


def cells_of_keys(wave: Wave, keys: Iterable[str]) -> list[Cell]:
    units = {ORG_KEY if u[0] is None else str(u[0]): i for i, u in enumerate(wave.units)}
    values = {
        f"{name}={label}": (j, v)
        for j, (name, labels) in enumerate(wave.attributes)
        for v, label in enumerate(labels)
    }
    found = []
    for key in keys:
        unit, _, attribute = key.removeprefix("unit:").partition("|")
        j, v = values[attribute] if attribute else (-1, -1)
        found.append((units[unit], j, v))
    return found


def _wave_signatures(wave: Wave, rows: Sequence[ledger.Recorded]) -> Signatures:
    """One wave's recorded cells resolved to its respondents (kept while invitations are
    read once: a recompute resolves every earlier wave for each later one)."""
    cache = _READ_ONCE.get()
    key = (wave.pk, tuple(sorted(r.tag for r in rows)))
    if cache is not None and key in cache.signatures:
        return cache.signatures[key]
    cells = cells_of_keys(wave, [r.key for r in rows])
    tags = dict(zip(cells, [r.tag for r in rows], strict=True))
    found = suppression.wave_signatures(tree_of(wave), invitees_of(wave).respondents(), cells, tags)
    if cache is not None:
        cache.signatures[key] = found
    return found


def population_of(recorded: Sequence[ledger.Recorded]) -> Signatures:
    """The ledger's population source for Pulse: each recorded cell describes the wave's
    respondents in it (from invitations and receipts, in that wave's own snapshot)."""
    by_wave: dict[int, list[ledger.Recorded]] = defaultdict(list)
    for row in recorded:
        by_wave[int(row.batch.removeprefix("wave:"))].append(row)
    persons, sums, populations = [], [], []
    for wave in Wave.objects.filter(pk__in=by_wave).select_related("campaign"):
        rows = by_wave[wave.pk]
        who, tag_sum, population = _wave_signatures(wave, rows)
        persons.append(who)
        sums.append(tag_sum)
        populations.append(population)
    if not persons:
        empty = np.zeros(0, dtype=np.uint64)
        return np.zeros(0, dtype=np.int64), empty, empty
    return np.concatenate(persons), np.concatenate(sums), np.concatenate(populations)


def published_cells(wave: Wave) -> set[Cell]:
    return {
        (u, a, v)
        for u, a, v in ResultCell.objects.filter(wave=wave).values_list("unit", "attr", "value")
    }


def _clean(x: float | None, digits: int = 3) -> float | None:
    if x is None or x != x:  # None or NaN
        return None
    return round(x, digits)


def _serialise(result: engine.CellResult, shown: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cell as stored: only the items and scores in `shown` for this cell (item_cells).
    Distributions are kept for whole units only (the AI figures and item views of filtered
    groups need means and shares, not counts per answer)."""
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
        if key in shown
    }
    whole_unit = result.cell[1] < 0
    items: dict[str, Any] = {}
    for key, stat in result.items.items():
        if key not in shown:
            continue
        entry: dict[str, Any] = {
            "n": stat.n,
            "mean": clean(stat.mean),
            "favourable": clean(stat.favourable_pct, 1),
        }
        if whole_unit:
            entry["distribution"] = {str(int(k)): int(v) for k, v in stat.distribution.items()}
        items[key] = entry
    return scores, items


def _responses(wave: Wave, items: Sequence[Any]) -> engine.Responses:
    """The wave's responses, in the stored (coarse) codes they were written with."""
    quote = connection.ops.quote_name
    unit_text, attrs, answers = _joined(
        SurveyResponse, [quote("unit"), quote("attrs"), quote("values")], wave
    )
    unit = _integers(unit_text)
    values = _json_matrix(answers, unit.size, len(items), nan=True)
    for column, item in enumerate(items):
        if item.reverse:  # item_value's reversal, for a whole column at once
            values[:, column] = item.scale.lo + item.scale.hi - values[:, column]
    return engine.Responses(
        unit=unit, attrs=_json_matrix(attrs, unit.size, len(wave.attributes)), values=values
    )


def exact_cells(tree: engine.Tree, invitees: Invitees, *, units_only: bool = False) -> list[Cell]:
    """Cells whose invitees are the same by true and by stored codes: the only cells whose
    results the stored responses give exactly (answers generalised above a cell, to keep
    every stored group at >= k invitees, would be missing from it)."""
    width = 0 if units_only else invitees.attrs.shape[1]
    attrs, stored = invitees.attrs[:, :width], invitees.stored_attrs[:, :width]
    space = engine.CellSpace(tree.size, engine.attribute_sizes(np.vstack([attrs, stored])))
    by_true = engine.count_by_cell_id(space, tree, invitees.unit, attrs)
    by_stored = engine.count_by_cell_id(space, tree, invitees.stored_unit, stored)
    return space.cells(np.flatnonzero((by_true > 0) & (np.abs(by_true - by_stored) < 0.5)))


def _shown_figures(
    tree: engine.Tree,
    responses: engine.Responses,
    items: Sequence[Any],
    instruments: Sequence[Any],
    published: set[Cell],
    k: int,
) -> dict[Cell, set[str]]:
    """Per published cell, the items and scores whose answers and skips are each 0 or >= k
    in every class of this wave's cells (suppression.item_cells)."""
    shown: dict[Cell, set[str]] = {cell: set() for cell in published}
    column = {item.key: i for i, item in enumerate(items)}
    figures = [(item.key, ~np.isnan(responses.values[:, i])) for i, item in enumerate(items)]
    for inst in instruments:
        if inst.scoring != ITEMS:
            score = engine._scores(inst, responses.values, column)
            figures.append((inst.key, ~np.isnan(score)))
    checker = suppression.ItemCells(tree, responses.unit, responses.attrs, published, k)
    by_mask: dict[bytes, set[Cell]] = {}
    for key, answered in figures:
        digest = np.packbits(answered).tobytes()
        if digest not in by_mask:
            by_mask[digest] = checker.cells(answered)
        for cell in by_mask[digest]:
            shown[cell].add(key)
    return shown


def wave_results_compute(*, wave: Wave, now: dt.datetime | None = None) -> int:
    """Compute and store a wave's publishable results, and record them in the disclosure
    ledger. Returns the number of cells stored.

    Candidates are the cells the stored responses give exactly; the engine keeps those that
    leave every class safe against everything published before (any campaign, any wave,
    within the ledger's window) for answers, and within this wave for participation. The
    ledger's publishing lock is held from reading it to recording, so two waves closing at
    once are checked one after the other."""
    with ledger.publishing():
        return _compute(wave, now or timezone.now())


def _compute(wave: Wave, now: dt.datetime) -> int:
    campaign = wave.campaign
    k = campaign.min_group
    tree = tree_of(wave)
    items = engine_items(wave)
    instruments = [INSTRUMENTS[key] for key in campaign.instruments]
    invitees = invitees_of(wave)
    responses = _responses(wave, items)

    respondents = invitees.respondents()
    before = ledger.prior_signatures(now=now, sources=(SOURCE,))
    published = suppression.publishable_cells(
        tree,
        respondents.unit,
        respondents.attrs,
        k,
        candidates=exact_cells(tree, invitees),
        invited=(invitees.unit, invitees.attrs),
        prior=suppression.prior_for(
            respondents.person, before.persons, before.signatures, before.populations
        ),
    )
    computed = engine.compute(items, instruments, tree, responses, sorted(published))
    expected = engine.cell_counts(tree, respondents.unit, respondents.attrs)
    for cell, result in list(computed.items()):
        if result.respondents != expected.get(cell):  # receipts and responses disagree
            log.warning("wave %s: cell %s withheld, its counts disagree", wave.pk, cell)
            del computed[cell]
    shown = _shown_figures(tree, responses, items, instruments, set(computed), k)
    invited = engine.cell_counts(tree, invitees.unit, invitees.attrs)
    cells = []
    for cell, result in computed.items():
        scores, item_stats = _serialise(result, shown[cell])
        cells.append(
            ResultCell(
                wave=wave,
                unit=cell[0],
                attr=cell[1],
                value=cell[2],
                respondents=result.respondents,
                invited=invited[cell],
                scores=scores,
                items=item_stats,
            )
        )
    comment_cells = _comment_cells(wave, tree, invitees, campaign.min_comment_group)
    # Heavier vs lighter AI users, for the published organisation and large units (ai.py).
    # Checked against the splits published before (the ledger's `pulse-ai` rows), recorded below.
    ai_cells, ai_keys = ai_cells_compute(wave, tree, responses, items, cells, k, now=now)
    with transaction.atomic():
        ResultCell.objects.filter(wave=wave).delete()
        CommentCell.objects.filter(wave=wave).delete()
        AICell.objects.filter(wave=wave).delete()
        ResultCell.objects.bulk_create(cells, batch_size=1000)
        CommentCell.objects.bulk_create(comment_cells, batch_size=1000)
        AICell.objects.bulk_create(ai_cells, batch_size=1000)
        ledger.record(
            source=SOURCE,
            batch=batch_of(wave),
            keys=[cell_key(wave, cell) for cell in computed],
            now=now,
        )
        ledger.record(source=ai.SOURCE, batch=ai.batch_of(wave), keys=ai_keys, now=now)
        first_publication = wave.results_at is None
        wave.results_at = now
        wave.results_error = ""
        wave.save(update_fields=["results_at", "results_error"])
        if first_publication:  # a recompute is not a second closing
            wave_closed(wave.pk)  # apps downstream (webhooks) hear of it once this commits
    log.info("computed wave %s of campaign %s: %d cells", wave.number, campaign.pk, len(cells))
    return len(cells)


def _comment_cells(wave: Wave, tree: engine.Tree, invitees: Invitees, k: int) -> list[CommentCell]:
    """Per free-text question: the units (whole subtrees, no attribute filters) whose comments
    may be read, by the same engine with the comment threshold, among units whose stored
    comments are exactly theirs. Writers are a participation figure too: the invitees layer
    applies."""
    found = []
    units_exact = exact_cells(tree, invitees, units_only=True)
    no_attrs = np.zeros((invitees.unit.size, 0), dtype=np.int64)
    for item in sorted({i["key"] for i in wave.items if i["kind"] == "text"}):
        rows = list(
            SurveyComment.objects.filter(wave=wave, item=item).values_list("unit", flat=True)
        )
        if not rows:
            continue
        unit = np.array(rows, dtype=np.int64)
        attrs = np.zeros((unit.size, 0), dtype=np.int64)
        counts = engine.cell_counts(tree, unit, attrs)
        shown = suppression.publishable_cells(
            tree, unit, attrs, k, candidates=units_exact, invited=(invitees.unit, no_attrs)
        )
        for cell in shown:
            found.append(CommentCell(wave=wave, unit=cell[0], item=item, writers=counts[cell]))
    return found


@contextmanager
def invitations_read_once() -> Iterator[None]:
    """Within this block each wave's invitations (and receipts) are read once, however many
    later waves' checks resolve them through the ledger."""
    token = _READ_ONCE.set(_ReadOnce(invitees={}, signatures={}))
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def campaign_recompute(*, campaign_id: int, now: dt.datetime | None = None) -> list[int]:
    """Recompute every closed wave of a campaign in order (after a fix to the engine, say).
    Returns the cells stored per wave. What the ledger recorded before stays recorded: it
    was shown."""
    cells = []
    waves = Wave.objects.filter(campaign_id=campaign_id, sent_at__isnull=False)
    with invitations_read_once():
        for wave in waves.order_by("number").select_related("campaign"):
            if wave.results_at is None and wave.closes_on >= org_today():
                break  # still open: its results wait for it to close
            cells.append(wave_results_compute(wave=wave, now=now))
    return cells


def waves_close_due(*, now: dt.datetime | None = None) -> int:
    """Compute the results of every sent wave whose closing day has passed, then store its
    rows in random order (kith/pulse/storage.py)."""
    from kith.pulse.storage import wave_rows_shuffle

    now = now or timezone.now()
    today = timezone.localdate(now, timezone=timezone.get_default_timezone())
    done = 0
    for wave in Wave.objects.filter(
        sent_at__isnull=False, results_at__isnull=True, closes_on__lt=today
    ).select_related("campaign"):
        try:
            wave_results_compute(wave=wave, now=now)
            wave_rows_shuffle(wave=wave)
            done += 1
        except Exception as exc:  # one broken wave must not hold up the others
            log.exception("could not compute wave %s", wave.pk)
            Wave.objects.filter(pk=wave.pk).update(results_error=str(exc)[:500])
    return done


def is_closed(wave: Wave) -> bool:
    return wave.results_at is not None or wave.closes_on < org_today()
