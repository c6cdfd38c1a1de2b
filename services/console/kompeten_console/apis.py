"""The four services' HTTP APIs, called with the signed-in person's own token, so every
authorization decision stays with the service that holds the data."""

import requests

SERVICES = ("enrollment", "assessment", "certificate", "placement")


class ApiError(Exception):
    """A service refused: its status and its machine-readable error."""

    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class Refused(ApiError):
    """A refusal the form shows beside what was typed (bad input, a rule broken); any other
    (signed out, not theirs, gone, a service down) stays an ApiError, a page of its own."""


def _error(status: int, code: str, message: str, details=None) -> ApiError:
    shown_in_form = 400 <= status < 500 and status not in (401, 403, 404)
    return (Refused if shown_in_form else ApiError)(status, code, message, details)


class Apis:
    def __init__(self, urls: dict[str, str], token: str, http: requests.Session):
        self.urls, self.token, self.http = urls, token, http

    def _send(self, method: str, service: str, path: str, **kwargs) -> requests.Response:
        try:
            answer = self.http.request(method, self.urls[service] + path, timeout=30,
                                       headers={"Authorization": f"Bearer {self.token}"},
                                       **kwargs)
        except requests.RequestException:
            raise ApiError(503, "service_unavailable", f"{service} is not reachable") from None
        if answer.status_code >= 400:
            try:
                error = answer.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "error", "message": answer.reason}
            raise _error(answer.status_code, error.get("code", "error"),
                           error.get("message", ""), error.get("details"))
        return answer

    def get(self, service: str, path: str, **params):
        return self._send("GET", service, path, params=params).json()

    def post(self, service: str, path: str, body: dict | None = None):
        return self._send("POST", service, path, json=body or {}).json()

    def download(self, service: str, path: str) -> requests.Response:
        return self._send("GET", service, path)
