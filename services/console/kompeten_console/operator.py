"""The labour-office operator's screens: the agency's programmes, a programme, the
attendance sheet of a day (on a phone, in a village hall), closing."""

import base64
import csv
import io
from datetime import date

from . import navigation
from .apis import ApiError, Refused
from .pages import field_errors, page
from .participant import CONSENT_WORDING

OPERATOR = ("operator",)
OFFICERS = ("operator", "monitoring_officer")


KINDS = ("training", "certification_only", "apprenticeship_intake")


def _programme(form) -> dict:
    """The programme the form describes (the service checks every field)."""
    body = {key: form.get(key, "").strip() for key in (
        "title", "kind", "organiser", "scheme_code", "venue", "region_code", "start_date",
        "end_date")}
    if form.get("applications_until", "").strip():
        body["applications_until"] = form["applications_until"].strip()
    for key, convert in (("capacity", int), ("attendance_threshold", float),
                         ("min_days", int)):
        raw = form.get(key, "").strip().replace(",", ".")
        if key == "min_days" and not raw:
            continue  # the threshold decides
        try:
            body[key] = convert(raw) / 100 if key == "attendance_threshold" else convert(raw)
        except ValueError:
            body[key] = raw  # refused by the service, beside the field
    body["certificates"] = form.getlist("certificates")
    districts = [d.strip() for d in form.get("districts", "").split(",") if d.strip()]
    if districts:
        body["eligibility"] = {"districts": districts}
    if form.get("sector"):
        body["sector"] = form["sector"]
    return body


class Operator:
    @page("GET", "/program/baru", allow=OPERATOR)
    def programme_form(self, request, screen):
        """A new programme of the operator's agency."""
        return screen.render("new_programme.html", errors={}, kinds=KINDS,
                             typed={"attendance_threshold": "80",
                                    "certificates": ["agency", "bnsp"]},
                             schemes=screen.apis.get("assessment", "/schemes"))

    @page("POST", "/program/baru", allow=OPERATOR)
    def create_programme(self, request, screen):
        try:
            created = screen.apis.post("enrollment", "/programmes", _programme(request.form))
        except Refused as refused:
            typed = {**request.form, "certificates": request.form.getlist("certificates")}
            return screen.render("new_programme.html", status=refused.status,
                                 typed=typed, kinds=KINDS,
                                 errors=field_errors(refused, screen.gettext),
                                 schemes=screen.apis.get("assessment", "/schemes"))
        return screen.redirect(f"/program/{created['id']}")

    @page("GET", "/program", allow=OFFICERS)
    def programmes(self, request, screen):
        """The agency's programmes, the latest first, with their seats."""
        return screen.render("programmes.html", today=date.today().isoformat(),
                             programmes=screen.apis.get("enrollment", "/programmes"),
                             targets=screen.apis.get("enrollment", "/targets"),
                             interest=screen.apis.get("enrollment", "/reports/interest"))

    def _programme_page(self, screen, programme_id: str, status: int = 200, **extra):
        apis = screen.apis
        programme = apis.get("enrollment", f"/programmes/{programme_id}")
        enrolments = apis.get("enrollment", f"/programmes/{programme_id}/enrolments")
        counts: dict[str, int] = {}
        for enrolment in enrolments:
            counts[enrolment["status"]] = counts.get(enrolment["status"], 0) + 1
        # The waiting list by name, read (and the reads recorded) only when there is one.
        waitlist = (apis.get("enrollment", f"/programmes/{programme_id}/waitlist")
                    if counts.get("waitlisted") else [])
        providers = ({p["id"]: p for p in apis.get("enrollment", "/providers")}
                     if programme["provider_id"] or programme["trainer_ids"] else {})
        trainers = ({t["id"]: t for t in apis.get("enrollment", "/trainers")}
                    if programme["trainer_ids"] else {})
        if (programme["closing"] or programme["closed"]) and "closed" not in extra:
            try:  # a large close going on, or how the close ended
                extra["closed"] = apis.get("enrollment", f"/programmes/{programme_id}/closing")
            except ApiError as missing:  # closed before closes were recorded
                if missing.status != 404:
                    raise
        return screen.render("programme.html", status=status, programme=programme,
                             counts=counts, waitlist=waitlist, today=date.today().isoformat(),
                             providers=providers, trainers=trainers,
                             accounts=screen.console.accounts.enabled, **extra)

    @page("GET", "/sertifikasi-ulang", allow=OFFICERS)
    def recertification(self, request, screen):
        """Holders whose certification ends soon, still consenting, with the phone to invite
        them (each read recorded)."""
        return screen.render("recertification.html",
                             due=screen.apis.get("enrollment", "/recertification"))

    @page("GET", "/program/<programme_id>", allow=OFFICERS)
    def programme(self, request, programme_id, screen):
        """A programme: its seats, its waitlist, what is left to do."""
        return self._programme_page(screen, programme_id,
                                    registered=request.args.get("terdaftar"))

    @page("GET", "/program/<programme_id>/kehadiran", allow=OPERATOR)
    def attendance(self, request, programme_id, screen):
        """The attendance sheet of one day, a box per enrolled participant."""
        sheet = screen.apis.get("enrollment", f"/programmes/{programme_id}/attendance-sheet")
        day = _day_within(request.args.get("tanggal"), sheet["programme"])
        present = {p["participant_id"] for p in sheet["participants"] if day in p["attended"]}
        return screen.render("attendance.html", sheet=sheet, day=day, present=present,
                             saved=request.args.get("tersimpan") == "1")

    @page("POST", "/program/<programme_id>/kehadiran", allow=OPERATOR)
    def record_attendance(self, request, programme_id, screen):
        day, present = request.form.get("tanggal", ""), request.form.getlist("hadir")
        try:
            screen.apis.post("enrollment", f"/programmes/{programme_id}/attendance",
                             {"date": day, "present": present})
        except Refused as refused:
            sheet = screen.apis.get("enrollment",
                                    f"/programmes/{programme_id}/attendance-sheet")
            return screen.render("attendance.html", status=refused.status, sheet=sheet,
                                 day=day, present=set(present), error=screen.refusal(refused))
        return screen.redirect(f"/program/{programme_id}/kehadiran?tanggal={day}&tersimpan=1")

    @page("POST", "/program/<programme_id>/alokasi", allow=OPERATOR)
    def allocate(self, request, programme_id, screen):
        """Applications closed: the seats go by the programme's priority."""
        return self._programme_step(screen, programme_id, "allocation", "allocated")

    @page("POST", "/program/<programme_id>/tutup", allow=OPERATOR)
    def close(self, request, programme_id, screen):
        """Apply the completion rule to everyone enrolled; the outcomes go to the LSP."""
        return self._programme_step(screen, programme_id, "close", "closed")

    def _programme_step(self, screen, programme_id: str, step: str, shown: str):
        """A step over the whole programme; the page says its outcome (or the refusal)."""
        try:
            summary = screen.apis.post("enrollment", f"/programmes/{programme_id}/{step}")
        except Refused as refused:
            return self._programme_page(screen, programme_id, status=refused.status,
                                        error=screen.refusal(refused))
        return self._programme_page(screen, programme_id, **{shown: summary})


def _day_within(wanted: str | None, programme: dict) -> str:
    """The day asked for, else today, kept within the programme's dates."""
    day = wanted or date.today().isoformat()
    return min(max(day, programme["start_date"]), programme["end_date"])


PERSON = ("nik", "name", "sex", "birth_date", "phone", "employment_status",
          "domicile_district_code")
EMPLOYMENT = ("job_seeker", "employed", "self_employed", "student")


def _registration(form) -> dict:
    """The registration the form describes: each consent given or refused, in the words the
    person was read (participant.CONSENT_WORDING)."""
    body = {key: form.get(key, "").strip() for key in PERSON}
    body["phone"] = body["phone"] or None
    body["domicile_district_code"] = body["domicile_district_code"] or None
    body["consents"] = [{"purpose": purpose, "granted": form.get(f"setuju-{purpose}") == "1",
                         "source": "Kompeten console, read to the person by the operator",
                         "wording": wording} for purpose, wording in CONSENT_WORDING.items()]
    if form.get("wali_nama", "").strip():
        for consent in body["consents"]:
            consent["guardian"] = {"name": form["wali_nama"].strip(),
                                   "relationship": form.get("wali_hubungan", "parent")}
    return body


class Registration:
    @page("GET", "/peserta/baru", allow=OPERATOR)
    def registration_form(self, request, screen):
        """Register a person once, by NIK, with their consent per purpose (a guardian's under
        18), and enrol them in a programme when one is named."""
        return screen.render("register.html", typed={}, errors={},
                             programme_id=request.args.get("program", ""),
                             employment=EMPLOYMENT, wording=CONSENT_WORDING)

    @page("POST", "/peserta/baru", allow=OPERATOR)
    def register(self, request, screen):
        form, programme_id = request.form, request.form.get("program", "")
        try:
            registered = screen.apis.post("enrollment", "/participants", {
                **_registration(form), "for_programme": programme_id or None})
            if programme_id:
                screen.apis.post("enrollment", f"/programmes/{programme_id}/enrolments",
                                 {"participant_id": registered["participant_id"]})
        except Refused as refused:
            return screen.render("register.html", status=refused.status, typed=form,
                                 errors=field_errors(refused, screen.gettext),
                                 programme_id=programme_id, employment=EMPLOYMENT,
                                 wording=CONSENT_WORDING)
        if programme_id:  # the id is opaque: no personal data in the URL
            return screen.redirect(
                f"/program/{programme_id}?terdaftar={registered['participant_id']}")
        return screen.redirect("/program")

    @page("POST", "/peserta/<participant_id>/undangan", allow=OPERATOR)
    def invite(self, request, participant_id, screen):
        """A sign-in slip for a person the agency registered: a username and a temporary
        password they change at their first sign-in, to see their certificates, offers and
        consents. Shown once, to print or read out; asked again, a new password."""
        person = screen.apis.get("enrollment", f"/participants/{participant_id}")
        slip = screen.console.accounts.invite(person["participant_id"], person["name"])
        return screen.render("slip.html", person=person, slip=slip,
                             address=screen.console.public_url)


class Import:
    @page("GET", "/program/<programme_id>/impor", allow=OPERATOR)
    def import_form(self, request, programme_id, screen):
        """Upload the participant list as received (CSV or XLSX)."""
        programme = screen.apis.get("enrollment", f"/programmes/{programme_id}")
        return screen.render("import.html", programme=programme, wording=CONSENT_WORDING)

    @page("POST", "/program/<programme_id>/impor", allow=OPERATOR)
    def import_file(self, request, programme_id, screen):
        """Every row registered and enrolled, or its errors by row and column; the errors
        to download and fix in the spreadsheet."""
        programme = screen.apis.get("enrollment", f"/programmes/{programme_id}")
        upload = request.files.get("berkas")
        try:
            if upload is None or not upload.filename:
                raise Refused(400, "validation_failed", "no file")
            rows = screen.apis.post("enrollment", f"/programmes/{programme_id}/imports/file", {
                "filename": upload.filename, "wording": CONSENT_WORDING,
                "content": base64.b64encode(upload.read()).decode()})["rows"]
        except Refused as refused:
            return screen.render("import.html", status=refused.status, programme=programme,
                                 wording=CONSENT_WORDING, error=screen.refusal(refused))
        errors = [{"row": r["row"], **e} for r in rows for e in r.get("errors", [])]
        screen.console.sessions.keep(screen.session, f"import-{programme_id}", errors)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return screen.render("import.html", programme=programme, wording=CONSENT_WORDING,
                             counts=counts, errors=errors)

    @page("GET", "/program/<programme_id>/impor/kesalahan.csv", allow=OPERATOR)
    def import_errors(self, request, programme_id, screen):
        """The last import's row errors, to fix in the spreadsheet (row, column, reason)."""
        errors = screen.console.sessions.kept(screen.session, f"import-{programme_id}") or []
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow([screen.gettext("row"), screen.gettext("column"),
                         screen.gettext("reason")])
        for error in errors:
            writer.writerow([error["row"], error["column"],
                             navigation.explain(error["code"], screen.gettext)])
        return screen.file(("\ufeff" + out.getvalue()).encode(), "text/csv",
                           "kesalahan-impor.csv", attachment=True)
