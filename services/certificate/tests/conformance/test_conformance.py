"""Every kind of certificate, its issuer's status list and its issuer's profile, judged by the
published standards and by libraries other than the ones that made them (see the
`conformance` fixture): what an independent verifier or wallet would find."""

from datetime import UTC, date, datetime

import pytest
from kompeten_certificate import ceremony, certificate, credential, status_list
from kompeten_certificate.signing import SigningKey
from kompeten_shared import holder

BASE = "https://sertifikat.example"
NIK = "3513084107950002"
KEY = SigningKey.generate(datetime(2026, 11, 26, tzinfo=UTC))
DECISION = {
    "case_id": "c-1", "participant_id": "p-1", "programme_id": "g-1", "scheme_code": "BTK-CTG",
    "scheme_title": "Pembatik Tulis (Canting)",
    "lsp": {"code": "LSP-KRI", "name": "LSP Kriya Nusantara"},
    "units": [{"code": "C.13BTK00.007.1", "title": "Membatik dengan Canting", "result": "K"},
              {"code": "C.13BTK00.010.1", "title": "Mewarnai Kain Batik", "result": "K"}],
    "holder_name": "Sulastri",
}
COMPLETION = {"participant_id": "p-2", "programme_id": "g-7", "scheme_code": "GAR-OMP",
              "programme_title": "Pelatihan Menjahit Berbasis Kompetensi",
              "organiser": "Dinas Tenaga Kerja Kabupaten Probolinggo", "region_code": "3513",
              "asesi_name": "Wulan Sari", "certificates": ["agency", "kemnaker"]}


def kinds() -> dict[str, certificate.Certificate]:
    """A BNSP certification through an LSP, an agency's training certificate (no end date)
    and a Kemnaker training certificate, each with its holder identified by enrollment; and one
    as it is in the moment before that."""
    certified = certificate.from_decision(DECISION, 7, date(2026, 11, 26), 3, status_index=41)
    agency, kemnaker = (certificate.from_training(COMPLETION, issuer, 3, date(2026, 11, 26),
                                                  status_index=42 + n)
                        for n, issuer in enumerate(certificate.training_issuers(COMPLETION)))
    unidentified = certificate.from_decision(DECISION, 8, date(2026, 11, 26), 3,
                                             status_index=44)
    for cert in (certified, agency, kemnaker):
        cert.identify(cert.participant_id, holder.identity_hash(NIK, cert.number[-16:]))
    return {"certification": certified, "agency training": agency,
            "kemnaker training": kemnaker, "holder not yet identified": unidentified}


KINDS = kinds()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_certificate_is_a_valid_open_badges_3_credential(kind, conformance):
    vc = credential.build(KINDS[kind], BASE)
    assert conformance.schema_errors("credential", vc) == []
    assert conformance.undefined_terms(vc) == set()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_verifies_with_an_independent_jose_library(kind, conformance):
    vc = credential.build(KINDS[kind], BASE)
    assert conformance.verified_claims(KEY.sign(vc), {"keys": [KEY.public_jwk]}) == vc


def test_the_schema_and_the_processor_do_refuse_what_is_not_conformant(conformance):
    """The judges can fail: yesterday's shape (two status entries, an unknown alignment
    type) and a term no context defines are caught."""
    vc = credential.build(KINDS["certification"], BASE)
    vc["credentialStatus"] = [vc["credentialStatus"], vc["credentialStatus"]]
    vc["credentialSubject"]["achievement"]["alignment"][0]["targetType"] = "Competency"
    errors = conformance.schema_errors("credential", vc)
    assert any(e.startswith("credentialStatus") for e in errors)
    assert any("targetType" in e for e in errors)
    assert conformance.undefined_terms({**vc, "nomorInduk": "x"}) == {
        "https://www.w3.org/ns/credentials/undefined-term#nomorInduk"}


def test_the_status_list_is_issued_by_the_issuer_of_the_credentials_it_serves(conformance):
    vc = credential.build(KINDS["certification"], BASE)
    entry = vc["credentialStatus"]
    listed = status_list.list_credential(
        vc["issuer"], {41: status_list.value("fraud", "surveillance"), 43: status_list.SUSPENDED},
        "2026-11-26T00:00:00Z")
    assert listed["id"] == entry["statusListCredential"]
    assert listed["issuer"]["id"] == vc["issuer"]["id"]
    assert conformance.undefined_terms(listed) == set()
    signed = conformance.verified_claims(KEY.sign(listed), {"keys": [KEY.public_jwk]})
    encoded = signed["credentialSubject"]["encodedList"]
    values = [conformance.status_entry(encoded, i, entry["statusSize"]) for i in (40, 41, 43)]
    assert values == [0, 0b11, 0b01]
    messages = {int(m["status"], 16): m["message"] for m in entry["statusMessage"]}
    assert [messages[v] for v in values] == ["valid", "revoked", "suspended"]


def test_the_issuer_profile_is_a_valid_open_badges_3_profile(conformance):
    looks = ceremony.Ceremony(signatory="Dra. Sri Wahyuni", position="Ketua LSP Kriya Nusantara",
                              place="Pekalongan", url="https://lsp-kriya.example",
                              email="sertifikasi@lsp-kriya.example", licence="BNSP-LSP-2345-ID")
    profile = credential.profile(BASE, {"code": "LSP-KRI", "name": "LSP Kriya Nusantara"}, looks)
    assert profile["id"] == credential.build(KINDS["certification"], BASE)["issuer"]["id"]
    assert conformance.schema_errors("profile", profile) == []
    assert conformance.undefined_terms(profile) == set()
    assert {i["identifierType"]: i["identifier"] for i in profile["otherIdentifier"]} == {
        "ext:DID": "did:web:sertifikat.example:issuers:LSP-KRI",
        "ext:BNSPLicence": "BNSP-LSP-2345-ID"}
    plain = credential.profile(BASE, {"code": "KEMNAKER", "name": "Kemnaker"}, ceremony.PLAIN)
    assert conformance.schema_errors("profile", plain) == []


def test_the_did_web_document_resolves_from_the_issuer_url_and_lists_every_key():
    old, new = KEY, SigningKey.generate(datetime(2026, 11, 27, tzinfo=UTC))
    document = credential.did_document("https://sertifikat.example:8443/issuers/LSP-KRI",
                                       [old.public_jwk, new.public_jwk])
    assert document["id"] == "did:web:sertifikat.example%3A8443:issuers:LSP-KRI"
    assert [m["publicKeyJwk"]["kid"] for m in document["verificationMethod"]] == [
        old.kid, new.kid]
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]
