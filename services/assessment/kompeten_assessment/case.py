"""The assessment case of one asesi for one scheme. Pure domain code.

open -> per-unit results recorded by an asesor (K/BK with the method used) -> decided by a
plenary committee member who is not the asesor. Nothing changes after the decision.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from kompeten_shared.errors import Conflict, DomainError, InvalidInput

from .registry import Asesor, Scheme

METHODS = ("portfolio", "observation", "demonstration", "interview", "written")
CASE_NAMESPACE = uuid.UUID("6f1d2d4e-5b4a-4c53-9d0c-4b6f7a0e2c11")


def case_id_for(programme_id: str, participant_id: str) -> str:
    """One case per asesi and programme, whatever the redelivery."""
    return str(uuid.uuid5(CASE_NAMESPACE, f"{programme_id}:{participant_id}"))


@dataclass
class UnitResult:
    result: str
    method: str
    asesor: str
    recorded_at: datetime


@dataclass
class Case:
    id: str
    participant_id: str
    programme_id: str | None
    scheme_code: str
    asesi_name: str
    opened_at: datetime
    status: str = "open"
    results: dict[str, UnitResult] = field(default_factory=dict)
    decision: dict | None = None
    withdrawn_at: datetime | None = None  # the asesi withdrew certification consent

    def record(self, scheme: Scheme, asesor: Asesor, unit_results: list[dict],
               now: datetime) -> None:
        self._require_open()
        asesor.check_may_assess(scheme, now.date())
        unknown = [r["code"] for r in unit_results if r["code"] not in scheme.unit_codes]
        if unknown:
            raise InvalidInput(f"units not in scheme {scheme.code}", code="unknown_unit",
                               details={"units": unknown})
        others = {r.asesor for r in self.results.values()} - {asesor.registration_number}
        if others:
            raise Conflict("another asesor is assessing this case", code="asesor_conflict")
        for r in unit_results:
            self.results[r["code"]] = UnitResult(r["result"], r["method"],
                                                 asesor.registration_number, now)

    def _require_open(self) -> None:
        if self.status != "open":
            raise Conflict(f"the case is {self.status}; nothing can change",
                           code=f"case_{self.status}")

    def overall(self, scheme: Scheme) -> str:
        return "K" if all(self.results[c].result == "K" for c in scheme.unit_codes) else "BK"

    def decide(self, scheme: Scheme, member_id: str, now: datetime) -> None:
        self._require_open()
        missing = [code for code in scheme.unit_codes if code not in self.results]
        if missing:
            raise DomainError("every unit needs a recorded result and method first",
                              code="units_not_assessed", details={"units": missing})
        if member_id in {r.asesor for r in self.results.values()}:
            raise DomainError("the asesor may not decide their own case",
                              code="plenary_not_independent")
        self.status = "decided"
        self.decision = {"overall": self.overall(scheme), "decided_by": member_id,
                         "decided_at": now}

    def decided_event(self, scheme: Scheme, lsp) -> dict:
        assert self.decision is not None
        asesors = sorted({r.asesor for r in self.results.values()})
        return {
            "case_id": self.id, "participant_id": self.participant_id,
            "programme_id": self.programme_id, "scheme_code": scheme.code,
            "scheme_title": scheme.title, "lsp": {"code": lsp.code, "name": lsp.name},
            "assessor_reg": ", ".join(asesors),
            "units": [{"code": code, "title": title, "result": self.results[code].result}
                      for code, title in scheme.units],
            "overall": self.decision["overall"], "decided_at": self.decision["decided_at"],
            "decided_by": self.decision["decided_by"], "holder_name": self.asesi_name,
        }


