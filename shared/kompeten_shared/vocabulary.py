"""The domain's words as the contract spells them, in one place: the values events and tokens
carry, and the Indonesian terms kept as they are in code and events (README, Glossary).

Spelling rule: the Indonesian term, unchanged, wherever it names a role or a thing in the
contract (`asesor`, `asesi`, `lsp`, `tuk`, `skema` as `scheme`, K/BK); English elsewhere.
"""

# K (kompeten) / BK (belum kompeten): the result of a unit and of a whole assessment.
RESULTS = ("K", "BK")
# What a participant may consent to, one purpose each (UU PDP, Law 27/2022).
CONSENT_PURPOSES = ("certification", "partner_sharing", "follow_up")
PLACEMENT_KINDS = ("job", "apprenticeship")  # apprenticeship = pemagangan
# What a placement rests on: a certificate the vacancy accepts, or (an apprenticeship only) the
# completed apprenticeship intake, certification coming after the apprenticeship.
PLACEMENT_BASES = ("certificate", "apprenticeship_intake")
PROGRAMME_KINDS = ("training", "certification_only", "apprenticeship_intake")
# The certificates a programme leads to: the running agency's training certificate, the Ministry
# of Manpower's (Kemnaker) training certificate, a BNSP certification through an LSP.
PROGRAMME_CERTIFICATES = ("agency", "kemnaker", "bnsp")
# Economic sectors of schemes and programmes, for interest and absorption by sector (tata graha,
# housekeeping, is hospitality; motorcycle repair is automotive).
SECTORS = ("garment", "crafts", "beauty", "tourism", "hospitality", "mining", "retail",
           "automotive", "construction", "food", "agriculture", "ict")
# The Ministry of Manpower as the issuer of a Kemnaker training certificate.
KEMNAKER = {"code": "KEMNAKER", "name": "Kementerian Ketenagakerjaan Republik Indonesia"}


def programme_certificate(kind: str, issuer_code: str) -> str:
    """Which of PROGRAMME_CERTIFICATES an issued certificate is, from certificate.issued's
    `kind` and issuer: an LSP's certification is the BNSP one."""
    if kind == "certification":
        return "bnsp"
    return "kemnaker" if issuer_code == KEMNAKER["code"] else "agency"
# What a graduate says at a follow-up check-in, 3 and 6 months after certification.
FOLLOW_UP_STATUSES = ("employed", "self_employed", "apprenticing", "still_looking")
# Producers that are a family of services: external LSPs run as `lsp-<code>` and all publish on
# the `lsp.events` exchange.
FAMILIES = ("lsp",)

# Who may do what: the realm roles tokens carry, and the tenancy claims beside them.
ROLES = ("operator", "lsp_admin", "certificate_officer", "asesor", "plenary", "employer_hr",
         "monitoring_officer", "participant", "platform_operator", "lsp_system",
         "partner_system")
TENANCY = ("agency", "lsp", "employer", "participant_id", "asesor")
