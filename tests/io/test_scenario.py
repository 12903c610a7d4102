import datetime as dt
import shutil
from pathlib import Path

import pytest

from pds_plan import InputError, load_scenario
from pds_plan.domain.model import AvailabilityKind, PeriodKind

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"


def copy_tiny(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


def test_tiny_scenario_loads_into_typed_objects(tiny):
    assert tiny.name == "tiny"
    assert (tiny.start, tiny.end) == (dt.date(2027, 1, 1), dt.date(2027, 1, 14))
    assert [s.site_id for s in tiny.pds_sites] == ["nancy", "metz", "verdun"]
    r3 = tiny.radiologist("R3")
    assert r3.fte == 0.8 and r3.sites == frozenset({"metz", "nancy", "verdun"})
    assert tiny.site("nancy").modalities == ("CT", "MRI", "XR", "US")
    assert tiny.is_unavailable("R1", dt.date(2027, 1, 5)) and not tiny.is_unavailable("R1", dt.date(2027, 1, 7))
    assert tiny.days_marked("R3", AvailabilityKind.REQUEST_ON) == {dt.date(2027, 1, 10)}
    assert {v.period for v in tiny.volumes} == set(PeriodKind)


def test_excel_style_semicolon_file_with_decimal_commas_and_french_booleans(tmp_path):
    folder = copy_tiny(tmp_path)
    (folder / "sites.csv").write_bytes(
        (
            "Site_ID ; Name ; KIND;Departement;LAT;LON;Modalities;Emergency;PDS\r\n"
            'nancy;CHRU de Nancy (test);CHU;54;48,647;6,144;"CT;MRI;XR;US";oui;oui\r\n'
            'metz ; CHR Metz (test) ;chr;57;49,083;6,243;"CT;XR";Oui;OUI\r\n'
            'verdun;CH Verdun (test);CH;55;49,146;5,363;"CT;XR";1;1\r\n'
            "pont;Clinique sans PDS (test);Clinique;54;48,9;6,05;XR;non;non\r\n"
        ).encode("cp1252")
    )
    scenario = load_scenario(folder / "scenario.toml")
    reference = load_scenario(TINY / "scenario.toml")
    assert scenario.sites == reference.sites


def test_departement_without_leading_zero_is_read_as_excel_wrote_it(tmp_path):
    folder = copy_tiny(tmp_path)
    sites = (folder / "sites.csv").read_text().replace(",55,", ",2,")
    (folder / "sites.csv").write_text(sites)
    assert load_scenario(folder / "scenario.toml").site("verdun").departement == "02"


def test_every_problem_of_every_file_is_reported_at_once(tmp_path):
    folder = copy_tiny(tmp_path)
    sites = (folder / "sites.csv").read_text().replace("48.647", '"48,7x"').replace("5.363", "50")
    (folder / "sites.csv").write_text(sites)
    (folder / "volumes.csv").write_text(
        (folder / "volumes.csv").read_text().replace("verdun,CT,night,3", "verdun,CT,night,-3")
    )
    with pytest.raises(InputError) as caught:
        load_scenario(folder / "scenario.toml")
    located = {(Path(p.file).name, p.row, p.column) for p in caught.value.problems}
    assert located == {("sites.csv", 2, "lat"), ("sites.csv", 4, "lon"), ("volumes.csv", 9, "mean_exams")}
    assert "'48,7x' is not a number" in str(caught.value)


def test_warnings_name_thinly_credentialed_sites_and_radiologists_credentialed_nowhere(tmp_path):
    folder = copy_tiny(tmp_path)
    with (folder / "radiologists.csv").open("a") as stream:
        stream.write("R6,Dr F (test),pont,1,pont,true\n")
    text = (folder / "radiologists.csv").read_text().replace("verdun;nancy", "nancy").replace("verdun;metz", "metz")
    (folder / "radiologists.csv").write_text(text)
    scenario = load_scenario(folder / "scenario.toml")
    messages = [p.message for p in scenario.warnings]
    assert any("PDS site verdun has only 2 credentialed" in m for m in messages)
    assert any("radiologist R6 is credentialed for no PDS site" in m for m in messages)


def test_scenario_without_pools_or_pins_has_none(tiny):
    assert tiny.pools == () and tiny.pins == ()


def test_unknown_rule_is_a_warning_not_an_error(tmp_path):
    folder = copy_tiny(tmp_path)
    toml = (folder / "scenario.toml").read_text().replace("max_block_hours = 24", "max_block_hours = 24\nmax_blok = 3")
    (folder / "scenario.toml").write_text(toml)
    scenario = load_scenario(folder / "scenario.toml")
    (warning,) = [w for w in scenario.warnings if "max_blok" in w.message]
    assert warning.row == 17


def test_carried_over_balances_are_read_and_checked(tmp_path):
    folder = copy_tiny(tmp_path)
    (folder / "balances.csv").write_text("radiologist_id;points\nR1;12,5\nR2;-3\n")
    toml = (
        (folder / "scenario.toml")
        .read_text()
        .replace('volumes = "volumes.csv"', 'volumes = "volumes.csv"\nbalances = "balances.csv"')
    )
    (folder / "scenario.toml").write_text(toml)
    assert load_scenario(folder / "scenario.toml").balances == {"R1": 12.5, "R2": -3.0}
    (folder / "balances.csv").write_text("radiologist_id,points\nR1,1\nR9,2\n")
    with pytest.raises(InputError) as caught:
        load_scenario(folder / "scenario.toml")
    (problem,) = caught.value.problems
    assert (Path(problem.file).name, problem.row, problem.column) == ("balances.csv", 3, "radiologist_id")


def test_the_self_formed_pools_switch_is_read_and_checked(tmp_path, tiny):
    assert tiny.rules.self_formed_pools_meet_target is False  # tiny turns it off (see its scenario.toml)
    folder = copy_tiny(tmp_path)
    toml = (folder / "scenario.toml").read_text()
    (folder / "scenario.toml").write_text(toml.replace("self_formed_pools_meet_target = false\n", ""))
    assert load_scenario(folder / "scenario.toml").rules.self_formed_pools_meet_target is True  # the default
    (folder / "scenario.toml").write_text(toml.replace("meet_target = false", 'meet_target = "no"'))
    with pytest.raises(InputError) as error:
        load_scenario(folder / "scenario.toml")
    assert "[rules] self_formed_pools_meet_target: 'no' is not true or false" in str(error.value)


def test_the_stages_table_sets_each_stages_share_of_the_time_and_the_tolerance(tmp_path, tiny):
    from pds_plan.domain.model import Stages

    assert tiny.stages == Stages()  # tiny has no [stages] table
    folder = copy_tiny(tmp_path)
    toml = (folder / "scenario.toml").read_text()
    (folder / "scenario.toml").write_text(toml + "\n[stages]\nlargest_load = 1\nsmallest_load = 1\nhours_spread = 0\n"
                                          "preferences = 2\ntolerance = 0.05\n")  # fmt: skip
    stages = load_scenario(folder / "scenario.toml").stages
    assert stages.shares() == [("largest_load", 0.25), ("smallest_load", 0.25), ("preferences", 0.5)]
    assert stages.tolerance == 0.05
    (folder / "scenario.toml").write_text(toml + "\n[stages]\nlargest_load = 0\ntolerance = 0.7\nsmalest_load = 1\n")
    with pytest.raises(InputError) as error:
        load_scenario(folder / "scenario.toml")
    text = str(error.value)
    assert "[stages] tolerance: 0.7 is too large (expected a share from 0 to 0.5)" in text
    assert "[stages] largest_load:" in text and "the first stage needs a share of the time limit" in text


def test_the_data_declared_synthetic_is_read_and_checked(tmp_path):
    folder = copy_tiny(tmp_path)
    assert load_scenario(folder / "scenario.toml").synthetic_data == ()  # real unless declared
    toml = (folder / "scenario.toml").read_text()
    declared = toml.replace("[data]\n", '[data]\nsynthetic = ["volumes", "radiologists"]\n')
    (folder / "scenario.toml").write_text(declared)
    scenario = load_scenario(folder / "scenario.toml")
    assert scenario.synthetic_data == ("radiologists", "volumes")  # in the input contract's order of files
    assert not [w for w in scenario.warnings if "synthetic" in w.message]
    (folder / "scenario.toml").write_text(toml.replace("[data]\n", '[data]\nsynthetic = ["doctors"]\n'))
    with pytest.raises(InputError) as raised:
        load_scenario(folder / "scenario.toml")
    (problem,) = raised.value.problems
    assert problem.row == 8
    assert "[data] synthetic: expected a list of input files among sites, radiologists, volumes" in problem.message
