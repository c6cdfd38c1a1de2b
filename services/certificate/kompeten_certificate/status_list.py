"""W3C Bitstring Status List: one bit per certificate in a published, signed list, one list for
revocation and one for suspension. Pure domain code.

The list is at least 16 KiB (131,072 bits) so a single bit says little about whom it concerns;
it is GZIP-compressed and base64url-encoded with the multibase prefix `u`; bit 0 is the most
significant bit of the first byte.
"""

import base64
import gzip

LIST_BITS = 131_072
PURPOSES = ("revocation", "suspension")


def encode(indices: set[int], size: int = LIST_BITS) -> str:
    bits = bytearray(size // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip(
        "=")


def is_set(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix u)")
    raw = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_url(base: str, purpose: str) -> str:
    return f"{base.rstrip('/')}/status/{purpose}"


def entries(base: str, index: int) -> list[dict]:
    """A credential's credentialStatus: where to look its bit up, for each purpose."""
    return [{"id": f"{list_url(base, purpose)}#{index}", "type": "BitstringStatusListEntry",
             "statusPurpose": purpose, "statusListIndex": str(index),
             "statusListCredential": list_url(base, purpose)} for purpose in PURPOSES]


def list_credential(base: str, purpose: str, indices: set[int], issued_at: str) -> dict:
    url = list_url(base, purpose)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": base.rstrip("/"), "name": "Kompeten certificate service"},
        "validFrom": issued_at,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose, "encodedList": encode(indices)},
    }
