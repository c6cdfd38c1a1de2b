"""The national rules for an apprenticeship (pemagangan) agreement, as Permenaker 6/2020 is
commonly summarised. Pure domain code.

The agreement is written and states the rights and duties of both sides, the programme, the
duration and the allowance; the district labour office ratifies it; it lasts at most one year;
a company's apprentices are at most 20% of its workforce. An agreement that breaks a rule is
refused with every rule it broke.
"""

from dataclasses import dataclass
from datetime import date

from kompeten_shared.errors import DomainError

from .dates import add_months

APPRENTICE_SHARE = 0.20
TERMS = ("apprentice_rights", "apprentice_duties", "company_rights", "company_duties",
         "programme")


@dataclass(frozen=True)
class Agreement:
    apprentice_rights: str
    apprentice_duties: str
    company_rights: str
    company_duties: str
    programme: str  # what the apprentice learns and does, unit by unit
    start_date: date
    end_date: date
    monthly_allowance: int  # uang saku, in rupiah
    ratified_by: str | None  # the district labour office
    ratified_on: date | None
    ratification_number: str | None


@dataclass(frozen=True)
class Broken:
    rule: str
    message: str


def apprentice_quota(workforce: int) -> int:
    """How many apprentices a company of this size may have at once."""
    return int(workforce * APPRENTICE_SHARE)


def check(agreement: Agreement, workforce: int, current_apprentices: int,
          today: date) -> list[Broken]:
    broken = [Broken("written_terms", f"the agreement must state the {term.replace('_', ' ')}")
              for term in TERMS if not getattr(agreement, term).strip()]
    if agreement.end_date <= agreement.start_date:
        broken.append(Broken("duration", "the agreement must end after it starts"))
    elif agreement.end_date > add_months(agreement.start_date, 12):
        broken.append(Broken("at_most_one_year", "an apprenticeship lasts at most one year"))
    if agreement.monthly_allowance <= 0:
        broken.append(Broken("allowance", "the apprentice is paid an allowance (uang saku)"))
    if not (agreement.ratified_by and agreement.ratified_on and agreement.ratification_number):
        broken.append(Broken("ratified", "the district labour office must ratify the agreement "
                                         "(by whom, when, under which number)"))
    elif agreement.ratified_on > today:
        broken.append(Broken("ratified", "the ratification date is in the future"))
    quota = apprentice_quota(workforce)
    if current_apprentices + 1 > quota:
        broken.append(Broken("at_most_20_percent",
                             f"apprentices are at most 20% of the workforce: {workforce} "
                             f"employees allow {quota}, {current_apprentices} already"))
    return broken


def require_valid(agreement: Agreement, workforce: int, current_apprentices: int,
                  today: date) -> None:
    broken = check(agreement, workforce, current_apprentices, today)
    if broken:
        raise DomainError(f"the apprenticeship agreement breaks {len(broken)} rule(s): "
                          + "; ".join(b.message for b in broken),
                          code="apprenticeship_rules_broken",
                          details={"broken": [{"rule": b.rule, "message": b.message}
                                              for b in broken]})
