"""The set partitioning of pools on hand-made candidates whose best choice is obvious."""

from __future__ import annotations

import pytest

from pds_plan.optimise.pool_partition import Candidate, NoPartition, partition_sites

EVERYONE = ("R1", "R2", "R3", "R4")
PLENTY = {r: 100 for r in EVERYONE}


def candidate(sites: str, cost: int = 0, periods: int = 10, radiologists: tuple[str, ...] = EVERYONE) -> Candidate:
    return Candidate(tuple(sites), cost, periods, radiologists)


def chosen_sites(candidates: list[Candidate], capacity=PLENTY) -> set[str]:
    partition = partition_sites("ABC", candidates, capacity)
    return {"".join(candidates[i].site_ids) for i in partition.chosen}


def test_every_site_is_covered_once_by_the_fewest_pools():
    candidates = [candidate("A"), candidate("B"), candidate("C"), candidate("AB", cost=50)]
    partition = partition_sites("ABC", candidates, PLENTY)
    assert partition.pools == 2 and partition.optimal
    assert chosen_sites(candidates) == {"AB", "C"}


def test_among_the_fewest_pools_the_cheapest():
    candidates = [candidate(s) for s in "ABC"] + [candidate("AB", cost=80), candidate("BC", cost=30)]
    assert chosen_sites(candidates) == {"A", "BC"}


def test_fewer_pools_win_over_a_lower_cost():
    candidates = [candidate(s) for s in "ABC"] + [candidate("ABC", cost=500), candidate("AB", cost=10)]
    assert chosen_sites(candidates) == {"ABC"}


def test_overlapping_candidates_are_never_both_chosen():
    candidates = [candidate("AB"), candidate("BC"), candidate("A"), candidate("C")]
    assert chosen_sites(candidates) in ({"AB", "C"}, {"A", "BC"})


def test_one_radiologist_is_not_counted_for_two_pools():
    # AB and C each need 10 nights; only R1 (capacity 12) may read AB, and R1 is also C's only reader with R2 (5).
    candidates = [
        candidate("A", radiologists=("R3",)),
        candidate("B", radiologists=("R4",)),
        candidate("AB", radiologists=("R1",)),
        candidate("C", radiologists=("R1", "R2")),
    ]
    capacity = {"R1": 12, "R2": 5, "R3": 10, "R4": 10}
    assert chosen_sites(candidates, capacity) == {"A", "B", "C"}
    partition = partition_sites("ABC", candidates, {**capacity, "R1": 15})
    assert partition.pools == 2
    assert sum(n for (r, _), n in partition.staffing.items() if r == "R1") <= 15


def test_no_staffable_partition_is_reported():
    candidates = [candidate("A", radiologists=("R1",)), candidate("BC", radiologists=("R1",))]
    with pytest.raises(NoPartition):
        partition_sites("ABC", candidates, {"R1": 15})
    assert partition_sites("ABC", candidates, None).pools == 2  # without staffing limits
