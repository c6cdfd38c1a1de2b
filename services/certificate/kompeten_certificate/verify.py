"""`kompeten-verify`: check a certificate credential with nothing but the issuer's published
keys, offline if need be.

    kompeten-verify credential.jwt --jwks jwks.json --status status.jwt
    kompeten-verify credential.jwt --jwks https://sertifikat.example/.well-known/jwks.json
    kompeten-verify credential.jwt --jwks jwks.json --lang en
    kompeten-verify credential.jwt --jwks jwks.json --holder-code ABCD-EFGH-IJKL-MNOP
        (asks for the NIK the holder gives, unseen; or --nik)

Deliberately independent of the signing code: it parses the compact JWS and checks the Ed25519
signature with the `cryptography` package directly, so a bug on one side cannot hide in the
other. It answers in Bahasa Indonesia (`--lang en` for English). Exit status 0 when valid, 1
when not (with the reason), 2 when a file or URL cannot be read.
"""

import base64
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from kompeten_shared import holder

from .status_list import value_at

MESSAGES = {  # code: (Bahasa Indonesia, English)
    "not_jws": ("bukan JWS ringkas: {detail}", "not a compact JWS: {detail}"),
    "header": ("header tidak dikenal {detail}", "unexpected header {detail}"),
    "no_key": ("tidak ada kunci Ed25519 {kid} di antara kunci penerbit",
               "no Ed25519 key {kid} among the issuer's keys"),
    "altered": ("tanda tangan tidak cocok: kredensial telah diubah",
                "the signature does not match: the credential was altered"),
    "period": ("di luar masa berlakunya ({start} sampai {end})",
               "outside its validity ({start} to {end})"),
    "no_list": ("tidak ada daftar status {url} untuk diperiksa",
                "no status list {url} to check against"),
    "wrong_list": ("{url} bukan daftar status yang dirujuk kredensial",
                   "{url} is not the status list the credential names"),
    "other_issuer": ("daftar status {url} diterbitkan oleh {by}, bukan penerbit kredensial",
                     "the status list {url} is issued by {by}, not the credential's issuer"),
    "status": ("sertifikat berstatus {status}", "the certificate is {status}"),
    "no_identity": ("kredensial tidak menyebut pemegangnya dengan NIK",
                    "the credential does not identify its holder by NIK"),
    "not_holder": ("NIK dan kode pemegang tidak cocok dengan kredensial ini",
                   "the NIK and holder code do not match this credential"),
}
STATUS_WORDS = {"revoked": "dicabut", "suspended": "dibekukan"}


class NotValid(Exception):
    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(self.say("en"))

    def say(self, lang: str) -> str:
        indonesian, english = MESSAGES[self.code]
        params = dict(self.params)
        if lang == "id" and "status" in params:
            params["status"] = STATUS_WORDS.get(params["status"], params["status"])
        return (indonesian if lang == "id" else english).format(**params)


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
        raise NotValid("not_jws", detail=exc) from None
    if header.get("alg") != "EdDSA" or header.get("typ") != "vc+jwt":
        raise NotValid("header", detail=header)
    key = next((k for k in keys if k.get("kid") == header.get("kid")), None)
    if key is None or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        raise NotValid("no_key", kid=repr(header.get("kid")))
    try:
        Ed25519PublicKey.from_public_bytes(_b64(key["x"])).verify(
            signature, f"{header_b64}.{payload_b64}".encode())
    except InvalidSignature:
        raise NotValid("altered") from None
    at = at or datetime.now(UTC)
    valid_from = _instant(credential["validFrom"])
    valid_until = _instant(credential.get("validUntil", "9999-12-31T23:59:59Z"))
    if not valid_from <= at <= valid_until:
        raise NotValid("period", start=credential["validFrom"],
                       end=credential.get("validUntil", "-"))
    return credential


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _id(party) -> str:
    return party if isinstance(party, str) else party["id"]


def status_entries(credential: dict) -> list[dict]:
    """One object (today's credentials) or a list (the first ones issued)."""
    status = credential.get("credentialStatus", [])
    return status if isinstance(status, list) else [status]


def check_status(credential: dict, lists: dict[str, str], keys: list[dict]) -> None:
    """Look the credential's entry up in each signed Bitstring Status List it names; `lists`
    maps a list's URL to its token. NotValid if revoked or suspended, or a list is missing,
    is another list or comes from another issuer."""
    for entry in status_entries(credential):
        url = entry["statusListCredential"]
        if url not in lists:
            raise NotValid("no_list", url=url)
        listed = verify(lists[url], keys)
        if listed["id"] != url or listed["credentialSubject"]["statusPurpose"] != \
                entry["statusPurpose"]:
            raise NotValid("wrong_list", url=url)
        if _id(listed["issuer"]) != _id(credential["issuer"]):
            raise NotValid("other_issuer", url=url, by=_id(listed["issuer"]))
        size = int(entry.get("statusSize", 1))
        value = value_at(listed["credentialSubject"]["encodedList"],
                         int(entry["statusListIndex"]), size)
        if value:
            raise NotValid("status", status=_meaning(entry, value))


def _meaning(entry: dict, value: int) -> str:
    if entry["statusPurpose"] == "message":
        return next((m["message"] for m in entry["statusMessage"]
                     if int(m["status"], 16) == value), hex(value))
    return {"revocation": "revoked", "suspension": "suspended"}[entry["statusPurpose"]]


def check_holder(credential: dict, nik: str, code: str) -> None:
    """Open Badges' check of a hashed identity: the NIK with the holder's code as salt."""
    hashes = [entry["identityHash"] for entry in credential["credentialSubject"].get(
        "identifier", []) if entry.get("identityType") == holder.IDENTITY_TYPE]
    if not hashes:
        raise NotValid("no_identity")
    if not any(holder.matches(hashed, nik, code) for hashed in hashes):
        raise NotValid("not_holder")


def _read(source: str) -> str:
    if source.startswith(("http://", "https://")):
        import requests

        return requests.get(source, timeout=30).text
    return Path(source).read_text()


SUMMARY = {
    "id": "SAH: {name} atas nama {holder}, diterbitkan oleh {issuer}, {until}",
    "en": "VALID: {name} for {holder}, issued by {issuer}, {until}",
}
UNTIL = {"id": ("berlaku sampai {date}", "tanpa batas waktu"),
         "en": ("valid until {date}", "no end date")}
NOT_VALID = {"id": "TIDAK SAH", "en": "NOT VALID"}
UNREADABLE = {"id": "tidak dapat membaca {what}", "en": "could not read {what}"}
HOLDER = {"id": "Pemegang: cocok dengan NIK dan kode pemegang yang diberikan.",
          "en": "Holder: matches the NIK and holder code given."}


@click.command()
@click.argument("credential", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_source", required=True,
              help="the issuer's JWKS: a file, or its URL when online")
@click.option("--status", "status_sources", multiple=True,
              help="a saved status list; without it, the lists the credential names are "
                   "fetched from their URLs")
@click.option("--holder-code", help="the holder code the holder gave, to check with their NIK "
                                    "that the credential is theirs")
@click.option("--nik", help="the holder's NIK (asked for, unseen, when left out)")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", show_default=True,
              help="the language of the answer")
def main(credential, jwks_source, status_sources, holder_code, nik, lang):
    """Verify a certificate credential (VC-JOSE, Ed25519) against the issuer's keys and its
    status list (revocation and suspension)."""
    try:
        keys = json.loads(_read(jwks_source))["keys"]
        verified = verify(credential.read_text(), keys)
        tokens = [_read(source) for source in status_sources] or [
            _read(entry["statusListCredential"]) for entry in status_entries(verified)]
        lists = {verify(token, keys)["id"]: token for token in tokens}
        check_status(verified, lists, keys)
        if holder_code:
            check_holder(verified, nik or click.prompt("NIK", hide_input=True), holder_code)
    except NotValid as reason:
        click.echo(f"{NOT_VALID[lang]}: {reason.say(lang)}")
        sys.exit(1)
    except OSError as exc:
        click.echo(UNREADABLE[lang].format(what=exc))
        sys.exit(2)
    until, forever = UNTIL[lang]
    end = verified.get("validUntil")
    click.echo(SUMMARY[lang].format(
        name=verified["name"], holder=verified["credentialSubject"]["name"],
        issuer=verified["issuer"]["name"],
        until=until.format(date=end[:10]) if end else forever))
    if holder_code:
        click.echo(HOLDER[lang])


if __name__ == "__main__":  # pragma: no cover
    main()
