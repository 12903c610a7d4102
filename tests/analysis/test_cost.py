"""Cost model: [costs] settings and their validation, the split of allowances, and the no-pooling alternative."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pds_plan import load_scenario
from pds_plan.analysis.cost import CostSettings, costs, placeholder_costs
from pds_plan.analysis.workload import workload
from pds_plan.bundled import default_scenario
from pds_plan.domain.model import PeriodKind
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InputError
from pds_plan.optimise.greedy import greedy_rota

TINY = Path(__file__).parents[1] / "fixtures" / "tiny"
N, SA, SH = PeriodKind.NIGHT, PeriodKind.SATURDAY, PeriodKind.SUNDAY_HOLIDAY
SETTINGS = CostSettings(
    allowance_night=100, allowance_saturday=40, allowance_sunday_holiday=120, fee_per_remote_exam=10,
    platform_per_year=365,
)  # fmt: skip


def rota(*duties):
    return [Assignment(dt.date(2027, 1, day), kind, s, r) for day, kind, r, sites in duties for s in sites]


HAND_MADE = rota(
    (1, SH, "R1", ("nancy", "metz", "verdun")),  # R1's home is nancy: metz 4 and verdun 2 exams read remotely
    (1, N, "R1", ("nancy",)),
    (4, N, "R2", ("nancy", "metz")),  # nancy 16 and metz 8 exams: allowance split 2/3, 1/3; metz remote
    (8, N, "R3", ("metz",)),
    (9, SA, "R3", ("verdun",)),  # R3's home is metz: 1.5 remote exams
    (10, N, "R4", ("verdun",)),
    (14, N, "R5", ("verdun", "metz")),  # R5's home is verdun: metz 8 exams remote
)


def scenario_with_costs(tmp_path, table):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "scenario.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[costs]\n" + table, encoding="utf-8")
    return load_scenario(path)


def first_costs_key_row():
    """The [costs] header follows the tiny scenario's last line and a blank line; its keys come next."""
    return len((TINY / "scenario.toml").read_text(encoding="utf-8").splitlines()) + 3


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY / "scenario.toml")


def test_hand_made_rota_costs(tiny):
    report = costs(tiny, workload(tiny, HAND_MADE, replications=10), SETTINGS)
    region = report.region
    assert region["allowances"] == pytest.approx(120 + 5 * 100 + 40)
    assert region["remote_exams"] == pytest.approx(4 + 2 + 8 + 1.5 + 8)
    assert region["remote_fees"] == pytest.approx(235)
    assert region["platform"] == pytest.approx(14)  # 365 € a year, 14 days
    assert region["total"] == pytest.approx(660 + 235 + 14)
    # No pooling: every site every period: 14 nights, 2 Saturdays, 3 Sundays/holidays each.
    assert region["no_pooling_total"] == pytest.approx(3 * (14 * 100 + 2 * 40 + 3 * 120))
    income = report.per_radiologist.set_index("id")["total"].to_dict()
    assert income == pytest.approx({"R1": 280, "R2": 180, "R3": 155, "R4": 100, "R5": 180})
    # Without pooling, a site's allowances go to its own radiologists by FTE x available share: R1 (nancy) is
    # unavailable 3 of 14 days, R5 (verdun) works half time.
    no_pooling = report.per_radiologist.set_index("id")["no_pooling_total"].to_dict()
    assert no_pooling == pytest.approx({"R1": 1840 * 11 / 25, "R2": 1840 * 14 / 25, "R3": 1840, "R4": 1840 * 2 / 3,
                                        "R5": 1840 / 3})  # fmt: skip
    assert region["no_pooling_unassigned"] == 0


def test_split_sums_to_totals_and_no_pooling_costs_more_allowances(tiny):
    scenario = load_scenario(default_scenario())
    for case in (tiny, scenario):
        report = workload(case, greedy_rota(case).assignments, replications=10)
        cost = costs(case, report, SETTINGS)
        sites, people, region = cost.per_site, cost.per_radiologist, cost.region
        assert sites["allowances"].sum() == pytest.approx(region["allowances"], rel=1e-12)
        assert sites["remote_fees"].sum() == pytest.approx(region["remote_fees"], rel=1e-12)
        assert sites["platform"].sum() == pytest.approx(region["platform"], rel=1e-12)
        assert sites["total"].sum() == pytest.approx(region["total"], rel=1e-12)
        assert people["total"].sum() == pytest.approx(region["allowances"] + region["remote_fees"], rel=1e-12)
        assert people["no_pooling_total"].sum() + region["no_pooling_unassigned"] == pytest.approx(
            region["no_pooling_total"], rel=1e-12
        )
        # Each pooled duty of k sites saves k - 1 allowances of its kind (and every period is covered here).
        pooled = [d for d in report.duties if len(d.site_ids) > 1]
        assert pooled, "the rota pools sites"
        saved = sum(SETTINGS.allowance(d.kind) * (len(d.site_ids) - 1) for d in report.duties)
        assert region["no_pooling_total"] - region["allowances"] == pytest.approx(saved, rel=1e-12)
        assert region["no_pooling_total"] > region["allowances"]
        frame = cost.frame()
        assert frame["scope"].value_counts().to_dict() == {"site": len(sites), "radiologist": len(people), "region": 1}


def test_costs_table_overrides_defaults_and_names_the_placeholders(tmp_path):
    scenario = scenario_with_costs(tmp_path, "allowance_night = 210\nfee_per_remote_exam = 0\n")
    settings, defaults = scenario.costs, placeholder_costs(scenario)
    assert settings.allowance_night == 210 and settings.fee_per_remote_exam == 0
    assert settings.allowance_saturday == CostSettings().allowance_saturday
    assert defaults == ["allowance_saturday", "allowance_sunday_holiday", "platform_per_year"]
    assert not [w for w in scenario.warnings if "[costs]" in str(w)]


def test_bad_costs_values_are_located_by_file_line_and_key(tmp_path):
    # The scenario loader refuses the scenario, naming every bad tariff at once with the other errors.
    with pytest.raises(InputError) as error:
        scenario_with_costs(
            tmp_path, 'allowance_night = -5\nfee_per_remote_exam = "vingt"\nplatform_per_year = true\nplatfrom = 1\n'
        )
    problems = error.value.problems
    first_key = first_costs_key_row()
    assert [p.row for p in problems] == [first_key, first_key + 1, first_key + 2]
    assert all(p.file.endswith("scenario.toml") for p in problems)
    assert "[costs] allowance_night: -5 is not an amount in euros (expected a number >= 0)" in str(problems[0])
    assert "[costs] fee_per_remote_exam: 'vingt'" in str(problems[1])
    assert "[costs] platform_per_year: True" in str(problems[2])


def test_unknown_costs_key_is_a_warning(tmp_path):
    scenario = scenario_with_costs(tmp_path, "platfrom_per_year = 1000\n")
    assert scenario.costs == CostSettings() and placeholder_costs(scenario) == [
        f for f in CostSettings.__dataclass_fields__
    ]
    warnings = [w for w in scenario.warnings if "[costs]" in str(w)]
    assert len(warnings) == 1 and "[costs] platfrom_per_year: unknown key" in str(warnings[0])
    assert warnings[0].row == first_costs_key_row()
