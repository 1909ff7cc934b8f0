"""Exact maximum-weight matching of maximum cardinality: Edmonds' blossom algorithm."""

from __future__ import annotations

import numpy as np

from kith.connect.engine.graph import SCORE_SCALE, Graph
from kith.connect.engine.scoring import IntArray


def blossom_matching(graph: Graph) -> IntArray:
    """mate[i] = i's partner or -1: the most nodes matched, then the largest total weight."""
    scaled = np.rint(graph.w * SCORE_SCALE).astype(np.int64)
    edges = list(zip(graph.u.tolist(), graph.v.tolist(), scaled.tolist(), strict=True))
    return np.array(Blossom(graph.n, edges).solve(), dtype=np.int64)


class Blossom:
    """Maximum-weight matching of maximum cardinality in a general graph, exactly.

    Edmonds' primal-dual blossom algorithm in the O(n^3) form Galil describes ("Efficient
    algorithms for finding maximum matching in graphs", ACM Computing Surveys 18, 1986).
    Integer weights keep every dual value an integer (duals are kept doubled), so there is
    no rounding anywhere. Vertices are 0..n-1; blossoms get ids n..2n-1. An edge k has the
    endpoints 2k and 2k+1; `end[p]` is the vertex at endpoint p and p ^ 1 is the other end.
    """

    def __init__(self, n: int, edges: list[tuple[int, int, int]]) -> None:
        self.n = n
        self.end: list[int] = [x for i, j, _ in edges for x in (i, j)]
        self.weight: list[int] = [w for _, _, w in edges]
        # remote[v]: endpoints at v's neighbours, one per edge at v.
        self.remote: list[list[int]] = [[] for _ in range(n)]
        for k, (i, j, _) in enumerate(edges):
            self.remote[i].append(2 * k + 1)
            self.remote[j].append(2 * k)
        top_weight = max(self.weight, default=0)
        self.mate = [-1] * n  # remote endpoint of the matched edge
        self.label = [0] * (2 * n)  # 0 free, 1 outer (S), 2 inner (T); 5 = breadcrumb
        self.label_end = [-1] * (2 * n)  # endpoint through which the label came
        self.top = list(range(n))  # outermost blossom of each vertex
        self.parent = [-1] * (2 * n)
        self.children: list[list[int]] = [[] for _ in range(2 * n)]
        self.links: list[list[int]] = [[] for _ in range(2 * n)]  # see _add_blossom
        self.base = list(range(n)) + [-1] * n
        self.best = [-1] * (2 * n)  # least-slack edge to an outer blossom or free vertex
        self.best_list: list[list[int] | None] = [None] * (2 * n)
        self.spare = list(range(2 * n - 1, n - 1, -1))
        self.dual = [top_weight] * n + [0] * n
        self.tight = [False] * len(edges)
        self.queue: list[int] = []

    def solve(self) -> list[int]:
        """mate as vertex ids (-1 = unmatched)."""
        for _stage in range(self.n):
            if not self._stage():
                break
        return [self.end[p] if p >= 0 else -1 for p in self.mate]

    def _slack(self, k: int) -> int:
        return self.dual[self.end[2 * k]] + self.dual[self.end[2 * k + 1]] - 2 * self.weight[k]

    def _leaves(self, b: int) -> list[int]:
        if b < self.n:
            return [b]
        out: list[int] = []
        stack = [b]
        while stack:
            x = stack.pop()
            if x < self.n:
                out.append(x)
            else:
                stack.extend(self.children[x])
        return out

    def _stage(self) -> bool:
        """Grow alternating trees from every free vertex until one augmentation is made
        (True) or the duals prove the matching optimal (False)."""
        n = self.n
        self.label = [0] * (2 * n)
        self.best = [-1] * (2 * n)
        self.best_list[n:] = [None] * n
        self.tight = [False] * len(self.tight)
        self.queue = []
        for v in range(n):
            if self.mate[v] == -1 and self.label[self.top[v]] == 0:
                self._assign(v, 1, -1)
        while True:
            if self._grow():
                break
            if not self._dual_step():
                return False
        for b in range(n, 2 * n):
            if (
                self.parent[b] == -1
                and self.base[b] >= 0
                and self.label[b] == 1
                and self.dual[b] == 0
            ):
                self._expand(b, end_of_stage=True)
        return True

    def _grow(self) -> bool:
        """Scan edges of outer vertices over tight edges; True when it augmented."""
        end, top, label, tight = self.end, self.top, self.label, self.tight
        while self.queue:
            v = self.queue.pop()
            for p in self.remote[v]:
                k = p >> 1
                w = end[p]
                if top[v] == top[w]:
                    continue
                slack = 0
                if not tight[k]:
                    slack = self._slack(k)
                    tight[k] = slack <= 0
                bw = top[w]
                if tight[k]:
                    if label[bw] == 0:
                        self._assign(w, 2, p ^ 1)
                    elif label[bw] == 1:
                        base = self._scan(v, w)
                        if base < 0:
                            self._augment(k)
                            return True
                        self._add_blossom(base, k)
                    elif label[w] == 0:
                        label[w], self.label_end[w] = 2, p ^ 1
                elif label[bw] == 1:
                    b = top[v]
                    if self.best[b] == -1 or slack < self._slack(self.best[b]):
                        self.best[b] = k
                elif label[w] == 0 and (self.best[w] == -1 or slack < self._slack(self.best[w])):
                    self.best[w] = k
        return False

    def _dual_step(self) -> bool:
        """Change the duals by the largest step that keeps them feasible and act on the edge
        or blossom that limited it. False when no step can help any more (optimal)."""
        n, label, top, best = self.n, self.label, self.top, self.best
        kind, delta, edge, blossom = 0, 0, -1, -1
        for v in range(n):
            if label[top[v]] == 0 and best[v] != -1:
                d = self._slack(best[v])
                if kind == 0 or d < delta:
                    kind, delta, edge = 2, d, best[v]
        for b in range(2 * n):
            if self.parent[b] == -1 and label[b] == 1 and best[b] != -1:
                d = self._slack(best[b]) // 2
                if kind == 0 or d < delta:
                    kind, delta, edge = 3, d, best[b]
        for b in range(n, 2 * n):
            if (
                self.base[b] >= 0
                and self.parent[b] == -1
                and label[b] == 2
                and (kind == 0 or self.dual[b] < delta)
            ):
                kind, delta, blossom = 4, self.dual[b], b
        if kind == 0:
            # No edge or blossom limits the step: the most people are matched. One last
            # step to make the optimum verifiable, then stop.
            kind, delta = 1, max(0, min(self.dual[:n]))
        for v in range(n):
            if label[top[v]] == 1:
                self.dual[v] -= delta
            elif label[top[v]] == 2:
                self.dual[v] += delta
        for b in range(n, 2 * n):
            if self.base[b] >= 0 and self.parent[b] == -1:
                if label[b] == 1:
                    self.dual[b] += delta
                elif label[b] == 2:
                    self.dual[b] -= delta
        if kind == 1:
            return False
        if kind == 4:
            self._expand(blossom, end_of_stage=False)
            return True
        self.tight[edge] = True
        i, j = self.end[2 * edge], self.end[2 * edge + 1]
        if kind == 2 and label[top[i]] == 0:
            i = j
        self.queue.append(i)
        return True

    def _assign(self, w: int, t: int, p: int) -> None:
        """Label w's blossom outer (t=1) or inner (t=2); an inner blossom's mate turns outer."""
        b = self.top[w]
        self.label[w] = self.label[b] = t
        self.label_end[w] = self.label_end[b] = p
        self.best[w] = self.best[b] = -1
        if t == 1:
            self.queue.extend(self._leaves(b))
        else:
            matched = self.mate[self.base[b]]
            self._assign(self.end[matched], 1, matched ^ 1)

    def _scan(self, v: int, w: int) -> int:
        """Walk up both trees from an outer-outer edge: the base of the new blossom if they
        meet, -1 if they reach two different roots (an augmenting path)."""
        label, top, end = self.label, self.top, self.end
        path: list[int] = []
        base = -1
        while v != -1 or w != -1:
            b = top[v]
            if label[b] & 4:
                base = self.base[b]
                break
            path.append(b)
            label[b] = 5
            if self.label_end[b] == -1:
                v = -1
            else:
                v = end[self.label_end[b]]
                v = end[self.label_end[top[v]]]
            if w != -1:
                v, w = w, v
        for b in path:
            label[b] = 1
        return base

    def _add_blossom(self, base: int, k: int) -> None:
        """Shrink the odd cycle closed by edge k into a new outer blossom. children lists the
        sub-blossoms around the cycle from the base; links[i] is the endpoint in children[i]
        of the edge to children[i + 1]."""
        end, top = self.end, self.top
        v, w = end[2 * k], end[2 * k + 1]
        bb, bv, bw = top[base], top[v], top[w]
        b = self.spare.pop()
        self.base[b], self.parent[b], self.parent[bb] = base, -1, b
        path: list[int] = []
        links: list[int] = []
        while bv != bb:
            self.parent[bv] = b
            path.append(bv)
            links.append(self.label_end[bv])
            bv = top[end[self.label_end[bv]]]
        path.append(bb)
        path.reverse()
        links.reverse()
        links.append(2 * k)
        while bw != bb:
            self.parent[bw] = b
            path.append(bw)
            links.append(self.label_end[bw] ^ 1)
            bw = top[end[self.label_end[bw]]]
        self.children[b], self.links[b] = path, links
        self.label[b], self.label_end[b], self.dual[b] = 1, self.label_end[bb], 0
        for x in self._leaves(b):
            if self.label[top[x]] == 2:
                self.queue.append(x)  # inner vertices become outer: scan them
            top[x] = b
        self._collect_best_edges(b, path)

    def _collect_best_edges(self, b: int, path: list[int]) -> None:
        """Remember, per neighbouring outer blossom, the least-slack edge from b to it."""
        end, top, label = self.end, self.top, self.label
        best_to = [-1] * (2 * self.n)
        for sub in path:
            known = self.best_list[sub]
            if known is None:
                lists = [[p >> 1 for p in self.remote[x]] for x in self._leaves(sub)]
            else:
                lists = [known]
            for edges in lists:
                for e in edges:
                    i, j = end[2 * e], end[2 * e + 1]
                    if top[j] == b:
                        i, j = j, i
                    bj = top[j]
                    if (
                        bj != b
                        and label[bj] == 1
                        and (best_to[bj] == -1 or self._slack(e) < self._slack(best_to[bj]))
                    ):
                        best_to[bj] = e
            self.best_list[sub] = None
            self.best[sub] = -1
        found = [e for e in best_to if e != -1]
        self.best_list[b] = found
        self.best[b] = min(found, key=self._slack, default=-1)

    def _expand(self, b: int, *, end_of_stage: bool) -> None:
        """Undo blossom b: its children become top-level blossoms again."""
        for s in self.children[b]:
            self.parent[s] = -1
            if s < self.n:
                self.top[s] = s
            elif end_of_stage and self.dual[s] == 0:
                self._expand(s, end_of_stage=True)
            else:
                for x in self._leaves(s):
                    self.top[x] = s
        if not end_of_stage and self.label[b] == 2:
            self._relabel_expanded(b)
        self.label[b] = self.label_end[b] = -1
        self.children[b], self.links[b] = [], []
        self.base[b] = -1
        self.best_list[b] = None
        self.best[b] = -1
        self.spare.append(b)

    def _relabel_expanded(self, b: int) -> None:
        """An inner blossom was expanded mid-stage: keep the alternating tree valid along the
        even-length path from where the tree enters it to its base."""
        end, label, children, links = self.end, self.label, self.children[b], self.links[b]
        entry = self.top[end[self.label_end[b] ^ 1]]
        j = children.index(entry)
        step, trick = (1, 0) if j & 1 else (-1, 1)
        if j & 1:
            j -= len(children)
        p = self.label_end[b]
        while j != 0:
            label[end[p ^ 1]] = 0
            label[end[links[j - trick] ^ trick ^ 1]] = 0
            self._assign(end[p ^ 1], 2, p)
            self.tight[links[j - trick] >> 1] = True
            j += step
            p = links[j - trick] ^ trick
            self.tight[p >> 1] = True
            j += step
        sub = children[j]
        label[end[p ^ 1]] = label[sub] = 2
        self.label_end[end[p ^ 1]] = self.label_end[sub] = p
        self.best[sub] = -1
        j += step
        while children[j] != entry:
            sub = children[j]
            j += step
            if label[sub] == 1:
                continue
            reached = next((x for x in self._leaves(sub) if label[x] != 0), -1)
            if reached >= 0:
                label[reached] = 0
                label[end[self.mate[self.base[sub]]]] = 0
                self._assign(reached, 2, self.label_end[reached])

    def _augment_blossom(self, b: int, v: int) -> None:
        """Flip the even path inside b from vertex v to the base; v becomes the base."""
        end, children, links = self.end, self.children[b], self.links[b]
        t = v
        while self.parent[t] != b:
            t = self.parent[t]
        if t >= self.n:
            self._augment_blossom(t, v)
        i = j = children.index(t)
        step, trick = (1, 0) if i & 1 else (-1, 1)
        if i & 1:
            j -= len(children)
        while j != 0:
            j += step
            t = children[j]
            p = links[j - trick] ^ trick
            if t >= self.n:
                self._augment_blossom(t, end[p])
            j += step
            t = children[j]
            if t >= self.n:
                self._augment_blossom(t, end[p ^ 1])
            self.mate[end[p]] = p ^ 1
            self.mate[end[p ^ 1]] = p
        self.children[b] = children[i:] + children[:i]
        self.links[b] = links[i:] + links[:i]
        self.base[b] = self.base[self.children[b][0]]

    def _augment(self, k: int) -> None:
        """Flip the augmenting path through edge k, out to both roots."""
        end, top, label_end = self.end, self.top, self.label_end
        for s, p in ((end[2 * k], 2 * k + 1), (end[2 * k + 1], 2 * k)):
            while True:
                bs = top[s]
                if bs >= self.n:
                    self._augment_blossom(bs, s)
                self.mate[s] = p
                if label_end[bs] == -1:
                    break
                bt = top[end[label_end[bs]]]
                s = end[label_end[bt]]
                j = end[label_end[bt] ^ 1]
                if bt >= self.n:
                    self._augment_blossom(bt, j)
                self.mate[j] = label_end[bt]
                p = label_end[bt] ^ 1
