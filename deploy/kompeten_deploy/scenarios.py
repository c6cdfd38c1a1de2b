"""Field scenarios as data: one YAML file per programme as it really runs, in deploy/scenarios/,
read and checked here before anything runs (`make demo SCENARIO=<name>`).

A file names the agency and its officers, the targets above its programmes, and per programme
the course (days, rule, certificates it leads to), the LSP that assesses it when it leads to a
BNSP certification, the partner employer and its vacancy, and the cohort: how many generated
people and the twists the field brings (someone drops out, is BK on a unit, keeps their data
from employers, declines an offer). It states the totals it expects; the outcomes the twists
imply must add up to them, or the file is refused.

A mistake stops the load with every problem named by its place in the file, e.g.
`programmes[0].cohort.twists[2].person: 17 is not one of the 16 people`.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml
from kompeten_assessment.registry import SCHEMES
from kompeten_chassis import regions
from kompeten_shared.vocabulary import PLACEMENT_KINDS, PROGRAMME_CERTIFICATES, SECTORS
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

DIRECTORY = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT = "menjahit-probolinggo"
INTAKE = "apprenticeship_intake"  # a programme kind, and what an apprenticeship may accept
METHODS = ("observation", "demonstration", "interview", "portfolio", "written", "oral")


class ScenarioError(Exception):
    """A scenario file that cannot run: the file and each problem in it."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path.name}:\n" + "\n".join(f"  {p}" for p in problems))


def _regency(code: str) -> None:
    if not (len(code) == 4 and code.isdigit() and regions.exists(code)):
        raise ValidationError("not a regency code (4 digits, e.g. 3513)")


def _district(code: str) -> None:
    if not (len(code) == 6 and code.isdigit() and regions.exists(code)):
        raise ValidationError("not a kecamatan code (6 digits, e.g. 351317)")


def _area(code: str) -> None:
    if not (len(code) in (2, 4) and code.isdigit() and regions.exists(code)):
        raise ValidationError("not a province or regency code (64, 3513)")


_name = validate.Length(min=2, max=200)
_account = validate.Regexp(r"^[a-z0-9][a-z0-9.-]{2,60}$",
                           error="an account name: lowercase letters, digits, dots and dashes")
_code = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,63}$", error="upper-case letters, digits, dashes")


class Strict(Schema):
    class Meta:
        unknown = RAISE  # a misspelt key is a mistake, not something to ignore


class Agency(Strict):
    code = fields.String(required=True, validate=_code)
    name = fields.String(required=True, validate=_name)
    region = fields.String(required=True, validate=_area, metadata={"description": "served"})
    operator = fields.String(required=True, validate=_account)
    monitoring_officer = fields.String(load_default=None, validate=_account)


class Goal(Strict):
    name = fields.String(required=True, validate=_name)
    organiser = fields.String(required=True, validate=_name)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2020, 2100))
    goals = fields.Dict(keys=fields.String(validate=validate.OneOf(
        ("enrolled", "completed", "certified", "placed", "apprenticeships"))),
        values=fields.Integer(strict=True, validate=validate.Range(1, 1_000_000)),
        required=True, validate=validate.Length(min=1))
    subtargets = fields.List(fields.Nested(lambda: Goal()), load_default=list)
    key = fields.String(load_default=None, validate=_account,
                        metadata={"description": "how programmes name it"})


class Unit(Strict):
    code = fields.String(required=True, validate=validate.Length(min=3, max=40))
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))


class NewScheme(Strict):
    code = fields.String(required=True, validate=_code)
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(("okupasi", "klaster", "kkni")))
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    units = fields.List(fields.Nested(Unit), required=True, validate=validate.Length(min=1))


class Person(Strict):
    registration_number = fields.String(required=True, validate=validate.Length(min=5, max=40))
    name = fields.String(required=True, validate=_name)


class Tuk(Strict):
    code = fields.String(required=True, validate=_code)
    name = fields.String(required=True, validate=_name)
    kind = fields.String(required=True, validate=validate.OneOf(
        ("sewaktu", "tempat kerja", "mandiri")))
    region = fields.String(required=True, validate=_regency)


class Lsp(Strict):
    code = fields.String(required=True, validate=_code)
    name = fields.String(required=True, validate=_name)
    licence_number = fields.String(required=True, validate=validate.Length(min=3, max=100))
    licence_valid_until = fields.Date(required=True)
    admin = fields.String(required=True, validate=_account)
    plenary = fields.List(fields.String(validate=_account), required=True,
                          validate=validate.Length(min=1),
                          metadata={"description": "the plenary members' accounts"})
    plenary_quorum = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 9))

    @validates_schema
    def _enough_members(self, data, **kwargs):
        if data.get("plenary_quorum", 1) > len(data.get("plenary", [])):
            raise ValidationError("more than the plenary members named", "plenary_quorum")


class Assessment(Strict):
    lsp = fields.Nested(Lsp, required=True)
    asesors = fields.List(fields.Nested(Person), required=True, validate=validate.Length(min=1))
    tuk = fields.Nested(Tuk, required=True)
    team = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 4),
                          metadata={"description": "asesor per case: a lead and members"})
    methods = fields.Dict(keys=fields.String(), values=fields.String(
        validate=validate.OneOf(METHODS)), load_default=dict,
        metadata={"description": "unit code: method; observation when absent"})


class Contact(Strict):
    person = fields.String(required=True, validate=_name)
    phone = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9]{8,15}$"))


class Terms(Strict):
    """An apprenticeship's written agreement, as HR draws it up for each apprentice."""

    months = fields.Integer(required=True, strict=True, validate=validate.Range(1, 12))
    monthly_allowance = fields.Integer(required=True, strict=True,
                                       validate=validate.Range(1, 100_000_000))
    programme = fields.String(required=True, validate=validate.Length(min=3, max=4000))
    ratified_by = fields.String(required=True, validate=_name)


class Vacancy(Strict):
    title = fields.String(required=True, validate=_name)
    kind = fields.String(load_default="job", validate=validate.OneOf(PLACEMENT_KINDS))
    places = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000))
    accepts = fields.List(fields.String(validate=validate.OneOf(
        ("certification", "training", INTAKE))), load_default=lambda: ["certification"],
        validate=validate.Length(min=1))
    agreement = fields.Nested(Terms, load_default=None)

    @validates_schema
    def _apprenticeship(self, data, **kwargs):
        if (data.get("kind") == "apprenticeship") != bool(data.get("agreement")):
            raise ValidationError("an apprenticeship states its agreement, and only it",
                                  "agreement")
        if INTAKE in data.get("accepts", []) and data.get("kind") != "apprenticeship":
            raise ValidationError("only an apprenticeship takes people from an intake",
                                  "accepts")


class Employer(Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$"))
    name = fields.String(required=True, validate=_name)
    sector = fields.String(required=True, validate=_name)
    region = fields.String(required=True, validate=_regency)
    workforce = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1_000_000))
    contact = fields.Nested(Contact, required=True)
    hr = fields.String(required=True, validate=_account)
    vacancy = fields.Nested(Vacancy, required=True)


class Provider(Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$"))
    name = fields.String(required=True, validate=_name)
    kind = fields.String(required=True, validate=validate.OneOf(
        ("lpk", "blk", "company", "community", "agency")))
    region = fields.String(required=True, validate=_regency)


class Trainer(Strict):
    name = fields.String(required=True, validate=_name)
    provider = fields.String(required=True, metadata={"description": "a provider's id"})


class Twist(Strict):
    person = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000),
                            metadata={"description": "1 is the first person of the cohort"})
    attends_days = fields.Integer(strict=True, validate=validate.Range(0, 366))
    weak_unit = fields.String(validate=validate.Length(min=3, max=40))
    shares_data = fields.Boolean()
    declines_offer = fields.Boolean()
    portfolio = fields.Boolean(metadata={"description": "brings certificates and awards that "
                                         "meet VATM: assessed by interview, not a practical"})


class Names(Strict):
    women = fields.List(fields.String(validate=_name), required=True,
                        validate=validate.Length(min=3))
    men = fields.List(fields.String(validate=_name), required=True,
                      validate=validate.Length(min=3))
    family = fields.List(fields.String(validate=_name), required=True,
                         validate=validate.Length(min=3))


class Cohort(Strict):
    size = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000))
    seed = fields.Integer(load_default=2026, strict=True)
    names = fields.Nested(Names, load_default=None)
    twists = fields.List(fields.Nested(Twist), load_default=list)


class Post(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(("announcement", "job")))
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    text = fields.String(required=True, validate=validate.Length(min=3, max=4000))


class CommunitySpec(Strict):
    """The group the graduates form after certification (programme 1)."""

    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    mentors = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 100_000)),
                          load_default=list,
                          metadata={"description": "cohort positions of the role models"})
    posts = fields.List(fields.Nested(Post), load_default=list)


class Totals(Strict):
    completed = fields.Integer(required=True, strict=True, validate=validate.Range(0))
    certified = fields.Integer(required=True, strict=True, validate=validate.Range(0))
    placed = fields.Integer(required=True, strict=True, validate=validate.Range(0))


class Programme(Strict):
    key = fields.String(required=True, validate=_account)
    kind = fields.String(load_default="training", validate=validate.OneOf(
        ("training", "certification_only", INTAKE)))
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    organiser = fields.String(required=True, validate=_name)
    venue = fields.String(required=True, validate=_name)
    region = fields.String(required=True, validate=_regency)
    districts = fields.List(fields.String(validate=_district), load_default=list,
                            metadata={"description": "the kecamatan the course is for; its "
                                      "people live there"})
    scheme = fields.String(required=True, validate=_code)
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 366),
                          metadata={"description": "a course's days; the test day of a "
                                    "certification-only programme is 1"})
    seats = fields.Integer(load_default=None, strict=True, validate=validate.Range(1, 100_000),
                           metadata={"description": "when more than the cohort (few applied)"})
    min_days = fields.Integer(load_default=None, strict=True, validate=validate.Range(1, 366))
    certificates = fields.List(fields.String(validate=validate.OneOf(PROGRAMME_CERTIFICATES)),
                               required=True)
    target = fields.String(load_default=None, validate=_account)
    provider = fields.String(load_default=None, metadata={"description": "a provider's id"})
    trainers = fields.List(fields.Nested(Trainer), load_default=list)
    assessment = fields.Nested(Assessment, load_default=None)
    employer = fields.Nested(Employer, load_default=None)
    cohort = fields.Nested(Cohort, required=True)
    community = fields.Nested(CommunitySpec, load_default=None)
    expect = fields.Nested(Totals, required=True)

    @validates_schema
    def _consistent(self, data, **kwargs):
        if ("bnsp" in data.get("certificates", [])) != bool(data.get("assessment")):
            raise ValidationError("a programme leading to a BNSP certification names the LSP "
                                  "that assesses it, and only then", "assessment")
        if data.get("min_days") and data["min_days"] > data.get("days", 0):
            raise ValidationError(f"more than the {data['days']} days of the course",
                                  "min_days")
        if data.get("seats") and data["seats"] < data.get("cohort", {}).get("size", 0):
            raise ValidationError("fewer seats than people in the cohort", "seats")
        outside = [d for d in data.get("districts", []) if d[:4] != data.get("region")]
        if outside:
            raise ValidationError(f"{', '.join(outside)} not in the programme's regency",
                                  "districts")
        if data.get("kind") == INTAKE and data.get("certificates"):
            raise ValidationError("an apprenticeship intake leads to no certificate at "
                                  "intake: certification comes after the apprenticeship",
                                  "certificates")


class ScenarioFile(Strict):
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))
    story = fields.String(required=True, validate=validate.Length(min=10))
    agency = fields.Nested(Agency, required=True)
    schemes = fields.List(fields.Nested(NewScheme), load_default=list,
                          metadata={"description": "schemes the registry does not hold yet"})
    targets = fields.List(fields.Nested(Goal), load_default=list)
    providers = fields.List(fields.Nested(Provider), load_default=list,
                            metadata={"description": "training providers, the partners too"})
    programmes = fields.List(fields.Nested(Programme), required=True,
                             validate=validate.Length(min=1))


@dataclass
class Scenario:
    name: str
    path: Path
    data: dict

    def __getattr__(self, key):
        try:
            return self.data[key]
        except KeyError:
            raise AttributeError(key) from None

    def units(self, scheme_code: str) -> list[str]:
        own = {s["code"]: [u["code"] for u in s["units"]] for s in self.data["schemes"]}
        if scheme_code in own:
            return own[scheme_code]
        return SCHEMES[scheme_code].unit_codes if scheme_code in SCHEMES else []


def names() -> list[str]:
    return sorted(path.stem for path in DIRECTORY.glob("*.yaml"))


def load(name: str | Path = DEFAULT) -> Scenario:
    """The scenario by name (a file of deploy/scenarios) or path, checked whole."""
    path = Path(name) if str(name).endswith(".yaml") else DIRECTORY / f"{name}.yaml"
    if not path.is_file():
        raise ScenarioError(path, [f"no such scenario; there are: {', '.join(names())}"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ScenarioError(path, [f"not valid YAML: {error}"]) from None
    try:
        data = ScenarioFile().load(raw if isinstance(raw, dict) else {})
    except ValidationError as error:
        raise ScenarioError(path, list(_flatten(error.messages))) from None
    scenario = Scenario(name=path.stem, path=path, data=data)
    problems = _cross_checks(scenario)
    if problems:
        raise ScenarioError(path, problems)
    return scenario


def _flatten(messages, where: str = ""):
    """marshmallow's nested messages as `programmes[0].cohort.size: message` lines."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            part = f"[{key}]" if isinstance(key, int) else (f".{key}" if where else key)
            yield from _flatten(value, where + part)
    else:
        for message in messages:
            yield f"{where or 'file'}: {message}"


def _cross_checks(scenario: Scenario) -> list[str]:
    """What a schema cannot see: references between parts and the totals the twists imply."""
    problems = []
    targets = {t["key"] for t in _all_targets(scenario.targets) if t["key"]}
    keys = [p["key"] for p in scenario.programmes]
    if len(set(keys)) != len(keys):
        problems.append("programmes: two programmes share a key")
    for n, programme in enumerate(scenario.programmes):
        where = f"programmes[{n}]"
        if programme["target"] and programme["target"] not in targets:
            problems.append(f"{where}.target: no target with key {programme['target']!r}")
        providers = {p["id"] for p in scenario.providers}
        if programme["provider"] and programme["provider"] not in providers:
            problems.append(f"{where}.provider: no provider {programme['provider']!r}")
        for t, trainer in enumerate(programme["trainers"]):
            if trainer["provider"] not in providers:
                problems.append(f"{where}.trainers[{t}].provider: no provider "
                                f"{trainer['provider']!r}")
        units = scenario.units(programme["scheme"])
        if not units:
            problems.append(f"{where}.scheme: {programme['scheme']} is neither in the registry "
                            "nor under schemes")
        cohort = programme["cohort"]
        for t, twist in enumerate(cohort["twists"]):
            if twist["person"] > cohort["size"]:
                problems.append(f"{where}.cohort.twists[{t}].person: {twist['person']} is not "
                                f"one of the {cohort['size']} people")
            if twist.get("attends_days", 0) > programme["days"]:
                problems.append(f"{where}.cohort.twists[{t}].attends_days: more than the "
                                f"{programme['days']} days of the course")
            if programme["kind"] == INTAKE and twist.get("shares_data") is False:
                problems.append(f"{where}.cohort.twists[{t}].shares_data: an apprenticeship "
                                "intake enrols only people who agree to share their data "
                                "with the employers")
            if twist.get("weak_unit") and twist["weak_unit"] not in units:
                problems.append(f"{where}.cohort.twists[{t}].weak_unit: not a unit of "
                                f"{programme['scheme']}")
        if programme["community"] and not scenario.agency["monitoring_officer"]:
            problems.append(f"{where}.community: the agency names no monitoring_officer to "
                            "keep it")
        for m, position in enumerate((programme["community"] or {}).get("mentors", [])):
            if position > cohort["size"]:
                problems.append(f"{where}.community.mentors[{m}]: {position} is not one of "
                                f"the {cohort['size']} people")
        assessment = programme["assessment"] or {}
        for unit in assessment.get("methods", {}):
            if unit not in units:
                problems.append(f"{where}.assessment.methods.{unit}: not a unit of "
                                f"{programme['scheme']}")
        if not problems:
            implied = implied_totals(programme)
            if implied != programme["expect"]:
                problems.append(f"{where}.expect: the twists give {implied}, the file says "
                                f"{programme['expect']}")
    return problems


def _all_targets(goals: list[dict]) -> list[dict]:
    return [t for goal in goals for t in [goal, *_all_targets(goal["subtargets"])]]


# what each person should end with -----------------------------------------------------------
def required_days(programme: dict) -> int:
    """The programme's own figure, else the service's default rule: 80% of the days, rounded
    up (all 4 of a 4-day course)."""
    return programme["min_days"] or -(-programme["days"] * 4 // 5)


def expected(programme: dict, person) -> dict:
    """Where someone with these twists ends: the rules of the chain, stated once here."""
    completed = (programme["kind"] != "training"
                 or person.attends_days >= required_days(programme))
    bnsp = "bnsp" in programme["certificates"]
    training = [c for c in programme["certificates"] if c != "bnsp"]
    assessment = ("-" if not (completed and bnsp) else "BK" if person.weak_unit else "K")
    routes = sorted((training if completed else []) + (["bnsp"] if assessment == "K" else []))
    employer = programme["employer"]
    accepts = employer["vacancy"]["accepts"] if employer else []
    accepted = any(vacancy_takes(route, accepts) for route in routes) or (
        completed and takes_intake(programme, accepts))
    placement = ("-" if not accepted else "not shared (no consent)" if not person.shares_data
                 else "declined" if person.declines_offer else "placed")
    return {"enrollment": "completed" if completed else "not_completed",
            "assessment": assessment, "certificates": routes, "placement": placement}


def vacancy_takes(route: str, accepts: list[str]) -> bool:
    """Whether a vacancy accepting these kinds (certification, training) takes a holder of this
    programme certificate (a BNSP one is a certification, the others training)."""
    return ("certification" if route == "bnsp" else "training") in accepts


def takes_intake(programme: dict, accepts: list[str]) -> bool:
    """Whether the vacancy takes this programme's people straight from its intake."""
    return programme["kind"] == INTAKE and INTAKE in accepts


def implied_totals(programme: dict) -> dict:
    from .scenario import cohort  # the same people the run generates

    outcomes = [expected(programme, person) for person in cohort(programme)]
    return {"completed": sum(o["enrollment"] == "completed" for o in outcomes),
            "certified": sum(bool(o["certificates"]) for o in outcomes),
            "placed": sum(o["placement"] == "placed" for o in outcomes)}
