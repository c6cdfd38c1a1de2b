"""Ed25519 keys and VC-JOSE signatures (a compact JWS with `typ: vc+jwt`, `cty: vc`, the
credential as payload), with jwcrypto. Keys rotate: the newest key signs, every key stays in the
published JWKS so old certificates keep verifying."""

import json
from dataclasses import dataclass
from datetime import datetime

from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/vc+jwt"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_jwk: str  # JSON; keep the database that holds it private
    public_jwk: dict
    created_at: datetime

    @classmethod
    def generate(cls, now: datetime) -> "SigningKey":
        key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
        kid = key.thumbprint()
        public = {**json.loads(key.export_public()), "kid": kid, "alg": ALGORITHM,
                  "use": "sig"}
        return cls(kid=kid, private_jwk=key.export_private(), public_jwk=public,
                   created_at=now)

    def sign(self, credential: dict) -> str:
        token = jws.JWS(json.dumps(credential, ensure_ascii=False, separators=(",", ":")))
        token.add_signature(jwk.JWK.from_json(self.private_jwk), alg=ALGORITHM,
                            protected=json_encode({"alg": ALGORITHM, "typ": "vc+jwt",
                                                   "cty": "vc", "kid": self.kid}))
        return token.serialize(compact=True)

