"""The operator CLI: spreadsheets in, the real service behind it."""

import csv
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from kompeten_enrollment.cli import main
from kompeten_enrollment.spreadsheet import read_rows
from openpyxl import Workbook

HEADER = ["NIK", "Name", "Sex", "Birth date", "Phone", "Consent certification",
          "Consent partner sharing"]


def write_xlsx(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_xlsx_cells_become_the_strings_the_api_expects(tmp_path):
    path = tmp_path / "peserta.xlsx"
    write_xlsx(path, [[3204015708950001, "Siti Aminah", "F", datetime(1995, 8, 17),
                       81234567890, "ya", "tidak"], [None] * 7])
    assert list(read_rows(path)) == [{
        "row": 2, "nik": "3204015708950001", "name": "Siti Aminah", "sex": "F",
        "birth_date": "1995-08-17", "phone": "081234567890", "consent_certification": True,
        "consent_partner_sharing": False}]


def test_semicolon_csv_with_a_bom(tmp_path):
    path = tmp_path / "peserta.csv"
    path.write_text("\ufeffnik;name;sex;birth_date\n3204015708950001;Siti;F;1995-08-17\n",
                    encoding="utf-8")
    assert list(read_rows(path)) == [{"row": 2, "nik": "3204015708950001", "name": "Siti",
                                      "sex": "F", "birth_date": "1995-08-17"}]


@pytest.fixture(autouse=True)
def signed_in(monkeypatch, staff):
    """The command line sends the token of whoever signed in (here: KOMPETEN_TOKEN)."""
    monkeypatch.setenv("KOMPETEN_TOKEN", staff)


@pytest.fixture
def cli(enrollment, web_config_port):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--url", f"http://127.0.0.1:{web_config_port}", *args])

    return run


@pytest.mark.integration
def test_import_reports_bad_rows_and_a_second_import_changes_nothing(cli, new_programme,
                                                                     tmp_path, database):
    programme = new_programme(capacity=5)
    path = tmp_path / "peserta.xlsx"
    write_xlsx(path, [
        [3204015708950001, "Siti Aminah", "F", date(1995, 8, 17), "081234567890", "ya", "ya"],
        [3204015708950002, "Rina", "F", date(1995, 8, 18), "081234567891", "ya", "ya"],
        [3204011708950003, "Asep", "M", date(1995, 8, 17), "0812", "ya", "tidak"],
    ])
    errors = tmp_path / "errors.csv"
    first = cli("import", str(path), "--programme", programme["id"], "--errors-csv",
                str(errors))
    assert first.exit_code == 1
    assert "1 registered" in first.output and "2 invalid" in first.output
    assert list(csv.DictReader(errors.open())) == [
        {"row": "3", "column": "nik", "code": "nik_birth_date_mismatch",
         "message": "NIK does not match the birth date given"},
        {"row": "4", "column": "phone", "code": "invalid_value",
         "message": "must be 8 to 15 digits"}]
    db = database("enrollment")
    stored = list(db.participants.find())
    second = cli("import", str(path), "--programme", programme["id"])
    assert "1 unchanged" in second.output
    assert list(db.participants.find()) == stored


@pytest.mark.integration
def test_attendance_sheet_and_progress(cli, call, new_programme, new_person, tmp_path):
    target = call("POST", "/targets", {"name": "Kab. Bandung 2026", "organiser": "Disnaker",
                                       "year": 2026, "goals": {"completed": 10}}, expect=201)
    programme = new_programme(target_id=target["id"])
    person = new_person(1)
    call("POST", f"/programmes/{programme['id']}/enrolments",
         {"participant_id": person["participant_id"]}, expect=201)
    sheet = tmp_path / "hadir.csv"
    sheet.write_text(f"date,nik\n{programme['start_date']},3204015708950001\n")
    result = cli("attendance", str(sheet), "--programme", programme["id"])
    assert result.exit_code == 0, result.output
    assert "1 present" in result.output
    result = cli("progress", target["id"])
    assert result.exit_code == 0 and "Kab. Bandung 2026" in result.output
    bad = cli("attendance", str(sheet), "--programme", "nope")
    assert bad.exit_code == 1 and "programme_not_found" in bad.output


def test_an_absent_service_is_a_clear_message(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{}")
    result = CliRunner().invoke(main, ["--url", "http://127.0.0.1:9", "programme", "create",
                                       str(path)])
    assert result.exit_code == 1 and "does not answer" in result.output


@pytest.mark.integration
def test_programmes_and_targets_from_json_files(cli, tmp_path):
    import json

    target_file = tmp_path / "target.json"
    target_file.write_text(json.dumps({"name": "Kab. Bandung 2026", "organiser": "Disnaker",
                                       "year": 2026, "goals": {"certified": 100}}))
    result = cli("target", str(target_file))
    assert result.exit_code == 0, result.output
    target_id = result.output.strip().splitlines()[-1]
    programme_file = tmp_path / "programme.json"
    programme_file.write_text(json.dumps({
        "title": "Menjahit Pakaian", "organiser": "Disnaker", "scheme_code": "GAR-OMP",
        "venue": "Balai Desa", "region_code": "3204", "start_date": "2026-12-01",
        "end_date": "2026-12-30", "capacity": 16, "target_id": target_id}))
    result = cli("programme", "create", str(programme_file))
    assert result.exit_code == 0, result.output
    programme_id = result.output.strip().splitlines()[-1]
    shown = cli("programme", "show", programme_id)
    assert shown.exit_code == 0 and '"session_days": 30' in shown.output
    programme_file.write_text(json.dumps({"title": "x"}))
    refused = cli("programme", "create", str(programme_file))
    assert refused.exit_code == 1 and "validation_failed" in refused.output
    programme_file.write_text("{not json")
    assert "programme.json" in cli("programme", "create", str(programme_file)).output
