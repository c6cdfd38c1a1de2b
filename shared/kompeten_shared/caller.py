"""Who is acting: the person or program behind a verified access token, as the services and
partners see them. Verifying the token is the chassis's job (kompeten_chassis.auth); this is
what it yields, plain data any partner can use too."""

from dataclasses import dataclass, field

from .errors import Forbidden
from .vocabulary import ROLES, TENANCY


@dataclass(frozen=True)
class Caller:
    subject: str
    name: str
    roles: frozenset[str]
    client: str = ""
    agency: str | None = None
    lsp: str | None = None
    employer: str | None = None
    participant_id: str | None = None
    asesor: str | None = None
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def actor(self) -> str:
        """How audit trails, decisions and events name the person acting: their name and the
        token's subject (`Bambang Pleno <3f2c...>`)."""
        return f"{self.name} <{self.subject}>"

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require(self, allowed: bool, message: str, **details) -> None:
        """Refuse (403) unless `allowed`: for tenancy, checked where the data is known."""
        if not allowed:
            raise Forbidden(message, details=details or None)


def caller_from(claims: dict) -> Caller:
    """A verified token's claims as a Caller: roles from `roles` (or Keycloak's realm_access),
    only the known ones."""
    roles = claims.get("roles") or claims.get("realm_access", {}).get("roles") or []
    return Caller(subject=claims["sub"],
                  name=claims.get("name") or claims.get("preferred_username") or claims["sub"],
                  roles=frozenset(r for r in roles if r in ROLES),
                  client=claims.get("azp", ""),
                  **{key: claims.get(key) or None for key in TENANCY}, claims=claims)
