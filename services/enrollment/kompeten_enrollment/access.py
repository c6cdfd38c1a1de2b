"""Who may see and change what in enrollment, beyond the role each route declares: an
operator works on their own agency's programmes and the participants it registered; a
participant on their own record. Pure domain code over the verified Caller."""

from kompeten_shared.caller import Caller

from .participant import Participant
from .programme import Programme


def runs(caller: Caller, programme: Programme) -> None:
    """The caller's agency runs the programme."""
    caller.require(caller.agency is not None and caller.agency == programme.agency,
                   "this programme is run by another agency", programme=programme.id)


def owns(caller: Caller, target) -> None:
    """The caller's agency set the target."""
    caller.require(caller.agency is not None and caller.agency == target.agency,
                   "this target belongs to another agency", target=target.id)


def may_see(caller: Caller, participant: Participant) -> None:
    """The participant themself, or an officer of the agency that registered them."""
    if caller.has("participant") and caller.participant_id == participant.id:
        return
    caller.require(caller.agency is not None and caller.agency == participant.agency
                   and caller.has("operator", "monitoring_officer"),
                   "this participant was registered by another agency",
                   participant=participant.id)


def acts_for(caller: Caller, participant_id: str, programme: Programme) -> None:
    """An application or a withdrawal: the participant themself, or the programme's agency."""
    if caller.has("participant") and caller.participant_id == participant_id:
        return
    caller.require(caller.has("operator"), "only the participant or an operator may do this")
    runs(caller, programme)
