from datetime import date

import pytest
from cryptography.fernet import InvalidToken
from kompeten_chassis import regions
from kompeten_enrollment import nik
from kompeten_shared.errors import InvalidInput

# Generated numbers in the NIK format, not real people.
MAN = "3204011708950003"    # Kab. Bandung, born 17-08-1995
WOMAN = "3204015708950003"  # the same date with 40 added to the day


def test_a_mans_nik_decodes_region_birth_date_and_sex():
    parsed = nik.parse(MAN, birth_date=date(1995, 8, 17), sex="M")
    assert (parsed.regency_code, parsed.birth_date, parsed.sex) == ("3204", date(1995, 8, 17),
                                                                     "M")


def test_a_womans_day_has_40_added():
    assert nik.parse(WOMAN, birth_date=date(1995, 8, 17), sex="F").sex == "F"


def test_the_given_birth_date_settles_the_century():
    assert nik.parse("3204011708050003", birth_date=date(2005, 8, 17),
                     sex="M").birth_date.year == 2005


@pytest.mark.parametrize("raw, code", [
    ("32040117089500", "nik_length"),
    ("320401170895000A", "nik_not_digits"),
    ("9904011708950003", "nik_invalid"),       # no such province
    ("3204013208950003", "nik_invalid"),       # day 32
])
def test_malformed_niks_say_what_is_wrong(raw, code):
    with pytest.raises(InvalidInput) as caught:
        nik.parse(raw, birth_date=date(1995, 8, 17), sex="M")
    assert caught.value.code == code
    assert raw not in caught.value.message  # errors never echo the number


def test_sex_and_birth_date_must_match_the_person():
    with pytest.raises(InvalidInput) as caught:
        nik.parse(MAN, birth_date=date(1995, 8, 17), sex="F")
    assert caught.value.code == "nik_sex_mismatch"
    with pytest.raises(InvalidInput) as caught:
        nik.parse(MAN, birth_date=date(1995, 8, 18), sex="M")
    assert caught.value.code == "nik_birth_date_mismatch"


def test_only_a_masked_form_and_a_keyed_digest_leave_the_parser():
    parsed = nik.parse(MAN, birth_date=date(1995, 8, 17), sex="M")
    assert parsed.masked == "3204********0003"
    assert parsed.digest("k1") == parsed.digest("k1") != parsed.digest("k2")
    assert MAN not in parsed.digest("k1")


def test_regency_names_come_from_the_shipped_code_list():
    assert regions.regency_name("3204") == "Kabupaten Bandung, Jawa Barat"
    assert regions.regency_name("9999") is None
    assert regions.exists("32") and not regions.exists("99")
    assert regions.distance("3204", "3204") == 0
    assert regions.distance("3204", "3273") == 1  # Kota Bandung, same province
    assert regions.distance("3204", "3171") == 2


def test_the_nik_is_sealed_for_the_bnsp_report_and_only_the_key_opens_it():
    parsed = nik.parse(WOMAN, birth_date=date(1995, 8, 17), sex="F")
    sealed = parsed.sealed("the-key")
    assert WOMAN not in sealed and sealed != parsed.sealed("the-key")  # fresh each time
    assert nik.unseal(sealed, "the-key") == WOMAN
    with pytest.raises(InvalidToken):
        nik.unseal(sealed, "another-key")


def test_each_certificate_has_its_own_holder_code_known_only_with_the_key():
    code = nik.holder_code("the-key", "LSP-KRI.BTK-CTG.2026.000007", "p-1")
    assert len(code) == 16 and code.isalnum() and code.isupper()
    assert code == nik.holder_code("the-key", "LSP-KRI.BTK-CTG.2026.000007", "p-1")
    assert code != nik.holder_code("the-key", "LSP-KRI.BTK-CTG.2026.000008", "p-1")
    assert code != nik.holder_code("the-key", "LSP-KRI.BTK-CTG.2026.000007", "p-2")
    assert code != nik.holder_code("another-key", "LSP-KRI.BTK-CTG.2026.000007", "p-1")
