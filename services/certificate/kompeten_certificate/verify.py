"""`kompeten-verify`: check a certificate credential with nothing but the issuer's published
keys, offline if need be.

    kompeten-verify credential.jwt --jwks jwks.json
    kompeten-verify credential.jwt --jwks https://sertifikat.example/.well-known/jwks.json

Deliberately independent of the signing code: it parses the compact JWS and checks the Ed25519
signature with the `cryptography` package directly, so a bug on one side cannot hide in the
other. Exit status 0 when valid, 1 when not, with the reason.
"""

import base64
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .status_list import is_set


class NotValid(Exception):
    pass


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(token: str, keys: list[dict], at: datetime | None = None) -> dict:
    """The credential if the signature and validity period hold; NotValid says why not."""
    try:
        header_b64, payload_b64, signature_b64 = token.strip().split(".")
        header = json.loads(_b64(header_b64))
        credential = json.loads(_b64(payload_b64))
        signature = _b64(signature_b64)
    except ValueError as exc:
        raise NotValid(f"not a compact JWS: {exc}") from None
    if header.get("alg") != "EdDSA" or header.get("typ") != "vc+jwt":
        raise NotValid(f"unexpected header {header}")
    key = next((k for k in keys if k.get("kid") == header.get("kid")), None)
    if key is None or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        raise NotValid(f"no Ed25519 key {header.get('kid')!r} among the issuer's keys")
    try:
        Ed25519PublicKey.from_public_bytes(_b64(key["x"])).verify(
            signature, f"{header_b64}.{payload_b64}".encode())
    except InvalidSignature:
        raise NotValid("the signature does not match: the credential was altered") from None
    at = at or datetime.now(UTC)
    valid_from = _instant(credential["validFrom"])
    valid_until = _instant(credential.get("validUntil", "9999-12-31T23:59:59Z"))
    if not valid_from <= at <= valid_until:
        raise NotValid(f"outside its validity ({credential['validFrom']} to "
                       f"{credential.get('validUntil')})")
    return credential


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_status(credential: dict, lists: dict[str, str], keys: list[dict]) -> None:
    """Look the credential's bit up in each signed Bitstring Status List it names; `lists`
    maps a list's URL to its token. NotValid if revoked or suspended, or a list is missing."""
    for entry in credential.get("credentialStatus", []):
        url = entry["statusListCredential"]
        if url not in lists:
            raise NotValid(f"no status list {url} to check against")
        listed = verify(lists[url], keys)
        if listed["id"] != url or listed["credentialSubject"]["statusPurpose"] != \
                entry["statusPurpose"]:
            raise NotValid(f"{url} is not the {entry['statusPurpose']} list it should be")
        if is_set(listed["credentialSubject"]["encodedList"], int(entry["statusListIndex"])):
            state = "revoked" if entry["statusPurpose"] == "revocation" else "suspended"
            raise NotValid(f"the certificate is {state}")


def _read(source: str) -> str:
    if source.startswith(("http://", "https://")):
        import requests

        return requests.get(source, timeout=30).text
    return Path(source).read_text()


@click.command()
@click.argument("credential", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_source", required=True,
              help="the issuer's JWKS: a file, or its URL when online")
@click.option("--status", "status_sources", multiple=True,
              help="a saved status list (revocation, suspension); without it they are fetched "
                   "from the URLs the credential names")
def main(credential, jwks_source, status_sources):
    """Verify a certificate credential (VC-JOSE, Ed25519) against the issuer's keys and its
    revocation and suspension lists."""
    try:
        keys = json.loads(_read(jwks_source))["keys"]
        verified = verify(credential.read_text(), keys)
        tokens = [_read(source) for source in status_sources] or [
            _read(entry["statusListCredential"])
            for entry in verified.get("credentialStatus", [])]
        lists = {verify(token, keys)["id"]: token for token in tokens}
        check_status(verified, lists, keys)
    except NotValid as reason:
        click.echo(f"NOT VALID: {reason}")
        sys.exit(1)
    except OSError as exc:
        click.echo(f"could not read {exc}")
        sys.exit(2)
    subject = verified["credentialSubject"]
    click.echo(f"VALID: {verified['name']} for {subject['name']}, issued by "
               f"{verified['issuer']['name']}, valid until {verified['validUntil']}")


if __name__ == "__main__":  # pragma: no cover
    main()
