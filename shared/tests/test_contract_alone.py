"""A partner installs the contract package alone: its own virtual environment, nothing of the
service chassis (nameko, eventlet, pymongo, prometheus), and the partner SDK still imports and
works."""

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PARTNER = """
import importlib.util, json
from datetime import UTC, datetime
from kompeten_shared import envelope
from kompeten_shared.caller import caller_from
from kompeten_shared.events import EVENTS, dump_data, load_data
from kompeten_shared.partner import Partner
data = dump_data("offer.declined", {
    "offer_id": "o-1", "vacancy_id": "v-1", "employer_id": "maju-jahit",
    "participant_id": "p-1", "reason": "too far",
    "declined_at": datetime.now(UTC)})
event = envelope.build(service="placement", type="offer.declined", subject="p-1", data=data,
                       dataschema=EVENTS["offer.declined"].dataschema)
parsed = envelope.parse(json.loads(json.dumps(event)))
assert load_data(parsed.type, parsed.data, parsed.dataschema)["reason"] == "too far"
print(json.dumps({
    "chassis": [m for m in ("nameko", "eventlet", "pymongo", "prometheus_client", "jwt",
                            "kompeten_chassis") if importlib.util.find_spec(m)],
    "events": len(EVENTS), "type": parsed.type, "partner": Partner.__name__,
    "roles": caller_from({"sub": "s", "roles": ["employer_hr", "x"]}).roles == {"employer_hr"},
    "catalogue": __import__("kompeten_shared").__file__}))
"""


@pytest.mark.setup
def test_a_partner_installs_the_contract_alone(tmp_path):
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "-c", ROOT / "deploy" / "constraints.txt",
                    ROOT / "shared"], check=True, cwd=tmp_path)
    installed = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], check=True,
                               capture_output=True, text=True).stdout
    names = {line.split("==")[0].lower() for line in installed.split()}
    assert names - {"pip", "setuptools"} >= {"kompeten-shared", "marshmallow", "kombu"}
    assert not names & {"nameko", "eventlet", "pymongo", "prometheus-client", "pyjwt"}
    out = subprocess.run([python, "-c", PARTNER], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout
    result = json.loads(out)
    assert result["chassis"] == []
    assert result["type"] == "offer.declined" and result["events"] >= 16 and result["roles"]
    assert (Path(result["catalogue"]).parent / "asyncapi.yaml").exists()


@pytest.mark.setup
@pytest.mark.parametrize("folder,package", [("shared", "kompeten_shared"),
                                            ("shared/chassis", "kompeten_chassis")])
def test_each_distribution_ships_every_module(tmp_path, folder, package):
    """What an image or a partner installs from a built wheel, not from the source tree."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path,
                    ROOT / folder], check=True)
    [wheel] = tmp_path.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    source = ROOT / folder / package
    expected = {f"{package}/{p.relative_to(source)}" for p in source.rglob("*")
                if p.suffix in (".py", ".yaml") and "__pycache__" not in p.parts}
    assert expected and expected <= shipped, sorted(expected - shipped)
