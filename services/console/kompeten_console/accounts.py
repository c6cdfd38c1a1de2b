"""Sign-in accounts for participants, opened at the identity provider by the console's own
confidential client (`kompeten-accounts`, whose service account may manage the realm's users).

An operator hands a registered person a slip with a username and a temporary password; at
their first sign-in the identity provider makes them choose their own password. The account
carries the participant's id and the participant role only, so it opens their own page and
nothing else. Asked again (a lost slip), the same account gets a new temporary password. The
password is shown once, on the slip: never stored here, never logged.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import quote

import requests

# Letters and digits that cannot be mistaken for one another on a printed slip.
TYPEABLE = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountsUnavailable(Exception):
    """The identity provider refused or is not reachable."""


@dataclass(frozen=True)
class Slip:
    username: str
    password: str  # temporary: changed at the first sign-in
    created: bool  # False: an existing account got a new temporary password


def username_for(participant_id: str) -> str:
    """Short enough to type from a slip, unique per participant."""
    return "peserta-" + participant_id.replace("-", "")[:10]


def temporary_password() -> str:
    """Three groups of four, e.g. k7m2-p9xq-4tn8: 14 characters, typeable from paper."""
    return "-".join("".join(secrets.choice(TYPEABLE) for _ in range(4)) for _ in range(3))


class Accounts:
    def __init__(self, issuer: str, client_id: str, secret: str, http: requests.Session):
        self.issuer, self.client_id, self.secret, self.http = issuer, client_id, secret, http
        base, _, realm = issuer.rstrip("/").rpartition("/realms/")
        self.admin = f"{base}/admin/realms/{realm}"

    @property
    def enabled(self) -> bool:
        return bool(self.secret)

    def invite(self, participant_id: str, name: str) -> Slip:
        """A participant's account (created, or given a new temporary password)."""
        headers = {"Authorization": f"Bearer {self._token()}"}
        username, password = username_for(participant_id), temporary_password()
        credential = {"type": "password", "value": password, "temporary": True}
        created = self._call("POST", "/users", headers, json={
            "username": username, "firstName": name, "enabled": True,
            "attributes": {"participant_id": [participant_id]},
            "requiredActions": ["UPDATE_PASSWORD"], "credentials": [credential]},
            accept=(201, 409))
        [user] = self._call("GET", "/users", headers, params={
            "username": username, "exact": "true"}).json()
        if user.get("attributes", {}).get("participant_id") != [participant_id]:
            raise AccountsUnavailable(f"{username} belongs to someone else")
        if created.status_code == 409:
            self._call("PUT", f"/users/{user['id']}/reset-password", headers, json=credential)
        mappings = f"/users/{user['id']}/role-mappings/realm"
        mappable = self._call("GET", f"{mappings}/available", headers).json()
        self._call("POST", mappings, headers,
                   json=[r for r in mappable if r["name"] == "participant"])
        return Slip(username, password, created.status_code == 201)

    def _token(self) -> str:
        answer = self._send("POST", f"{self.issuer}/protocol/openid-connect/token", data={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self.secret})
        if answer.status_code != 200:
            raise AccountsUnavailable(f"token refused: {answer.status_code}")
        return answer.json()["access_token"]

    def _call(self, method: str, path: str, headers: dict, accept=(200, 201, 204),
              **kwargs) -> requests.Response:
        answer = self._send(method, self.admin + quote(path), headers=headers, **kwargs)
        if answer.status_code not in accept:
            # The body may echo what was sent (a password): only the status is kept.
            raise AccountsUnavailable(f"{method} {path}: {answer.status_code}")
        return answer

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self.http.request(method, url, timeout=30, **kwargs)
        except requests.RequestException as exc:
            raise AccountsUnavailable(type(exc).__name__) from None
