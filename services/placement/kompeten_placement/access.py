"""Who may see and change what in placement, beyond the role each route declares: employer HR
works on their own employer's vacancies, offers and placements; a participant on their own
offers, placements and check-ins. Pure domain code over the verified Caller."""

from kompeten_shared.caller import Caller

OFFICE = ("operator", "monitoring_officer", "platform_operator")


def for_employer(caller: Caller, employer_id: str) -> None:
    """Labour-office staff (who may act for a partner), or HR of this employer."""
    if caller.has("employer_hr") and not caller.has(*OFFICE):
        caller.require(caller.employer == employer_id, "this belongs to another employer",
                       employer=employer_id)


def for_participant(caller: Caller, participant_id: str, employer_id: str | None = None) -> None:
    """The participant themself, HR of the employer concerned, or labour-office staff."""
    if caller.has("participant") and caller.participant_id == participant_id:
        return
    caller.require(not caller.has("participant") or caller.has("employer_hr", "operator",
                                                                 "monitoring_officer"),
                   "this is another participant's", participant=participant_id)
    if employer_id is not None:
        for_employer(caller, employer_id)


def narrowed(caller: Caller, filters: dict) -> dict:
    """A list query narrowed to what the caller may see."""
    if caller.has("participant") and not caller.has("employer_hr", "operator",
                                                    "monitoring_officer"):
        return {**filters, "participant_id": caller.participant_id}
    if caller.has("employer_hr") and not caller.has("operator", "monitoring_officer"):
        return {**filters, "employer_id": caller.employer}
    return filters
