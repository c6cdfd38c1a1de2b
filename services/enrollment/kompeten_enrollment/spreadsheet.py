"""Participant lists as operators receive them: CSV (comma or semicolon, UTF-8 with or without
BOM) or XLSX (first sheet). Row 1 is the header; rows keep their spreadsheet numbers so every
error points at the row an operator sees."""

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

YES = {"ya", "y", "yes", "1", "true", "x", "setuju", "v"}
NO = {"tidak", "t", "no", "n", "0", "false", "", "tidak setuju"}
CONSENT_COLUMNS = ("consent_certification", "consent_partner_sharing", "consent_follow_up")


def header(name: str) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


XLSX = (".xlsx", ".xlsm")


class Unreadable(ValueError):
    """Neither a CSV in UTF-8 nor an XLSX workbook."""


def read_rows(path: Path) -> Iterator[dict]:
    """Yield {"row": n, column: value, ...} for every non-empty data row."""
    rows = _xlsx(path) if path.suffix.lower() in XLSX else _csv(path)
    return _records(rows)


def read_upload(content: bytes, filename: str) -> list[dict]:
    """The rows of an uploaded file, as read_rows gives them; Unreadable says why not."""
    try:
        if filename.lower().endswith(XLSX):
            return list(_records(_xlsx(io.BytesIO(content))))
        return list(_records(_csv_text(io.StringIO(content.decode("utf-8-sig"), newline=""))))
    except (UnicodeDecodeError, zipfile.BadZipFile, csv.Error, KeyError, OSError) as exc:
        raise Unreadable(f"{filename} is not a CSV (UTF-8) or XLSX file") from exc


def _records(rows) -> Iterator[dict]:
    columns = None
    for number, cells in rows:
        if columns is None:
            columns = [header(c) for c in cells]
            continue
        values = {col: _clean(col, cell) for col, cell in zip(columns, cells, strict=False)
                  if col and cell not in (None, "")}
        if values:
            yield {"row": number, **values}


def _csv(path: Path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        yield from _csv_text(handle)


def _csv_text(handle):
    sample = handle.read(4096)
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:  # one column: nothing to tell the delimiter by
        dialect = csv.excel
    yield from enumerate(csv.reader(handle, dialect), start=1)


def _xlsx(source):
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        yield from enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _clean(column: str, value):
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a NIK or phone typed into a number cell
    if column in CONSENT_COLUMNS:
        text = str(value).strip().lower()
        return True if text in YES else False if text in NO else str(value)
    text = str(value).strip()
    if column == "phone" and text.isdigit() and text.startswith("8"):
        text = "0" + text  # the leading zero a number cell dropped
    return text
