"""The LSP admin's report to BNSP: the LSP's decided cases of a period as the spreadsheet BNSP
expects, one row per asesi and unit. The NIK is in this file and nowhere else the console
shows: read from enrollment for this export (each read recorded there), joined here in memory,
never stored. The column headings are BNSP's, in Indonesian whatever the screen's language."""

import io
from datetime import date

from openpyxl import Workbook

from .apis import Refused
from .pages import field_errors, page

COLUMNS = ("No", "NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Kode Skema", "Skema",
           "Kode Unit", "Judul Unit", "K/BK Unit", "Keputusan", "Asesor", "Tim Asesor", "TUK",
           "Tanggal Pembekalan", "Tanggal Uji", "Tanggal Keputusan", "Diputuskan Oleh")
MAX_READ = 200  # enrollment's batch


def workbook(lines: list[dict], identities: dict[str, dict]) -> bytes:
    sheet_book = Workbook()
    sheet = sheet_book.active
    sheet.title = "Laporan BNSP"
    sheet.append(COLUMNS)
    number = 0
    for line in lines:
        person = identities.get(line["participant_id"], {})
        number += 1
        for unit in line["units"]:
            sheet.append((
                number, person.get("nik") or "", person.get("name") or line["asesi_name"],
                {"F": "P", "M": "L"}.get(person.get("sex"), ""), person.get("birth_date", ""),
                line["scheme_code"], line["scheme_title"], unit["code"], unit["title"],
                unit["result"], line["overall"], line["asesor"], ", ".join(line["members"]),
                (line["tuk"] or {}).get("name", ""), line["briefed_on"] or "",
                line["assessed_on"] or "", line["decided_on"], line["decided_by"]))
    out = io.BytesIO()
    sheet_book.save(out)
    return out.getvalue()


class BnspReport:
    @page("GET", "/lsp/laporan-bnsp", allow=("lsp_admin",))
    def report_form(self, request, screen):
        """The period to report and who exported before."""
        return self._form(screen)

    def _form(self, screen, status: int = 200, **extra):
        today = date.today()
        typed = {"dari": today.replace(day=1).isoformat(), "sampai": today.isoformat()}
        return screen.render("bnsp_report.html", status=status, **{
            "typed": typed, "errors": {},
            "exports": screen.apis.get("assessment", "/reports/bnsp/exports"), **extra})

    @page("POST", "/lsp/laporan-bnsp", allow=("lsp_admin",))
    def export(self, request, screen):
        """The spreadsheet for BNSP, with each asesi's NIK."""
        start, end = request.form.get("dari", ""), request.form.get("sampai", "")
        try:
            lines = screen.apis.get("assessment", "/reports/bnsp", **{"from": start, "to": end})
        except Refused as refused:
            errors = {{"from": "dari", "to": "sampai"}.get(k, k): v
                      for k, v in field_errors(refused, screen.gettext).items()}
            return self._form(screen, status=refused.status, errors=errors,
                              typed={"dari": start, "sampai": end})
        ids = list(dict.fromkeys(line["participant_id"] for line in lines))
        identities = {}
        for first in range(0, len(ids), MAX_READ):
            batch = ids[first:first + MAX_READ]
            identities.update({p["participant_id"]: p for p in screen.apis.get(
                "enrollment", "/bnsp/identities", id=batch)})
        return screen.file(workbook(lines, identities), "application/vnd.openxmlformats-"
                           "officedocument.spreadsheetml.sheet",
                           f"laporan-bnsp-{screen.caller.lsp}-{start}-{end}.xlsx",
                           attachment=True)
