"""The NIK (Nomor Induk Kependudukan): checked with python-stdnum, then never kept in clear.

A NIK is PPRRSS DDMMYY XXXX: the district of registration, the birth date with 40 added to the
day for women, a serial. What is stored: a keyed hash (to find the person again), a masked form
(for display), and the NIK sealed (encrypted, Fernet) for the one purpose that needs it whole,
the LSP's report to BNSP after a certification decision, and the holder's identity in each of
their certificates (a hash with the holder's code, kompeten_shared.holder). The seal's and the
holder codes' keys are derived from NIK_HASH_KEY with HKDF under their own labels, so one secret
serves all without being reused as is.
"""

import base64
import functools
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from kompeten_shared import holder
from kompeten_shared.errors import InvalidInput
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik


@dataclass(frozen=True)
class Nik:
    number: str
    regency_code: str
    district_code: str  # the kecamatan where the KTP was issued
    birth_date: date
    sex: str

    @property
    def masked(self) -> str:
        return mask(self.number)

    def digest(self, key: str) -> str:
        return digest(self.number, key)

    def sealed(self, key: str) -> str:
        return _fernet(key).encrypt(self.number.encode()).decode()


def unseal(sealed: str, key: str) -> str:
    """The NIK in clear, for the BNSP report only."""
    return _fernet(key).decrypt(sealed.encode()).decode()


def holder_code(key: str, certificate_number: str, participant_id: str) -> str:
    """The salt of the holder's identity in one certificate: derived again when asked, so
    nothing more is kept; shown to the holder alone."""
    mac = hmac.new(_derived(key, b"kompeten holder code"),
                   f"{certificate_number}:{participant_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:holder.CODE_LENGTH * 5 // 8]).decode()


@functools.lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived(key, b"kompeten nik seal")))


@functools.lru_cache(maxsize=8)
def _derived(key: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(key.encode())


def digest(number: str, key: str) -> str:
    """The keyed hash that finds a person again without keeping the NIK: HMAC-SHA256."""
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask(number: str) -> str:
    return number[:4] + "*" * 8 + number[-4:]


def parse(raw: str, *, birth_date: date, sex: str) -> Nik:
    """Validate a NIK against the birth date and sex the person gave; InvalidInput says why."""
    try:
        number = stdnum_nik.validate(raw)
    except ValidationError as exc:
        code = {"InvalidFormat": "nik_not_digits", "InvalidLength": "nik_length"}.get(
            type(exc).__name__, "nik_invalid")
        message = {"nik_not_digits": "NIK must contain digits only",
                   "nik_length": "NIK must have 16 digits"}.get(
            code, "NIK has an unknown region code or an impossible birth date")
        raise InvalidInput(message, code=code, details={"field": "nik"}) from None
    day, month, yy = int(number[6:8]), int(number[8:10]), int(number[10:12])
    nik_sex = "F" if day > 40 else "M"
    if nik_sex != sex:
        raise InvalidInput("NIK does not match the sex given (women have 40 added to the day)",
                           code="nik_sex_mismatch", details={"field": "nik"})
    # The NIK holds only a two-digit year, so the birth date given settles the century.
    if (day % 40, month, yy) != (birth_date.day, birth_date.month, birth_date.year % 100):
        raise InvalidInput("NIK does not match the birth date given",
                           code="nik_birth_date_mismatch", details={"field": "nik"})
    return Nik(number=number, regency_code=number[:4], district_code=number[:6],
               birth_date=birth_date, sex=sex)
