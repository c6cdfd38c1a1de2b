"""Signed credentials, checked by the independent verifier (no jwcrypto on that side)."""

import base64
import json
from datetime import UTC, date, datetime

import pytest
from kompeten_certificate import certificate, credential
from kompeten_certificate.signing import SigningKey
from kompeten_certificate.verify import NotValid, verify

DECISION = {
    "case_id": "c-1", "participant_id": "p-1", "programme_id": "g-1", "scheme_code": "GAR-OMP",
    "scheme_title": "Operator Menjahit Pakaian",
    "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
    "units": [{"code": "C.14GAR02.007.1", "title": "Mengoperasikan Mesin Jahit",
               "result": "K"}],
    "holder_name": "Siti Rahmawati",
}
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
KEY = SigningKey.generate(NOW)


def jwks(keys: list[SigningKey]) -> dict:
    """What the issuer publishes at /.well-known/jwks.json."""
    return {"keys": [key.public_jwk for key in keys]}


def signed(key=KEY) -> tuple[dict, str]:
    cert = certificate.from_decision(DECISION, 7, date(2026, 11, 24), 3, status_index=41)
    vc = credential.build(cert, "https://sertifikat.example")
    return vc, key.sign(vc)


def test_the_credential_has_the_vc_2_and_open_badges_3_shape():
    vc, _ = signed()
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["validFrom"] == "2026-11-24T00:00:00Z"
    assert vc["validUntil"] == "2029-11-23T23:59:59Z"
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Operator Menjahit Pakaian"
    assert achievement["alignment"][0]["targetCode"] == "C.14GAR02.007.1"
    assert vc["id"] == "https://sertifikat.example/certificates/LSP-GNI.GAR-OMP.2026.000007"


def test_a_signed_credential_verifies_with_only_the_public_keys():
    vc, token = signed()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": KEY.kid}
    assert "d" not in jwks([KEY])["keys"][0]  # no private part is published
    assert verify(token, jwks([KEY])["keys"], NOW) == vc


def tampered(token: str, change) -> str:
    header, payload, signature = token.split(".")
    vc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(vc)
    forged = base64.urlsafe_b64encode(json.dumps(vc).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("change", [
    lambda vc: vc["credentialSubject"]["achievement"]["alignment"][0].update(
        targetCode="C.14GAR02.015.1"),
    lambda vc: vc.update(validUntil="2039-11-23T23:59:59Z"),
    lambda vc: vc["credentialSubject"].update(name="Someone Else"),
])
def test_a_changed_unit_date_or_name_fails(change):
    _, token = signed()
    with pytest.raises(NotValid, match="altered"):
        verify(tampered(token, change), jwks([KEY])["keys"], NOW)


def test_rotation_keeps_old_certificates_verifiable():
    new_key = SigningKey.generate(NOW)
    _, old_token = signed(KEY)
    _, new_token = signed(new_key)
    published = jwks([KEY, new_key])["keys"]
    assert verify(old_token, published, NOW) and verify(new_token, published, NOW)
    with pytest.raises(NotValid, match="no Ed25519 key"):
        verify(old_token, jwks([new_key])["keys"], NOW)


def test_outside_its_validity_or_malformed_is_not_valid():
    _, token = signed()
    with pytest.raises(NotValid, match="validity"):
        verify(token, jwks([KEY])["keys"], datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(NotValid, match="compact JWS"):
        verify("not-a-jws", jwks([KEY])["keys"], NOW)


def test_the_status_list_holds_two_bits_per_certificate_revoked_and_suspended():
    from kompeten_certificate import status_list

    values = {0: status_list.REVOKED, 7: status_list.SUSPENDED, 8: 0b11, 131_071: 0b10}
    encoded = status_list.encode(values)
    assert encoded.startswith("u")
    assert [status_list.value_at(encoded, i) for i in (0, 1, 7, 8, 9, 131_071)] == [
        0b10, 0, 0b01, 0b11, 0, 0b10]
    assert status_list.value("fraud", None) == 0b10
    assert status_list.value(None, "surveillance") == 0b01
    assert status_list.value(None, None) == 0


def test_the_credential_names_one_status_entry_in_its_issuers_list():
    vc, _ = signed()
    entry = vc["credentialStatus"]
    assert entry["statusListCredential"] == "https://sertifikat.example/issuers/LSP-GNI/status"
    assert vc["issuer"]["id"] == "https://sertifikat.example/issuers/LSP-GNI"
    assert (entry["statusPurpose"], entry["statusListIndex"], entry["statusSize"]) == (
        "message", "41", 2)
    assert [m["message"] for m in entry["statusMessage"]] == [
        "valid", "suspended", "revoked", "revoked"]


def test_a_training_certificate_is_a_completion_that_does_not_expire():
    completion = {"participant_id": "p-2", "programme_id": "g-7", "scheme_code": "GAR-OMP",
                  "programme_title": "Pelatihan Menjahit Dasar", "organiser": "Disnaker Bandung",
                  "region_code": "3204", "asesi_name": "Wulan Sari"}
    [issuer] = certificate.training_issuers(completion)
    cert = certificate.from_training(completion, issuer, 3, date(2026, 11, 24), status_index=5)
    assert cert.number == "DISNAKER-3204.GAR-OMP.2026.000003"
    assert cert.status(date(2099, 1, 1)) == "valid"
    vc = credential.build(cert, "https://sertifikat.example")
    assert "validUntil" not in vc
    assert vc["credentialSubject"]["achievement"]["achievementType"] == "CertificateOfCompletion"
    assert verify(KEY.sign(vc), jwks([KEY])["keys"], datetime(2099, 1, 1, tzinfo=UTC)) == vc
