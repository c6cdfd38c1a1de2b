"""The certificate service: issues a certificate for every K decision and lets anyone verify
it by number.

    nameko run --config config.yaml kompeten_certificate.service:CertificateService
"""

from datetime import date

from kompeten_shared.consuming import consume
from kompeten_shared.endpoints import StandardEndpoints
from kompeten_shared.errors import InvalidInput
from kompeten_shared.mongo import Database
from kompeten_shared.publishing import EventPublisher
from kompeten_shared.web import api
from nameko.dependency_providers import Config

from . import certificate, repository
from .repository import Repository


class CertificateService(StandardEndpoints):
    name = "certificate"

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()
    config = Config()

    def _verification_url(self, number: str) -> str:
        return f"{self.config['PUBLIC_URL'].rstrip('/')}/certificates/{number}"

    @consume("assessment", "assessment.decided")
    def on_assessment_decided(self, event):
        decision = event.data
        if decision["overall"] != "K":
            return
        repo = Repository(self.db)
        cert = repo.for_case(decision["case_id"])
        if cert is None:
            issued_on, years = date.today(), int(self.config["VALIDITY_YEARS"])
            series = certificate.series(decision["lsp"]["code"], decision["scheme_code"],
                                        issued_on.year)
            cert = repo.issue(decision["case_id"], series, lambda sequence: (
                certificate.from_decision(decision, sequence, issued_on, years)))
        # Also sent again when the certificate already exists: if an earlier attempt stored it
        # but died before publishing, this repairs it; the stable id lets consumers skip repeats.
        self.publish("certificate.issued", cert.issued_event(self._verification_url(cert.number)),
                     subject=cert.participant_id, event_id=f"{cert.number}:issued")

    @api("GET", "/certificates/<number>")
    def verify(self, request, number):
        cert = Repository(self.db).get(number)
        return cert.public_view(date.today(), self._verification_url(cert.number))

    @api("GET", "/certificates")
    def list_for_participant(self, request):
        participant_id = request.args.get("participant_id")
        if not participant_id:
            raise InvalidInput("participant_id is required", code="missing_parameter",
                               details={"field": "participant_id"})
        return [c.public_view(date.today(), self._verification_url(c.number))
                for c in Repository(self.db).for_participant(participant_id)]
