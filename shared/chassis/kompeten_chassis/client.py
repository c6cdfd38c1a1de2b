"""A small JSON client for the services' HTTP APIs, used by the operators' command lines, and
`kompeten-login`, which signs a person or a program in for them.

A command line sends the token of whoever signed in: KOMPETEN_TOKEN if set (automation that
got one itself), else the session `kompeten-login` saved (~/.config/kompeten/session.json,
0600), refreshed when its access token has run out.
"""

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path

import requests

from .auth import discovery

CLIENT_ID = "kompeten-cli"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def session_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "kompeten" / "session.json"


def _save(issuer: str, client_id: str, answer: dict) -> None:
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"issuer": issuer, "client_id": client_id,
                                "access_token": answer["access_token"],
                                "refresh_token": answer.get("refresh_token"),
                                "expires_at": time.time() + answer.get("expires_in", 60)}))


def bearer_token() -> str | None:
    if os.environ.get("KOMPETEN_TOKEN"):
        return os.environ["KOMPETEN_TOKEN"]
    path = session_file()
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    if saved["expires_at"] - 20 > time.time() or not saved.get("refresh_token"):
        return saved["access_token"]
    answer = requests.post(discovery(saved["issuer"])["token_endpoint"], timeout=30, data={
        "grant_type": "refresh_token", "refresh_token": saved["refresh_token"],
        "client_id": saved["client_id"]})
    if not answer.ok:
        return None  # the session ended: the service will say to sign in again
    _save(saved["issuer"], saved["client_id"], answer.json())
    return answer.json()["access_token"]


class ApiError(Exception):
    """The service refused (its machine-readable error, as one readable line) or is absent."""


class Api:
    """`error` is what a refusal raises: a command line passes click.ClickException."""

    def __init__(self, url: str, service: str, error: type[Exception] = ApiError):
        self.url = url.rstrip("/")
        self.service = service
        self.error = error
        self.session = requests.Session()

    def __call__(self, method: str, path: str, body=None):
        token = bearer_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self.session.request(method, self.url + path, json=body, timeout=300,
                                            headers=headers)
        except requests.ConnectionError:
            raise self.error(
                f"the {self.service} service does not answer at {self.url}") from None
        if response.status_code >= 400:
            error = response.json().get("error", {}) if response.headers.get(
                "content-type", "").startswith("application/json") else {}
            details = f"\n{json.dumps(error['details'], indent=2)}" if error.get("details") else ""
            raise self.error(f"{error.get('code', response.status_code)}: "
                             f"{error.get('message', response.text)}{details}")
        return response.json()


def json_file(path: str, error: type[Exception] = ApiError) -> dict:
    """A request body from a JSON file; `error` names the file and what is wrong with it."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise error(f"{path}: {exc}") from exc


def login(issuer: str, username: str | None = None, password: str | None = None,
          client_id: str = CLIENT_ID, client_secret: str | None = None, say=print) -> dict:
    """Sign in and keep the session: client credentials for a program, a password (development
    only) when a username is given, else the device authorization grant: open the address
    shown, on any device, and confirm the code."""
    endpoints = discovery(issuer)
    if client_secret:
        data = {"grant_type": "client_credentials", "client_id": client_id,
                "client_secret": client_secret}
    elif username:
        data = {"grant_type": "password", "client_id": client_id, "username": username,
                "password": password if password is not None else getpass.getpass()}
    else:
        started = requests.post(endpoints["device_authorization_endpoint"], timeout=30,
                                data={"client_id": client_id, "scope": "openid"}).json()
        say(f"Buka / open {started.get('verification_uri_complete') or started['verification_uri']}"
            f"\nKode / code: {started['user_code']}")
        data = {"grant_type": DEVICE_GRANT, "client_id": client_id,
                "device_code": started["device_code"]}
        deadline = time.monotonic() + started.get("expires_in", 600)
        while time.monotonic() < deadline:
            time.sleep(started.get("interval", 5))
            answer = requests.post(endpoints["token_endpoint"], data=data, timeout=30)
            if answer.ok:
                _save(issuer, client_id, answer.json())
                return answer.json()
            if answer.json().get("error") not in ("authorization_pending", "slow_down"):
                break
        raise ApiError(f"sign-in failed: {answer.json().get('error_description', answer.text)}")
    answer = requests.post(endpoints["token_endpoint"], data=data, timeout=30)
    if not answer.ok:
        raise ApiError(f"sign-in failed: {answer.json().get('error_description', answer.text)}")
    _save(issuer, client_id, answer.json())
    return answer.json()


def login_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kompeten-login", description=login.__doc__)
    parser.add_argument("--issuer", default=os.environ.get("OIDC_ISSUER",
                                                           "http://127.0.0.1:8180/realms/kompeten"))
    parser.add_argument("--username", help="development only: sign in with a password prompt")
    parser.add_argument("--client-id", default=os.environ.get("KOMPETEN_CLIENT_ID", CLIENT_ID))
    parser.add_argument("--logout", action="store_true", help="forget the saved session")
    args = parser.parse_args(argv)
    if args.logout:
        session_file().unlink(missing_ok=True)
        print("signed out")
        return 0
    try:
        login(args.issuer, args.username, client_id=args.client_id,
              client_secret=os.environ.get("KOMPETEN_CLIENT_SECRET"))
    except ApiError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"signed in; session kept in {session_file()}")
    return 0
