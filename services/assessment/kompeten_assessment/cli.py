"""`kompeten-assessment`: the command line for LSP staff, asesor and the plenary committee,
over the service's HTTP API.

    kompeten-assessment cases --status open
    kompeten-assessment assign CASE --asesor "MET.000.004213 2023" --tuk TUK-GNI-SOR
    kompeten-assessment evidence CASE sertifikat.pdf --type certificate --title "..."
    kompeten-assessment results CASE C.14GAR02.001.1=K:observation ...
    kompeten-assessment decide CASE
    kompeten-assessment audit CASE

ASSESSMENT_URL (default http://localhost:8002) says where the service is. Each command acts as
whoever signed in with `kompeten-login` (or KOMPETEN_TOKEN): the asesor records their own
results, a plenary member decides; nobody names another person.
"""

import base64
import json
from pathlib import Path

import click
from kompeten_chassis import client
from rich.console import Console
from rich.table import Table

console = Console()


@click.group()
@click.option("--url", envvar="ASSESSMENT_URL", default="http://localhost:8002",
              show_default=True, help="the assessment service")
@click.pass_context
def main(context, url):
    """Kompeten assessment: cases, assignment, evidence, results, decisions, appeals."""
    context.obj = client.Api(url, "assessment", error=click.ClickException)


def _show(case: dict) -> None:
    table = Table("unit", "title", "K/BK", "method", "VATM", title=(
        f"case {case['id']}: {case['scheme_code']}, {case['status']}, asesor "
        f"{case['asesor'] or '-'} at {case['tuk'] or '-'}"))
    for unit in case["units"]:
        vatm = unit["evidence_meets_vatm"]
        table.add_row(unit["code"], unit["title"], unit["result"] or "", unit["method"] or "",
                      "" if vatm is None else ("met" if vatm else "not met"))
    console.print(table)
    if case["decision"]:
        console.print(f"decision {case['decision']['number']}: {case['decision']['overall']} "
                      f"by {case['decision']['decided_by']}")


@main.command()
@click.option("--programme", "programme_id")
@click.option("--status")
@click.option("--asesor")
@click.pass_obj
def cases(api, programme_id, status, asesor):
    """List cases."""
    params = {"programme_id": programme_id, "status": status, "asesor": asesor}
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    table = Table("case", "participant", "scheme", "status", "asesor", "decision")
    for case in api("GET", f"/cases?{query}"):
        decision = case["decision"]["overall"] if case["decision"] else ""
        table.add_row(case["id"], case["participant_id"], case["scheme_code"], case["status"],
                      case["asesor"] or "", decision)
    console.print(table)


@main.command()
@click.argument("case_id")
@click.pass_obj
def show(api, case_id):
    """One case, unit by unit."""
    _show(api("GET", f"/cases/{case_id}"))


@main.command()
@click.argument("case_id")
@click.option("--asesor", required=True, help="registration number")
@click.option("--tuk", required=True, help="TUK code")
@click.pass_obj
def assign(api, case_id, asesor, tuk):
    """Assign an asesor and a TUK."""
    _show(api("POST", f"/cases/{case_id}/assignment",
              {"asesor": asesor, "tuk": tuk}))


@main.command()
@click.argument("case_id")
@click.option("--held-on", required=True, help="YYYY-MM-DD, the day of the pembekalan")
@click.option("--venue", required=True)
@click.pass_obj
def briefing(api, case_id, held_on, venue):
    """Record the briefing (pembekalan) the asesi attended."""
    _show(api("POST", f"/cases/{case_id}/briefing", {"held_on": held_on, "venue": venue}))


@main.command()
@click.argument("case_id")
@click.option("--on", "scheduled_on", required=True, help="YYYY-MM-DD, the assessment day")
@click.pass_obj
def agreement(api, case_id, scheduled_on):
    """Propose the assessment agreement (FR.AK.01), as the lead asesor."""
    _show(api("POST", f"/cases/{case_id}/agreement", {"scheduled_on": scheduled_on}))


@main.command()
@click.argument("case_id")
@click.pass_obj
def agree(api, case_id):
    """Accept the assessment agreement, as the asesi."""
    _show(api("POST", f"/cases/{case_id}/agreement/accept", {}))


@main.command()
@click.argument("case_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "type_", required=True, help="certificate, award, work_sample, ...")
@click.option("--title", required=True)
@click.option("--issued-on", help="YYYY-MM-DD")
@click.pass_obj
def evidence(api, case_id, file, type_, title, issued_on):
    """Add a document to the asesi's portfolio."""
    case = api("POST", f"/cases/{case_id}/evidence", {
        "type": type_, "title": title, "issued_on": issued_on,
        "content": base64.b64encode(file.read_bytes()).decode()})
    added = case["evidence"][-1]
    console.print(f"evidence {added['id']} sha256 {added['sha256']}")


def _unit_results(specs: tuple[str, ...]) -> list[dict]:
    """'C.14GAR02.001.1=K:observation' -> {"code", "result", "method"}"""
    units = []
    for spec in specs:
        code, _, outcome = spec.partition("=")
        result, _, method = outcome.partition(":")
        if not (code and result and method):
            raise click.BadParameter(f"{spec!r}: write UNIT=K:method or UNIT=BK:method")
        units.append({"code": code, "result": result, "method": method})
    return units


@main.command()
@click.argument("case_id")
@click.argument("units", nargs=-1, required=True)
@click.pass_obj
def results(api, case_id, units):
    """Record K/BK per unit: UNIT=K:method (interview where the evidence met VATM,
    demonstration or observation otherwise)."""
    _show(api("POST", f"/cases/{case_id}/results",
              {"units": _unit_results(units)}))


@main.command()
@click.argument("case_id")
@click.pass_obj
def recommend(api, case_id):
    """The asesor's overall recommendation for the plenary."""
    _show(api("POST", f"/cases/{case_id}/recommendation", {}))


@main.command()
@click.argument("case_id")
@click.pass_obj
def decide(api, case_id):
    """The plenary decision."""
    _show(api("POST", f"/cases/{case_id}/decision", {}))


@main.command()
@click.argument("case_id")
@click.option("--reason", required=True)
@click.pass_obj
def appeal(api, case_id, reason):
    """File an appeal (banding) against a BK decision."""
    _show(api("POST", f"/cases/{case_id}/appeal", {"reason": reason}))


@main.command("appeal-decision")
@click.argument("case_id")
@click.argument("outcome", type=click.Choice(["upheld", "rejected"]))
@click.option("--reason", required=True)
@click.pass_obj
def appeal_decision(api, case_id, outcome, reason):
    """Decide an appeal: upheld reopens the BK units."""
    _show(api("POST", f"/cases/{case_id}/appeal/decision",
              {"outcome": outcome, "reason": reason}))


@main.command()
@click.argument("case_id")
@click.pass_obj
def audit(api, case_id):
    """Who did what, when."""
    for entry in api("GET", f"/cases/{case_id}/audit"):
        details = {k: v for k, v in entry.items() if k not in ("at", "actor", "action")}
        console.print(f"{entry['at']}  {entry['actor']:<24} {entry['action']:<18} "
                      f"{json.dumps(details, ensure_ascii=False)}")


@main.command()
@click.argument("kind", type=click.Choice(["scheme", "lsp", "asesor", "tuk"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def register(api, kind, file):
    """Register a scheme, LSP, asesor or TUK from a JSON file (the fields of POST /<kind>s)."""
    try:
        body = json.loads(file.read_text())
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    api("POST", f"/{kind}s", body)
    console.print(f"registered {kind} {body.get('code') or body.get('registration_number')}")


@main.command()
@click.argument("registration_number")
@click.option("--active/--inactive", required=True)
@click.pass_obj
def asesor(api, registration_number, active):
    """Activate or deactivate an asesor."""
    answer = api("POST", f"/asesors/{registration_number}/status", {"active": active})
    state = "active" if answer["active"] else "inactive"
    console.print(f"{answer['registration_number']}: {state}")


if __name__ == "__main__":  # pragma: no cover
    main()
