"""An OpenAPI 3.1 document generated from a service's `@api` routes and their marshmallow
request schemas (apispec), so the document cannot drift from the code."""

import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .web import JsonApi

ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "description": "stable, machine-readable"},
        "message": {"type": "string"},
        "details": {"type": "object", "description": "e.g. the invalid fields"}}}},
}
PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def routes(service_cls):
    for name, fn in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(fn, "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonApi):
                yield name, fn, entrypoint


def document(service_cls, issuer: str | None = None) -> dict:
    """Every operation names who may call it: `security: []` for a public route, else the
    bearer scheme and `x-kompeten-roles` (any one of them suffices)."""
    spec = APISpec(title=f"Kompeten {service_cls.name} service", version="1.0.0",
                   openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": (service_cls.__doc__ or "").strip()})
    spec.components.schema("Error", ERROR)
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "an access token of the OpenID Connect issuer, for this service's "
                       "audience"})
    if issuer:
        spec.components.security_scheme("oidc", {
            "type": "openIdConnect",
            "openIdConnectUrl": f"{issuer.rstrip('/')}/.well-known/openid-configuration"})
    error = {"description": "refused; nothing was changed",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for name, fn, entrypoint in sorted(routes(service_cls), key=lambda r: r[2].url):
        path = PATH_PARAMETER.sub(r"{\1}", entrypoint.url)
        doc = inspect.getdoc(fn) or name
        operation = {
            "operationId": name, "summary": doc.splitlines()[0], "description": doc,
            "parameters": [{"name": p, "in": "path", "required": True,
                            "schema": {"type": "string"}}
                           for p in PATH_PARAMETER.findall(entrypoint.url)],
            "responses": {"200": {"description": "done",
                                  "content": {"application/json": {"schema": {}}}},
                          "4XX": error},
        }
        if entrypoint.public:
            operation["security"] = []
        else:
            operation["security"] = [{"bearer": []}] + ([{"oidc": []}] if issuer else [])
            operation["x-kompeten-roles"] = list(entrypoint.allow)
            operation["responses"]["401"] = {**error, "description": "no valid token"}
            operation["responses"]["403"] = {
                **error, "description": "not one of the roles, or another tenant's data"}
        if entrypoint.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": entrypoint.body}}}
        for method in entrypoint.method.split(","):
            spec.path(path=path, operations={method.lower(): operation})
    return spec.to_dict()
