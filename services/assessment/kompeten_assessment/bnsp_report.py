"""The batch report an LSP sends BNSP after its plenary decided: per asesi, the scheme, each
unit with its K/BK, the asesor, the TUK and the dates. Pure domain code. The NIK is not here
(assessment never holds it): the LSP's report joins enrollment's for the export only.
"""

from datetime import date

from .case import Case
from .registry import Scheme, Tuk


def decided_between(case: Case, start: date, end: date) -> bool:
    """A case whose latest decision falls within the period."""
    return bool(case.decision) and start <= decision_day(case.decision["decided_at"]) <= end


def line(case: Case, scheme: Scheme, tuk: Tuk | None) -> dict:
    decision = case.decision
    results = {u["code"]: u["result"] for u in decision["units"]}
    return {
        "case_id": case.id, "participant_id": case.participant_id,
        "asesi_name": case.asesi_name, "scheme_code": scheme.code,
        "scheme_title": scheme.title,
        "units": [{"code": code, "title": title, "result": results.get(code)}
                  for code, title in scheme.units],
        "overall": decision["overall"], "decision_number": decision["number"],
        "asesor": decision["asesor"], "members": case.members,
        "tuk": {"code": tuk.code, "name": tuk.name} if tuk else None,
        "briefed_on": case.briefing["held_on"] if case.briefing else None,
        "assessed_on": case.agreement["scheduled_on"] if case.agreement else None,
        "decided_on": decision_day(decision["decided_at"]).isoformat(),
        "decided_by": decision["decided_by"],
    }


def decision_day(moment) -> date:
    return moment.date() if hasattr(moment, "date") else date.fromisoformat(str(moment)[:10])
