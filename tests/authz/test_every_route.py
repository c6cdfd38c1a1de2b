"""Every operation of every service's OpenAPI document, walked: each declares who may call it,
the declared public routes answer without a token, and every other route refuses (401) no
token, a forged, expired, wrong-audience or `alg: none` token, and (403) a valid token of a
role it does not allow, before it reads a body or a database."""

import json

import jwt
import pytest
from kompeten_assessment.service import AssessmentService
from kompeten_certificate.service import CertificateService
from kompeten_chassis.web import PUBLIC, JsonApi
from kompeten_enrollment.service import EnrollmentService
from kompeten_lsp_reference.service import LspReferenceService
from kompeten_placement.service import PlacementService
from kompeten_shared.vocabulary import ROLES
from kompeten_webhooks.service import WebhookBridge

pytestmark = pytest.mark.integration
SERVICES = [EnrollmentService, AssessmentService, CertificateService, PlacementService,
            WebhookBridge, LspReferenceService]
PUBLIC_ROUTES = {("get", "/health/live"), ("get", "/health/ready"), ("get", "/openapi.json"),
                 ("get", "/metrics"), ("get", "/certificates/{number}"),
                 ("get", "/.well-known/jwks.json"), ("get", "/issuers/{code}"),
                 ("get", "/issuers/{code}/did.json"), ("get", "/issuers/{code}/status"),
                 # a holder checking they hold it: their NIK and holder code are the proof
                 ("post", "/certificates/{number}/holder"),
                 # wallets (OID4VCI): the one-time code and the access token it gives are the
                 # authorization, checked by the certificate service itself
                 ("get", "/.well-known/openid-credential-issuer"),
                 ("get", "/.well-known/oauth-authorization-server"),
                 ("post", "/oid4vci/token"), ("post", "/oid4vci/nonce"),
                 ("post", "/oid4vci/credential")}


def test_a_route_that_declares_nobody_stops_the_service_from_loading():
    with pytest.raises(TypeError, match="declare who may call it"):
        JsonApi("GET", "/anything")
    with pytest.raises(TypeError):
        JsonApi("GET", "/anything", allow=())
    assert JsonApi("GET", "/anything", allow=PUBLIC).public


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


@pytest.mark.parametrize("service_cls", SERVICES, ids=lambda s: s.name)
def test_every_route_refuses_strangers_and_wrong_roles(service_cls, container_factory,
                                                       service_config, web_session, issuer):
    config = service_config(service_cls.name, LSP_CODE="LSP-RJT", LSP_NAME="LSP Rajut")
    container_factory(service_cls, config).start()
    document = web_session.get("/openapi.json").json()
    checked = 0
    for method, path, operation in operations(document):
        url = path.replace("{", "").replace("}", "")  # every parameter: its own name
        if operation["security"] == []:
            assert (method, path) in PUBLIC_ROUTES, f"{method} {path} is public by mistake"
            continue
        allowed = operation["x-kompeten-roles"]
        assert allowed and set(allowed) <= set(ROLES), f"{method} {path}: {allowed}"
        assert {"401", "403"} <= set(operation["responses"])
        good = issuer.token(roles=allowed, agency="A", lsp="L", employer="E")
        claims = jwt.decode(good, options={"verify_signature": False})
        header, payload, signature = good.split(".")
        strangers = {
            "no token": None,
            "not a bearer": "Basic dXNlcjpwYXNz",
            "forged": f"{header}.{payload}.{signature[::-1]}",
            "expired": issuer.token(roles=allowed, lifetime=-300),
            "wrong audience": issuer.token(roles=allowed, audience=["kompeten-other"]),
            "alg none": jwt.encode({**claims, "roles": list(ROLES)}, None, algorithm="none",
                                   headers={"kid": issuer.kid}),
            "another key": issuer.token(roles=allowed, key=_other_key()),
        }
        for what, token in strangers.items():
            headers = {} if token is None else {
                "Authorization": token if token.startswith("Basic") else f"Bearer {token}"}
            answer = web_session.request(method, url, data="{}", headers=headers)
            assert answer.status_code == 401, f"{method} {path} with {what}: {answer.text}"
            assert answer.json()["error"]["code"] in (
                "token_missing", "token_invalid", "token_expired")
        others = [role for role in ROLES if role not in allowed]
        if others:
            wrong = issuer.token(roles=others, agency="A", lsp="L", employer="E")
            answer = web_session.request(method, url, data="{}",
                                         headers={"Authorization": f"Bearer {wrong}"})
            assert answer.status_code == 403, f"{method} {path} as {others}: {answer.text}"
            assert answer.json()["error"]["details"]["roles"] == allowed
        checked += 1
    assert checked >= 2, json.dumps(document["paths"])[:500]  # the plug-in has two


_KEY = []


def _other_key():
    """A key the issuer never published: a token signed with it claims the issuer's kid."""
    if not _KEY:
        from cryptography.hazmat.primitives.asymmetric import rsa

        _KEY.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEY[0]
