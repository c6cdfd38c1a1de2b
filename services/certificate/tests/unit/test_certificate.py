from datetime import date

import pytest
from kompeten_certificate import certificate


def test_numbers_are_per_issuer_scheme_and_year():
    assert certificate.number("LSP-GNI", "GAR-OMP", 2026, 14) == "LSP-GNI.GAR-OMP.2026.000014"


def test_a_number_splits_back_into_series_and_sequence():
    assert certificate.series_of("LSP-GNI.GAR-OMP.2026.000014") == ("LSP-GNI.GAR-OMP.2026", 14)


def test_three_years_validity_ends_the_day_before_the_anniversary():
    assert certificate.valid_until(date(2026, 11, 24), 3) == date(2029, 11, 23)
    assert certificate.valid_until(date(2028, 2, 29), 3) == date(2031, 2, 27)


def test_status_turns_expired_after_the_last_valid_day():
    cert = certificate.from_decision(DECISION, 1, date(2026, 11, 24), 3)
    assert cert.status(date(2029, 11, 23)) == "valid"
    assert cert.status(date(2029, 11, 24)) == "expired"


def test_the_public_view_shows_the_name_only_partially():
    assert certificate.mask_name("Siti Rahmawati") == "Siti R********"
    assert certificate.mask_name("Tati") == "Tati"
    cert = certificate.from_decision(DECISION, 1, date(2026, 11, 24), 3)
    view = cert.public_view(date(2026, 11, 24), "http://x/certificates/1")
    assert view["holder"] == "Siti R********" and "participant_id" not in view


def test_a_certificate_lists_the_units_without_results():
    cert = certificate.from_decision(DECISION, 7, date(2026, 11, 24), 3)
    assert cert.units == [{"code": "U1", "title": "Unit 1"}]
    assert cert.number.endswith(".2026.000007")


DECISION = {
    "case_id": "c-1", "participant_id": "p-1", "scheme_code": "GAR-OMP",
    "scheme_title": "Operator Menjahit Pakaian", "lsp": {"code": "LSP-GNI", "name": "LSP GNI"},
    "units": [{"code": "U1", "title": "Unit 1", "result": "K"}], "overall": "K",
    "holder_name": "Siti Rahmawati",
}


def test_the_add_to_profile_link_prefills_the_certification_with_its_public_proof():
    from urllib.parse import parse_qs, urlsplit

    from kompeten_certificate import sharing

    url = sharing.add_to_profile("Operator Menjahit Pakaian", "LSP Garmen Nusantara Indonesia",
                                 date(2026, 11, 26), date(2029, 11, 25),
                                 "https://sertifikat.example/certificates/X.1", "X.1")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.linkedin.com/profile/add"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "startTask": "CERTIFICATION_NAME", "name": "Operator Menjahit Pakaian",
        "organizationName": "LSP Garmen Nusantara Indonesia", "issueYear": "2026",
        "issueMonth": "11", "expirationYear": "2029", "expirationMonth": "11",
        "certUrl": "https://sertifikat.example/certificates/X.1", "certId": "X.1"}
    forever = sharing.add_to_profile("Menjahit", "Disnaker", date(2026, 1, 5), None, "u", "n")
    assert "expirationYear" not in forever and "issueMonth=1&" in forever


def test_the_holder_is_identified_by_enrollment_and_checked_by_nik_and_code():
    from kompeten_shared import holder
    from kompeten_shared.errors import Conflict
    cert = certificate.from_decision(DECISION, 7, date(2026, 11, 24), 3)
    with pytest.raises(Conflict):  # nothing to check against yet
        cert.holder_matches("3513084107950002", "ABCDEFGHIJKLMNOP")
    hashed = holder.identity_hash("3513084107950002", "ABCDEFGHIJKLMNOP")
    with pytest.raises(Conflict) as refused:  # enrollment's word about someone else
        cert.identify("p-2", hashed)
    assert refused.value.code == "holder_mismatch" and cert.identity_hash is None
    assert cert.identify("p-1", hashed) is True
    assert cert.identify("p-1", hashed) is False  # the same word again changes nothing
    assert cert.holder_matches("3513 0841 0795 0002", "abcd-efgh-ijkl-mnop")
    assert not cert.holder_matches("3513084107950003", "ABCDEFGHIJKLMNOP")
    assert cert.public_view(date(2026, 11, 24), "u")["holder_identified"] is True


def test_a_new_certification_renews_the_latest_of_its_scheme_unless_that_was_revoked():
    def cert(sequence: int, on: date, **changes):
        made = certificate.from_decision(DECISION, sequence, on, 3)
        made.__dict__.update(changes)
        return made

    first = cert(1, date(2023, 5, 1), renewed_by="x")
    second = cert(2, date(2026, 5, 1))
    other_scheme = cert(3, date(2026, 6, 1), scheme_code="GAR-QC")
    training = cert(4, date(2026, 7, 1), kind="training")
    held = [second, first, other_scheme, training]
    assert certificate.renewed_by_next(held, "GAR-OMP") is second
    assert certificate.renewed_by_next(held, "GAR-CUT") is None
    second.revocation = {"reason": "fraud"}
    assert certificate.renewed_by_next(held, "GAR-OMP") is None  # the chain ends there
    assert certificate.renewed_by_next([], "GAR-OMP") is None
