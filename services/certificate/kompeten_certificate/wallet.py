"""Taking a certificate into a wallet: OpenID for Verifiable Credential Issuance (OID4VCI 1.0)
with the pre-authorized code flow. Pure domain code; the routes are in service.py, the codes,
tokens and nonces in repository.py.

1. The holder (or the issuer's officer, for the printed certificate) asks for an offer: a
   `openid-credential-offer://` link, shown as a QR code, holding a one-time pre-authorized code.
2. The wallet reads the issuer's metadata, trades the code for an access token at the token
   endpoint (RFC 6749 errors), gets a nonce and proves it holds a key (a `openid4vci-proof+jwt`
   over the nonce and this issuer).
3. The credential endpoint answers with the certificate's credential bound to that key: the
   same claims as the downloadable file, with `credentialSubject.id` the wallet key's did:jwk.

Wallets built on the earlier drafts (draft 13: `format` and `proof` in the request, `credential`
in the answer) are answered too; the extra members are ignored by 1.0 wallets.
"""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

CONFIGURATION = "OpenBadgeCredential"
FORMAT = "jwt_vc_json"
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYPE = "openid4vci-proof+jwt"
PROOF_ALGORITHMS = ("ES256", "EdDSA")
ON_SCREEN = timedelta(minutes=10)  # an offer shown on the participant's page
ON_PAPER = timedelta(days=30)  # an offer printed on the certificate handed over at a ceremony
TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
PROOF_AGE = timedelta(minutes=5)


class WalletError(Exception):
    """An OAuth / OID4VCI error: its `error` code, HTTP status and description."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """How a code, token or nonce is kept: its hash, so the database does not hold it."""
    return hashlib.sha256(value.encode()).hexdigest()


def metadata(issuer_url: str) -> dict:
    """The Credential Issuer Metadata (/.well-known/openid-credential-issuer)."""
    display = [{"name": "Sertifikat Kompeten", "locale": "id-ID"},
               {"name": "Kompeten certificate", "locale": "en-US"}]
    return {
        "credential_issuer": issuer_url,
        "credential_endpoint": f"{issuer_url}/oid4vci/credential",
        "nonce_endpoint": f"{issuer_url}/oid4vci/nonce",
        "display": [{"name": "Kompeten", "locale": "id-ID"},
                    {"name": "Kompeten", "locale": "en-US"}],
        "credential_configurations_supported": {CONFIGURATION: {
            "format": FORMAT,
            "scope": CONFIGURATION,
            "cryptographic_binding_methods_supported": ["did:jwk", "jwk"],
            "credential_signing_alg_values_supported": ["EdDSA"],
            "proof_types_supported": {"jwt": {
                "proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}},
            "credential_definition": {"type": TYPES},
            "credential_metadata": {"display": display},
            "display": display,  # where draft-13 wallets look
        }},
    }


def authorization_server(issuer_url: str) -> dict:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414): the issuer is its own server."""
    return {"issuer": issuer_url, "token_endpoint": f"{issuer_url}/oid4vci/token",
            "grant_types_supported": [PRE_AUTHORIZED], "response_types_supported": [],
            "pre-authorized_grant_anonymous_access_supported": True}


def offer(issuer_url: str, code: str) -> dict:
    return {"credential_issuer": issuer_url, "credential_configuration_ids": [CONFIGURATION],
            "grants": {PRE_AUTHORIZED: {"pre-authorized_code": code}}}


def offer_url(issuer_url: str, code: str) -> str:
    """The offer by value, for a QR code: what a wallet's camera opens."""
    document = json.dumps(offer(issuer_url, code), separators=(",", ":"))
    return "openid-credential-offer://?credential_offer=" + quote(document, safe="")


@dataclass(frozen=True)
class TokenRequest:
    code: str

    @classmethod
    def parse(cls, form: dict) -> "TokenRequest":
        if form.get("grant_type") != PRE_AUTHORIZED:
            raise WalletError("unsupported_grant_type",
                              f"only the pre-authorized code grant ({PRE_AUTHORIZED})")
        code = form.get("pre-authorized_code")
        if not code:
            raise WalletError("invalid_request", "pre-authorized_code is missing")
        return cls(code)


def bearer(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise WalletError("invalid_token", "an access token from the token endpoint is needed",
                          401)
    return token


def check_request(body) -> list[str]:
    """The proof JWTs of a credential request for our one configuration (1.0: `proofs`;
    draft 13: `proof` and `format`)."""
    if not isinstance(body, dict):
        raise WalletError("invalid_credential_request", "the request must be a JSON object")
    wanted = body.get("credential_configuration_id") or body.get("credential_identifier")
    if wanted is None and body.get("format") == FORMAT:
        types = (body.get("credential_definition") or {}).get("type") or body.get("types")
        wanted = CONFIGURATION if types is None or set(types) <= set(TYPES) else None
    if wanted != CONFIGURATION:
        raise WalletError("unknown_credential_configuration",
                          f"this issuer offers {CONFIGURATION} ({FORMAT}) only")
    if isinstance(body.get("proofs"), dict):
        jwts = body["proofs"].get("jwt")
    elif isinstance(body.get("proof"), dict) and body["proof"].get("proof_type") == "jwt":
        jwts = [body["proof"].get("jwt")]
    else:
        raise WalletError("invalid_proof", "a jwt proof of the wallet's key is needed")
    if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
        raise WalletError("invalid_proof", "exactly one jwt proof, please")
    return jwts


@dataclass(frozen=True)
class Proof:
    holder: str  # the wallet key as did:jwk: the credential's subject
    nonce: str


def verify_proof(token: str, issuer_url: str, now: datetime) -> Proof:
    """The wallet's proof of possession (OID4VCI 1.0 section 8.2.1.1): our audience, a recent
    iat, a nonce, signed by the key it names (a `jwk` header, or a did:jwk `kid`)."""
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        header = parsed.jose_header
        if header.get("typ") != PROOF_TYPE:
            raise WalletError("invalid_proof", f"the proof's typ must be {PROOF_TYPE}")
        if header.get("alg") not in PROOF_ALGORITHMS:
            raise WalletError("invalid_proof", f"alg must be one of {', '.join(PROOF_ALGORITHMS)}")
        key = _holder_key(header)
        parsed.verify(jwk.JWK(**key), alg=header["alg"])
        claims = json.loads(parsed.payload)
    except WalletError:
        raise
    except (JWException, ValueError, TypeError, KeyError) as exc:
        raise WalletError("invalid_proof", f"the proof does not verify: {exc}") from None
    if claims.get("aud") != issuer_url:
        raise WalletError("invalid_proof", f"the proof's aud must be {issuer_url}")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or abs(now.timestamp() - iat) > PROOF_AGE.seconds:
        raise WalletError("invalid_proof", "the proof's iat must be the current time")
    if not isinstance(claims.get("nonce"), str):
        raise WalletError("invalid_nonce", "the proof must carry a c_nonce from this issuer")
    public = {k: v for k, v in key.items() if k in ("kty", "crv", "x", "y", "e", "n")}
    return Proof(holder=did_jwk(public), nonce=claims["nonce"])


def _holder_key(header: dict) -> dict:
    if isinstance(header.get("jwk"), dict):
        if "d" in header["jwk"]:
            raise WalletError("invalid_proof", "the proof's jwk must be a public key")
        return header["jwk"]
    kid = header.get("kid") or ""
    if kid.startswith("did:jwk:"):
        encoded = kid.removeprefix("did:jwk:").split("#")[0]
        return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    raise WalletError("invalid_proof", "name the wallet key with a jwk header or a did:jwk kid")


def did_jwk(public: dict) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(public, separators=(",", ":")).encode())
    return "did:jwk:" + encoded.decode().rstrip("=")


def credential_response(signed: str, nonce: str | None = None) -> dict:
    answer = {"credentials": [{"credential": signed}], "format": FORMAT, "credential": signed}
    if nonce:  # draft-13 wallets take their next nonce from here
        answer.update(c_nonce=nonce, c_nonce_expires_in=int(NONCE_LIFETIME.total_seconds()))
    return answer
