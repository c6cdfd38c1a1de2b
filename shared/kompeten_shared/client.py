"""A small JSON client for the services' HTTP APIs, used by the operators' command lines."""

import json
from pathlib import Path

import requests


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
        try:
            response = self.session.request(method, self.url + path, json=body, timeout=300)
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
