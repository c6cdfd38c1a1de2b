"""Who may act on a case, beyond the role each route declares: LSP staff and plenary members
on their own LSP's cases, the asesor on the cases assigned to them, the asesi on their own,
and a plenary member never on a case they assessed. Pure domain code over the verified Caller.
"""

from kompeten_shared.caller import Caller
from kompeten_shared.errors import DomainError, Forbidden, Unauthenticated

from .case import Case
from .registry import Lsp


def may_read(caller: Caller, case: Case) -> None:
    if caller.has("participant") and caller.participant_id == case.participant_id:
        return
    if caller.has("asesor") and caller.asesor and caller.asesor in case.team:
        return
    if caller.has("lsp_admin") and case.lsp_code is None:
        return  # not yet assigned: the pool LSP staff assign from
    caller.require(caller.has("lsp_admin", "plenary") and caller.lsp is not None
                   and caller.lsp == case.lsp_code, "this case belongs to another LSP",
                   case=case.id)


def visible(caller: Caller, cases: list[Case]) -> list[Case]:
    """The cases of a list the caller may read."""
    seen = []
    for case in cases:
        try:
            may_read(caller, case)
        except Forbidden:  # a refusal only hides the case from the list
            continue
        seen.append(case)
    return seen


def is_asesi(caller: Caller, case: Case) -> None:
    caller.require(caller.participant_id == case.participant_id,
                   "only the asesi may do this for their own case", case=case.id)


def is_assigned_asesor(caller: Caller, case: Case) -> str:
    """The asesor's registration number, from the token: one of the case's team (the domain
    keeps the recommendation to the lead)."""
    caller.require(caller.asesor is not None and caller.asesor in case.team,
                   "only the asesor assigned to this case may do this", case=case.id)
    return caller.asesor


def runs_the_assessment(caller: Caller, case: Case) -> None:
    """The staff of the case's LSP, or an asesor of its team."""
    caller.require((caller.has("lsp_admin") and caller.lsp is not None
                    and caller.lsp == case.lsp_code)
                   or (caller.asesor is not None and caller.asesor in case.team),
                   "only the case's LSP or its asesor may do this", case=case.id)


def is_lsp_staff(caller: Caller, lsp_code: str) -> None:
    caller.require(caller.has("platform_operator") or caller.lsp == lsp_code,
                   f"this belongs to {lsp_code}, another LSP", lsp=lsp_code)


def is_independent_plenary(caller: Caller, case: Case) -> None:
    """A plenary member of the case's LSP who did not assess it."""
    caller.require(caller.lsp is not None and caller.lsp == case.lsp_code,
                   "a plenary member decides only their own LSP's cases", case=case.id)
    caller.require(caller.asesor is None or caller.asesor not in case.assessed_by(),
                   "the asesor may not decide their own case", case=case.id)


def is_lsp_client(tokens, event, lsp: Lsp) -> None:
    """An external LSP's decision carries its own access token (client credentials, checked by
    `tokens`, the service's verifier): issued to that LSP's client, for that LSP, and valid when
    the event was made. The HMAC signature says the data is the LSP's; the token says which
    client sent it."""
    try:
        client = tokens.verify(event.clienttoken, at=event.time)
    except Unauthenticated as exc:
        raise DomainError(f"the client token: {exc.message}", code="client_unverified") from None
    expected = f"kompeten-{lsp.service_name}"
    if client.client != expected or client.lsp != lsp.code or not client.has("lsp_system"):
        raise DomainError(f"the token is {client.client}'s, not {expected}'s",
                          code="client_unverified")
