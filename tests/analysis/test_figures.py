"""Key figures: the one place each headline figure of a run is computed."""

import dataclasses

import pandas as pd
import pytest

from pds_plan.analysis.figures import excluded_radiologists, pools_below_target, regional_share
from pds_plan.domain.model import PoolMember


def test_pools_below_target_are_those_of_the_pool_table():
    pools = pd.DataFrame(
        {
            "pool_id": ["P1", "P2", "nancy"],
            "sites": ["metz;verdun", "a;b", "nancy"],
            "duties": [10, 10, 10],
            "exams": [50.0, 40.0, 90.0],
            "exams_read_on_call": [30.0, 20.0, 60.0],
            "sla_share": [0.97, 0.949, 0.90],
        }
    )
    below = pools_below_target(pools, 0.95)
    assert list(below["pool_id"]) == ["nancy", "P2"]  # worst first; a site read alone is a pool too
    assert pools_below_target(pools, 0.90).empty  # at the target is not below it


def test_the_regional_share_weights_sites_by_the_exams_read_on_call():
    sites = pd.DataFrame(
        {
            "site_id": ["big", "xray", "idle"],
            "expected_exams": [100.0, 400.0, 0.0],
            "exams_read_on_call": [90.0, 10.0, 0.0],
            "sla_share_within_target": [0.90, 1.00, float("nan")],
        }
    )
    # Weighted by all exams it would read 0.98; the on-call reports are nine in ten from the busy site.
    assert regional_share(sites) == pytest.approx(0.91)
    assert regional_share(sites.assign(exams_read_on_call=0.0)) is None


def test_radiologists_credentialed_for_no_whole_pool_are_excluded(tiny):
    assert excluded_radiologists(tiny) == ()
    # One pool of the three sites: only R1 and R3 hold a credential for all of them (tests/fixtures/tiny).
    pooled = dataclasses.replace(tiny, pools=tuple(PoolMember("P1", s) for s in ("metz", "nancy", "verdun")))
    assert excluded_radiologists(pooled) == ("R2", "R4", "R5")
