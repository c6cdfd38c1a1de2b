"""The assessment case of one asesi for one scheme, as a BNSP-licensed LSP runs it. Pure domain
code.

open -> assigned to an asesor at a TUK (a lead asesor, with team members where the LSP sends a
team) -> the briefing (pembekalan) recorded -> the assessment agreement (persetujuan asesmen dan
kerahasiaan, FR.AK.01) proposed by the lead asesor with its date and accepted by the asesi ->
evidence reviewed per unit against VATM (valid, asli, terkini, memadai) -> K/BK per unit
with the method used, each naming the asesor who assessed it -> the lead asesor's
recommendation -> the plenary meeting (rapat pleno): members of the LSP who assessed none of it
vote, confirming or overturning the recommendation unit by unit with a recorded reason, and once
the LSP's quorum has voted the majority decides each unit (a tie keeps the asesor's result) ->
within the appeal window a BK decision may be appealed (banding); an upheld appeal reopens the
BK units only, the K units stand.

Every action appends to an audit trail; decisions are appended, never edited.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from kompeten_shared.errors import Conflict, DomainError, InvalidInput

from .registry import Asesor, Lsp, Scheme, Tuk

METHODS = ("portfolio", "observation", "demonstration", "interview", "written")
# Documentary evidence that meets VATM is confirmed by interview; otherwise the asesi shows it.
CONFIRMING_METHODS = ("interview",)
PRACTICAL_METHODS = ("demonstration", "observation")
VATM = ("valid", "authentic", "current", "sufficient")
APPEAL_DAYS = 14
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
class Evidence:
    id: str
    sha256: str
    size: int
    type: str
    title: str
    issued_on: str | None
    submitted_at: datetime


@dataclass
class Review:
    """The asesor's judgement of the evidence for one unit."""

    asesor: str
    evidence_ids: list[str]
    valid: bool
    authentic: bool
    current: bool
    sufficient: bool
    reviewed_at: datetime

    @property
    def satisfied(self) -> bool:
        return all(getattr(self, rule) for rule in VATM)


@dataclass
class Case:
    id: str
    participant_id: str
    programme_id: str | None
    scheme_code: str
    asesi_name: str
    opened_at: datetime
    status: str = "open"
    lsp_code: str | None = None
    asesor: str | None = None  # the lead asesor
    members: list[str] = field(default_factory=list)  # the rest of the asesor team, if any
    tuk_code: str | None = None
    assigned_on: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    reviews: dict[str, Review] = field(default_factory=dict)
    results: dict[str, UnitResult] = field(default_factory=dict)
    decisions: list[dict] = field(default_factory=list)
    appeal: dict | None = None
    self_assessment: list[dict] = field(default_factory=list)  # APL-02, one entry per unit
    briefing: dict | None = None  # the pembekalan the asesi attended: {held_on, venue, by, at}
    agreement: dict | None = None  # FR.AK.01: {scheduled_on, proposed_by, ..., accepted_at}
    recommendation: dict | None = None  # the asesor's overall K/BK, for the plenary
    votes: list[dict] = field(default_factory=list)  # the plenary's on this recommendation
    withdrawn_at: datetime | None = None  # the asesi withdrew certification consent
    audit: list[dict] = field(default_factory=list)

    @property
    def decision(self) -> dict | None:
        return self.decisions[-1] if self.decisions else None

    def _log(self, actor: str, action: str, at: datetime, **details) -> None:
        self.audit.append({"at": at, "actor": actor, "action": action, **details})

    def _require_open(self) -> None:
        if self.status != "open":
            raise Conflict(f"the case is {self.status}; nothing can change",
                           code=f"case_{self.status}")

    def _require_assigned(self, asesor: str, lead: bool = True) -> None:
        """The lead asesor; or, with `lead=False`, anyone of the team."""
        if self.asesor is None:
            raise DomainError("no asesor is assigned to this case yet", code="not_assigned")
        if asesor not in ([self.asesor] if lead else self.team):
            raise DomainError(f"the case is assigned to {', '.join(self.team)}"
                              + (f", led by {self.asesor}" if self.members else ""),
                              code="asesor_not_assigned")

    @property
    def team(self) -> list[str]:
        """The asesor assessing the case, the lead first."""
        return ([self.asesor] if self.asesor else []) + self.members

    def assessed_by(self) -> set[str]:
        """Everyone who assessed any of it: none of them may sit on its plenary."""
        return set(self.team) | {r.asesor for r in self.results.values()}

    # assignment --------------------------------------------------------------------------------
    def assign(self, scheme: Scheme, lsp: Lsp, asesor: Asesor, tuk: Tuk, at: datetime,
               assigned_today: int, actor: str, members: tuple[Asesor, ...] = ()) -> None:
        """Licensed LSP and asesor (the lead and each team member), same LSP, a TUK of that
        LSP, no conflict of interest, and within the lead asesor's daily load."""
        self._require_open()
        if self.results:
            raise Conflict("results are recorded; the asesor cannot change now",
                           code="assessment_started")
        lsp.check_licensed(scheme.code, at.date())
        numbers = [asesor.registration_number] + [m.registration_number for m in members]
        if len(set(numbers)) != len(numbers):
            raise InvalidInput("an asesor is named twice in the team", code="team_repeats",
                               details={"field": "members"})
        for each in (asesor, *members):
            each.check_may_assess(scheme, at.date(), lsp.code)
            each.check_no_conflict(self.programme_id)
        if tuk.lsp_code != lsp.code:
            raise DomainError(f"{tuk.code} is not a TUK of {lsp.code}", code="tuk_other_lsp")
        if assigned_today >= asesor.daily_limit:
            raise DomainError(f"asesor {asesor.registration_number} already has "
                              f"{assigned_today} asesi on {at.date()}",
                              code="asesor_daily_limit")
        self.lsp_code, self.asesor, self.tuk_code = lsp.code, asesor.registration_number, tuk.code
        self.members = numbers[1:]
        self.agreement = None  # made with the asesor: a new asesor agrees anew
        self.assigned_on = at.date().isoformat()
        self._log(actor, "assigned", at, asesor=self.asesor, members=self.members, tuk=tuk.code,
                  lsp=lsp.code)

    # before the test: the briefing and the assessment agreement ------------------------------
    def record_briefing(self, held_on: date, venue: str, actor: str, at: datetime) -> None:
        """The pembekalan the asesi attended: what the assessment is and how it goes."""
        self._require_open()
        if self.asesor is None:
            raise DomainError("no asesor is assigned to this case yet", code="not_assigned")
        if held_on > at.date():
            raise InvalidInput("a briefing is recorded once it has been held",
                               code="briefing_in_future", details={"field": "held_on"})
        self.briefing = {"held_on": held_on.isoformat(), "venue": venue, "by": actor, "at": at}
        self._log(actor, "briefed", at, held_on=held_on.isoformat(), venue=venue)

    def propose_agreement(self, asesor: str, scheduled_on: date, at: datetime) -> None:
        """The lead asesor sets out the assessment (its date, the TUK, the units and how each
        will be assessed) for the asesi to agree to, confidentiality included."""
        self._require_open()
        self._require_assigned(asesor)
        if self.briefing is None:
            raise DomainError("the briefing (pembekalan) comes first", code="briefing_missing")
        if scheduled_on < at.date():
            raise InvalidInput("the assessment cannot be scheduled in the past",
                               code="scheduled_in_past", details={"field": "scheduled_on"})
        if self.agreement and self.agreement.get("accepted_at"):
            raise Conflict("the asesi has agreed already", code="agreement_accepted")
        self.agreement = {"scheduled_on": scheduled_on.isoformat(), "tuk": self.tuk_code,
                          "proposed_by": asesor, "proposed_at": at, "accepted_at": None}
        self._log(asesor, "agreement_proposed", at, scheduled_on=scheduled_on.isoformat())

    def accept_agreement(self, actor: str, at: datetime) -> None:
        self._require_open()
        if self.agreement is None:
            raise DomainError("the asesor has not proposed the assessment agreement yet",
                              code="no_agreement")
        if self.agreement["accepted_at"] is None:
            self.agreement = {**self.agreement, "accepted_at": at}
            self._log(actor, "agreement_accepted", at)

    @property
    def agreed(self) -> bool:
        return bool(self.agreement and self.agreement["accepted_at"])

    # an external LSP -------------------------------------------------------------------------
    def route_to(self, lsp: Lsp, at: datetime) -> None:
        """The scheme is held by an LSP with its own system: the case waits for its decision."""
        self.lsp_code, self.status = lsp.code, "requested"
        self._log("assessment", "requested", at, lsp=lsp.code)

    def accept_external_decision(self, scheme: Scheme, lsp: Lsp, decision: dict,
                                 at: datetime) -> None:
        """Record an external LSP's decision once its origin and signature were checked."""
        lsp.check_licensed(scheme.code, at.date())
        if self.lsp_code != lsp.code:
            raise DomainError(f"the case was routed to {self.lsp_code}, not {lsp.code}",
                              code="wrong_lsp")
        if self.status != "requested":
            raise Conflict(f"the case is {self.status}, not awaiting an LSP decision",
                           code=f"case_{self.status}")
        if decision["scheme_code"] != scheme.code or \
                [u["code"] for u in decision["units"]] != scheme.unit_codes:
            raise DomainError(f"the decision's units are not those of {scheme.code}",
                              code="units_mismatch")
        if decision["participant_id"] != self.participant_id:
            raise DomainError("the decision names another asesi", code="asesi_mismatch")
        for unit in decision["units"]:
            self.results[unit["code"]] = UnitResult(unit["result"], "external",
                                                    decision["asesor_reg"], at)
        self.decisions.append({
            "number": len(self.decisions) + 1, "overall": decision["overall"],
            "units": [{"code": u["code"], "result": u["result"]} for u in decision["units"]],
            "decided_by": decision["decided_by"], "decided_at": decision["decided_at"],
            "asesor": decision["asesor_reg"]})
        self.status = "decided"
        self._log(lsp.code, "decided_externally", at, overall=decision["overall"],
                  decided_by=decision["decided_by"])

    # evidence --------------------------------------------------------------------------------
    def add_evidence(self, evidence: Evidence, actor: str) -> None:
        self._require_open()
        self.evidence.append(evidence)
        self._log(actor, "evidence_added", evidence.submitted_at, evidence_id=evidence.id,
                  sha256=evidence.sha256, type=evidence.type)

    def assess_self(self, scheme: Scheme, answers: list[dict], at: datetime,
                    actor: str) -> None:
        """APL-02: the asesi says, unit by unit, whether they are competent and which of their
        evidence shows it. Once, for every unit, before the asesor assesses."""
        self._require_open()
        if self.self_assessment:
            raise Conflict("the self-assessment is already recorded",
                           code="self_assessment_recorded")
        codes = [a["code"] for a in answers]
        if sorted(codes) != sorted(scheme.unit_codes):
            raise InvalidInput("answer every unit of the scheme once", code="units_mismatch",
                               details={"units": scheme.unit_codes})
        known = {e.id for e in self.evidence}
        unknown = sorted({e for a in answers for e in a["evidence_ids"]} - known)
        if unknown:
            raise InvalidInput("evidence not in this case's portfolio",
                               code="unknown_evidence", details={"evidence_ids": unknown})
        self.self_assessment = [{"code": a["code"], "competent": a["competent"],
                                 "evidence_ids": a["evidence_ids"]} for a in answers]
        self._log(actor, "self_assessed", at,
                  claimed=sum(a["competent"] for a in answers))

    def review(self, scheme: Scheme, unit_code: str, review: Review) -> None:
        self._require_open()
        self._require_assigned(review.asesor, lead=False)
        if unit_code not in scheme.unit_codes:
            raise InvalidInput(f"unit {unit_code} is not in scheme {scheme.code}",
                               code="unknown_unit", details={"units": [unit_code]})
        known = {e.id for e in self.evidence}
        unknown = [e for e in review.evidence_ids if e not in known]
        if unknown:
            raise InvalidInput("evidence not in this case's portfolio",
                               code="unknown_evidence", details={"evidence_ids": unknown})
        self.reviews[unit_code] = review
        self._log(review.asesor, "evidence_reviewed", review.reviewed_at, unit=unit_code,
                  **{rule: getattr(review, rule) for rule in VATM})

    # results and decisions ---------------------------------------------------------------------
    def kept_units(self) -> set[str]:
        """Units found K by the previous decision stand through a re-assessment."""
        if not self.decision:
            return set()
        return {u["code"] for u in self.decision["units"] if u["result"] == "K"}

    def record(self, scheme: Scheme, asesor: Asesor, unit_results: list[dict],
               now: datetime) -> None:
        self._require_open()
        self._require_assigned(asesor.registration_number, lead=False)
        if not self.self_assessment:
            raise DomainError("the asesi's self-assessment (APL-02) comes first",
                              code="self_assessment_missing")
        if not self.agreed:
            raise DomainError("the briefing and the asesi's assessment agreement come first",
                              code="agreement_missing")
        asesor.check_may_assess(scheme, now.date(), self.lsp_code)
        unknown = [r["code"] for r in unit_results if r["code"] not in scheme.unit_codes]
        if unknown:
            raise InvalidInput(f"units not in scheme {scheme.code}", code="unknown_unit",
                               details={"units": unknown})
        kept = [r["code"] for r in unit_results if r["code"] in self.kept_units()]
        if kept:
            raise Conflict("these units were found K and stand", code="unit_already_competent",
                           details={"units": kept})
        for r in unit_results:
            self._check_method(r["code"], r["method"])
        self.recommendation = None  # results changed: the asesor recommends again
        self.votes = []
        for r in unit_results:
            self.results[r["code"]] = UnitResult(r["result"], r["method"],
                                                 asesor.registration_number, now)
            self._log(asesor.registration_number, "unit_assessed", now, unit=r["code"],
                      result=r["result"], method=r["method"])

    def _check_method(self, unit_code: str, method: str) -> None:
        review = self.reviews.get(unit_code)
        if review is not None and review.satisfied:
            if method not in CONFIRMING_METHODS:
                raise DomainError(f"evidence for {unit_code} meets VATM: confirm it by "
                                  "interview", code="interview_required",
                                  details={"units": [unit_code]})
        elif method not in PRACTICAL_METHODS:
            raise DomainError(f"without sufficient evidence {unit_code} needs a practical "
                              "demonstration or observation", code="demonstration_required",
                              details={"units": [unit_code]})

    def overall(self, scheme: Scheme) -> str:
        return "K" if all(self.results[c].result == "K" for c in scheme.unit_codes) else "BK"

    def recommend(self, scheme: Scheme, asesor: str, now: datetime) -> None:
        """The lead asesor's overall recommendation, once every unit has a result and a
        method."""
        self._require_open()
        self._require_assigned(asesor)
        missing = [code for code in scheme.unit_codes if code not in self.results]
        if missing:
            raise DomainError("every unit needs a recorded result and method first",
                              code="units_not_assessed", details={"units": missing})
        self.recommendation = {"overall": self.overall(scheme), "asesor": asesor, "at": now}
        self.votes = []
        self._log(asesor, "recommended", now, overall=self.recommendation["overall"])

    def vote(self, scheme: Scheme, member_id: str, quorum: int, changes: list[dict],
             now: datetime) -> bool:
        """A plenary member's vote at the meeting: every unit as the asesor found it, except
        the `changes` ({code, result, reason}) they overturn, each with its reason. True when
        this vote completes the LSP's quorum and the plenary has decided."""
        self._require_open()
        if self.recommendation is None:
            raise DomainError("the asesor's recommendation comes first",
                              code="no_recommendation")
        if member_id in self.assessed_by():
            raise DomainError("the asesor may not decide their own case",
                              code="plenary_not_independent")
        if any(v["member"] == member_id for v in self.votes):
            raise Conflict("you have voted on this recommendation already",
                           code="already_voted")
        found = {code: self.results[code].result for code in scheme.unit_codes}
        unknown = [c["code"] for c in changes if c["code"] not in found]
        if unknown:
            raise InvalidInput(f"units not in scheme {scheme.code}", code="unknown_unit",
                               details={"units": unknown})
        unexplained = [c["code"] for c in changes
                       if c["result"] != found[c["code"]] and not (c.get("reason") or "").strip()]
        if unexplained:
            raise InvalidInput("say why the asesor's result is overturned",
                               code="reason_required", details={"units": unexplained})
        overturned = {c["code"]: c for c in changes if c["result"] != found[c["code"]]}
        self.votes.append({"member": member_id, "at": now, "units": [
            {"code": code, "result": overturned[code]["result"] if code in overturned
             else result, "reason": overturned[code]["reason"] if code in overturned else None}
            for code, result in found.items()]})
        self._log(member_id, "plenary_vote", now, overturned=sorted(overturned))
        if len(self.votes) < quorum:
            return False
        self._decide(scheme, found, now)
        return True

    def _decide(self, scheme: Scheme, found: dict[str, str], now: datetime) -> None:
        """Each unit by the majority of the votes; a tie keeps what the asesor found."""
        units = []
        for code in scheme.unit_codes:
            cast = [u for v in self.votes for u in v["units"] if u["code"] == code]
            against = [u for u in cast if u["result"] != found[code]]
            result = against[0]["result"] if len(against) * 2 > len(cast) else found[code]
            units.append({"code": code, "result": result, "recommended": found[code],
                          "assessed_by": self.results[code].asesor,
                          "reasons": [u["reason"] for u in against]})
        members = [v["member"] for v in self.votes]
        self.decisions.append({
            # a list, not a mapping: unit codes have dots, which cannot be field names
            "number": len(self.decisions) + 1,
            "overall": "K" if all(u["result"] == "K" for u in units) else "BK",
            "units": units, "decided_by": ", ".join(members), "members": members,
            "decided_at": now, "asesor": self.asesor})
        self.votes = []
        self.status = "decided"
        self._log("plenary", "decided", now, number=len(self.decisions),
                  overall=self.decision["overall"], members=members,
                  overturned=[u["code"] for u in units if u["result"] != u["recommended"]])

    # appeal (banding) ------------------------------------------------------------------------
    def file_appeal(self, reason: str, at: datetime, actor: str) -> None:
        if self.status != "decided":
            raise Conflict(f"only a decided case can be appealed (it is {self.status})",
                           code=f"case_{self.status}")
        if self.decision["overall"] != "BK":
            raise DomainError("only a BK decision can be appealed", code="nothing_to_appeal")
        deadline = self.decision["decided_at"] + timedelta(days=APPEAL_DAYS)
        if at > deadline:
            raise DomainError(f"the appeal window closed on {deadline.date()}",
                              code="appeal_window_closed")
        self.appeal = {"filed_at": at, "reason": reason, "decision": self.decision["number"],
                       "outcome": None}
        self.status = "appealed"
        self._log(actor, "appeal_filed", at, reason=reason)

    def decide_appeal(self, member_id: str, outcome: str, reason: str, at: datetime) -> None:
        """Upheld: the BK units are assessed again, the K units stand. Rejected: the decision
        is final."""
        if self.status != "appealed":
            raise Conflict(f"no appeal is pending (the case is {self.status})",
                           code=f"case_{self.status}")
        if member_id in self.assessed_by():
            raise DomainError("the asesor may not decide the appeal",
                              code="plenary_not_independent")
        self.appeal = {**self.appeal, "outcome": outcome, "decided_by": member_id,
                       "decided_at": at, "outcome_reason": reason}
        if outcome == "upheld":
            kept = self.kept_units()  # as decided, a unit the plenary overturned to K too
            self.results = {code: replace(r, result="K") for code, r in self.results.items()
                            if code in kept}
            self.recommendation = None
            self.status = "open"
        else:
            self.status = "decided"
        self._log(member_id, f"appeal_{outcome}", at, reason=reason)

    def decided_event(self, scheme: Scheme, lsp: Lsp) -> dict:
        decision = self.decision
        assert decision is not None
        results = {u["code"]: u["result"] for u in decision["units"]}
        return {
            "case_id": self.id, "decision_number": decision["number"],
            "participant_id": self.participant_id, "programme_id": self.programme_id,
            "scheme_code": scheme.code, "scheme_title": scheme.title,
            "lsp": {"code": lsp.code, "name": lsp.name}, "asesor_reg": decision["asesor"],
            "units": [{"code": code, "title": title, "result": results[code]}
                      for code, title in scheme.units],
            "overall": decision["overall"], "decided_at": decision["decided_at"],
            "decided_by": decision["decided_by"], "holder_name": self.asesi_name,
            "validity_years": scheme.validity_years,
        }


