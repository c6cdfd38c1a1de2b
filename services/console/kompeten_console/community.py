"""The monitoring officer's community after certification: the agency's groups of graduates
(who consent to follow-up), announcements and job information sent to them, their progress and
obstacles over time (the follow-up check-ins), the mentors and whom they mentor."""

from .apis import Refused
from .pages import field_errors, page

OFFICERS = ("monitoring_officer", "operator")
KINDS = ("announcement", "job")


class Community:
    @page("GET", "/komunitas", allow=OFFICERS)
    def communities(self, request, screen):
        """The agency's communities, and a new one from its programmes."""
        return self._list(screen)

    def _list(self, screen, status: int = 200, **extra):
        return screen.render("communities.html", status=status, **{
            "communities": screen.apis.get("enrollment", "/communities"),
            "programmes": screen.apis.get("enrollment", "/programmes"), "errors": {},
            "typed": {}, **extra})

    @page("POST", "/komunitas", allow=OFFICERS)
    def create(self, request, screen):
        form = request.form
        try:
            made = screen.apis.post("enrollment", "/communities", {
                "name": form.get("nama", "").strip(),
                "programme_ids": form.getlist("program")})
        except Refused as refused:
            return self._list(screen, status=refused.status,
                              errors=field_errors(refused, screen.gettext), typed=form)
        return screen.redirect(f"/komunitas/{made['id']}")

    @page("GET", "/komunitas/<community_id>", allow=OFFICERS)
    def community(self, request, community_id, screen):
        """Members by name with their latest check-in (progress, obstacles), the posts, the
        mentors and their mentees."""
        return self._page(screen, community_id, sent=request.args.get("terkirim"))

    def _page(self, screen, community_id: str, status: int = 200, **extra):
        apis = screen.apis
        found = apis.get("enrollment", f"/communities/{community_id}")
        progress: dict[str, list[dict]] = {}  # each member's answers, 3 months, 6 months...
        if "monitoring_officer" in screen.caller.roles:
            for programme_id in found["programme_ids"]:
                for check_in in apis.get("placement", "/check-ins", programme_id=programme_id):
                    if check_in["status"]:
                        progress.setdefault(check_in["participant_id"], []).append(check_in)
        for answers in progress.values():
            answers.sort(key=lambda c: c["months"])
        names = {m["participant_id"]: m["name"] for m in found["members"]}
        return screen.render("community.html", status=status, **{
            "community": found, "progress": progress, "names": names, "kinds": KINDS,
            "errors": {}, "typed": {}, **extra})

    @page("POST", "/komunitas/<community_id>/kabar", allow=OFFICERS)
    def post(self, request, community_id, screen):
        """An announcement or job information to every member, on their own channel."""
        form = request.form
        try:
            sent = screen.apis.post("enrollment", f"/communities/{community_id}/posts", {
                "kind": form.get("jenis", ""), "title": form.get("judul", "").strip(),
                "text": form.get("isi", "").strip()})
        except Refused as refused:
            return self._page(screen, community_id, status=refused.status,
                              errors=field_errors(refused, screen.gettext), typed=form)
        return screen.redirect(f"/komunitas/{community_id}?terkirim={sent['sent_to']}")

    @page("POST", "/komunitas/<community_id>/mentor", allow=OFFICERS)
    def mentor(self, request, community_id, screen):
        """A member becomes a mentor for newer participants."""
        try:
            screen.apis.post("enrollment", f"/communities/{community_id}/mentors",
                             {"participant_id": request.form.get("peserta", "")})
        except Refused as refused:
            return self._page(screen, community_id, status=refused.status,
                              refusal=screen.refusal(refused))
        return screen.redirect(f"/komunitas/{community_id}")
