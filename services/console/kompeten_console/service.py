"""The web console: server-rendered screens for the people in the chain, in Bahasa Indonesia
(English on request), over the four services' HTTP APIs called with the person's own token.
Plain HTML forms that work without JavaScript, laid out for a phone first.

    nameko run --config config.yaml kompeten_console.service:ConsoleService
"""

from datetime import date

from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.web import PUBLIC
from kompeten_shared.vocabulary import CONSENT_PURPOSES, ROLES
from werkzeug.wrappers import Response

from . import i18n, navigation, sessions
from .apis import ApiError
from .pages import page, safe_next

SIGN_IN_COOKIE = "kompeten_signin"
OPERATOR = ("operator",)
OFFICERS = ("operator", "monitoring_officer")
PARTICIPANT = ("participant",)
# The wording a participant is shown when they change a consent here (recorded with it).
CONSENT_WORDING = {
    "certification": "Data saya dipakai untuk uji kompetensi dan sertifikat saya.",
    "partner_sharing": "Profil saya (nama, nomor telepon, kabupaten/kota) dibagikan kepada "
                       "perusahaan mitra yang membuka lowongan sesuai sertifikat saya.",
    "follow_up": "Saya dihubungi untuk pemantauan setelah sertifikasi (3 dan 6 bulan).",
}


def _cookie(response: Response, screen, name: str, value: str, max_age: int | None,
            path: str = "/") -> Response:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True,
                        samesite="Lax", secure=screen.console.secure)
    return response


class ConsoleService(StandardEndpoints):
    name = "console"

    # signing in and out, language ---------------------------------------------------------
    @page("GET", "/", allow=PUBLIC)
    def index(self, request, screen):
        """The welcome page, or the person's own first screen once signed in."""
        if screen.caller is not None:
            return screen.redirect(navigation.home(screen.caller))
        return screen.render("welcome.html")

    @page("GET", "/masuk", allow=PUBLIC)
    def sign_in(self, request, screen):
        """Off to the identity provider (authorization code with PKCE), bound to this
        browser by a short-lived cookie."""
        url, state, verifier = screen.console.signin.start(screen.lang)
        binding = screen.console.sessions.begin_sign_in(state, verifier,
                                                        safe_next(request.args.get("next")))
        return _cookie(screen.redirect(url), screen, SIGN_IN_COOKIE, binding,
                       int(sessions.SIGN_IN_WINDOW.total_seconds()), path="/auth")

    @page("GET", "/auth/callback", allow=PUBLIC)
    def signed_in(self, request, screen):
        """Back from the identity provider: the code for tokens, then a session."""
        console = screen.console
        started = console.sessions.finish_sign_in(request.args.get("state", ""),
                                                  request.cookies.get(SIGN_IN_COOKIE))
        if started is None or "code" not in request.args:
            return screen.render("error.html", status=400, title=screen.gettext(
                "The sign-in did not finish"), message=screen.gettext(
                "It took too long or was started in another browser. Sign in again."),
                retry="/masuk")
        token = console.signin.finish(request.args["code"], started["verifier"])
        caller = console.verifier.verify(token["access_token"])
        cookie = console.sessions.open(token, caller)
        then = started["then"] if started["then"] != "/" else navigation.home(caller)
        response = _cookie(screen.redirect(then), screen, sessions.COOKIE, cookie, None)
        response.delete_cookie(SIGN_IN_COOKIE, path="/auth")
        return response

    @page("POST", "/keluar", allow=ROLES)
    def sign_out(self, request, screen):
        """End the session here and at the identity provider."""
        screen.console.sessions.close(screen.session)
        response = screen.redirect(screen.console.signin.sign_out_url(
            screen.session.token.get("id_token"), screen.console.public_url + "/"))
        response.delete_cookie(sessions.COOKIE)
        return response

    @page("GET", "/bahasa/<lang>", allow=PUBLIC)
    def switch_language(self, request, lang, screen):
        """Bahasa Indonesia or English, remembered by this browser."""
        return _cookie(screen.redirect(safe_next(request.args.get("next"))), screen,
                       sessions.LANG_COOKIE, i18n.language(lang), 365 * 24 * 3600)

    @page("GET", "/beranda", allow=ROLES)
    def home(self, request, screen):
        """A signed-in person's home: their screens."""
        return screen.render("home.html")

    # the operator: programmes, attendance, closing --------------------------------------------
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
            if refused.status >= 500 or refused.status in (401, 403, 404):
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
            if refused.status >= 500 or refused.status in (401, 403, 404):
                raise
            return self._programme_page(screen, programme_id, status=refused.status,
                                        error=screen.refusal(refused))
        return self._programme_page(screen, programme_id, closed=summary)

    # the participant: certificates and consents -----------------------------------------------
    @page("GET", "/saya", allow=PARTICIPANT)
    def my_page(self, request, screen):
        """My certificates (PDF, verification page) and my consents."""
        me = screen.caller.participant_id
        return screen.render(
            "me.html", me=screen.apis.get("enrollment", f"/participants/{me}"),
            certificates=screen.apis.get("certificate", "/certificates", participant_id=me),
            purposes=CONSENT_PURPOSES, wording=CONSENT_WORDING, labels=navigation.LABELS)

    @page("POST", "/saya/persetujuan", allow=PARTICIPANT)
    def change_consent(self, request, screen):
        """Give or withdraw one consent, with the wording shown recorded beside it."""
        purpose = request.form.get("tujuan", "")
        if purpose not in CONSENT_WORDING:
            return screen.render("error.html", status=400, title=screen.gettext("Refused"),
                                 message=navigation.explain("validation_failed",
                                                            screen.gettext))
        screen.apis.post("enrollment", f"/participants/{screen.caller.participant_id}/consents",
                         {"purpose": purpose, "granted": request.form.get("beri") == "1",
                          "source": "Kompeten console", "wording": CONSENT_WORDING[purpose]})
        return screen.redirect("/saya")

    @page("GET", "/saya/sertifikat/<number>.pdf", allow=PARTICIPANT)
    def my_certificate_pdf(self, request, number, screen):
        """The printable certificate, fetched for its holder."""
        pdf = screen.apis.download("certificate", f"/certificates/{number}/pdf")
        return Response(pdf.content, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{number}.pdf"',
            "Cache-Control": "no-store"})


def _day_within(wanted: str | None, programme: dict) -> str:
    """The day asked for, else today, kept within the programme's dates."""
    day = wanted or date.today().isoformat()
    return min(max(day, programme["start_date"]), programme["end_date"])
