"""The certificate service: issues a certificate for every K decision and lets anyone verify
it by number.

    nameko run --config config.yaml kompeten_certificate.service:CertificateService
"""

import logging
from datetime import UTC, date, datetime, timedelta

from kompeten_chassis import outbox
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.mongo import Database
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.web import PUBLIC, api
from kompeten_shared.errors import InvalidInput, NotFound
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from werkzeug.wrappers import Response

from . import certificate, issuing, page, printing, repository, signing, status_list
from .keystore import KeyStore
from .repository import Repository
from .schemas import StatusChangeRequest

EXPIRY_CHECK_SECONDS = 3600
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


class CertificateService(StandardEndpoints, outbox.Relay):
    name = "certificate"
    outbox_collections = ("certificates",)

    db = Database(prepare=repository.prepare)
    keys = SigningKeys()
    publish = EventPublisher()
    config = Config()

    def _verification_url(self, number: str) -> str:
        return f"{self.config['PUBLIC_URL'].rstrip('/')}/certificates/{number}"

    @consume("assessment", "assessment.decided")
    def on_assessment_decided(self, event):
        if event.data["overall"] != "K":
            return
        repo = Repository(self.db)
        cert = issuing.certify(repo, self.keys.signing_key(), event.data, date.today(),
                               int(self.config["VALIDITY_YEARS"]), self.config["PUBLIC_URL"])
        self._announce(cert)

    @consume("enrollment", "training.completed")
    def on_training_completed(self, event):
        """Certification-only programmes and apprenticeship intakes train nobody: only a
        completed training earns the labour office's certificate."""
        if event.data["programme_kind"] != "training":
            return
        repo = Repository(self.db)
        cert = issuing.certify_training(repo, self.keys.signing_key(), event.data, date.today(),
                                        self.config["PUBLIC_URL"])
        self._announce(cert)

    def _announce(self, cert: certificate.Certificate) -> None:
        # Also sent again when the certificate already exists: if an earlier attempt stored it
        # but died before publishing, this repairs it; the stable id lets consumers skip repeats.
        self.publish("certificate.issued", cert.issued_event(self._verification_url(cert.number)),
                     subject=cert.participant_id, event_id=f"{cert.number}:issued")

    @timer(interval=EXPIRY_CHECK_SECONDS)
    def notify_expiring(self):
        """certificate.expiring once per certificate, EXPIRING_NOTICE_DAYS (90) ahead, so the
        holder can be invited to re-certification."""
        today = date.today()
        repo = Repository(self.db)
        notice = int(self.config.get("EXPIRING_NOTICE_DAYS", 90))
        for cert in repo.expiring(today, today + timedelta(days=notice)):
            self.publish("certificate.expiring", {
                "certificate_number": cert.number, "participant_id": cert.participant_id,
                "scheme_code": cert.scheme_code, "valid_until": cert.valid_until,
                "days_left": (cert.valid_until - today).days},
                subject=cert.participant_id, event_id=f"{cert.number}:expiring")
            repo.mark_expiry_notified(cert.number, datetime.now(UTC))

    @api("GET", "/certificates/<number>", allow=PUBLIC)
    def verify(self, request, number):
        """Public verification, the QR code's target: JSON for programs, the bilingual page for
        a browser (by its Accept header)."""
        browser = request.accept_mimetypes.best_match(
            ["application/json", "text/html"]) == "text/html"
        try:
            cert = Repository(self.db).get(number)
        except NotFound:
            if not browser:
                raise
            return Response(page.not_found_page(number), status=404, mimetype="text/html")
        view = cert.public_view(date.today(), self._verification_url(cert.number))
        if browser:
            return Response(page.certificate_page(view), mimetype="text/html",
                            headers={"Cache-Control": "no-store"})  # the status can change
        return view

    @api("GET", "/certificates/<number>/pdf", allow=HOLDER_OR_ISSUER)
    def get_pdf(self, request, number, caller):
        """The printable certificate, with the holder's full name: for the holder, or the
        issuer's officer to print for them; not to publish."""
        cert = self._certificate(caller, number)
        return Response(printing.render(cert, self._verification_url(cert.number)),
                        mimetype="application/pdf", headers={
                            "Content-Disposition": f'inline; filename="{cert.number}.pdf"'})

    @api("GET", "/certificates/<number>/credential", allow=HOLDER_OR_ISSUER)
    def get_credential(self, request, number, caller):
        """The signed credential (VC 2.0, Open Badges 3.0, VC-JOSE with Ed25519) to keep and
        show; verify it with the keys at /.well-known/jwks.json."""
        cert = self._certificate(caller, number)
        return Response(cert.credential, mimetype=signing.MEDIA_TYPE)

    @api("GET", "/.well-known/jwks.json", allow=PUBLIC)
    def jwks(self, request):
        """Every public key the issuer ever signed with, by kid."""
        return {"keys": self.keys.public_jwks()}

    @api("GET", "/status/<purpose>", allow=PUBLIC)
    def status_list(self, request, purpose):
        """The signed Bitstring Status List for revocation or suspension."""
        if purpose not in status_list.PURPOSES:
            raise NotFound(f"no status list {purpose}", code="status_list_not_found")
        repo = Repository(self.db)
        listed = status_list.list_credential(
            self.config["PUBLIC_URL"], purpose, repo.status_indices(purpose),
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return Response(self.keys.signing_key().sign(listed), mimetype=signing.MEDIA_TYPE)

    @api("POST", "/certificates/<number>/revoke", body=StatusChangeRequest, allow=OFFICER)
    def revoke(self, request, number, body, caller):
        """Revoke for good, with the reason (a fraud finding, say)."""
        return self._change_status(caller, number, "revoke", "certificate.revoked", body)

    @api("POST", "/certificates/<number>/suspend", body=StatusChangeRequest, allow=OFFICER)
    def suspend(self, request, number, body, caller):
        """Suspend until reinstated, with the reason (a failed surveillance, say)."""
        return self._change_status(caller, number, "suspend", "certificate.suspended", body)

    @api("POST", "/certificates/<number>/reinstate", body=StatusChangeRequest, allow=OFFICER)
    def reinstate(self, request, number, body, caller):
        """Lift a suspension."""
        return self._change_status(caller, number, "reinstate", "certificate.reinstated",
                                   body)

    def _certificate(self, caller, number: str):
        """The certificate, for its holder or an officer of its issuer."""
        cert = Repository(self.db).get(number)
        if not (caller.has("participant") and caller.participant_id == cert.participant_id):
            caller.require(caller.has("certificate_officer")
                           and cert.issuer["code"] in (caller.lsp, caller.agency),
                           "this certificate was issued by another issuer", number=number)
        return cert

    def _change_status(self, caller, number: str, action: str, event_type: str,
                       body: dict) -> dict:
        repo, now = Repository(self.db), datetime.now(UTC)
        cert = self._certificate(caller, number)
        by = caller.actor
        if action == "reinstate":
            cert.reinstate()
        else:
            getattr(cert, action)(body["reason"], by, now)
        # The change and its event in one write (the outbox), sent after it.
        repo.save_status(cert, self.publish.stage(event_type, {
            "certificate_number": cert.number, "participant_id": cert.participant_id,
            "reason": body["reason"], "by": by, "at": now}, subject=cert.participant_id))
        outbox.relay(self.db.certificates, cert.number, self.publish.send)
        return cert.public_view(date.today(), self._verification_url(cert.number))


    @api("GET", "/certificates", allow=HOLDER_OR_ISSUER)
    def list_for_participant(self, request, caller):
        """A participant's certificates (?participant_id=), optionally of one kind (?kind=):
        the participant's own, or those an officer's issuer issued."""
        participant_id, kind = request.args.get("participant_id"), request.args.get("kind")
        if not participant_id:
            raise InvalidInput("participant_id is required", code="missing_parameter",
                               details={"field": "participant_id"})
        if kind is not None and kind not in certificate.KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(certificate.KINDS)}",
                               code="invalid_parameter", details={"field": "kind"})
        own = caller.has("participant") and caller.participant_id == participant_id
        return [c.public_view(date.today(), self._verification_url(c.number))
                for c in Repository(self.db).for_participant(participant_id)
                if kind in (None, c.kind)
                and (own or c.issuer["code"] in (caller.lsp, caller.agency))]
