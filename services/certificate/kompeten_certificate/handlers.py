"""Use cases: one function per command or event, each in a unit of work (`uow.repo`; events
staged with the write they record). Issuing: a certification after a K decision, a training
certificate after a completed training, each numbered, placed in the status lists and signed.
One certificate per source, whatever the redelivery or the number of service instances (see
Repository.issue). Then its status: revocation, suspension, reinstatement, expiry notices.
Nothing here knows about HTTP or nameko."""

from datetime import date, datetime, timedelta

from kompeten_chassis.unit_of_work import UnitOfWork
from kompeten_shared.caller import Caller
from kompeten_shared.envelope import CloudEvent
from kompeten_shared.errors import Conflict, InvalidInput

from . import certificate, credential, wallet
from .certificate import Certificate, ToIssue
from .signing import SigningKey


def certify(uow: UnitOfWork, key: SigningKey, decisions: list[CloudEvent], today: date,
            default_years: int, public_url: str) -> list[Certificate]:
    """The LSP's certificates for K decisions (a batch: what arrived together), each announced
    in its decision's trace. A holder certified in the same scheme before gets a renewal: the
    new certificate names the one it renews, and that one names it back."""
    passed = [event for event in decisions if event.data["overall"] == "K"]
    with uow:
        certs = uow.repo.issue_all([_certification(event.data, key, today, default_years,
                                                   public_url) for event in passed])
        for event, cert in zip(passed, certs, strict=True):
            if cert.renews:  # also for one issued before: a crash may have come between
                uow.repo.mark_renewed(cert.renews, cert.number)
            _announce(uow, cert, public_url, event.correlation_id)
    return certs


def _certification(decision: dict, key: SigningKey, today: date, default_years: int,
                   public_url: str) -> ToIssue:
    years = decision["validity_years"] or default_years

    def make(sequence: int, status_index: int, held: list[Certificate]) -> Certificate:
        cert = certificate.from_decision(decision, sequence, today, years, status_index)
        previous = certificate.renewed_by_next(held, decision["scheme_code"])
        cert.renews = previous.number if previous else None
        return _signed(cert, key, public_url)

    return ToIssue(decision["case_id"], certificate.series(
        decision["lsp"]["code"], decision["scheme_code"], today.year),
        decision["participant_id"], make)


def certify_training(uow: UnitOfWork, key: SigningKey, completions: list[CloudEvent],
                     today: date, public_url: str) -> list[Certificate]:
    """The training certificates of completed courses (a batch: a closed programme's cohort
    arrives together): the agency's and/or Kemnaker's, as the programme says. Certification-only
    programmes and apprenticeship intakes train nobody."""
    wanted = [(event, _training(event.data, issuer, key, today, public_url))
              for event in completions if event.data["programme_kind"] == "training"
              for issuer in certificate.training_issuers(event.data)]
    with uow:
        issued = uow.repo.issue_all([one for _, one in wanted])
        for (event, _), cert in zip(wanted, issued, strict=True):
            _announce(uow, cert, public_url, event.correlation_id)
    return issued


def _training(completion: dict, issuer: dict, key: SigningKey, today: date,
              public_url: str) -> ToIssue:
    def make(sequence: int, status_index: int, held: list[Certificate]) -> Certificate:
        return _signed(certificate.from_training(completion, issuer, sequence, today,
                                                 status_index), key, public_url)

    return ToIssue(certificate.training_source(completion, issuer), certificate.series(
        issuer["code"], completion["scheme_code"], today.year),
        completion["participant_id"], make)


def holder_identified(uow: UnitOfWork, key: SigningKey, data: dict, public_url: str) -> None:
    """Enrollment says whose the certificate is: the credential is signed again with it."""
    cert = uow.repo.get(data["certificate_number"])
    if cert.identify(data["participant_id"], data["identity_hash"]):
        with uow:
            uow.repo.save_identity(_signed(cert, key, public_url))


def verification_url(public_url: str, number: str) -> str:
    return f"{public_url.rstrip('/')}/certificates/{number}"


def _announce(uow: UnitOfWork, cert: Certificate, public_url: str,
              correlation_id: str | None = None) -> None:
    # Also sent again when the certificate already exists: if an earlier attempt stored it
    # but died before publishing, this repairs it; the stable id lets consumers skip repeats.
    uow.publish("certificate.issued",
                cert.issued_event(verification_url(public_url, cert.number)),
                subject=cert.participant_id, event_id=f"{cert.number}:issued",
                correlation_id=correlation_id)


def _signed(cert: Certificate, key: SigningKey, public_url: str) -> Certificate:
    cert.credential = key.sign(credential.build(cert, public_url))
    return cert


# a certificate's life after issue ----------------------------------------------------------------
def certificate_for(uow: UnitOfWork, caller: Caller, number: str) -> Certificate:
    """The certificate, for its holder or an officer of its issuer."""
    cert = uow.repo.get(number)
    if not (caller.has("participant") and caller.participant_id == cert.participant_id):
        caller.require(caller.has("certificate_officer")
                       and cert.issuer["code"] in (caller.lsp, caller.agency),
                       "this certificate was issued by another issuer", number=number)
    return cert


def credential_for(uow: UnitOfWork, caller: Caller, number: str, key: SigningKey,
                   public_url: str) -> str:
    """The signed credential, for its holder or its issuer's officer. One signed before
    credentials had their issuer's own status list is signed anew in today's shape (the same
    claims), so what the holder takes away verifies with every verifier."""
    cert = certificate_for(uow, caller, number)
    if credential.outdated(cert.credential):
        with uow:
            uow.repo.save_credential(_signed(cert, key, public_url))
    return cert.credential


STATUS_EVENTS = {"revoke": "certificate.revoked", "suspend": "certificate.suspended",
                 "reinstate": "certificate.reinstated"}


def change_status(uow: UnitOfWork, caller: Caller, number: str, action: str, reason: str,
                  now: datetime) -> Certificate:
    """Revoke, suspend or reinstate, by an officer of the issuer: the change and its event in
    one write (the certificate's outbox)."""
    with uow:
        cert = certificate_for(uow, caller, number)
        getattr(cert, action)(reason, caller.actor, now)
        uow.repo.save_status(cert, uow.stage(STATUS_EVENTS[action], {
            "certificate_number": cert.number, "participant_id": cert.participant_id,
            "reason": reason, "by": caller.actor, "at": now}, subject=cert.participant_id))
    return cert


def notify_expiring(uow: UnitOfWork, today: date, notice_days: int, now: datetime) -> int:
    """certificate.expiring once per certificate, `notice_days` ahead, so the holder can be
    invited to re-certification."""
    notified = 0
    with uow:
        for cert in uow.repo.expiring(today, today + timedelta(days=notice_days)):
            uow.publish("certificate.expiring", {
                "certificate_number": cert.number, "participant_id": cert.participant_id,
                "scheme_code": cert.scheme_code, "valid_until": cert.valid_until,
                "days_left": (cert.valid_until - today).days},
                subject=cert.participant_id, event_id=f"{cert.number}:expiring")
            uow.repo.mark_expiry_notified(cert.number, now)
            notified += 1
    return notified


def purge_wallet_secrets(uow: UnitOfWork, now: datetime) -> int:
    with uow:
        return uow.repo.purge_wallet_secrets(now)


def certificates_of(uow: UnitOfWork, caller: Caller, participant_id: str | None,
                    kind: str | None, search: str | None = None) -> list[Certificate]:
    """A participant's certificates, optionally of one kind: the participant's own, or those
    the officer's issuer issued. Without a participant, an officer's register: their issuer's
    certificates, the latest first, those whose number or scheme holds `search`."""
    if kind is not None and kind not in certificate.KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(certificate.KINDS)}",
                           code="invalid_parameter", details={"field": "kind"})
    issuers = [code for code in (caller.lsp, caller.agency) if code]
    if not participant_id:
        if not (caller.has("certificate_officer") and issuers):
            raise InvalidInput("participant_id is required", code="missing_parameter",
                               details={"field": "participant_id"})
        return uow.repo.register(issuers, kind, (search or "").strip(), REGISTER_PAGE)
    own = caller.has("participant") and caller.participant_id == participant_id
    return [c for c in uow.repo.for_participant(participant_id)
            if kind in (None, c.kind) and (own or c.issuer["code"] in issuers)]


REGISTER_PAGE = 100  # the newest first; a search narrows it


# into a wallet (OID4VCI, wallet.py) -------------------------------------------------------------
def wallet_offer(uow: UnitOfWork, caller: Caller, number: str, public_url: str, now: datetime,
                 lifetime: timedelta = wallet.ON_SCREEN) -> dict:
    """A one-time offer of the certificate's credential to a wallet: for its holder, or its
    issuer's officer printing it. Not for a revoked certificate."""
    cert = certificate_for(uow, caller, number)
    if cert.revocation:
        raise Conflict("a revoked certificate is not offered to wallets",
                       code="certificate_revoked")
    return _offer(uow, cert.number, public_url, now + lifetime)


def _offer(uow: UnitOfWork, number: str, public_url: str, expires_at: datetime) -> dict:
    code = wallet.secret()
    uow.repo.add_wallet_secret("code", wallet.digest(code), number, expires_at)
    return {"offer_url": wallet.offer_url(public_url.rstrip("/"), code),
            "expires_at": expires_at}


def wallet_token(uow: UnitOfWork, form: dict, now: datetime) -> dict:
    """The pre-authorized code, once, for an access token and a first nonce."""
    request = wallet.TokenRequest.parse(form)
    code = uow.repo.use_wallet_secret("code", wallet.digest(request.code), now)
    if code is None:
        raise wallet.WalletError("invalid_grant", "the code is unknown, used or expired")
    token = wallet.secret()
    uow.repo.add_wallet_secret("token", wallet.digest(token), code["number"],
                               now + wallet.TOKEN_LIFETIME)
    return {"access_token": token, "token_type": "Bearer",
            "expires_in": int(wallet.TOKEN_LIFETIME.total_seconds()),
            **_nonce(uow, now)}


def _nonce(uow: UnitOfWork, now: datetime) -> dict:
    nonce = wallet.secret()
    uow.repo.add_wallet_secret("nonce", wallet.digest(nonce), None, now + wallet.NONCE_LIFETIME)
    return {"c_nonce": nonce, "c_nonce_expires_in": int(wallet.NONCE_LIFETIME.total_seconds())}


def wallet_nonce(uow: UnitOfWork, now: datetime) -> dict:
    return {"c_nonce": _nonce(uow, now)["c_nonce"]}


def wallet_credential(uow: UnitOfWork, key: SigningKey, authorization: str | None, body,
                      public_url: str, now: datetime) -> dict:
    """The certificate's credential bound to the key the wallet proved it holds."""
    token = uow.repo.wallet_secret("token", wallet.digest(wallet.bearer(authorization)), now)
    if token is None:
        raise wallet.WalletError("invalid_token", "the access token is unknown or expired", 401)
    [proof_jwt] = wallet.check_request(body)
    proof = wallet.verify_proof(proof_jwt, public_url.rstrip("/"), now)
    if uow.repo.use_wallet_secret("nonce", wallet.digest(proof.nonce), now) is None:
        raise wallet.WalletError("invalid_nonce", "the nonce is unknown, used or expired")
    cert = uow.repo.get(token["number"])
    signed = key.sign(credential.build(cert, public_url, subject=proof.holder))
    return wallet.credential_response(signed, _nonce(uow, now)["c_nonce"])
