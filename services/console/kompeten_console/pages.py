"""`@page("GET", "/program", allow=("operator",))`: a screen, with who may open it declared next
to its route, as every API route declares it.

A protected page needs a signed-in person (else the sign-in starts and brings them back) with
one of the roles (else a page saying the screen is not for their role). Every POST carries the
session's CSRF token. The page method gets a `screen`: the person, their language and formats,
the services' APIs with their token, and `render`/`redirect`. A refusal from a service is shown
as a clear page in the person's language, never as a stack trace.
"""

import logging
from dataclasses import dataclass
from urllib.parse import quote

import requests
from jinja2 import Environment, PackageLoader, select_autoescape
from kompeten_chassis.auth import TokenVerifier
from kompeten_chassis.mongo import MongoConnection
from kompeten_chassis.web import PUBLIC
from kompeten_shared.caller import Caller
from kompeten_shared.errors import DomainError, Forbidden, NotFound, Unauthenticated
from nameko.extensions import SharedExtension
from nameko.web.handlers import HttpRequestHandler
from werkzeug.utils import redirect as werkzeug_redirect
from werkzeug.wrappers import Response

from . import i18n, navigation, sessions
from .accounts import Accounts, AccountsUnavailable
from .apis import SERVICES, ApiError, Apis
from .sessions import Session, Sessions
from .signin import SignIn, expired

log = logging.getLogger(__name__)


class SignInRequired(Exception):
    pass


class FormExpired(Exception):
    """A POST without this session's CSRF token: a forged or a stale form."""


class Console(SharedExtension):
    """What every page of one console process shares: templates, the session store, the
    sign-in client, the token verifier and the HTTP connection pool to the services."""

    connection = MongoConnection()

    def setup(self):
        config = self.container.config
        self.public_url = config["PUBLIC_URL"].rstrip("/")
        self.secure = self.public_url.startswith("https://")
        self.signin = SignIn(config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"],
                             f"{self.public_url}/auth/callback")
        self.verifier = TokenVerifier.from_config(config, "console")
        self.urls = {name: config[f"{name.upper()}_URL"].rstrip("/") for name in SERVICES}
        self.http = requests.Session()
        self.accounts = Accounts(config["OIDC_ISSUER"], config["ACCOUNTS_CLIENT_ID"],
                                 config.get("ACCOUNTS_CLIENT_SECRET") or "", self.http)
        self.templates = Environment(loader=PackageLoader("kompeten_console"),
                                     autoescape=select_autoescape())

    def start(self):
        sessions.prepare(self.connection.db)

    @property
    def sessions(self) -> Sessions:
        return Sessions(self.connection.db)

    def screen(self, request) -> "Screen":
        lang = i18n.language(request.cookies.get(sessions.LANG_COOKIE))
        session = self.sessions.find(request.cookies.get(sessions.COOKIE))
        if session is not None and expired(session.token):
            session = self._refreshed(session)
        caller = session.caller if session else None
        zone = i18n.zone_of(i18n.region_of_agency(caller.agency if caller else None))
        apis = Apis(self.urls, session.token["access_token"], self.http) if session else None
        return Screen(self, request, lang, i18n.Formats(lang, zone), session, caller, apis)

    def _refreshed(self, session: Session) -> Session | None:
        """A new access token before the old one lapses; None when the sign-in has ended."""
        try:
            token = self.signin.refresh(session.token["refresh_token"])
            self.verifier.verify(token["access_token"])
        except Exception as exc:  # the identity provider ended the sign-in
            log.info("session ended at refresh: %s", type(exc).__name__)
            self.sessions.close(session)
            return None
        self.sessions.touch(session, token)
        session.token = token
        return session


@dataclass
class Screen:
    console: Console
    request: object
    lang: str
    formats: i18n.Formats
    session: Session | None
    caller: Caller | None
    apis: Apis | None

    def gettext(self, message: str, **values) -> str:
        text = i18n.translations(self.lang).gettext(message)
        return text % values if values else text

    def render(self, template: str, status: int = 200, **context) -> Response:
        nav = navigation.links(self.caller) if self.caller else []
        page = self.console.templates.get_template(template).render(
            _=self.gettext, lang=self.lang, f=self.formats, caller=self.caller, nav=nav,
            current=navigation.current(nav, self.request.path), labels=navigation.LABELS,
            refusals=navigation.REFUSALS, generic=navigation.GENERIC,
            csrf=self.session.csrf if self.session else "", path=self.request.path,
            **context)
        response = Response(page, status=status, mimetype="text/html")
        # Pages carry personal data: never cached, never framed.
        response.headers.update({"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Referrer-Policy": "same-origin",
                                 "X-Content-Type-Options": "nosniff"})
        return response

    def fetched(self, service: str, path: str, filename: str,
                attachment: bool = False) -> Response:
        """A file a service holds, fetched with this person's token."""
        answer = self.apis.download(service, path)
        return self.file(answer.content, answer.headers.get("Content-Type"), filename,
                         attachment)

    def file(self, content: bytes, mimetype: str, filename: str,
             attachment: bool = False) -> Response:
        """A file for this person, never cached."""
        disposition = "attachment" if attachment else "inline"
        return Response(content, mimetype=mimetype, headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "no-store"})

    def redirect(self, path: str) -> Response:
        return werkzeug_redirect(path, code=303)

    def refusal(self, error: ApiError) -> str:
        """A service's refusal, said in the person's language."""
        return navigation.explain(error.code, self.gettext)


def field_errors(refused: ApiError, gettext) -> dict[str, str]:
    """Which field each refusal concerns, said in the person's language ("form" when it
    concerns none)."""
    if refused.code == "validation_failed" and isinstance(refused.details, dict):
        return {field: gettext("Check this field.") for field in refused.details}
    field = refused.details.get("field") if isinstance(refused.details, dict) else None
    found = {field or "form": navigation.explain(refused.code, gettext)}
    if refused.code == "not_eligible":  # each rule failed, beside its field where the form has it
        found.update({r["field"]: navigation.explain(r["code"], gettext)
                      for r in refused.details.get("refusals", [])
                      if r["code"] in navigation.REFUSALS})
    return found


def safe_next(path: str | None) -> str:
    """Only a path on this console (never another site) to return to after signing in."""
    return path if path and path.startswith("/") and not path.startswith("//") else "/"


class Page(HttpRequestHandler):
    console = Console()

    def __init__(self, method, url, allow=None, **kwargs):
        if allow != PUBLIC and not (isinstance(allow, tuple) and allow):
            raise TypeError(f"{method} {url}: declare who may open it, allow=PUBLIC or "
                            "allow=(role, ...)")
        self.allow = allow
        super().__init__(method, url, **kwargs)

    def get_entrypoint_parameters(self, request):
        screen = self.console.screen(request)
        request.screen = screen  # for the error page, in the person's language
        if self.allow != PUBLIC:
            if screen.caller is None:
                raise SignInRequired()
            if not screen.caller.has(*self.allow):
                raise Forbidden("not for this role", code="role_required")
            self.console.sessions.touch(screen.session)
        if request.method == "POST" and (screen.session is None or
                                         request.form.get("csrf") != screen.session.csrf):
            raise FormExpired()
        args, kwargs = super().get_entrypoint_parameters(request)
        kwargs["screen"] = screen
        return args, kwargs

    def handle_request(self, request):
        result = super().handle_request(request)
        return self.error_page(request, result.exc) if isinstance(result, Failure) else result

    def response_from_result(self, result):
        return result

    def response_from_exception(self, exc):
        return Failure(exc)

    def error_page(self, request, exc) -> Response:
        screen = getattr(request, "screen", None) or self.console.screen(request)
        if isinstance(exc, SignInRequired):
            return screen.redirect(f"/masuk?next={quote(request.full_path.rstrip('?'))}")
        if isinstance(exc, FormExpired):
            return screen.render("error.html", status=400, title=screen.gettext(
                "This form has expired"), message=screen.gettext(
                "Open the page again and send the form once more."))
        if isinstance(exc, ApiError) and exc.status == 401:
            exc = Unauthenticated(exc.message)
        if isinstance(exc, Unauthenticated):
            if screen.session:
                self.console.sessions.close(screen.session)
            return screen.redirect("/masuk")
        if isinstance(exc, Forbidden) or (isinstance(exc, ApiError) and exc.status == 403):
            return screen.render("error.html", status=403, title=screen.gettext(
                "This page is not for you"), message=screen.gettext(
                "It belongs to another role, agency, LSP or employer. Your own work is on "
                "your home page."))
        if isinstance(exc, NotFound) or (isinstance(exc, ApiError) and exc.status == 404):
            return screen.render("error.html", status=404, title=screen.gettext(
                "Not found"), message=screen.gettext("It does not exist, or no longer does."))
        if isinstance(exc, ApiError | DomainError):
            code = exc.code
            return screen.render("error.html", status=getattr(exc, "status", 422),
                                 title=screen.gettext("Refused"),
                                 message=navigation.explain(code, screen.gettext))
        if isinstance(exc, AccountsUnavailable):
            log.warning("accounts: %s", exc)
            return screen.render("error.html", status=503, title=screen.gettext(
                "The sign-in account could not be opened"), message=screen.gettext(
                "The identity provider did not answer as expected. Try again in a moment; if "
                "it happens again, tell your administrator."))
        log.error("unhandled error in %s %s", self.method, self.url, exc_info=exc)
        return screen.render("error.html", status=500, title=screen.gettext(
            "Something went wrong"), message=screen.gettext(
            "The console could not finish this. Try again; if it happens again, tell your "
            "administrator."))


@dataclass
class Failure:
    exc: Exception


page = Page.decorator
