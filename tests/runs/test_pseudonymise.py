"""A pseudonymised run: the same rota under stable keyed pseudonyms, and no real name or id left in what it draws."""

import dataclasses
import re
import stat
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from pds_plan import load_scenario
from pds_plan.check import check_rota
from pds_plan.domain.run import RunSettings
from pds_plan.errors import InputError
from pds_plan.io.pseudonym_key import KEY_BYTES, is_within, key_beside, key_in, read_or_create_key
from pds_plan.io.run_store import folder_view, run_files
from pds_plan.outputs.maps import plot_coverage
from pds_plan.outputs.plots import PlotKind, draw_plot
from pds_plan.outputs.report import render_report
from pds_plan.runs.pipeline import analyse, plan
from pds_plan.runs.pseudonymise import PSEUDONYMISED_NOTE, Pseudonyms, pseudonym_codes, pseudonymise

TINY = Path(__file__).parents[1] / "fixtures" / "tiny" / "scenario.toml"
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture(scope="module")
def planned():
    # At 45 minutes and 90 % the design pools two of tiny's sites, so the run holds a pool design too; CP-SAT's
    # record names radiologists in its objective breakdown.
    designed = plan(load_scenario(TINY), RunSettings(time_limit=3, sla_minutes=45, sla_target=0.9, replications=60))
    assert designed.design is not None and designed.design_table is not None
    return designed


@pytest.fixture(scope="module")
def run(planned):
    designed = planned
    # What a larger region's run holds and tiny's does not: radiologists no pool lets be on call, a broken rule.
    return dataclasses.replace(
        designed,
        figures=dataclasses.replace(designed.figures, radiologists_excluded=1, radiologists_excluded_ids=("R5",)),
        design={**designed.design, "radiologists_who_can_read_no_pool": ["R5"]},
        violations=("min_rest: Dr A (test) (R1) rests 9 h between two duties",),
    )


@pytest.fixture(scope="module")
def shared(run):
    return pseudonymise(run, KEY)


def real_tokens(run) -> re.Pattern[str]:
    """Every real name and id of the run's radiologists, as whole words (R1 must not match inside RAD-…)."""
    words = [r.name for r in run.scenario.radiologists] + [r.radiologist_id for r in run.scenario.radiologists]
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")(?!\w)")


def picture_texts(view) -> list[str]:
    """Every text drawn in the run's pictures (the PNG files hold them as pixels only)."""
    texts = []
    for draw in [*(lambda ax, kind=kind: draw_plot(kind, view, ax) for kind in PlotKind),
                 lambda ax: plot_coverage(view.scenario, view.rota, ax=ax)]:  # fmt: skip
        figure = Figure()
        FigureCanvasAgg(figure)  # the map places its labels with a renderer
        draw(figure.add_subplot())
        texts += [t.get_text() for t in figure.findobj(Text)]
    return texts


def test_pseudonyms_are_stable_for_a_key_and_differ_for_another():
    ids = ["R1", "R2", "R3"]
    codes = pseudonym_codes(KEY, ids)
    assert codes == pseudonym_codes(KEY, list(reversed(ids)))
    assert pseudonym_codes(KEY, ["R2"]) == {"R2": codes["R2"]}  # whoever else is in the run
    assert all(re.fullmatch(r"[0-9a-f]{8}", code) for code in codes.values()) and len(set(codes.values())) == 3
    others = pseudonym_codes(OTHER_KEY, ids)
    assert all(others[i] != codes[i] for i in ids)


def test_free_text_loses_names_and_ids_as_whole_words_only(tiny):
    names = Pseudonyms(KEY, tiny.radiologists)
    r1, r2 = names.ids["R1"], names.ids["R2"]
    text = names.text("Dr A (test) (R1) and R2 rest 11 h; R10 and XR1 are not radiologists")
    assert text == f"{names.names_by_id['R1']} ({r1}) and {r2} rest 11 h; R10 and XR1 are not radiologists"
    assert names.value({"R1": ["R2: 8"]}) == {r1: [f"{r2}: 8"]}  # keys too
    assert names.text(text) == text  # a pseudonym put in is not replaced again


def test_the_pseudonymised_rota_is_the_same_rota(run, shared):
    def by_slot(assignments):
        return {a.key: a.radiologist_id for a in assignments}

    for mine, theirs in ((run.assignments, shared.assignments), (run.baseline, shared.baseline)):
        real, pseudo = by_slot(mine), by_slot(theirs)
        assert real.keys() == pseudo.keys()  # same sites and periods
        mapping = {real[k]: pseudo[k] for k in real}
        assert all(mapping[real[k]] == pseudo[k] for k in real)  # each radiologist always gets one pseudonym
        assert len(set(mapping.values())) == len(mapping)  # and no two share one
        assert not set(mapping) & set(mapping.values())
    real_of = {pseudo: real for real, pseudo in Pseudonyms(KEY, run.scenario.radiologists).ids.items()}
    for r in shared.scenario.radiologists:
        original = run.scenario.radiologist(real_of[r.radiologist_id])
        assert dataclasses.replace(original, radiologist_id=r.radiologist_id, name=r.name) == r  # all else kept
        assert r.name == "Radiologue " + r.radiologist_id.removeprefix("RAD-")
    assert len(shared.scenario.availability) == len(run.scenario.availability)
    assert len(check_rota(shared.scenario, shared.assignments)) == len(check_rota(run.scenario, run.assignments))


def test_the_pseudonymised_run_analyses_into_its_own_figures(planned):
    # Analysed again under the pseudonymised scenario (its availability, balances and credentials), the rota gives
    # the very figures and tables the pseudonymised run holds: nothing was mapped to the wrong radiologist.
    shared = pseudonymise(planned, KEY)
    again = analyse(shared.scenario, shared.solve, shared.assignments, shared.settings)
    assert again.figures == shared.figures
    for name in ("workload_radiologists", "costs", "workload_periods"):
        mine = again.tables[name].sort_values(list(again.tables[name].columns[:2])).reset_index(drop=True)
        theirs = shared.tables[name].sort_values(list(mine.columns[:2])).reset_index(drop=True)
        assert mine.equals(theirs[mine.columns]), name


def test_no_real_name_or_id_in_any_file_or_picture(run, shared, tmp_path):
    tokens = real_tokens(run)
    real = run_files(run, tmp_path / "run")
    assert all(tokens.search(real[name]) for name in ("rota.csv", "summary.json", "costs.csv", "pools_design.json"))
    files = run_files(shared, tmp_path / "run")
    assert files.keys() == real.keys()  # the same run folder, pool design included
    leaks = {name: tokens.findall(text) for name, text in files.items() if tokens.search(text)}
    assert leaks == {}
    assert any(tokens.search(t) for t in picture_texts(folder_view(run, tmp_path / "run")))
    assert [t for t in picture_texts(folder_view(shared, tmp_path / "run")) if tokens.search(t)] == []


def test_the_run_and_its_report_say_they_are_pseudonymised(run, shared, tmp_path):
    assert PSEUDONYMISED_NOTE in shared.notes and PSEUDONYMISED_NOTE not in run.notes
    assert "pseudonymised: radiologists' names and ids replaced" in PSEUDONYMISED_NOTE
    assert pseudonymise(shared, KEY).notes.count(PSEUDONYMISED_NOTE) == 1
    assert "Document pseudonymisé" in render_report(folder_view(shared, tmp_path / "run"))
    assert "Pseudonymised:" in render_report(folder_view(shared, tmp_path / "run"), "en")
    assert "pseudonymisé" not in render_report(folder_view(run, tmp_path / "run"))


def test_a_key_is_made_once_for_its_owner_and_then_reused(tmp_path):
    path = key_beside(tmp_path / "shared")
    assert path.parent == tmp_path and not is_within(path, tmp_path / "shared")
    key = read_or_create_key(path)
    assert len(key) == KEY_BYTES and read_or_create_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_key(key_in(tmp_path / "run")) != key  # another folder, another random key
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_damaged_key_is_refused_not_replaced(tmp_path):
    path = tmp_path / "pseudonym.key"
    path.write_text("abcd\n", encoding="ascii")
    with pytest.raises(InputError, match="32 bytes"):
        read_or_create_key(path)
    path.write_text("not hex\n", encoding="ascii")
    with pytest.raises(InputError, match="unreadable pseudonym key"):
        read_or_create_key(path)
    assert path.read_text(encoding="ascii") == "not hex\n"
