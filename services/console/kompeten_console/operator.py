"""The labour-office operator's screens: the agency's programmes, a programme, the
attendance sheet of a day (on a phone, in a village hall), closing."""

from datetime import date

from .apis import ApiError
from .pages import page, shown_in_form

OPERATOR = ("operator",)
OFFICERS = ("operator", "monitoring_officer")


class Operator:
    @page("GET", "/program", allow=OFFICERS)
    def programmes(self, request, screen):
        """The agency's programmes, the latest first, with their seats."""
        return screen.render("programmes.html", today=date.today().isoformat(),
                             programmes=screen.apis.get("enrollment", "/programmes"))

    def _programme_page(self, screen, programme_id: str, status: int = 200, **extra):
        apis = screen.apis
        programme = apis.get("enrollment", f"/programmes/{programme_id}")
        enrolments = apis.get("enrollment", f"/programmes/{programme_id}/enrolments")
        counts: dict[str, int] = {}
        for enrolment in enrolments:
            counts[enrolment["status"]] = counts.get(enrolment["status"], 0) + 1
        return screen.render("programme.html", status=status, programme=programme,
                             counts=counts, today=date.today().isoformat(), **extra)

    @page("GET", "/program/<programme_id>", allow=OFFICERS)
    def programme(self, request, programme_id, screen):
        """A programme: its seats, its waitlist, what is left to do."""
        return self._programme_page(screen, programme_id)

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
        except ApiError as refused:
            if not shown_in_form(refused):
                raise
            sheet = screen.apis.get("enrollment",
                                    f"/programmes/{programme_id}/attendance-sheet")
            return screen.render("attendance.html", status=refused.status, sheet=sheet,
                                 day=day, present=set(present), error=screen.refusal(refused))
        return screen.redirect(f"/program/{programme_id}/kehadiran?tanggal={day}&tersimpan=1")

    @page("POST", "/program/<programme_id>/tutup", allow=OPERATOR)
    def close(self, request, programme_id, screen):
        """Apply the completion rule to everyone enrolled; the outcomes go to the LSP."""
        try:
            summary = screen.apis.post("enrollment", f"/programmes/{programme_id}/close")
        except ApiError as refused:
            if not shown_in_form(refused):
                raise
            return self._programme_page(screen, programme_id, status=refused.status,
                                        error=screen.refusal(refused))
        return self._programme_page(screen, programme_id, closed=summary)


def _day_within(wanted: str | None, programme: dict) -> str:
    """The day asked for, else today, kept within the programme's dates."""
    day = wanted or date.today().isoformat()
    return min(max(day, programme["start_date"]), programme["end_date"])
