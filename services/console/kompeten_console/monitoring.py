"""The monitoring officer's screens: the follow-ups due after certification (who to call), the
check-in form, and the follow-up report with its chart."""

from datetime import date

from .apis import ApiError
from .pages import page, shown_in_form

MONITOR = ("monitoring_officer",)
STATUSES = ("employed", "self_employed", "apprenticing", "still_looking")


class Monitoring:
    @page("GET", "/pemantauan", allow=MONITOR)
    def follow_ups(self, request, screen):
        """Check-ins due now, with the graduate's name and phone to call (each read recorded
        for the purpose follow_up), and the report."""
        return self._follow_ups(screen, saved=request.args.get("tersimpan") == "1")

    def _follow_ups(self, screen, status: int = 200, **extra):
        apis, today = screen.apis, date.today().isoformat()
        due = [c for c in apis.get("placement", "/check-ins")
               if c["status"] is None and c["due_on"] <= today]
        people = {}
        for check_in in due:
            pid = check_in["participant_id"]
            if pid not in people:
                try:
                    people[pid] = apis.get("enrollment", f"/participants/{pid}",
                                           purpose="follow_up")
                except ApiError as refused:  # registered by another agency
                    if refused.status != 403:
                        raise
        report = apis.get("placement", "/reports/follow-up")
        titles = {p["id"]: p["title"] for p in apis.get("enrollment", "/programmes")}
        absorption = apis.get("placement", "/reports/absorption")["employers"]
        return screen.render("follow_ups.html", status=status, due=due, people=people,
                             report=report, titles=titles, statuses=STATUSES,
                             absorption=absorption, **extra)

    @page("POST", "/pemantauan/<check_in_id>", allow=MONITOR)
    def record_check_in(self, request, check_in_id, screen):
        """What the graduate said on the phone."""
        try:
            screen.apis.post("placement", f"/check-ins/{check_in_id}", {
                "status": request.form.get("status", ""),
                "obstacles": request.form.get("kendala", "").strip() or None})
        except ApiError as refused:
            if not shown_in_form(refused):
                raise
            return self._follow_ups(screen, status=refused.status,
                                    error=screen.refusal(refused))
        return screen.redirect("/pemantauan?tersimpan=1")
