"""Which screens each role has, and what a service's refusal means, in words people use.
A role never sees a link to another role's work."""

# (path, label, roles): the navigation, in the order people use it.
SCREENS = (
    ("/pemantauan", "Follow-up", ("monitoring_officer",)),
    ("/program", "Programmes", ("operator", "monitoring_officer")),
    ("/komunitas", "Communities", ("monitoring_officer", "operator")),
    ("/sertifikasi-ulang", "Re-certification", ("operator", "monitoring_officer")),
    ("/lsp", "Assignments", ("lsp_admin",)),
    ("/lsp/registri", "Registry", ("lsp_admin",)),
    ("/lsp/laporan-bnsp", "Report to BNSP", ("lsp_admin",)),
    ("/asesor", "My cases", ("asesor",)),
    ("/pleno", "Plenary", ("plenary",)),
    ("/sertifikat", "Certificates", ("certificate_officer",)),
    ("/lowongan", "Vacancies", ("employer_hr",)),
    ("/penempatan", "Placements", ("employer_hr",)),
    ("/saya", "My page", ("participant",)),
)

# A service's error code -> what it means for the person (msgids; see translations/).
REFUSALS = {
    "not_eligible": "The participant does not meet this programme's requirements.",
    "outside_districts": "This programme is for residents of its kecamatan only: state the "
                         "kecamatan the person lives in if it is not the one on the KTP.",
    "district_outside_region": "A kecamatan named is outside the programme's region.",
    "district_outside_regency": "The kecamatan is not in the regency given.",
    "already_applied": "The participant has already applied to this programme.",
    "programme_closed": "The programme is closed.",
    "day_outside_programme": "That day is outside the programme's dates.",
    "no_attendance_for_kind": "This kind of programme keeps no attendance.",
    "not_enrolled": "Someone marked present is not enrolled in this programme.",
    "programme_not_finished": "The programme cannot close before its last day.",
    "consent_required": "This needs the participant's consent.",
    "participant_exists": "A person with this NIK is registered already.",
    "nik_not_digits": "A NIK has digits only.",
    "nik_length": "A NIK has 16 digits.",
    "nik_invalid": "This NIK has an unknown region or an impossible birth date.",
    "nik_sex_mismatch": "The NIK does not match the sex (women have 40 added to the day).",
    "nik_birth_date_mismatch": "The NIK does not match the birth date.",
    "file_unreadable": "The file is not a CSV (UTF-8) or an XLSX spreadsheet.",
    "file_too_large": "The file is larger than this form takes.",
    "file_rows": "The file has no row, or more than 10,000.",
    "invalid_value": "This value is not valid.",
    "duplicate_row": "The same NIK is on an earlier row.",
    "appeal_window_closed": "The time to appeal has passed.",
    "nothing_to_appeal": "Only a BK decision can be appealed.",
    "invalid_dates": "The last day is before the first.",
    "apprenticeship_rules_broken": "Apprentices may be at most 20% of the company's workforce: "
                                   "fewer places, or fewer apprentices first.",
    "ends_before_start": "A placement cannot end before it starts.",
    "placement_ended": "The placement has ended already.",
    "not_due_yet": "This check-in is not due yet.",
    "check_in_recorded": "This check-in was recorded already.",
    "guardian_consent_required": "Under 18: a parent or guardian gives the consent.",
    "validation_failed": "Some fields are not valid.",
    "service_unavailable": "A service is not reachable. Try again in a moment.",
    "enrolment_changed": "Someone changed this at the same time. Open the page again.",
    "case_changed": "Someone changed this case at the same time. Open the page again.",
    "self_assessment_missing": "The asesi's self-assessment (APL-02) comes first.",
    "demonstration_required": "The evidence does not meet VATM: show it by demonstration or "
                              "observation.",
    "interview_required": "The evidence meets VATM: confirm it by interview.",
    "unit_already_competent": "These units were found K and stand.",
    "no_recommendation": "The asesor's recommendation comes first.",
    "reason_required": "Say why the asesor's result is overturned.",
    "not_a_member": "A mentor is a member of the community.",
    "briefing_in_future": "A briefing is recorded once it has been held.",
    "briefing_missing": "The briefing (pembekalan) comes first.",
    "scheduled_in_past": "The assessment cannot be scheduled in the past.",
    "agreement_missing": "The briefing and the asesi's assessment agreement come first.",
    "no_agreement": "The asesor has not sent the assessment agreement yet.",
    "already_voted": "You have voted on this case already.",
    "units_not_assessed": "Every unit needs a result first.",
    "asesor_daily_limit": "The asesor has reached their daily number of asesi.",
    "asesor_not_licensed": "The asesor is not licensed for this scheme or this LSP.",
    "asesor_other_lsp": "The asesor is not licensed for this scheme or this LSP.",
    "asesor_expired": "The asesor's registration has expired.",
    "asesor_inactive": "The asesor is not active.",
    "conflict_of_interest": "The asesor trained this asesi: another asesor must assess.",
    "tuk_other_lsp": "The TUK belongs to another LSP.",
    "certificate_revoked": "The certificate is revoked for good.",
    "certificate_not_suspended": "The certificate is not suspended.",
    "certificate_suspended": "The certificate is suspended already.",
    "certificate_changed": "Another officer changed this certificate at the same time. Open "
                           "the page again.",
    "no_sharing_consent": "The graduate has not agreed to share their data with employers.",
    "offer_exists": "This graduate already has an offer for this vacancy.",
    "vacancy_full": "All places of this vacancy are filled.",
    "offer_answered": "The offer has been answered already.",
    "unknown_evidence": "A document is not in this case's portfolio.",
    "agreement_required": "An apprenticeship starts with its written agreement: the employer "
                          "draws it up first.",
    "not_an_apprenticeship": "Only an apprenticeship has an agreement.",
    "asesor_exists": "An asesor with this registration number is registered already.",
    "tuk_exists": "A TUK with this code is registered already.",
    "scheme_not_held_by_lsp": "Your LSP's licence does not cover one of these schemes.",
}
GENERIC = "The service refused this request."

# Values the services return, as people name them (msgids).
LABELS = {
    "status": {"valid": "Valid", "expired": "Expired", "suspended": "Suspended",
               "revoked": "Revoked"},
    "result": {"K": "K (competent)", "BK": "BK (not yet competent)"},
    "method": {"demonstration": "Demonstration", "observation": "Observation",
               "interview": "Interview", "portfolio": "Portfolio", "written": "Written test"},
    "case": {"open": "Open", "requested": "With the LSP", "decided": "Decided",
             "appealed": "Appealed", "withdrawn": "Withdrawn"},
    "action": {"revoke": "Revoke", "suspend": "Suspend", "reinstate": "Reinstate"},
    "history": {"issue": "Issued", "revoke": "Revoked", "suspend": "Suspended",
                "reinstate": "Reinstated"},
    "rule": {"written_terms": "The agreement states the rights and duties of both sides and "
                              "the programme.",
             "duration": "The agreement ends after it starts.",
             "at_most_one_year": "An apprenticeship lasts at most one year.",
             "allowance": "The apprentice is paid an allowance (uang saku).",
             "ratified": "The district labour office ratifies the agreement (by whom, when, "
                         "under which number), not in the future.",
             "at_most_20_percent": "Apprentices may be at most 20% of the company's "
                                   "workforce."},
    "agreement": {"apprentice_rights": "The apprentice's rights",
                  "apprentice_duties": "The apprentice's duties",
                  "company_rights": "The company's rights",
                  "company_duties": "The company's duties",
                  "programme": "The programme: what the apprentice learns and does"},
    "vatm": {"valid": "Valid: they show this unit's competency",
             "authentic": "Authentic (asli): the asesi's own work",
             "current": "Current (terkini): recent enough",
             "sufficient": "Sufficient (memadai): enough to judge the whole unit"},
    "evidence": {"certificate": "Certificate", "award": "Award", "work_sample": "Work sample",
                 "photo": "Photo", "reference_letter": "Reference letter", "other": "Other"},
    "tuk": {"sewaktu": "Temporary (sewaktu), at a training centre",
            "tempat kerja": "At a workplace (tempat kerja)",
            "mandiri": "The LSP's own (mandiri)"},
    "factor": {"competency": "Competency", "distance": "Distance",
               "availability": "Availability"},
    "kind": {"job": "Job", "apprenticeship": "Apprenticeship (pemagangan)"},
    "post": {"announcement": "Announcement", "job": "Job information"},
    "follow_up": {"employed": "Employed", "self_employed": "Self-employed",
                  "apprenticing": "In an apprenticeship", "still_looking": "Still looking"},
    "programme_kind": {"training": "Training", "certification_only": "Certification only",
                       "apprenticeship_intake": "Apprenticeship intake"},
    "leads_to": {"agency": "The agency's training certificate",
                 "kemnaker": "The Ministry of Manpower's (Kemnaker) training certificate",
                 "bnsp": "A BNSP certification, through an LSP"},
    "sector": {"garment": "Garment", "crafts": "Crafts", "beauty": "Beauty",
               "tourism": "Tourism", "hospitality": "Hospitality (tata graha)",
               "mining": "Mining", "retail": "Wholesale and retail",
               "automotive": "Automotive (motorcycle repair)", "construction": "Construction",
               "food": "Food", "agriculture": "Agriculture", "ict": "ICT"},
    "metric": {"enrolled": "Enrolled", "completed": "Completed", "certified": "Certified",
               "placed": "Placed in work", "apprenticeships": "Apprenticeships"},
    "enrolment": {"waitlisted": "On the waiting list", "enrolled": "Enrolled",
                  "completed": "Completed", "not_completed": "Did not complete",
                  "withdrawn": "Withdrawn", "dropped_out": "Dropped out",
                  "no_show": "Did not come", "not_admitted": "Not admitted"},
    "employment": {"job_seeker": "Job seeker", "employed": "Employed",
                   "self_employed": "Self-employed", "student": "Student"},
    "consent": {"certification": "Assessment and certification",
                "partner_sharing": "Sharing my profile with partner employers",
                "follow_up": "Follow-up after certification"},
}


def links(caller) -> list[tuple[str, str]]:
    return [(path, label) for path, label, roles in SCREENS if caller.has(*roles)]


def current(nav: list[tuple[str, str]], path: str) -> str | None:
    """The menu entry this page is under: the longest that holds it (/lsp/registri, not
    /lsp)."""
    return max((href for href, _ in nav if path == href or path.startswith(href + "/")),
               key=len, default=None)


def home(caller) -> str:
    """Where a person lands after signing in: their first screen, else the home page."""
    mine = links(caller)
    return mine[0][0] if mine else "/beranda"


def explain(code: str, gettext) -> str:
    return gettext(REFUSALS.get(code, GENERIC))
