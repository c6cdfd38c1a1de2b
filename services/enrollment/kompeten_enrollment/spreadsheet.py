"""Participant lists as operators receive them: CSV (comma or semicolon, UTF-8 with or without
BOM) or XLSX (first sheet). Row 1 is the header; rows keep their spreadsheet numbers so every
error points at the row an operator sees."""

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

YES = {"ya", "y", "yes", "1", "true", "x", "setuju", "v"}
NO = {"tidak", "t", "no", "n", "0", "false", "", "tidak setuju"}
CONSENT_COLUMNS = ("consent_certification", "consent_partner_sharing", "consent_follow_up")


def header(name: str) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(path: Path) -> Iterator[dict]:
    """Yield {"row": n, column: value, ...} for every non-empty data row."""
    rows = _xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv(path)
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
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        yield from enumerate(csv.reader(handle, dialect), start=1)


def _xlsx(path: Path):
    workbook = load_workbook(path, read_only=True, data_only=True)
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
