"""Issuing: a certification after a K decision, a training certificate after a completed
training, each numbered, placed in the status lists and signed. One certificate per source,
whatever the redelivery or the number of service instances (see Repository.issue)."""

from datetime import date

from . import certificate, credential
from .certificate import Certificate
from .repository import Repository
from .signing import SigningKey


def certify(repo: Repository, key: SigningKey, decision: dict, today: date,
            default_years: int, public_url: str) -> Certificate:
    """The LSP's certificate for a K decision. A holder certified in the same scheme before
    gets a renewal: the new certificate names the one it renews, and that one names it back."""
    years = decision["validity_years"] or default_years
    previous = repo.renewable(decision["participant_id"], decision["scheme_code"])

    def make(sequence: int, status_index: int) -> Certificate:
        cert = certificate.from_decision(decision, sequence, today, years, status_index)
        cert.renews = previous.number if previous else None
        return _signed(cert, key, public_url)

    cert = repo.issue(decision["case_id"],
                      certificate.series(decision["lsp"]["code"], decision["scheme_code"],
                                         today.year), make)
    if cert.renews:
        repo.mark_renewed(cert.renews, cert.number)
    repo.set_latest(cert)
    return cert


def certify_training(repo: Repository, key: SigningKey, completion: dict, today: date,
                     public_url: str) -> Certificate:
    """The labour office's certificate for a completed training programme."""
    issuer = certificate.training_issuer(completion["organiser"], completion["region_code"])

    def make(sequence: int, status_index: int) -> Certificate:
        return _signed(certificate.from_training(completion, sequence, today, status_index),
                       key, public_url)

    return repo.issue(certificate.training_source(completion),
                      certificate.series(issuer["code"], completion["scheme_code"], today.year),
                      make)


def _signed(cert: Certificate, key: SigningKey, public_url: str) -> Certificate:
    cert.credential = key.sign(credential.build(cert, public_url))
    return cert
