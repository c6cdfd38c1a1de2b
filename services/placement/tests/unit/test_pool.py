from datetime import UTC, date, datetime

import pytest
from kompeten_placement.pool import Graduate, Offer
from kompeten_shared.errors import Conflict, DomainError

VACANCY = {"_id": "v", "scheme_code": "GAR-OMP", "region_code": "3204"}
CERT = {"number": "N-1", "scheme_code": "GAR-OMP", "verification_url": "http://x/N-1",
        "units": [{"code": "U1"}], "valid_until": "2029-11-23"}
TODAY = date(2026, 11, 24)
PROFILE = {"name": "Dewi", "phone": "0812", "region_code": "3204"}
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_a_consenting_certified_graduate_is_a_candidate():
    graduate = Graduate("p", sharing=True, profile=PROFILE, certificates=[CERT])
    candidate = graduate.candidate_for(VACANCY, TODAY)
    assert candidate["score"] == 100 and candidate["certificate_number"] == "N-1"
    assert {k: candidate[k] for k in PROFILE} == PROFILE


@pytest.mark.parametrize("graduate, code", [
    (Graduate("p", sharing=False, profile=None, certificates=[CERT]), "no_sharing_consent"),
    (Graduate("p", sharing=True, profile=PROFILE, certificates=[]), "not_certified_for_vacancy"),
    (Graduate("p", sharing=True, profile=PROFILE,
              certificates=[{**CERT, "scheme_code": "BATIK"}]), "not_certified_for_vacancy"),
    (Graduate("p", sharing=True, profile=PROFILE,
              certificates=[{**CERT, "valid_until": "2026-11-23"}]), "not_certified_for_vacancy"),
])
def test_no_consent_or_no_matching_certificate_means_no_data(graduate, code):
    with pytest.raises(DomainError) as caught:
        graduate.candidate_for(VACANCY, TODAY)
    assert caught.value.code == code


def test_an_offer_is_answered_once():
    offer = Offer("o", "v", "e", "p", "job", NOW)
    offer.answer("decline", NOW, "moved away")
    assert (offer.status, offer.reason) == ("declined", "moved away")
    with pytest.raises(Conflict):
        offer.answer("accept", NOW)


def test_only_an_apprenticeship_awaiting_its_answer_takes_an_agreement():
    with pytest.raises(DomainError) as caught:
        Offer("o", "v", "e", "p", "job", NOW).draw_up({"programme": "x"})
    assert caught.value.code == "not_an_apprenticeship"
    apprenticeship = Offer("o", "v", "e", "p", "apprenticeship", NOW)
    apprenticeship.draw_up({"programme": "first"})
    apprenticeship.draw_up({"programme": "second"})  # drawn up again: the last one stands
    assert apprenticeship.agreement == {"programme": "second"}
    apprenticeship.answer("decline", NOW)
    with pytest.raises(Conflict):
        apprenticeship.draw_up({"programme": "third"})
    assert apprenticeship.agreement == {"programme": "second"}


def test_a_training_certificate_counts_only_where_the_vacancy_accepts_it():
    training = {**CERT, "kind": "training", "units": [], "valid_until": None}
    graduate = Graduate("p", sharing=True, profile=PROFILE, certificates=[training])
    with pytest.raises(DomainError) as caught:
        graduate.candidate_for(VACANCY, TODAY)  # a certification, unless it says otherwise
    assert caught.value.code == "not_certified_for_vacancy"
    partner = {**VACANCY, "accepts": ["certification", "training"]}
    assert graduate.candidate_for(partner, TODAY)["certificate_number"] == "N-1"
    certified = Graduate("q", sharing=True, profile=PROFILE, certificates=[CERT])  # no kind:
    assert certified.candidate_for(VACANCY, TODAY)["score"] == 100  # stored before kinds
