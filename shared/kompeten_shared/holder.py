"""Whose certificate it is, without the NIK: Open Badges 3.0's IdentityObject with the holder's
NIK hashed together with a salt that differs for every certificate (the holder code).

A NIK has little entropy (region, birth date, a short serial), so a salted SHA-256 of it with the
salt beside it is reversed by trying candidates. The salt is therefore not in the credential:
enrollment derives it from its own secret, shows it to the holder only, and the holder gives it
with their NIK to whoever should check (`matches`). Anyone with both can check it the way the
standard says (`sha256(NIK + salt)`); a reader of the credential alone cannot.
"""

import hashlib
import hmac
import re

PREFIX = "sha256$"
IDENTITY_TYPE = "nationalIdentityNumber"
CODE_LENGTH = 16  # base32 characters: 80 bits
PATTERN = r"^sha256\$[0-9a-f]{64}$"


def normalise_code(typed: str) -> str:
    """A holder code as typed (spaces, dashes, lower case) in the form it was hashed with."""
    return re.sub(r"[\s-]", "", typed or "").upper()


def shown(code: str) -> str:
    """In groups of four, for a person to read out or type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def identity_hash(nik: str, code: str) -> str:
    return PREFIX + hashlib.sha256((nik + normalise_code(code)).encode()).hexdigest()


def matches(hashed: str, nik: str, code: str) -> bool:
    """Whether a typed NIK and holder code are those the credential was issued for."""
    nik = re.sub(r"\s", "", nik or "")
    return hmac.compare_digest(identity_hash(nik, code), hashed)


def identity_object(hashed: str) -> dict:
    """The credential's `credentialSubject.identifier` entry (the salt is the holder's)."""
    return {"type": "IdentityObject", "identityHash": hashed, "identityType": IDENTITY_TYPE,
            "hashed": True}
