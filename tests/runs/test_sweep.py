"""Sweeps: variants as plain data, each a full run; failures recorded, finished variants skipped, and the same rota
from a Dask worker as from a serial run."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pds_plan.domain.run import RunSettings
from pds_plan.errors import InputError
from pds_plan.io.run_store import read_run
from pds_plan.runs.sweep import close_client, expand, local_client, parse_sets, run_sweep

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
GREEDY = RunSettings(method="greedy", design_pools=False, replications=20)


@pytest.fixture
def tiny_copy(tmp_path):
    shutil.copytree(TINY, tmp_path / "tiny")
    return tmp_path / "tiny" / "scenario.toml"


def test_every_combination_is_a_variant_and_keys_are_checked_first(tiny_copy):
    sets = parse_sets(["rules.max_sites_per_radiologist=1,2,3", "run.sla_target=0.9,0.95"])
    assert sets == {"rules.max_sites_per_radiologist": [1, 2, 3], "run.sla_target": [0.9, 0.95]}
    variants = expand([tiny_copy], sets, GREEDY)
    assert len(variants) == 6 and len({v.key for v in variants}) == 6
    assert variants[0].run_settings.sla_target in (0.9, 0.95)
    with pytest.raises(InputError) as error:
        parse_sets(["rules.max_site=2", "rules.min_rest_hours"])
    messages = [p.message for p in error.value.problems]
    assert (
        messages[0].startswith("unknown key 'rules.max_site' (valid: ")
        and "rules.max_sites_per_radiologist" in messages[0]
    )
    assert "expected KEY=V1,V2" in messages[1]


def test_the_scenarios_own_sweep_table_and_a_changed_file_changes_the_key(tiny_copy):
    before = expand([tiny_copy], {}, GREEDY)
    assert len(before) == 1 and before[0].overrides == ()
    tiny_copy.write_text(tiny_copy.read_text() + '\n[sweep]\n"rules.max_sites_per_radiologist" = [2, 3]\n')
    after = expand([tiny_copy], {}, GREEDY)
    assert [v.overrides for v in after] == [(("rules.max_sites_per_radiologist", 2),),
                                            (("rules.max_sites_per_radiologist", 3),)]  # fmt: skip
    assert before[0].key not in {v.key for v in after}  # the file's content is part of the key


def test_a_bad_value_is_that_variants_error_and_a_rerun_solves_nothing_again(tiny_copy, tmp_path):
    variants = expand([tiny_copy], parse_sets(["rules.max_sites_per_radiologist=0,2"]), GREEDY)
    first = run_sweep(variants, tmp_path / "sweep")
    rows = first.rows.set_index("rules.max_sites_per_radiologist")
    assert "0 is too small" in rows.loc[0, "error"] and rows.loc[0, "status"] == "error"
    assert rows.loc[2, "error"] == "" and rows.loc[2, "violations"] == 0
    folder = first.folders[variants[1].key]
    assert read_run(folder).scenario.rules.max_sites_per_radiologist == 2  # read back as the variant was solved
    second = run_sweep(variants, tmp_path / "sweep")
    assert second.skipped == 1  # the finished one; the bad one is tried again
    pd.testing.assert_frame_equal(
        first.rows.drop(columns="seconds"), second.rows.drop(columns="seconds"), check_dtype=False
    )


def test_a_dask_worker_gives_the_serial_rota_and_a_failure_stays_its_variants(tiny_copy, tmp_path):
    settings = RunSettings(time_limit=10, workers=1, design_pools=False, replications=20)
    variants = expand([tiny_copy], parse_sets(["rules.max_sites_per_radiologist=0,2,3"]), settings)
    serial = run_sweep(variants[1:], tmp_path / "serial")
    client = local_client(workers=2)
    try:
        distributed = run_sweep(variants, tmp_path / "dask", client)
    finally:
        close_client(client)
    errors = dict(zip(distributed.rows["rules.max_sites_per_radiologist"], distributed.rows["error"], strict=True))
    assert "0 is too small" in errors[0] and errors[2] == errors[3] == ""
    for variant in variants[1:]:
        here, there = read_run(serial.folders[variant.key]), read_run(distributed.folders[variant.key])
        assert here.solve["solver_parameters"]["reproducible"] and there.solve["solver_parameters"]["reproducible"]
        assert here.assignments == there.assignments
