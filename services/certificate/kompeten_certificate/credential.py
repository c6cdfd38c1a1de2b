"""A certificate as a W3C Verifiable Credential 2.0 in the Open Badges 3.0 achievement shape.
Pure domain code: building the credential; signing lives in signing.py.

The credential is what the holder keeps and shows; anyone verifies it with the issuer's
published keys (JWKS), online or offline.
"""

import base64
import json

from kompeten_shared import holder

from . import status_list
from .certificate import Certificate

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _achievement(cert: Certificate, base: str) -> dict:
    if cert.kind == "training":
        return {"id": f"{base}/programmes/{cert.programme_id}", "type": ["Achievement"],
                "achievementType": "CertificateOfCompletion", "name": cert.scheme_title,
                "description": f"Completed the training programme {cert.scheme_title} "
                               f"(scheme {cert.scheme_code}).",
                "criteria": {"narrative": "Met the programme's attendance rule, recorded by "
                                          "the organising labour office."}}
    return {
        "id": f"{base}/schemes/{cert.scheme_code}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": cert.scheme_title,
        "description": f"Competent (kompeten) in every unit of the scheme {cert.scheme_code}.",
        "criteria": {"narrative": "Assessed unit by unit against SKKNI and decided K by the "
                                  "LSP's plenary (rapat pleno)."},
        "alignment": [{"type": ["Alignment"], "targetCode": unit["code"],
                       "targetName": unit["title"],
                       "targetUrl": f"{base}/schemes/{cert.scheme_code}#{unit['code']}",
                       # an SKKNI unit is a competency in a framework (CTDL-ASN's term)
                       "targetType": "ceasn:Competency"} for unit in cert.units],
    }


def issuer_id(public_url: str, code: str) -> str:
    """Where the issuer's profile is served: the issuer of its credentials and status list."""
    return f"{public_url.rstrip('/')}/issuers/{code}"


def issuer(public_url: str, code: str, name: str) -> dict:
    return {"id": issuer_id(public_url, code), "type": ["Profile"], "name": name}


def build(cert: Certificate, public_url: str, subject: str | None = None) -> dict:
    """The unsigned credential; `subject`, the holder's wallet key (a DID) it is bound to."""
    assert cert.status_index is not None, "a credential needs its place in the status list"
    base = public_url.rstrip("/")
    by = issuer(public_url, cert.issuer["code"], cert.issuer["name"])
    credential = {
        "@context": CONTEXT,
        "id": f"{base}/certificates/{cert.number}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": by,
        "validFrom": f"{cert.issued_on.isoformat()}T00:00:00Z",
        "name": cert.scheme_title,
        "credentialSubject": {"type": ["AchievementSubject"], "name": cert.holder_name,
                              "achievement": _achievement(cert, base)},
        "credentialStatus": status_list.entry(by["id"], cert.status_index),
    }
    if subject:
        credential["credentialSubject"] = {"id": subject, **credential["credentialSubject"]}
    if cert.identity_hash:  # whose it is: a hash of the NIK with the holder's own salt
        credential["credentialSubject"]["identifier"] = [holder.identity_object(
            cert.identity_hash)]
    if cert.valid_until is not None:  # training certificates do not expire
        credential["validUntil"] = f"{cert.valid_until.isoformat()}T23:59:59Z"
    return credential


def profile(public_url: str, issuer_: dict, looks) -> dict:
    """The issuer's Open Badges 3.0 Profile, served at its id: who it is and, for an LSP, its
    BNSP licence; its keys are in its did:web document (`did`)."""
    doc = {"@context": CONTEXT, **issuer(public_url, issuer_["code"], issuer_["name"])}
    if looks.url:
        doc["url"] = looks.url
    if looks.email:
        doc["email"] = looks.email
    if looks.signatory:
        doc["official"] = f"{looks.signatory}, {looks.position}"
    if looks.place:
        doc["address"] = {"type": ["Address"], "addressLocality": looks.place,
                          "addressCountry": "Indonesia"}
    doc["otherIdentifier"] = [{"type": "IdentifierEntry", "identifier": did(doc["id"]),
                               "identifierType": "ext:DID"}]
    if looks.licence:
        doc["otherIdentifier"].append({"type": "IdentifierEntry", "identifier": looks.licence,
                                       "identifierType": "ext:BNSPLicence"})
    return doc


def did(issuer_url: str) -> str:
    """did:web for an issuer's URL: https://host:8443/issuers/X -> did:web:host%3A8443:issuers:X,
    resolved at https://host:8443/issuers/X/did.json."""
    rest = issuer_url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return ":".join(["did:web", host.replace(":", "%3A"), *path.split("/")])


def did_document(issuer_url: str, keys: list[dict]) -> dict:
    """The issuer's keys (every key that ever signed, newest last), each usable to verify
    what it issued."""
    subject = did(issuer_url)
    methods = [{"id": f"{subject}#{key['kid']}", "type": "JsonWebKey2020",
                "controller": subject, "publicKeyJwk": key} for key in keys]
    return {"@context": ["https://www.w3.org/ns/did/v1",
                         "https://w3id.org/security/suites/jws-2020/v1"],
            "id": subject, "alsoKnownAs": [issuer_url], "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


def outdated(token: str) -> bool:
    """Signed before credentials named one status entry in their issuer's list."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return isinstance(claims.get("credentialStatus"), list)
