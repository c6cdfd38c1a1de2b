"""`kompeten-placement`: the command line for placement officers and partner employers, over
the service's HTTP API.

    kompeten-placement employer add employer.json
    kompeten-placement vacancy open vacancy.json
    kompeten-placement candidates VACANCY_ID            # ranked, with the reasons
    kompeten-placement offer VACANCY_ID PARTICIPANT_ID
    kompeten-placement accept OFFER_ID [--agreement agreement.json]
    kompeten-placement terminate PLACEMENT_ID --on 2027-02-01 --reason "..." --by "..."
    kompeten-placement check-in CHECK_IN_ID still_looking --obstacles "..." --by "..."
    kompeten-placement report absorption|follow-up

PLACEMENT_URL (default http://localhost:8004) says where the service is.
"""

import json

import click
from kompeten_chassis import client
from kompeten_shared.vocabulary import FOLLOW_UP_STATUSES


def _json_file(path: str) -> dict:
    return client.json_file(path, click.ClickException)


def _show(value) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


@click.group()
@click.option("--url", envvar="PLACEMENT_URL", default="http://localhost:8004",
              show_default=True, help="the placement service")
@click.pass_context
def main(context, url):
    """Kompeten placement: employers, vacancies, matching, offers, placements, follow-up."""
    context.obj = client.Api(url, "placement", error=click.ClickException)


@main.group()
def employer():
    """Partner employers."""


@employer.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def employer_add(api, file):
    """Register an employer from a JSON file (the fields of POST /employers)."""
    click.echo(api("POST", "/employers", _json_file(file))["id"])


@main.group()
def vacancy():
    """Jobs and apprenticeships."""


@vacancy.command("open")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def vacancy_open(api, file):
    """Open a vacancy from a JSON file (the fields of POST /vacancies)."""
    click.echo(api("POST", "/vacancies", _json_file(file))["id"])


@main.command()
@click.argument("vacancy_id")
@click.pass_obj
def candidates(api, vacancy_id):
    """Consenting, certified graduates for a vacancy, best first, and why."""
    found = api("GET", f"/vacancies/{vacancy_id}/candidates")
    weights = ", ".join(f"{k} {v}" for k, v in found["weights"].items())
    click.echo(f"weights: {weights}")
    for rank, candidate in enumerate(found["candidates"], 1):
        click.echo(f"{rank:>3}. {candidate['score']:>6.1f}  {candidate['name']}  "
                   f"{candidate['participant_id']}  {candidate['certificate_number']}")
        for factor in candidate["factors"]:
            click.echo(f"       {factor['factor']:<12} {factor['points']:>5.1f} of "
                       f"{factor['weight']:<3} {factor['why']}")


@main.command()
@click.argument("vacancy_id")
@click.argument("participant_id")
@click.pass_obj
def offer(api, vacancy_id, participant_id):
    """Offer a vacancy to a graduate."""
    click.echo(api("POST", "/offers", {"vacancy_id": vacancy_id,
                                       "participant_id": participant_id})["id"])


@main.command()
@click.argument("offer_id")
@click.option("--agreement", type=click.Path(exists=True, dir_okay=False),
              help="the ratified apprenticeship agreement (JSON), for an apprenticeship")
@click.pass_obj
def accept(api, offer_id, agreement):
    """The graduate accepts: the placement starts."""
    body = {"agreement": _json_file(agreement)} if agreement else {}
    _show(api("POST", f"/offers/{offer_id}/accept", body))


@main.command()
@click.argument("offer_id")
@click.option("--reason")
@click.pass_obj
def decline(api, offer_id, reason):
    """The graduate declines."""
    _show(api("POST", f"/offers/{offer_id}/decline", {"reason": reason}))


@main.command()
@click.argument("placement_id")
@click.option("--on", "ended_on", required=True, help="the last day, YYYY-MM-DD")
@click.option("--reason", required=True)
@click.option("--by", required=True)
@click.pass_obj
def terminate(api, placement_id, ended_on, reason, by):
    """End a placement early, with the reason."""
    _show(api("POST", f"/placements/{placement_id}/terminate",
              {"ended_on": ended_on, "reason": reason, "by": by}))


@main.command("check-in")
@click.argument("check_in_id")
@click.argument("status", type=click.Choice(FOLLOW_UP_STATUSES))
@click.option("--obstacles")
@click.option("--by", "recorded_by", required=True)
@click.pass_obj
def check_in(api, check_in_id, status, obstacles, recorded_by):
    """Record what a graduate said at a follow-up check-in."""
    _show(api("POST", f"/check-ins/{check_in_id}",
              {"status": status, "obstacles": obstacles, "recorded_by": recorded_by}))


@main.command()
@click.argument("kind", type=click.Choice(["absorption", "follow-up"]))
@click.option("--programme", "programme_id")
@click.pass_obj
def report(api, kind, programme_id):
    """Absorption per programme and employer, or follow-up outcomes per programme."""
    suffix = f"?programme_id={programme_id}" if programme_id and kind == "follow-up" else ""
    _show(api("GET", f"/reports/{kind}{suffix}"))
