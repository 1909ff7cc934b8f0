"""Which pairs the matcher looks at, so a 100k round never scores all 5 billion pairs.

Small rounds take every pair. Large rounds score pairs inside blocks and keep each person's
best few:

1. Sort everyone by a bucket key with a random tie-break and cut the order into blocks of
   `BLOCK` people. Score every allowed pair inside each block (numpy, all at once) and keep
   each person's `KEEP` best partners in the block. Five sortings:
   - four of city, then a MinHash of interests (people in the same city with similar
     interests), each with its own MinHash and its blocks shifted by a quarter of a block;
   - the hour their working day starts (UTC), then a MinHash: people elsewhere whose hours
     overlap, for small cities and people whose city is unknown.
2. Neighbours in two random orders: a spread across the whole organisation.
3. A top-up of random allowed partners for anyone left with very few (long do-not-pair
   lists, unusual hours), so nobody is unmatched only because the sample missed them.

MinHash: for a random order of the interests, a person's key is their first interest in that
order; two people share it with probability equal to the Jaccard similarity of their
interests. Everything is seeded, so the same round with the same seed gets the same pairs.
Cost: about 5 x BLOCK / 2 scored pairs per person; the result has about 20-25 pairs per person.
"""

from __future__ import annotations

import numpy as np

from kith.connect.engine.scoring import IntArray, Population

BLOCK = 96
# Many sortings keeping a few each find more of the best partners than few keeping many (four
# city sortings keeping 6 beat two keeping 10, with fewer candidates): bench/matching.py
# measures the matching against the LP bound over all pairs (docs/matching.md).
KEEP = 6
CITY_SORTINGS = 4
RANDOM_ORDERS = 2
_TOP_UP_BELOW = 4  # people with fewer allowed candidates than this get random extra ones
_TOP_UP_DRAWS = 48
_BLOCKS_PER_BATCH = 128  # 128 blocks of 96 = 0.6M pairs scored per numpy pass


def all_pairs(n: int) -> tuple[IntArray, IntArray]:
    u, v = np.triu_indices(n, 1)
    return u.astype(np.int64), v.astype(np.int64)


def candidate_pairs(
    population: Population,
    rng: np.random.Generator,
    block: int = BLOCK,
    keep: int = KEEP,
    city_sortings: int = CITY_SORTINGS,
) -> tuple[IntArray, IntArray]:
    """Allowed pairs (u < v, unique, sorted by u then v)."""
    n = population.size
    city = np.where(population.city >= 0, population.city, n)  # unknown: one bucket
    hours = _hour_band(population, rng)
    sortings = [
        (city, _minhash(population, rng), s * block // city_sortings) for s in range(city_sortings)
    ]
    sortings.append((hours, _minhash(population, rng), 0))
    us: list[IntArray] = []
    vs: list[IntArray] = []
    for bucket, similar, shift in sortings:
        order = np.roll(np.lexsort((rng.permutation(n), similar, bucket)), shift)
        u, v = _best_in_blocks(population, rng, order, block, keep)
        us.append(u)
        vs.append(v)
    for _ in range(RANDOM_ORDERS):
        order = rng.permutation(n)
        us.append(order[:-1])
        vs.append(order[1:])
    u, v = unique_pairs(np.concatenate(us), np.concatenate(vs), n)
    allowed = population.allowed(u, v)
    return _top_up(population, rng, u[allowed], v[allowed])


def _best_in_blocks(
    population: Population, rng: np.random.Generator, order: IntArray, block: int, keep: int
) -> tuple[IntArray, IntArray]:
    """Each person's `keep` best allowed partners inside their block of the order."""
    block = max(2, min(block, order.size))
    keep = min(keep, block - 1)
    shortlist = min(2 * keep, block - 1)
    blocks = -(-order.size // block)
    padded = np.full(blocks * block, -1, dtype=np.int64)
    padded[: order.size] = order
    grid = padded.reshape(blocks, block)
    first, second = np.triu_indices(block, 1)
    # Where pair (i, j) of a block sits in the list of its pairs; i == j points past the end.
    at = np.full((block, block), first.size, dtype=np.int64)
    at[first, second] = at[second, first] = np.arange(first.size)
    us: list[IntArray] = []
    vs: list[IntArray] = []
    for lo in range(0, blocks, _BLOCKS_PER_BATCH):
        part = grid[lo : lo + _BLOCKS_PER_BATCH]
        a, b = part[:, first], part[:, second]  # every pair inside each block, once
        there = (a >= 0) & (b >= 0)
        # The forbidden-pairs list is the costly rule: check it on the short list only.
        scores, allowed = population.evaluate(a[there], b[there], check_list=False)
        # Costs (negative scores, +inf = impossible); a tiny seeded jitter breaks ties
        # between equally good partners at random.
        half = np.full((part.shape[0], first.size + 1), np.inf)
        half[:, :-1][there] = np.where(allowed, rng.random(scores.size) * -1e-6 - scores, np.inf)
        cost = half[np.arange(part.shape[0])[:, None, None], at[None, :, :]]
        best = np.argpartition(cost, shortlist - 1, axis=2)[:, :, :shortlist]
        chosen = np.take_along_axis(cost, best, axis=2)
        partner = part[np.arange(part.shape[0])[:, None, None], best]
        person = np.broadcast_to(part[:, :, None], best.shape)
        found = np.isfinite(chosen)
        found[found] = ~population.listed(person[found], partner[found])
        chosen = np.where(found, chosen, np.inf)
        best = np.argpartition(chosen, keep - 1, axis=2)[:, :, :keep]
        found = np.isfinite(np.take_along_axis(chosen, best, axis=2))
        us.append(np.take_along_axis(person, best, axis=2)[found])
        vs.append(np.take_along_axis(partner, best, axis=2)[found])
    return np.concatenate(us), np.concatenate(vs)


def _hour_band(population: Population, rng: np.random.Generator) -> IntArray:
    """The UTC hour someone's first working day starts; a random band when unknown."""
    first = population.starts[0][population.pattern] % (24 * 60) // 60
    return np.where(population.has_windows, first, rng.integers(0, 24, population.size))


def _minhash(population: Population, rng: np.random.Generator) -> IntArray:
    """Rank of a person's first interest under a random order of all interest bits."""
    bits = population.interest_bits
    total = bits.shape[1] * 64
    rank = rng.permutation(total).astype(np.int64)
    best = np.full(population.size, total, dtype=np.int64)
    for word in range(bits.shape[1]):
        column = bits[:, word]
        for bit in range(64):
            held = ((column >> np.uint64(bit)) & np.uint64(1)).astype(np.bool_)
            if held.any():
                np.minimum(best, np.where(held, rank[word * 64 + bit], total), out=best)
    # Nobody shares an interest with someone who has none: spread those out at random.
    none = best == total
    best[none] = total + rng.integers(0, population.size, int(none.sum()))
    return best


def unique_pairs(u: IntArray, v: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """(lo, hi) of each distinct pair, self-pairs dropped, sorted."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keys = np.sort(lo[lo != hi] * n + hi[lo != hi])
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if keys.size else keys
    return keys // n, keys % n


def _top_up(
    population: Population, rng: np.random.Generator, u: IntArray, v: IntArray
) -> tuple[IntArray, IntArray]:
    """Random allowed partners for people the passes left nearly alone."""
    n = population.size
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    lonely = np.flatnonzero(degree < _TOP_UP_BELOW)
    if lonely.size == 0 or n < 2:
        return u, v
    a = np.repeat(lonely, _TOP_UP_DRAWS)
    b = rng.integers(0, n, a.size)
    ok = population.allowed(a, b)
    return unique_pairs(np.concatenate([u, a[ok]]), np.concatenate([v, b[ok]]), n)
