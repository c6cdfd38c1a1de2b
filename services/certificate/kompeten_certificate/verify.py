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
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    valid_until = datetime.fromisoformat(credential["validUntil"].replace("Z", "+00:00"))
    if not valid_from <= at <= valid_until:
        raise NotValid(f"outside its validity ({credential['validFrom']} to "
                       f"{credential['validUntil']})")
    return credential


def _load_keys(source: str) -> list[dict]:
    if source.startswith(("http://", "https://")):
        import requests

        return requests.get(source, timeout=30).json()["keys"]
    return json.loads(Path(source).read_text())["keys"]


@click.command()
@click.argument("credential", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_source", required=True,
              help="the issuer's JWKS: a file, or its URL when online")
def main(credential, jwks_source):
    """Verify a certificate credential (VC-JOSE, Ed25519) against the issuer's keys."""
    try:
        verified = verify(credential.read_text(), _load_keys(jwks_source))
    except NotValid as reason:
        click.echo(f"NOT VALID: {reason}")
        sys.exit(1)
    subject = verified["credentialSubject"]
    click.echo(f"VALID: {verified['name']} for {subject['name']}, issued by "
               f"{verified['issuer']['name']}, valid until {verified['validUntil']}")


if __name__ == "__main__":  # pragma: no cover
    main()
