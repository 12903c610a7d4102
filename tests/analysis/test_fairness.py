from dataclasses import replace

from pds_plan.analysis.fairness import fairness
from pds_plan.domain.model import PoolMember, Radiologist
from pds_plan.domain.rota import credential_groups
from pds_plan.optimise.greedy import greedy_rota


def test_radiologists_sharing_a_site_form_one_group(tiny):
    groups = credential_groups(tiny, ["R1", "R2", "R3", "R4", "R5"])
    assert set(groups.values()) == {"metz"}


def test_sites_read_by_separate_teams_make_separate_groups_and_a_within_group_spread(tiny):
    teams = (
        Radiologist("N1", "Dr N1", "nancy", 1.0, frozenset({"nancy"})),
        Radiologist("N2", "Dr N2", "nancy", 1.0, frozenset({"nancy"})),
        Radiologist("N3", "Dr N3", "nancy", 1.0, frozenset({"nancy"})),
        Radiologist("M1", "Dr M1", "metz", 1.0, frozenset({"metz", "verdun"})),
        Radiologist("M2", "Dr M2", "metz", 1.0, frozenset({"metz", "verdun"})),
        Radiologist("M3", "Dr M3", "verdun", 1.0, frozenset({"metz", "verdun"})),
    )
    split = replace(tiny, radiologists=teams, availability=(), pins=(), pools=())
    assert credential_groups(split, [r.radiologist_id for r in teams]) == {
        "N1": "nancy", "N2": "nancy", "N3": "nancy", "M1": "metz", "M2": "metz", "M3": "metz",
    }  # fmt: skip
    result = fairness(split, greedy_rota(split).assignments)
    assert result.groups == 2
    assert result.spread_ratio_within_groups <= result.spread_ratio
    assert set(result.per_radiologist["group"]) == {"nancy", "metz"}


def test_with_fixed_pools_a_radiologist_who_may_take_no_whole_pool_is_not_counted(tiny):
    # Nancy and Metz form a pool; R9 reads only Metz, so cannot be on call at all: an empty load that says nothing
    # about the rota. R2 (Nancy and Metz) and R4 (Verdun and Nancy: Verdun only now) stay.
    only_metz = Radiologist("R9", "Dr R9", "metz", 1.0, frozenset({"metz"}))
    pooled = replace(
        tiny, radiologists=(*tiny.radiologists, only_metz), pools=(PoolMember("P", "nancy"), PoolMember("P", "metz"))
    )
    assert pooled.coverable_sites("R9") == frozenset()
    assert pooled.coverable_sites("R4") == frozenset({"verdun"})
    result = fairness(pooled, greedy_rota(pooled).assignments)
    assert "R9" not in set(result.per_radiologist["radiologist_id"])
    assert result.zero_load == 0 and result.spread_ratio < float("inf")
