"""The certificate service: issues a certificate for every K decision and completed training,
and lets anyone verify it by number. Thin nameko entrypoints over handlers.py (use cases in a
unit of work) and the domain core; the public views are the certificate's own (public_view).

    nameko run --config config.yaml kompeten_certificate.service:CertificateService
"""

import json
import logging
from datetime import UTC, date, datetime

from kompeten_chassis.consuming import consume, consume_batches
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.unit_of_work import Relay, UnitsOfWork
from kompeten_chassis.web import PUBLIC, api, cacheable, json_response, load, read_json
from kompeten_shared.errors import NotFound
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from werkzeug.wrappers import Response

from . import (
    ceremony,
    credential,
    handlers,
    page,
    printing,
    repository,
    signing,
    status_list,
    wallet,
)
from .keystore import KeyStore
from .repository import Repository
from .schemas import HolderCheckRequest, StatusChangeRequest

EXPIRY_CHECK_SECONDS = 3600
# How long a cache may serve a certificate's status or a status list unasked: a revocation
# shows everywhere within a minute. Profiles and keys change seldom (a new key signs at once,
# so a verifier meeting an unknown kid fetches the keys again).
STATUS_MAX_AGE, PROFILE_MAX_AGE = 60, 300
OFFICER = ("certificate_officer",)
HOLDER_OR_ISSUER = ("participant", "certificate_officer")
log = logging.getLogger(__name__)


class SigningKeys(DependencyProvider):
    """The issuer's KeyStore in the directory SIGNING_KEYS_DIR; a new installation gets its
    first key there."""

    def setup(self):
        self.store = KeyStore(self.container.config["SIGNING_KEYS_DIR"])
        created = self.store.ensure_one()
        if created:
            log.info("first signing key %s created in %s", created.kid, self.store.directory)

    def get_dependency(self, worker_ctx):
        return self.store


class Ceremonies(DependencyProvider):
    """Each issuer's printed look (ceremony.py) from ISSUERS_DIR, read once at start: a wrong
    file stops the service, naming it."""

    def setup(self):
        self.looks = ceremony.load(self.container.config.get("ISSUERS_DIR"))

    def get_dependency(self, worker_ctx):
        return self.looks


def _now() -> datetime:
    return datetime.now(UTC)


def _wallet_answer(handle) -> Response:
    """OAuth's own shape for the wallet's endpoints: no caching, errors as {error, ...}."""
    try:
        status, body = 200, handle()
    except wallet.WalletError as exc:
        status, body = exc.status, exc.body()
    response = json_response(status, body)
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


class CertificateService(StandardEndpoints, Relay):
    name = "certificate"

    uow = UnitsOfWork(prepare=repository.prepare, repo=Repository)
    keys = SigningKeys()
    ceremonies = Ceremonies()
    publish = EventPublisher()
    config = Config()

    def _verification_url(self, number: str) -> str:
        return handlers.verification_url(self.config["PUBLIC_URL"], number)

    # One certificate per case (Repository.issue_all): a repeat finds it and announces it
    # again. Decisions that arrive together are issued together: a few inserts for a batch.
    @consume_batches("assessment", "assessment.decided")
    def on_assessment_decided(self, events):
        handlers.certify(self.uow, self.keys.signing_key(), events, date.today(),
                         int(self.config["VALIDITY_YEARS"]), self.config["PUBLIC_URL"])

    # One per completion and issuer; a closed programme's cohort comes together.
    @consume_batches("enrollment", "training.completed")
    def on_training_completed(self, events):
        handlers.certify_training(self.uow, self.keys.signing_key(), events, date.today(),
                                  self.config["PUBLIC_URL"])

    # The same identity again changes nothing (Certificate.identify).
    @consume("enrollment", "holder.identified", idempotent=True)
    def on_holder_identified(self, event):
        handlers.holder_identified(self.uow, self.keys.signing_key(), event.data,
                                   self.config["PUBLIC_URL"])

    @timer(interval=EXPIRY_CHECK_SECONDS)
    def notify_expiring(self):
        """certificate.expiring once per certificate, EXPIRING_NOTICE_DAYS (90) ahead, so the
        holder can be invited to re-certification."""
        handlers.notify_expiring(self.uow, date.today(),
                                 int(self.config.get("EXPIRING_NOTICE_DAYS", 90)),
                                 datetime.now(UTC))

    @timer(interval=EXPIRY_CHECK_SECONDS)
    def purge_wallet_secrets(self):
        """Wallet offer codes, access tokens and nonces past their lifetime are deleted."""
        return handlers.purge_wallet_secrets(self.uow, datetime.now(UTC))

    @api("GET", "/certificates/<number>", allow=PUBLIC)
    def verify(self, request, number):
        """Public verification, the QR code's target: JSON for programs, the bilingual page for
        a browser (by its Accept header)."""
        browser = request.accept_mimetypes.best_match(
            ["application/json", "text/html"]) == "text/html"
        try:
            cert = self.uow.repo.get(number)
        except NotFound:
            if not browser:
                raise
            return Response(page.not_found_page(number), status=404, mimetype="text/html")
        view = cert.public_view(date.today(), self._verification_url(cert.number))
        if browser:  # a person scanning the QR code sees today's status: revalidated each time
            return cacheable(request, Response(page.certificate_page(view),
                                               mimetype="text/html"), 0)
        return cacheable(request, json_response(200, view), STATUS_MAX_AGE)

    @api("POST", "/certificates/<number>/holder", allow=PUBLIC)
    def check_holder(self, request, number):
        """Whether a NIK and holder code are those of the certificate's holder: JSON in, JSON
        out; the verification page's form (form-encoded) gets the page with the answer."""
        form = request.mimetype == "application/x-www-form-urlencoded"
        body = (load(HolderCheckRequest(), request.form.to_dict()) if form
                else read_json(request, HolderCheckRequest()))
        cert = self.uow.repo.get(number)
        matches = cert.holder_matches(body["nik"], body["holder_code"])
        if form:
            view = cert.public_view(date.today(), self._verification_url(cert.number))
            return Response(page.certificate_page(view, holder_matches=matches),
                            mimetype="text/html", headers={"Cache-Control": "no-store"})
        return {"number": cert.number, "holder_matches": matches}

    @api("GET", "/certificates/<number>/pdf", allow=HOLDER_OR_ISSUER)
    def get_pdf(self, request, number, caller):
        """The printable certificate, with the holder's full name: for the holder, or the
        issuer's officer to print for them; not to publish. Its second QR code offers the
        credential to a wallet (once, within 30 days)."""
        cert = handlers.certificate_for(self.uow, caller, number)
        looks = self.ceremonies.get(cert.issuer["code"], ceremony.PLAIN)
        offer = None if cert.revocation else handlers.wallet_offer(
            self.uow, caller, number, self.config["PUBLIC_URL"], _now(), wallet.ON_PAPER)
        return Response(printing.render(cert, self._verification_url(cert.number), looks,
                                        offer and offer["offer_url"]),
                        mimetype="application/pdf", headers={
                            "Content-Disposition": f'inline; filename="{cert.number}.pdf"'})

    @api("GET", "/certificates/<number>/credential", allow=HOLDER_OR_ISSUER)
    def get_credential(self, request, number, caller):
        """The signed credential (VC 2.0, Open Badges 3.0, VC-JOSE with Ed25519) to keep and
        show; verify it with the keys at /.well-known/jwks.json."""
        return Response(handlers.credential_for(self.uow, caller, number,
                                                self.keys.signing_key(),
                                                self.config["PUBLIC_URL"]),
                        mimetype=signing.MEDIA_TYPE)

    # into a wallet: OpenID for Verifiable Credential Issuance, pre-authorized code (wallet.py)
    @api("POST", "/certificates/<number>/wallet-offer", allow=HOLDER_OR_ISSUER)
    def wallet_offer(self, request, number, caller):
        """A one-time credential offer (`openid-credential-offer://`, for a QR code) valid for
        ten minutes."""
        return 201, handlers.wallet_offer(self.uow, caller, number, self.config["PUBLIC_URL"],
                                          _now())

    @api("GET", "/.well-known/openid-credential-issuer", allow=PUBLIC)
    def wallet_metadata(self, request):
        return cacheable(request, json_response(200, wallet.metadata(self._issuer_url())),
                         PROFILE_MAX_AGE)

    @api("GET", "/.well-known/oauth-authorization-server", allow=PUBLIC)
    def wallet_authorization_server(self, request):
        return cacheable(request, json_response(
            200, wallet.authorization_server(self._issuer_url())), PROFILE_MAX_AGE)

    @api("POST", "/oid4vci/token", allow=PUBLIC)
    def wallet_token(self, request):
        """OAuth 2.0 token endpoint for the pre-authorized code grant (form-encoded)."""
        return _wallet_answer(lambda: handlers.wallet_token(self.uow, request.form.to_dict(),
                                                            _now()))

    @api("POST", "/oid4vci/nonce", allow=PUBLIC)
    def wallet_nonce(self, request):
        return _wallet_answer(lambda: handlers.wallet_nonce(self.uow, _now()))

    @api("POST", "/oid4vci/credential", allow=PUBLIC)
    def wallet_credential(self, request):
        """The credential bound to the wallet's key; the access token from /oid4vci/token."""
        def answer():
            try:
                body = json.loads(request.get_data(as_text=True) or "null")
            except ValueError:
                body = None
            return handlers.wallet_credential(
                self.uow, self.keys.signing_key(), request.headers.get("Authorization"), body,
                self.config["PUBLIC_URL"], _now())
        return _wallet_answer(answer)

    def _issuer_url(self) -> str:
        return self.config["PUBLIC_URL"].rstrip("/")

    @api("GET", "/.well-known/jwks.json", allow=PUBLIC)
    def jwks(self, request):
        """Every public key the issuer ever signed with, by kid."""
        return cacheable(request, json_response(200, {"keys": self.keys.public_jwks()}),
                         PROFILE_MAX_AGE)

    @api("GET", "/issuers/<code>", allow=PUBLIC)
    def issuer_profile(self, request, code):
        """The issuer's Open Badges 3.0 Profile, at the id its credentials name as issuer."""
        return cacheable(request, json_response(200, credential.profile(
            self.config["PUBLIC_URL"], self.uow.repo.issuer(code),
            self.ceremonies.get(code, ceremony.PLAIN))), PROFILE_MAX_AGE)

    @api("GET", "/issuers/<code>/did.json", allow=PUBLIC)
    def issuer_did(self, request, code):
        """The issuer's did:web document: the public keys that verify what it issued."""
        self.uow.repo.issuer(code)  # 404 for an issuer that issued nothing here
        return cacheable(request, json_response(200, credential.did_document(
            credential.issuer_id(self.config["PUBLIC_URL"], code), self.keys.public_jwks())),
            PROFILE_MAX_AGE)

    @api("GET", "/issuers/<code>/status", allow=PUBLIC)
    def status_list(self, request, code):
        """The issuer's signed Bitstring Status List: each certificate's revocation and
        suspension, issued by the issuer of the certificates it serves."""
        issuer = self.uow.repo.issuer(code)
        # issued as of the minute: an unchanged list signs to the same bytes (Ed25519 is
        # deterministic), so its ETag holds until a status changes or the minute turns
        listed = status_list.list_credential(
            credential.issuer(self.config["PUBLIC_URL"], code, issuer["name"]),
            self.uow.repo.status_values(code), datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:00Z"))
        return cacheable(request, Response(self.keys.signing_key().sign(listed),
                                           mimetype=signing.MEDIA_TYPE), STATUS_MAX_AGE)

    @api("POST", "/certificates/<number>/revoke", body=StatusChangeRequest, allow=OFFICER)
    def revoke(self, request, number, body, caller):
        """Revoke for good, with the reason (a fraud finding, say)."""
        return self._change_status(caller, number, "revoke", body)

    @api("POST", "/certificates/<number>/suspend", body=StatusChangeRequest, allow=OFFICER)
    def suspend(self, request, number, body, caller):
        """Suspend until reinstated, with the reason (a failed surveillance, say)."""
        return self._change_status(caller, number, "suspend", body)

    @api("POST", "/certificates/<number>/reinstate", body=StatusChangeRequest, allow=OFFICER)
    def reinstate(self, request, number, body, caller):
        """Lift a suspension."""
        return self._change_status(caller, number, "reinstate", body)

    def _change_status(self, caller, number: str, action: str, body: dict) -> dict:
        cert = handlers.change_status(self.uow, caller, number, action, body["reason"],
                                      datetime.now(UTC))
        return cert.public_view(date.today(), self._verification_url(cert.number))

    @api("GET", "/certificates", allow=HOLDER_OR_ISSUER)
    def list_certificates(self, request, caller):
        """A participant's certificates (?participant_id=), optionally of one kind (?kind=):
        the participant's own, or those an officer's issuer issued. Without a participant, the
        officer's register: their issuer's latest 100, or those matching ?q= (a number, a
        scheme's code or title)."""
        return [c.public_view(date.today(), self._verification_url(c.number))
                for c in handlers.certificates_of(self.uow, caller,
                                                  request.args.get("participant_id"),
                                                  request.args.get("kind"),
                                                  request.args.get("q"))]

    @api("GET", "/certificates/<number>/history", allow=OFFICER)
    def history(self, request, number, caller):
        """What happened to a certificate, oldest first: its issue, then every revocation,
        suspension and reinstatement with its reason, who and when. For its issuer only."""
        return handlers.certificate_for(self.uow, caller, number).history_view()

    @api("GET", "/keys", allow=OFFICER)
    def signing_keys(self, request, caller):
        """The signing keys' status, newest first: which one signs, since when, which are
        retired (their public part still verifies what they signed). No private part."""
        keys = self.keys.keys()
        signing = next((k.kid for k in reversed(keys) if k.private_jwk), None)
        return [{"kid": k.kid, "algorithm": k.public_jwk.get("crv", k.public_jwk.get("kty")),
                 "created_at": k.created_at, "signing": k.kid == signing,
                 "retired": k.private_jwk is None} for k in reversed(keys)]
