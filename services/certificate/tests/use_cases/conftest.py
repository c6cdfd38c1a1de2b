"""An in-memory stand-in for the certificate repository: one certificate per source, numbers
in sequence per series, without a database."""

import copy
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from kompeten_certificate.certificate import Certificate
from kompeten_certificate.service import CertificateService
from kompeten_certificate.signing import SigningKey
from kompeten_chassis.testing import InMemoryRepository, fake_unit_of_work
from kompeten_shared.errors import NotFound
from nameko.testing.services import worker_factory


class InMemoryCertificates(InMemoryRepository):
    def __init__(self):
        super().__init__()
        self.certificates: dict[str, Certificate] = {}
        self.sources: dict[str, str] = {}

    def issue_all(self, wanted):
        for one in wanted:
            if one.source not in self.sources:
                sequence = sum(1 for n in self.certificates if n.startswith(one.series)) + 1
                cert = one.make(sequence, len(self.certificates) + 1,
                                self.for_participant(one.participant_id))
                self.certificates[cert.number], self.sources[one.source] = cert, cert.number
        return [self.get(self.sources[one.source]) for one in wanted]

    def get(self, number):
        if number not in self.certificates:
            raise NotFound(f"no certificate {number}", code="certificate_not_found")
        return copy.deepcopy(self.certificates[number])

    def mark_renewed(self, number, by):
        self.certificates[number].renewed_by = by

    def save_status(self, cert, staged):
        stored = self.certificates[cert.number]
        stored.revocation, stored.suspension = cert.revocation, cert.suspension
        stored.history = list(cert.history)
        self.keep(staged)

    def for_participant(self, participant_id):
        return [copy.deepcopy(c) for n, c in sorted(self.certificates.items())
                if c.participant_id == participant_id]

@pytest.fixture
def service():
    key = SigningKey.generate(datetime.now(UTC))
    return worker_factory(
        CertificateService, uow=fake_unit_of_work("certificate", repo=InMemoryCertificates()),
        keys=SimpleNamespace(signing_key=lambda: key, public_jwks=lambda: [key.public_jwk]),
        config={"VALIDITY_YEARS": "3", "PUBLIC_URL": "https://verify.test"})
