"""W3C Bitstring Status List: each issuer publishes one signed list in which every certificate
it issued has a two-bit entry, the high bit for revocation and the low bit for suspension.
Pure domain code.

Why one entry of purpose `message` rather than a revocation and a suspension entry: Open Badges
3.0's schema allows a credential one `credentialStatus` object, and a certificate can be
suspended and later revoked. The entry names its four values (`statusMessage`), so a verifier
needs nothing from us to read them.

The list has 131,072 entries (32 KiB before compression) so an entry says little about whom it
concerns; it is GZIP-compressed and base64url-encoded with the multibase prefix `u`; entry i
is bits i*size .. i*size+size-1, bit 0 being the most significant bit of the first byte.
"""

import base64
import gzip

LIST_ENTRIES = 131_072
STATUS_SIZE = 2
REVOKED, SUSPENDED = 0b10, 0b01
MESSAGES = [{"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "suspended"},
            {"status": "0x2", "message": "revoked"},
            {"status": "0x3", "message": "revoked"}]  # revoked while suspended


def value(revocation, suspension) -> int:
    """A certificate's entry from its revocation and suspension (each None when absent)."""
    return (REVOKED if revocation else 0) | (SUSPENDED if suspension else 0)


def encode(values: dict[int, int], size: int = STATUS_SIZE, entries: int = LIST_ENTRIES) -> str:
    """The encodedList holding `values` (entry index: value), every other entry 0."""
    bits = bytearray(entries * size // 8)
    for index, status in values.items():
        for k in range(size):
            if status >> (size - 1 - k) & 1:
                position = index * size + k
                bits[position // 8] |= 0x80 >> (position % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip(
        "=")


def value_at(encoded: str, index: int, size: int = STATUS_SIZE) -> int:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix u)")
    raw = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    status = 0
    for position in range(index * size, index * size + size):
        status = status << 1 | bool(bits[position // 8] & (0x80 >> (position % 8)))
    return status


def list_url(issuer_id: str) -> str:
    return f"{issuer_id}/status"


def entry(issuer_id: str, index: int) -> dict:
    """A credential's credentialStatus: its entry in its issuer's list."""
    url = list_url(issuer_id)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "message", "statusListIndex": str(index),
            "statusListCredential": url, "statusSize": STATUS_SIZE, "statusMessage": MESSAGES}


def list_credential(issuer: dict, values: dict[int, int], issued_at: str) -> dict:
    """The issuer's list, issued by the issuer of the credentials it serves (`issuer`: the
    {id, name} those credentials carry; a Profile type would need the Open Badges context)."""
    url = list_url(issuer["id"])
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer["id"], "name": issuer["name"]},
        "validFrom": issued_at,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "message", "encodedList": encode(values)},
    }
