"""`@api("POST", "/programmes", allow=("operator",))`: nameko's HTTP entrypoint speaking JSON
both ways, with who may call it declared next to the route.

Every route says `allow=PUBLIC` or the roles that may call it; a route that says neither stops
the service from loading, so no route is ever open by omission. A protected route verifies the
bearer token before anything else (401 without one or with one that does not verify, 403
without one of the roles) and hands the method the verified `caller`; tenancy (which agency,
LSP or employer) is checked by the method, where the data is known.

A method returns a dict or list (200), or `(status, body)`. Every refusal is a JSON body
`{"error": {"code": ..., "message": ..., "details": ...}}` with a 4xx status:
malformed JSON and schema violations are 400, DomainError subclasses carry their own status.
"""

import json
import logging

from kompeten_shared.errors import DomainError, Forbidden, InvalidInput
from marshmallow import RAISE, Schema, ValidationError
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Response

from .auth import TokenVerifier, bearer

log = logging.getLogger(__name__)
JSON = "application/json"


def json_response(status: int, body) -> Response:
    return Response(json.dumps(body, default=str, ensure_ascii=False), status=status,
                    mimetype=JSON)


def cacheable(request, response: Response, max_age: int) -> Response:
    """A public answer that browsers, proxies and CDNs may keep: for `max_age` seconds (0:
    revalidate every time), then asked again with its ETag (a hash of the body) and answered
    304 with no body while it has not changed."""
    response.add_etag()
    response.headers["Cache-Control"] = (f"public, max-age={max_age}, must-revalidate"
                                         if max_age else "no-cache")
    return response.make_conditional(request)


def error_response(status: int, code: str, message: str, details=None) -> Response:
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return json_response(status, {"error": error})


class Request(Schema):
    """Base of every request schema: an unexpected field is an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def query(request, *names: str) -> dict:
    """The named query parameters that are present, for simple equality filters."""
    return {name: request.args[name] for name in names if name in request.args}


def read_json(request, schema: Schema) -> dict:
    """The request body loaded through `schema`, or InvalidInput naming each bad field."""
    try:
        payload = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise InvalidInput(f"request body is not valid JSON: {exc.msg}",
                           code="malformed_json") from exc
    if not isinstance(payload, dict):
        raise InvalidInput("request body must be a JSON object", code="malformed_json")
    return load(schema, payload)


def load(schema: Schema, payload) -> dict:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise InvalidInput("request has invalid fields", code="validation_failed",
                           details=exc.messages) from exc


PUBLIC = "public"


class Authentication(SharedExtension):
    """One token verifier per service process (its JWKS cache is shared by every route)."""

    def setup(self):
        self.verifier = TokenVerifier.from_config(self.container.config,
                                                  self.container.service_name)


class Tokens(DependencyProvider):
    """The same verifier for a worker that checks a token itself (one that came with an
    event)."""

    authentication = Authentication()

    def get_dependency(self, worker_ctx):
        return self.authentication.verifier


class JsonApi(HttpRequestHandler):
    """`allow=PUBLIC` or `allow=(role, ...)`: who may call the route (required).
    `body=SomeRequest` loads the JSON body through that schema and passes it as `body`;
    both also document the route in the service's OpenAPI document."""

    authentication = Authentication()

    def __init__(self, method, url, body: type[Schema] | None = None, allow=None, **kwargs):
        if allow != PUBLIC and not (isinstance(allow, tuple) and allow):
            raise TypeError(f"{method} {url}: declare who may call it, allow=PUBLIC or "
                            "allow=(role, ...)")
        kwargs.setdefault("expected_exceptions", (DomainError,))
        self.body = body
        self.allow = allow
        super().__init__(method, url, **kwargs)

    @property
    def public(self) -> bool:
        return self.allow == PUBLIC

    def get_entrypoint_parameters(self, request):
        caller = None
        if not self.public:  # before the body is even read
            caller = self.authentication.verifier.verify(
                bearer(request.headers.get("Authorization")))
            if not caller.has(*self.allow):
                raise Forbidden(f"this needs the role {' or '.join(self.allow)}",
                                code="role_required", details={"roles": list(self.allow)})
        args, kwargs = super().get_entrypoint_parameters(request)
        if self.body is not None:
            kwargs["body"] = read_json(request, self.body())
        if caller is not None:
            kwargs["caller"] = caller
        return args, kwargs

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, body = result if isinstance(result, tuple) else (200, result)
        return json_response(status, body)

    def response_from_exception(self, exc):
        if isinstance(exc, DomainError):
            return json_response(exc.status, {"error": exc.to_dict()})
        if isinstance(exc, BadRequest):
            return error_response(400, "bad_request", exc.description)
        if isinstance(exc, HTTPException):
            return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"),
                                  exc.description)
        log.error("unhandled error in %s %s", self.method, self.url, exc_info=exc)
        return error_response(500, "internal_error", "the service could not handle the request")


api = JsonApi.decorator
