"""`kompeten-enrollment`: the operator's command line, over the service's HTTP API.

    kompeten-enrollment programme create programme.json
    kompeten-enrollment import peserta.xlsx --programme ID
    kompeten-enrollment attendance hadir.csv --programme ID
    kompeten-enrollment progress TARGET_ID

ENROLLMENT_URL (default http://localhost:8001) says where the service is.
"""

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import click
from kompeten_chassis import client
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .spreadsheet import read_rows

console = Console(stderr=True)
BATCH = 500
WORDING = {
    "certification": "Saya setuju data saya diproses untuk uji kompetensi dan sertifikasi. "
                     "(I agree that my data is processed for assessment and certification.)",
    "partner_sharing": "Saya setuju nama, nomor telepon dan sertifikat saya dibagikan kepada "
                       "perusahaan mitra untuk penempatan kerja. (I agree to share my name, "
                       "phone and certificate with partner employers for job placement.)",
    "follow_up": "Saya setuju dihubungi untuk pemantauan setelah sertifikasi. (I agree to be "
                 "contacted for follow-up after certification.)",
}


def enrollment_api(url: str) -> client.Api:
    return client.Api(url, "enrollment", error=click.ClickException)


@click.group()
@click.option("--url", envvar="ENROLLMENT_URL", default="http://localhost:8001",
              show_default=True, help="the enrollment service")
@click.pass_context
def main(context, url):
    """Kompeten enrollment: programmes, participants, attendance, targets."""
    context.obj = enrollment_api(url)


def _create_from(api, path: str, file: str, what: str) -> None:
    created = api("POST", path, _json_file(file))
    label = created.get("title") or created.get("name")
    console.print(f"created {what} [bold]{created['id']}[/]: {label}")
    click.echo(created["id"])


def _json_file(path: str) -> dict:
    return client.json_file(path, click.ClickException)


@main.group()
def programme():
    """Create and show programmes."""


@programme.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def programme_create(api, file):
    """Create a programme from a JSON file (the fields of POST /programmes)."""
    _create_from(api, "/programmes", file, "programme")


@programme.command("show")
@click.argument("programme_id")
@click.pass_obj
def programme_show(api, programme_id):
    """A programme and its enrolments."""
    click.echo(json.dumps(api("GET", f"/programmes/{programme_id}"), indent=2))
    table = Table("participant", "status", "days", "reason")
    for e in api("GET", f"/programmes/{programme_id}/enrolments"):
        table.add_row(e["participant_id"], e["status"], str(e["days_attended"]),
                      e["reason"] or "")
    Console().print(table)


@main.command("target")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def target_create(api, file):
    """Create a target from a JSON file (name, organiser, year, goals, parent_id)."""
    _create_from(api, "/targets", file, "target")


@main.command("progress")
@click.argument("target_id")
@click.pass_obj
def progress_show(api, target_id):
    """Progress against a target and its sub-targets."""
    report = api("GET", f"/targets/{target_id}/progress")
    table = Table("target", "metric", "goal", "count", "reached")

    def add(node, depth=0):
        for metric, count in node["counts"].items():
            goal = node["goals"].get(metric)
            reached = f"{node['reached'][metric]:.1%}" if metric in node["reached"] else ""
            table.add_row("  " * depth + node["name"], metric, str(goal or ""), str(count),
                          reached)
        for child in node["subtargets"]:
            add(child, depth + 1)

    add(report)
    Console().print(table)


def import_file(api: client.Api, path: Path, programme_id: str, source: str | None = None,
                wording: dict | None = None, show_progress: bool = True) -> list[dict]:
    """Send a spreadsheet in batches; every row's result, in row order."""
    rows = list(read_rows(path))
    results = []
    with Progress(TextColumn("importing {task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  disable=not show_progress) as bar:
        task = bar.add_task(path.name, total=len(rows))
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            answer = api("POST", f"/programmes/{programme_id}/imports", {
                "source": source or path.name, "wording": wording or WORDING, "rows": batch})
            results.extend(answer["rows"])
            bar.advance(task, len(batch))
    return results


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", "programme_id", required=True, help="programme id")
@click.option("--source", help="where the consents were collected (default: the file name)")
@click.option("--wording", type=click.Path(exists=True, dir_okay=False),
              help="JSON {purpose: text} of the consent wording on the form")
@click.option("--errors-csv", type=click.Path(dir_okay=False, path_type=Path),
              help="also write the invalid rows' errors to this CSV")
@click.pass_obj
def import_command(api, file, programme_id, source, wording, errors_csv):
    """Register and enrol the participants in a CSV or XLSX file.

    Columns: nik, name, sex (F/M), birth_date, phone, employment_status,
    domicile_regency_code, domicile_district_code, previous_trainings, consent_certification,
    consent_partner_sharing, consent_follow_up (ya/tidak), guardian_name,
    guardian_relationship. Importing the same file again changes nothing."""
    results = import_file(api, file, programme_id, source,
                          _json_file(wording) if wording else None)
    counts = defaultdict(int)
    errors = []
    for result in results:
        counts[result["status"]] += 1
        errors += [{"row": result["row"], **e} for e in result.get("errors", [])]
    console.print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if errors:
        table = Table("row", "column", "code", "reason", title="rows not imported")
        for e in errors:
            table.add_row(str(e["row"]), e["column"] or "", e["code"], e["message"])
        console.print(table)
        if errors_csv:
            with open(errors_csv, "w", newline="") as handle:
                writer = csv.DictWriter(handle, ["row", "column", "code", "message"])
                writer.writeheader()
                writer.writerows(errors)
        sys.exit(1)


@main.command("attendance")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", "programme_id", required=True, help="programme id")
@click.pass_obj
def attendance_command(api, file, programme_id):
    """Record attendance from a sheet with the columns date and nik (one row per person
    present per day)."""
    by_day = defaultdict(list)
    for row in read_rows(file):
        if "date" not in row or "nik" not in row:
            raise click.ClickException(f"row {row['row']}: needs a date and a nik")
        by_day[row["date"]].append(row["nik"])
    for day, niks in sorted(by_day.items()):
        try:
            result = api("POST", f"/programmes/{programme_id}/attendance",
                         {"date": day, "present_niks": niks})
        except click.ClickException as exc:
            raise click.ClickException(f"{day}: {exc.message}") from exc
        extra = f", no-shows {len(result['no_shows'])}" if result["no_shows"] else ""
        console.print(f"{day}: {result['recorded']} present{extra}")


if __name__ == "__main__":  # pragma: no cover
    main()


