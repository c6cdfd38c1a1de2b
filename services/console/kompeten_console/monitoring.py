"""The monitoring officer's screens: the follow-ups due after certification (who to call), the
check-in form, and the follow-up report with its chart."""

from datetime import date

from kompeten_shared.vocabulary import FOLLOW_UP_STATUSES

from .apis import Refused
from .pages import page

MONITOR = ("monitoring_officer",)
MAX_DUE = 200  # people to call in one sitting; the rest show the next time


class Monitoring:
    @page("GET", "/pemantauan", allow=MONITOR)
    def follow_ups(self, request, screen):
        """Check-ins due now, with the graduate's name and phone to call (each read recorded
        for the purpose follow_up), and the report."""
        return self._follow_ups(screen, saved=request.args.get("tersimpan") == "1")

    def _follow_ups(self, screen, status: int = 200, **extra):
        apis, today = screen.apis, date.today().isoformat()
        due = sorted((c for c in apis.get("placement", "/check-ins")
                      if c["status"] is None and c["due_on"] <= today),
                     key=lambda c: c["due_on"])[:MAX_DUE]
        # One read for everyone due (another agency's graduates are left out), recorded.
        wanted = list(dict.fromkeys(c["participant_id"] for c in due))
        people = {p["participant_id"]: p for p in apis.get(
            "enrollment", "/participants", id=wanted, purpose="follow_up")} if wanted else {}
        report = apis.get("placement", "/reports/follow-up")
        titles = {p["id"]: p["title"] for p in apis.get("enrollment", "/programmes")}
        absorption = apis.get("placement", "/reports/absorption")["employers"]
        return screen.render("follow_ups.html", status=status, due=due, people=people,
                             report=report, titles=titles, statuses=FOLLOW_UP_STATUSES,
                             absorption=absorption, **extra)

    @page("POST", "/pemantauan/<check_in_id>", allow=MONITOR)
    def record_check_in(self, request, check_in_id, screen):
        """What the graduate said on the phone."""
        try:
            screen.apis.post("placement", f"/check-ins/{check_in_id}", {
                "status": request.form.get("status", ""),
                "obstacles": request.form.get("kendala", "").strip() or None})
        except Refused as refused:
            return self._follow_ups(screen, status=refused.status,
                                    error=screen.refusal(refused))
        return screen.redirect("/pemantauan?tersimpan=1")
