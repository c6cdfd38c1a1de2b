"""The field scenarios in deploy/scenarios: each file loads and its twists add up to the totals
it states; a file with a mistake is refused whole, naming each problem by its place in the
file, and `make demo` stops on it before it starts anything."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kompeten_deploy import scenario, scenarios

ROOT = Path(__file__).parents[2]
ISSUE_15 = {"tata-rias-samarinda", "batik-probolinggo", "disnakertrans-kaltim",
            "rajut-bontang", "menjahit-probolinggo"}


def test_the_five_field_programmes_and_the_reference_chain_are_scenarios():
    assert set(scenarios.names()) == ISSUE_15 | {"garmen-bandung"}
    assert scenarios.DEFAULT == "menjahit-probolinggo"


@pytest.mark.parametrize("name", sorted(ISSUE_15 | {"garmen-bandung"}))
def test_each_file_loads_and_its_people_add_up_to_what_it_states(name):
    loaded = scenarios.load(name)
    for programme in loaded.programmes:
        people = scenario.cohort(programme)
        assert len(people) == programme["cohort"]["size"]
        assert len({p.nik for p in people}) == len(people)
        assert all(p.nik[:4] == programme["region"] for p in people)
        assert scenarios.implied_totals(programme) == programme["expect"]
    assert scenario.cohort(loaded.programmes[0])[0].name == \
        scenario.cohort(loaded.programmes[0])[0].name  # the same seed, the same people


def test_the_rules_each_person_is_expected_to_meet():
    sewing = scenarios.load("menjahit-probolinggo").programmes[0]
    knitting = scenarios.load("rajut-bontang").programmes[0]
    kaltim = scenarios.load("disnakertrans-kaltim").programmes[0]
    person = scenario.cohort(sewing)[0]
    assert scenarios.expected(sewing, person) == {
        "enrollment": "completed", "assessment": "-", "certificates": ["agency"],
        "placement": "placed"}  # the partner accepts the labour office's own certificate
    three_days = scenario.cohort(knitting)[2]
    assert three_days.attends_days == 3 and scenarios.required_days(knitting) == 3
    assert scenarios.expected(knitting, three_days)["certificates"] == ["bnsp"]
    weak = scenario.cohort(kaltim)[32]
    assert scenarios.expected(kaltim, weak) == {
        "enrollment": "completed", "assessment": "BK", "certificates": ["kemnaker"],
        "placement": "-"}
    assert scenarios.required_days({"min_days": None, "days": 4}) == 4  # 80% of 4 is all 4
    intake = scenarios.load("disnakertrans-kaltim").programmes[2]
    assert scenarios.expected(intake, scenario.cohort(intake)[0]) == {
        "enrollment": "completed", "assessment": "-", "certificates": [],
        "placement": "placed"}  # an apprentice before any certificate


def write(tmp_path, change) -> Path:
    data = yaml.safe_load((scenarios.DIRECTORY / "menjahit-probolinggo.yaml").read_text())
    change(data)
    path = tmp_path / "mistaken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def twist_beyond(data):
    data["programmes"][0]["cohort"]["twists"].append({"person": 17, "shares_data": False})


def misspelt(data):
    data["programmes"][0]["capasity"] = 16


def wrong_totals(data):
    data["programmes"][0]["expect"]["placed"] = 13


def bnsp_without_lsp(data):
    data["programmes"][0]["certificates"] = ["agency", "bnsp"]


def unknown_target(data):
    data["programmes"][0]["target"] = "kab-lumajang"


def unknown_trainer_provider(data):
    data["programmes"][0]["trainers"][0]["provider"] = "cv-lain"


def bad_region(data):
    data["programmes"][0]["region"] = "3599"


def foreign_unit(data):
    data["programmes"][0]["cohort"]["twists"].append({"person": 2, "weak_unit": "X.01.1"})


def district_elsewhere(data):
    data["programmes"][0]["districts"] = ["357401"]  # in Kota Probolinggo, not the regency


def job_takes_intake(data):
    data["programmes"][0]["employer"]["vacancy"]["accepts"] = ["apprenticeship_intake"]


def apprenticeship_without_agreement(data):
    data["programmes"][0]["employer"]["vacancy"]["kind"] = "apprenticeship"


def intake_with_certificate(data):
    data["programmes"][0]["kind"] = "apprenticeship_intake"


def intake_keeping_data(data):
    intake_with_certificate(data)
    data["programmes"][0]["certificates"] = []


@pytest.mark.parametrize("change, problems", [
    (twist_beyond, ["programmes[0].cohort.twists[4].person: 17 is not one of the 16 people"]),
    (misspelt, ["programmes[0].capasity: Unknown field."]),
    (wrong_totals, ["programmes[0].expect: the twists give {'completed': 15, 'certified': 15, "
                    "'placed': 12}, the file says {'completed': 15, 'certified': 15, "
                    "'placed': 13}"]),
    (bnsp_without_lsp, ["programmes[0].assessment: a programme leading to a BNSP "
                        "certification names the LSP that assesses it, and only then"]),
    (unknown_target, ["programmes[0].target: no target with key 'kab-lumajang'"]),
    (unknown_trainer_provider, ["programmes[0].trainers[0].provider: no provider 'cv-lain'"]),
    (bad_region, ["programmes[0].region: not a regency code (4 digits, e.g. 3513)"]),
    (foreign_unit, ["programmes[0].cohort.twists[4].weak_unit: not a unit of GAR-OMP"]),
    (district_elsewhere, ["programmes[0].districts: 357401 not in the programme's regency"]),
    (job_takes_intake, ["programmes[0].employer.vacancy.accepts: only an apprenticeship takes "
                        "people from an intake"]),
    (apprenticeship_without_agreement, ["programmes[0].employer.vacancy.agreement: an "
                                        "apprenticeship states its agreement, and only it"]),
    (intake_with_certificate, ["programmes[0].certificates: an apprenticeship intake leads to "
                               "no certificate at intake: certification comes after the "
                               "apprenticeship"]),
    (intake_keeping_data, ["programmes[0].cohort.twists[3].shares_data: an apprenticeship "
                           "intake enrols only people who agree to share their data with the "
                           "employers"]),
])
def test_a_mistake_is_named_by_its_place_in_the_file(tmp_path, change, problems):
    with pytest.raises(scenarios.ScenarioError) as refused:
        scenarios.load(write(tmp_path, change))
    assert refused.value.problems == problems


def test_a_file_that_is_not_a_scenario_or_not_there(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n")
    with pytest.raises(scenarios.ScenarioError, match="not valid YAML"):
        scenarios.load(broken)
    with pytest.raises(scenarios.ScenarioError) as refused:
        scenarios.load("menjahit-lumajang")
    assert refused.value.problems == [
        "no such scenario; there are: " + ", ".join(sorted(ISSUE_15 | {"garmen-bandung"}))]
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(scenarios.ScenarioError) as refused:
        scenarios.load(empty)
    assert "programmes: Missing data for required field." in refused.value.problems


def test_make_demo_stops_on_a_mistaken_file_before_it_starts_anything(tmp_path):
    path = write(tmp_path, twist_beyond)
    done = subprocess.run([sys.executable, "-m", "kompeten_deploy.demo", str(path)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert "twists[4].person: 17 is not one of the 16 people" in done.stderr
    assert "starting" not in done.stdout
