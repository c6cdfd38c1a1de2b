"""Read models: what the routes answer, built from the domain objects (and, for a case, its
scheme's units)."""

from .case import Case
from .registry import Asesor, Lsp, Scheme, Tuk


def case(case: Case, scheme: Scheme) -> dict:
    return {
        "id": case.id, "participant_id": case.participant_id,
        "programme_id": case.programme_id, "scheme_code": case.scheme_code,
        "status": case.status, "opened_at": case.opened_at, "lsp": case.lsp_code,
        "asesi_name": case.asesi_name, "asesor": case.asesor, "members": case.members,
        "tuk": case.tuk_code,
        "assigned_on": case.assigned_on,
        "units": [{"code": code, "title": title,
                   "result": case.results[code].result if code in case.results else None,
                   "method": case.results[code].method if code in case.results else None,
                   "evidence_meets_vatm": case.reviews[code].satisfied
                   if code in case.reviews else None}
                  for code, title in scheme.units],
        "evidence": [{"id": e.id, "type": e.type, "title": e.title, "sha256": e.sha256,
                      "size": e.size, "issued_on": e.issued_on} for e in case.evidence],
        "self_assessment": case.self_assessment, "briefing": case.briefing,
        "agreement": case.agreement, "recommendation": case.recommendation,
        "decision": case.decision, "decisions": len(case.decisions), "appeal": case.appeal,
        "votes": [{"member": v["member"], "at": v["at"],
                   "overturned": [u["code"] for u in v["units"] if u["reason"]]}
                  for v in case.votes],
    }


def scheme(scheme: Scheme, lsps: list[Lsp]) -> dict:
    return {"code": scheme.code, "title": scheme.title, "kind": scheme.kind,
            "validity_years": scheme.validity_years, "sector": scheme.sector,
            "lsps": sorted(lsp.code for lsp in lsps if scheme.code in lsp.schemes),
            "units": [{"code": code, "title": title} for code, title in scheme.units]}


def lsp(lsp: Lsp) -> dict:
    return {"code": lsp.code, "name": lsp.name, "licence_number": lsp.licence_number,
            "licence_valid_until": lsp.licence_valid_until, "schemes": sorted(lsp.schemes),
            "external": lsp.external, "plenary_quorum": lsp.plenary_quorum}


def asesor(asesor: Asesor) -> dict:
    return {"registration_number": asesor.registration_number, "name": asesor.name,
            "lsp": asesor.lsp_code, "schemes": sorted(asesor.schemes),
            "valid_until": asesor.valid_until, "active": asesor.active,
            "daily_limit": asesor.daily_limit}


def tuk(tuk: Tuk) -> dict:
    return dict(tuk.__dict__)
