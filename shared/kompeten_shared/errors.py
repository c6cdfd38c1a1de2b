"""Errors the domain cores raise. Plain Python: the HTTP and event edges map them to a 4xx
response or a dead-letter reason, so every refusal carries a stable, machine-readable code."""


class DomainError(Exception):
    """A request or event that the rules refuse. `code` is stable; `message` is for people."""

    status = 422
    code = "rule_violation"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unauthenticated(DomainError):
    """No token, or one that does not verify."""

    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    """A verified caller without the role or the tenancy the request needs."""

    status = 403
    code = "forbidden"
