"""The web console: server-rendered screens for the people in the chain, in Bahasa Indonesia
(English on request), over the four services' HTTP APIs called with the person's own token.
Plain HTML forms that work without JavaScript, laid out for a phone first.

    nameko run --config config.yaml kompeten_console.service:ConsoleService
"""

from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.web import PUBLIC
from kompeten_shared.vocabulary import ROLES
from werkzeug.wrappers import Response

from . import i18n, navigation, sessions
from .assessment import Asesor, LspAdmin, Plenary, Registry
from .bnsp import BnspReport
from .certificates import CertificateOfficer
from .community import Community
from .employer import Agreements, Employer
from .monitoring import Monitoring
from .operator import Import, Operator, Registration
from .pages import page, safe_next
from .participant import Participant

SIGN_IN_COOKIE = "kompeten_signin"


def _cookie(response: Response, screen, name: str, value: str, max_age: int | None,
            path: str = "/") -> Response:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True,
                        samesite="Lax", secure=screen.console.secure)
    return response


class ConsoleService(StandardEndpoints, Operator, Registration, Import, Monitoring, Community,
                     Participant, LspAdmin, Registry, BnspReport, Asesor, Plenary,
                     CertificateOfficer, Employer, Agreements):
    """Every screen: signing in and out and the language here, each role's in its module."""

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
