import hashlib

import pytest
from kompeten_shared import holder

NIK = "3513084107950002"


def test_the_hash_is_the_one_open_badges_specifies():
    """The standard's own example: SHA-256 of 'a@example.com' salted with 'Kosher'."""
    example = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    assert holder.PREFIX + hashlib.sha256(b"a@example.comKosher").hexdigest() == example
    # ours is the same construction, over the NIK and the code as hashed (upper case, no dashes)
    assert holder.identity_hash(NIK, "ABCD EFGH-ijkl mnop") == (
        holder.PREFIX + hashlib.sha256((NIK + "ABCDEFGHIJKLMNOP").encode()).hexdigest())


@pytest.mark.parametrize("nik, code, expected", [
    (NIK, "ABCD-EFGH-IJKL-MNOP", True),
    ("3513 0841 0795 0002", "abcd efgh ijkl mnop", True),   # as a person types them
    ("3513084107950003", "ABCD-EFGH-IJKL-MNOP", False),     # another NIK
    (NIK, "ABCD-EFGH-IJKL-MNOQ", False),                    # another certificate's code
    (NIK, "", False),
])
def test_a_typed_nik_and_code_match_only_the_holders(nik, code, expected):
    hashed = holder.identity_hash(NIK, "ABCDEFGHIJKLMNOP")
    assert holder.matches(hashed, nik, code) is expected


def test_the_identity_object_carries_no_salt_and_no_nik():
    entry = holder.identity_object(holder.identity_hash(NIK, "ABCDEFGHIJKLMNOP"))
    assert entry["hashed"] is True and entry["identityType"] == "nationalIdentityNumber"
    assert "salt" not in entry and NIK not in str(entry)
    assert holder.shown("ABCDEFGHIJKLMNOP") == "ABCD-EFGH-IJKL-MNOP"
