"""Signing in through the identity provider: OpenID Connect authorization code with PKCE
(S256), as the public client kompeten-console, with Authlib. The console keeps the tokens on
the server (sessions.py); the browser holds only a random session cookie."""

import time
from functools import cached_property
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from kompeten_chassis.auth import discovery


class SignIn:
    def __init__(self, issuer: str, client_id: str, redirect_uri: str):
        self.issuer, self.client_id, self.redirect_uri = issuer, client_id, redirect_uri

    @cached_property
    def metadata(self) -> dict:
        return discovery(self.issuer)

    def _client(self, **kwargs) -> OAuth2Session:
        return OAuth2Session(self.client_id, redirect_uri=self.redirect_uri, scope="openid",
                             code_challenge_method="S256", **kwargs)

    def start(self, lang: str) -> tuple[str, str, str]:
        """(where to send the browser, state, PKCE verifier); the login page in the person's
        language."""
        verifier = generate_token(64)
        url, state = self._client().create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=verifier, ui_locales=lang)
        return url, state, verifier

    def finish(self, code: str, verifier: str) -> dict:
        """The tokens for the code the browser came back with."""
        token = self._client().fetch_token(self.metadata["token_endpoint"], code=code,
                                           code_verifier=verifier, timeout=10)
        return dict(token)

    def refresh(self, refresh_token: str) -> dict:
        return dict(self._client().refresh_token(self.metadata["token_endpoint"],
                                                 refresh_token=refresh_token, timeout=10))

    def sign_out_url(self, id_token: str | None, then: str) -> str:
        endpoint = self.metadata.get("end_session_endpoint")
        if not endpoint:
            return then
        hint = {"id_token_hint": id_token} if id_token else {"client_id": self.client_id}
        return f"{endpoint}?{urlencode({'post_logout_redirect_uri': then, **hint})}"


def expired(token: dict, margin: int = 20) -> bool:
    return token.get("expires_at", 0) < time.time() + margin
