"""Request schemas: bad input stops here with the field that is wrong."""

from kompeten_chassis import regions
from kompeten_chassis.web import Request
from kompeten_shared.vocabulary import (
    CONSENT_PURPOSES,
    PROGRAMME_CERTIFICATES,
    PROGRAMME_KINDS,
    SECTORS,
)
from marshmallow import ValidationError, fields, validate, validates_schema

from .community import POST_KINDS
from .eligibility import EMPLOYMENT
from .provider import PROVIDER_KINDS
from .target import METRICS
from .waitlist import CRITERIA


def _existing_region(code: str) -> None:
    if not regions.exists(code):
        raise ValidationError("unknown region code")


_regency = [validate.Regexp(r"^\d{4}$", error="must be a 4-digit regency code"),
            _existing_region]
_district = [validate.Regexp(r"^\d{6}$", error="must be a 6-digit kecamatan code"),
             _existing_region]
_area = [validate.Regexp(r"^(\d{2}|\d{4})$", error="must be a province or regency code"),
         _existing_region]
_id = validate.Length(min=1, max=100)


class EligibilityRequest(Request):
    job_seekers_only = fields.Boolean(load_default=False)
    min_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100))
    max_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100))
    residents_only = fields.Boolean(load_default=False)
    one_programme_at_a_time = fields.Boolean(load_default=True)
    districts = fields.List(fields.String(validate=_district), load_default=list,
                            validate=validate.Length(max=100),
                            metadata={"description": "the kecamatan the programme is for "
                                      "(e.g. 351317, Maron): only their residents may apply"})


class ProgrammeRequest(Request):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    kind = fields.String(load_default="training", validate=validate.OneOf(PROGRAMME_KINDS))
    organiser = fields.String(required=True, validate=validate.Length(min=2, max=200))
    organiser_region = fields.String(load_default=None, allow_none=True, validate=_area)
    scheme_code = fields.String(required=True, validate=validate.Length(min=2, max=100))
    venue = fields.String(required=True, validate=validate.Length(min=2, max=200))
    region_code = fields.String(required=True, validate=_regency)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000))
    attendance_threshold = fields.Float(load_default=0.8,
                                        validate=validate.Range(0, 1, min_inclusive=False))
    session_dates = fields.List(fields.Date(), load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=366),
                                metadata={"description": "the days the course meets, when not "
                                          "every day from start to end"})
    min_days = fields.Integer(load_default=None, allow_none=True, strict=True,
                              validate=validate.Range(1, 366),
                              metadata={"description": "days to attend to complete; replaces "
                                        "the threshold"})
    certificates = fields.List(fields.String(validate=validate.OneOf(PROGRAMME_CERTIFICATES)),
                               load_default=None, allow_none=True,
                               metadata={"description": "what it leads to; absent: training "
                                         "[agency, bnsp], certification_only [bnsp], "
                                         "apprenticeship_intake []"})
    sector = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(SECTORS))
    applications_until = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the last day to apply: seats are then allocated by priority "
                       "(POST /programmes/{id}/allocation) instead of as people apply"})
    provider_id = fields.String(load_default=None, allow_none=True, validate=_id,
                                metadata={"description": "the training provider (GET /providers)"})
    trainer_ids = fields.List(fields.String(validate=_id), load_default=list,
                              validate=validate.Length(max=20),
                              metadata={"description": "its trainers (GET /trainers)"})
    target_id = fields.String(load_default=None, allow_none=True, validate=_id)
    partner_employers = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                    load_default=list)
    eligibility = fields.Nested(EligibilityRequest, load_default=dict)
    priority = fields.List(fields.String(validate=validate.OneOf(sorted(CRITERIA))),
                           load_default=None,
                           metadata={"description": "waitlist order; ties by application time"})


class GuardianRequest(Request):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    relationship = fields.String(required=True, validate=validate.OneOf(
        ("parent", "guardian")))


class ConsentRequest(Request):
    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    granted = fields.Boolean(required=True)
    source = fields.String(required=True, validate=validate.Length(min=2, max=200),
                           metadata={"description": "where it was given, e.g. a paper form"})
    wording = fields.String(required=True, validate=validate.Length(min=10, max=4000),
                            metadata={"description": "the text the person was shown"})
    guardian = fields.Nested(GuardianRequest, load_default=None, allow_none=True)


class PersonRequest(Request):
    """Who someone is; shared by registration and bulk import rows."""

    nik = fields.String(required=True, validate=validate.Length(max=40))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    sex = fields.String(required=True, validate=validate.OneOf(("F", "M")))
    birth_date = fields.Date(required=True)
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?[0-9]{8,15}$",
                                                   error="must be 8 to 15 digits"))
    email = fields.Email(load_default=None, allow_none=True,
                         metadata={"description": "for notices: offers, follow-up, the "
                                   "community (optional)"})
    employment_status = fields.String(load_default="job_seeker",
                                      validate=validate.OneOf(EMPLOYMENT))
    domicile_regency_code = fields.String(load_default=None, allow_none=True, validate=_regency)
    domicile_district_code = fields.String(
        load_default=None, allow_none=True, validate=_district,
        metadata={"description": "the kecamatan lived in, when not the NIK's (6 digits)"})
    previous_trainings = fields.Integer(load_default=0, validate=validate.Range(0, 1000))


class ParticipantRequest(PersonRequest):
    consents = fields.List(fields.Nested(ConsentRequest), load_default=list)
    for_programme = fields.String(
        load_default=None, allow_none=True, validate=_id,
        metadata={"description": "a programme id: its rules are checked first, and a person "
                  "it would refuse is not registered (422 not_eligible); enrol next"})

    @validates_schema
    def _one_consent_per_purpose(self, data, **kwargs):
        purposes = [c["purpose"] for c in data["consents"]]
        if len(purposes) != len(set(purposes)):
            raise ValidationError("one consent per purpose", "consents")


class ApplicationRequest(Request):
    participant_id = fields.String(required=True, validate=_id)


class LeaveRequest(Request):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000))


class AttendanceRequest(Request):
    date = fields.Date(required=True)
    present = fields.List(fields.String(validate=_id), load_default=list,
                          metadata={"description": "participant ids"})
    present_niks = fields.List(fields.String(validate=validate.Length(max=40)),
                               load_default=list,
                               metadata={"description": "or NIKs, as on a paper sheet"})

    @validates_schema
    def _unique(self, data, **kwargs):
        for key in ("present", "present_niks"):
            if len(set(data[key])) != len(data[key]):
                raise ValidationError("a participant is listed twice", key)


class TargetRequest(Request):
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    organiser = fields.String(required=True, validate=validate.Length(min=2, max=200))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    goals = fields.Dict(keys=fields.String(validate=validate.OneOf(METRICS)),
                        values=fields.Integer(strict=True, validate=validate.Range(1, 10**7)),
                        required=True, validate=validate.Length(min=1))
    parent_id = fields.String(load_default=None, allow_none=True, validate=_id)


class ProviderRequest(Request):
    id = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9-]{1,62}$", error="lowercase letters, digits and dashes"),
        metadata={"description": "a short code, e.g. lpk-sandi-bontang"})
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    region_code = fields.String(required=True, validate=_regency)


class TrainerRequest(Request):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    provider_id = fields.String(required=True, validate=_id)
    schemes = fields.List(fields.String(validate=validate.Length(min=2, max=100)),
                          load_default=list)


class CommunityRequest(Request):
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    programme_ids = fields.List(fields.String(validate=_id), required=True,
                                validate=validate.Length(min=1, max=50))


class PostRequest(Request):
    kind = fields.String(required=True, validate=validate.OneOf(POST_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    text = fields.String(required=True, validate=validate.Length(min=3, max=4000))


class MemberRequest(Request):
    participant_id = fields.String(required=True, validate=_id)


class ImportRow(PersonRequest):
    """One spreadsheet row: the person, and yes/no per consent purpose."""

    row = fields.Integer(required=True, metadata={"description": "the spreadsheet row number"})
    consent_certification = fields.Boolean(load_default=False)
    consent_partner_sharing = fields.Boolean(load_default=False)
    consent_follow_up = fields.Boolean(load_default=False)
    guardian_name = fields.String(load_default=None, allow_none=True)
    guardian_relationship = fields.String(load_default=None, allow_none=True,
                                          validate=validate.OneOf(("parent", "guardian")))


class ImportRequest(Request):
    source = fields.String(required=True, validate=validate.Length(min=2, max=200),
                           metadata={"description": "the file, e.g. peserta-menjahit.xlsx"})
    wording = fields.Dict(keys=fields.String(validate=validate.OneOf(CONSENT_PURPOSES)),
                          values=fields.String(validate=validate.Length(min=10, max=4000)),
                          required=True,
                          metadata={"description": "the consent text on the form, per purpose"})
    rows = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=1000),
                       metadata={"description": "ImportRow objects; each checked on its own"})


MAX_UPLOAD_BYTES = 5_000_000
MAX_UPLOAD_ROWS = 10_000


class ImportFileRequest(Request):
    """A spreadsheet as the operator received it (CSV or XLSX, base64), read here."""

    filename = fields.String(required=True, validate=validate.Regexp(
        r"(?i)^[^/\\]{1,200}\.(csv|xlsx|xlsm)$", error="must be a .csv or .xlsx file name"))
    content = fields.String(required=True, metadata={"description": "the file, base64"})
    wording = fields.Dict(keys=fields.String(validate=validate.OneOf(CONSENT_PURPOSES)),
                          values=fields.String(validate=validate.Length(min=10, max=4000)),
                          required=True,
                          metadata={"description": "the consent text on the form, per purpose"})
