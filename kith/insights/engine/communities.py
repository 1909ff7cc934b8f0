"""Communities found in the tie graph (Leiden), compared with the formal teams."""

from __future__ import annotations

import math
from dataclasses import dataclass

import igraph
import leidenalg
import numpy as np

from kith.insights.engine.network import IntArray


@dataclass(frozen=True, slots=True)
class Communities:
    """A partition of the people with ties. Communities are numbered 0..count-1 from the
    largest; people with no tie are in none (-1): alone, they say nothing about structure
    and would only inflate the count with singletons."""

    membership: IntArray  # (n,) community per person, -1 for people with no tie
    count: int
    modularity: float  # Newman's Q at resolution 1, whatever resolution found the partition
    nmi: float  # normalised mutual information with the teams, over people with a tie


def communities(
    graph: igraph.Graph, team: IntArray, *, resolution: float = 1.0, seed: int = 0
) -> Communities:
    """Leiden (leidenalg, modularity with a resolution parameter: RBConfiguration, which is
    modularity at 1) iterated until no further improvement; the same graph and seed always
    give the same partition. leidenalg takes the seed itself, where igraph's own Leiden
    would need the process-wide random generator reseeded.

    `modularity` is reported at resolution 1 so that partitions found at different
    resolutions compare on one scale (nan for a graph without ties)."""
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        resolution_parameter=resolution,
        n_iterations=-1,
        seed=seed,
    )
    found = np.asarray(partition.membership, dtype=np.int64)
    tied = np.asarray(graph.degree(), dtype=np.int64) > 0
    membership = np.full(graph.vcount(), -1, dtype=np.int64)
    # leidenalg numbers communities by decreasing size; the inverse keeps that order.
    labels, membership[tied] = np.unique(found[tied], return_inverse=True)
    modularity = float(graph.modularity(found.tolist())) if graph.ecount() else math.nan
    return Communities(
        membership=membership,
        count=int(labels.size),
        modularity=modularity,
        nmi=normalised_mutual_information(membership[tied], np.asarray(team)[tied]),
    )


def normalised_mutual_information(x: IntArray, y: IntArray) -> float:
    """NMI of two labellings of the same people, normalised by the arithmetic mean of the
    entropies, 2 I(X;Y) / (H(X) + H(Y)) (Danon et al. 2005; igraph's and scikit-learn's
    default). 1 when both put everyone in one group (identical partitions); nan for nobody."""
    if x.size == 0:
        return math.nan
    _, xi = np.unique(x, return_inverse=True)
    _, yi = np.unique(y, return_inverse=True)
    _, joint = np.unique(xi * (int(yi.max()) + 1) + yi, return_counts=True)
    hx, hy = entropy(np.bincount(xi)), entropy(np.bincount(yi))
    if hx + hy == 0:
        return 1.0
    mutual = hx + hy - entropy(joint)
    return min(1.0, max(0.0, 2 * mutual / (hx + hy)))  # clip float noise at the bounds


def entropy(counts: IntArray) -> float:
    """Shannon entropy (nats) of the distribution with these positive counts."""
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())
