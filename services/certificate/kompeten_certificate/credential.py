"""A certificate as a W3C Verifiable Credential 2.0 in the Open Badges 3.0 achievement shape.
Pure domain code: building the credential; signing lives in signing.py.

The credential is what the holder keeps and shows; anyone verifies it with the issuer's
published keys (JWKS), online or offline.
"""

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
                       "targetType": "Competency"} for unit in cert.units],
    }


def build(cert: Certificate, public_url: str) -> dict:
    assert cert.status_index is not None, "a credential needs its place in the status lists"
    base = public_url.rstrip("/")
    credential = {
        "@context": CONTEXT,
        "id": f"{base}/certificates/{cert.number}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{base}/issuers/{cert.issuer['code']}", "type": ["Profile"],
                   "name": cert.issuer["name"]},
        "validFrom": f"{cert.issued_on.isoformat()}T00:00:00Z",
        "name": cert.scheme_title,
        "credentialSubject": {"type": ["AchievementSubject"], "name": cert.holder_name,
                              "achievement": _achievement(cert, base)},
        "credentialStatus": status_list.entries(base, cert.status_index),
    }
    if cert.valid_until is not None:  # training certificates do not expire
        credential["validUntil"] = f"{cert.valid_until.isoformat()}T23:59:59Z"
    return credential
