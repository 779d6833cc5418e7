"""Connected groups of indices, for duplicates (``dedup``) and stories (``cluster``) alike."""

from __future__ import annotations

from collections import defaultdict


class UnionFind:
    """Disjoint sets over ``0..n-1``; the smallest index of a set is its root."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        """The root of ``i``'s set (paths halved on the way)."""
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        """Join the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index stays the root: the earliest item represents its group.
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        """Every set as a sorted list, the sets ordered by their first index."""
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            members[self.find(i)].append(i)
        return [members[root] for root in sorted(members)]
