"""Who is calling: an OpenID Connect access token, verified, turned into a Caller.

Tokens are checked the standard way, with PyJWT: the signature against the issuer's JWKS
(cached, fetched again when a token names a key the cache lacks), the issuer, this service's
audience, `exp` and `nbf` (30 s leeway for clock skew), and asymmetric algorithms only (never
`none`, never HMAC). Any OIDC provider that issues such tokens works; everything comes from
configuration: OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URI (else from the issuer's discovery
document) and OIDC_ALGORITHMS.

What Kompeten reads from a token, besides `sub`: `roles` (the realm roles) and the tenancy
claims `agency`, `lsp`, `employer`, `participant_id` and `asesor` (deploy/keycloak maps each
from a user attribute that only an administrator may set), `name` or `preferred_username` for
audit trails, `azp` for the client (a command line, the console, a plug-in).
"""

import time
from collections import OrderedDict
from datetime import datetime

import jwt
import requests
from kompeten_shared.caller import Caller, caller_from
from kompeten_shared.errors import Forbidden, Unauthenticated

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
VERIFIED_CACHE = 4096  # tokens
__all__ = ["Caller", "ClientCredentials", "Forbidden", "TokenVerifier", "Unauthenticated",
           "bearer"]


def discovery(issuer: str) -> dict:
    """The issuer's OpenID Connect discovery document (its key set, its token endpoint ...)."""
    answer = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=10)
    answer.raise_for_status()
    return answer.json()


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, jwks_uri: str | None = None,
                 algorithms: tuple[str, ...] = ALGORITHMS, leeway: int = 30):
        unsafe = [a for a in algorithms if a not in ALGORITHMS]
        if unsafe:
            raise ValueError(f"algorithms not allowed for access tokens: {unsafe}")
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.algorithms = list(algorithms)
        self.leeway = leeway
        self._jwks_uri = jwks_uri
        self._keys: jwt.PyJWKClient | None = None
        self._by_kid: dict[str, jwt.PyJWK] = {}  # parsed keys: PyJWKClient rebuilds each time
        # Tokens already verified, until they expire: a person sends the same token with every
        # request for minutes, and a full check costs ~0.4 ms (PyJWT's base64 checks).
        self._verified: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    @classmethod
    def from_config(cls, config: dict, service: str) -> "TokenVerifier":
        algorithms = config.get("OIDC_ALGORITHMS") or ",".join(ALGORITHMS)
        return cls(config["OIDC_ISSUER"], config.get("OIDC_AUDIENCE") or f"kompeten-{service}",
                   config.get("OIDC_JWKS_URI") or None,
                   tuple(a.strip() for a in algorithms.split(",") if a.strip()))

    @property
    def keys(self) -> jwt.PyJWKClient:
        if self._keys is None:
            uri = self._jwks_uri or discovery(self.issuer)["jwks_uri"]
            # PyJWKClient caches the key set and fetches it again for an unknown kid.
            self._keys = jwt.PyJWKClient(uri, cache_keys=True, lifespan=3600, timeout=10)
        return self._keys

    def _key_for(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._by_kid:  # a new key: fetch the key set again
            self._by_kid[kid] = self.keys.get_signing_key_from_jwt(token)
        return self._by_kid[kid]

    def verify(self, token: str | None, at: datetime | None = None) -> Caller:
        """A caller's token, valid now; or, with `at`, valid at that moment (a token that came
        with an event is checked against the event's time: a replay days later still shows
        which client made it, and a token cannot vouch for an event made outside its life)."""
        if not token:
            raise Unauthenticated("sign in first: this route needs a bearer token",
                                  code="token_missing")
        if at is None and token in self._verified:
            caller, expires = self._verified[token]
            if time.time() <= expires + self.leeway:
                self._verified.move_to_end(token)
                return caller
            del self._verified[token]
        try:
            claims = jwt.decode(token, self._key_for(token).key, algorithms=self.algorithms,
                                audience=self.audience, issuer=self.issuer, leeway=self.leeway,
                                options={"require": ["exp", "iat", "iss", "sub", "aud"],
                                         "verify_exp": at is None})
            if at is not None and not (claims["iat"] - self.leeway <= at.timestamp()
                                       <= claims["exp"] + self.leeway):
                raise jwt.ExpiredSignatureError("the token was not valid at that time")
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired: sign in again",
                                  code="token_expired") from None
        except (jwt.PyJWTError, requests.RequestException, KeyError, ValueError) as exc:
            raise Unauthenticated(f"the token does not verify: {_reason(exc)}",
                                  code="token_invalid") from None
        caller = caller_from(claims)
        if at is None:
            self._verified[token] = (caller, claims["exp"])
            if len(self._verified) > VERIFIED_CACHE:
                self._verified.popitem(last=False)
        return caller


class ClientCredentials:
    """A program's own access token (OAuth client credentials: a plug-in, a scheduled job),
    fetched again shortly before it expires."""

    def __init__(self, issuer: str, client_id: str, client_secret: str):
        self.issuer, self.client_id, self.client_secret = issuer.rstrip("/"), client_id, \
            client_secret
        self._token, self._until = None, 0.0

    def token(self) -> str:
        if self._token is None or time.time() > self._until:
            answer = requests.post(discovery(self.issuer)["token_endpoint"], timeout=10, data={
                "grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret})
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
            self._until = time.time() + answer.json().get("expires_in", 60) - 30
        return self._token


def _reason(exc: Exception) -> str:
    """Why, without echoing the token."""
    return type(exc).__name__ if isinstance(exc, requests.RequestException) else str(exc)


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
