"""The runner of the field scenarios (deploy/scenarios/*.yaml, read by scenarios.py): each
programme of a scenario driven through the whole chain on the running services, by the people
who act in it, each signed in with their own account.

`garmen-bandung` is the reference chain the tests and benchmarks drive: a district labour
office (Disnaker Kabupaten Bandung) runs a 30-day competency-based sewing course for 16 job
seekers in a village hall with one partner garment company; one participant drops out under
the attendance rule, one is BK on one unit, one does not consent to share data with employers,
one declines the company's offer. Everyone is generated, never a real person.
"""

import base64
import random
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

import requests
from kompeten_assessment.registry import DAILY_LIMIT
from kompeten_certificate.verify import verify as verify_credential
from kompeten_shared.vocabulary import programme_certificate

from . import scenarios
from .identity import People
from .scenarios import Scenario

CHAIN = "garmen-bandung"  # the reference scenario of the tests and benchmarks
# The reference chain's people, as its file and deploy/keycloak/dev-users.json name them.
ASESORS = ("MET.000.004213 2023", "MET.000.007781 2022")
TUK = "TUK-GNI-SOR"
PEOPLE_AT_ONCE = 8  # requests in flight together (at_once)
# A slow answer is waited for, so a benchmark reports it (a province-wide report reads every
# record: 43 s among 50,000 of each) rather than dying on it.
REQUEST_SECONDS = 120
OPERATOR, LSP_ADMIN = "operator-bandung", "admin-lsp-gni"
PLATFORM = "platform-admin"
# A one-page PDF standing for a photographed certificate in an asesi's portfolio.
PORTFOLIO_DOCUMENT = base64.b64encode(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n").decode()  # registers schemes and LSPs a scenario brings
WOMEN = ["Siti", "Dewi", "Rina", "Nur", "Wulan", "Ayu", "Lestari", "Yuni", "Fitri", "Intan",
         "Ratna", "Euis", "Neneng", "Tati"]
MEN = ["Asep", "Dedi", "Ujang", "Agus", "Yusuf", "Rudi", "Hendra", "Iwan", "Cecep", "Dadan"]
FAMILY = ["Rahmawati", "Suryani", "Hidayat", "Permana", "Setiawan", "Kurniasih", "Nugraha",
          "Sumarni", "Gunawan", "Maulana", "Fauziah", "Saputra", "Handayani", "Ramdani"]
CONSENT_WORDING = {
    "certification": "Saya setuju data saya diproses untuk uji kompetensi dan sertifikasi. "
                     "(I agree that my data is processed for assessment and certification.)",
    "partner_sharing": "Saya setuju nama, nomor telepon dan sertifikat saya dibagikan kepada "
                       "perusahaan mitra untuk penempatan kerja. (I agree to share my name, phone "
                       "and certificate with partner employers for job placement.)",
    "follow_up": "Saya setuju dihubungi untuk pemantauan setelah sertifikasi. (I agree to be "
                 "contacted for follow-up after certification.)",
}


@dataclass
class Person:
    name: str
    sex: str
    birth_date: date
    nik: str
    phone: str
    shares_data: bool = True
    attends_days: int = 30
    weak_unit: str | None = None
    declines_offer: bool = False
    portfolio: bool = False
    participant_id: str | None = None

    @property
    def masked_nik(self) -> str:
        return self.nik[:4] + "*" * 8 + self.nik[-4:]


@dataclass
class Row:
    """What the demo shows for one participant, and what it expected."""

    person: Person
    programme: str = "-"
    enrollment: str = "-"
    assessment: str = "-"
    certificates: list = field(default_factory=list)  # the routes held: agency, kemnaker, bnsp
    certificate: str = "-"  # the main one: the BNSP certification, else a training certificate
    verification_url: str = "-"
    placement: str = "-"
    expected: dict = field(default_factory=dict)

    def observed(self) -> dict:
        return {"enrollment": self.enrollment, "assessment": self.assessment,
                "certificates": sorted(self.certificates), "placement": self.placement}


def make_nik(rng: random.Random, regency: str, sex: str, birth: date, serial: int,
             district: str | None = None) -> str:
    drawn = f"{regency}{rng.randint(1, 30):02d}"  # drawn always: the same people either way
    district = district or drawn
    day = birth.day + (40 if sex == "F" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def cohort(programme: dict, size: int | None = None, seed: int | None = None) -> list[Person]:
    """The programme's generated people, the same for the same seed, with the file's twists
    on the people they name (those within `size`, when a run is scaled down)."""
    spec = programme["cohort"]
    size = spec["size"] if size is None else size
    rng = random.Random(spec["seed"] if seed is None else seed)
    names = spec["names"] or {"women": WOMEN, "men": MEN, "family": FAMILY}
    required = scenarios.required_days(programme)
    districts = programme["districts"]  # a course for one kecamatan: its residents
    people = []
    for i in range(size):
        sex = "F" if i % 3 != 2 else "M"
        given = rng.choice(names["women"] if sex == "F" else names["men"])
        birth = date(rng.randint(1986, 2006), rng.randint(1, 12), rng.randint(1, 28))
        people.append(Person(
            name=f"{given} {rng.choice(names['family'])}", sex=sex, birth_date=birth,
            nik=make_nik(rng, programme["region"], sex, birth, rng.randint(1, 9999),
                         districts[i % len(districts)] if districts else None),
            phone=f"0812{rng.randint(10_000_000, 99_999_999)}",
            attends_days=rng.choice(range(required, programme["days"] + 1)[-5:])))
    for twist in spec["twists"]:
        if twist["person"] <= size:
            for key, value in twist.items():
                if key != "person":
                    setattr(people[twist["person"] - 1], key, value)
    return people


class Api:
    """A thin JSON client that fails loudly with the service's error body, acting as the
    person named by `as_` with their own token."""

    def __init__(self, base_url: str, people: People):
        self.base_url = base_url
        self.people = people
        self._local = threading.local()  # a connection per thread (see at_once)

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def call(self, method: str, path: str, body=None, params=None, patience: float = 90, *,
             as_: str):
        """Retries while the service is away or answers 5xx (restarting, its broker or
        database restarting): every request here may be repeated safely."""
        response = answered(lambda: self.session.request(
            method, self.base_url + path, json=body, params=params, timeout=REQUEST_SECONDS,
            headers={"Authorization": f"Bearer {self.people.token(as_)}"}),
            f"{method} {path}", patience)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()


def answered(send: Callable[[], requests.Response], what: str,
             patience: float = 90) -> requests.Response:
    """send() again while the service is away or answers 5xx (restarting, its broker or
    database restarting), up to `patience` seconds: for requests that may be repeated."""
    deadline = time.monotonic() + patience
    while True:
        try:
            response = send()
        except requests.ConnectionError:
            response = None
        if response is not None and response.status_code < 500:
            return response
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: {response.text if response is not None else 'no answer'}")
        time.sleep(0.5)


def wait_until(what: str, check: Callable[[], int], target: int, progress,
               seconds: float | None = None) -> None:
    """Until check() reaches target; patience grows with the target (a 1,000-person cohort's
    certificates take minutes)."""
    seconds = seconds or 90 + target / 5
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        count = check()
        if count != last:
            progress(f"  {what}: {count}/{target}")
            last = count
        if count >= target:
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what}: only {last}/{target} after {seconds}s")


def at_once(work: Callable, items) -> list:
    """work(item) for each item, PEOPLE_AT_ONCE at a time, as people act in the field: each
    participant on their own phone, asesor teams at several TUKs. The results in order; the
    first error is raised."""
    with ThreadPoolExecutor(PEOPLE_AT_ONCE) as pool:
        return list(pool.map(work, items))


def participant_account(participant_id: str) -> str:
    return f"peserta-{participant_id}"


def asesor_account(registration_number: str) -> str:
    return "asesor-" + registration_number.lower().replace(" ", "-")


class Services:
    """The four services' APIs, each call made as a named person."""

    def __init__(self, urls: dict[str, str], accounts: People):
        self.urls, self.accounts = urls, accounts
        self.enrollment, self.assessment = (Api(urls[n], accounts) for n in ("enrollment",
                                                                             "assessment"))
        self.certificate, self.placement = (Api(urls[n], accounts) for n in ("certificate",
                                                                             "placement"))


def run(urls: dict[str, str], issuer: str, size: int | None = None, seed: int | None = None,
        progress: Callable[[str], None] = print, today: date | None = None,
        accounts: People | None = None, scenario: Scenario | None = None,
        scale: float = 1.0) -> list[Row]:
    """Every programme of the scenario (the reference chain unless named) through the chain.
    `size` replaces each cohort's size, or `scale` multiplies it (seats and places follow), and
    `seed` each cohort's seed: to run larger (a benchmark) or smaller (a test)."""
    scenario = scenario or scenarios.load(CHAIN)
    today = today or date.today()
    services = Services(urls, accounts or People(issuer))
    targets = prepare(scenario, services, today)
    rows = []
    for programme in scenario.programmes:
        if len(scenario.programmes) > 1:
            progress(f"== {programme['key']}: {programme['title']}")
        full = programme["cohort"]["size"]
        people = cohort(programme, size or max(1, round(full * scale)), seed)
        rows += run_programme(scenario, programme, people, services, targets, progress, today,
                              len(people) / full)
    return rows


def officers(scenario: Scenario) -> list[dict]:
    """The accounts of the people who act in the scenario: the agency's officers, each LSP's
    admin and plenary member, each partner's HR officer."""
    agency = scenario.agency
    accounts = [{"username": agency["operator"], "name": agency["name"], "roles": ["operator"],
                 "agency": agency["code"]}]
    if agency["monitoring_officer"]:
        accounts.append({"username": agency["monitoring_officer"], "name": agency["name"],
                         "roles": ["monitoring_officer"], "agency": agency["code"]})
    for programme in scenario.programmes:
        if programme["assessment"]:
            lsp = programme["assessment"]["lsp"]
            accounts += [{"username": lsp["admin"], "name": lsp["name"], "roles": ["lsp_admin"],
                          "lsp": lsp["code"]}]
            accounts += [{"username": member, "name": f"Pleno {lsp['name']} {n + 1}",
                          "roles": ["plenary"], "lsp": lsp["code"]}
                         for n, member in enumerate(lsp["plenary"])]
        if programme["employer"]:
            employer = programme["employer"]
            accounts.append({"username": employer["hr"], "name": employer["name"],
                             "roles": ["employer_hr"], "employer": employer["id"]})
    return list({a["username"]: a for a in accounts}.values())  # an LSP may serve two


def prepare(scenario: Scenario, services: Services, today: date) -> dict[str, str]:
    """The scenario's officers' accounts, what the registry lacks (schemes, LSPs, asesor,
    TUK), and the targets; the targets' ids by their keys."""
    agency = scenario.agency
    services.accounts.open_accounts(officers(scenario))
    assessment = services.assessment
    known = {s["code"] for s in assessment.call("GET", "/schemes", as_=PLATFORM)}
    for scheme in scenario.schemes:
        if scheme["code"] not in known:
            assessment.call("POST", "/schemes", scheme, as_=PLATFORM)
    schemes_of: dict[str, list[str]] = {}  # LSP code: the schemes the scenario assesses
    for programme in scenario.programmes:
        if programme["assessment"]:
            schemes_of.setdefault(programme["assessment"]["lsp"]["code"], []).append(
                programme["scheme"])
    for programme in scenario.programmes:
        if programme["assessment"]:
            register_assessors(programme, schemes_of, services, today)
    ids: dict[str, str] = {}

    def create(goal: dict, parent: str | None) -> None:
        made = services.enrollment.call("POST", "/targets", {
            "name": goal["name"], "organiser": goal["organiser"], "year": goal["year"],
            "goals": goal["goals"], "parent_id": parent}, as_=agency["operator"])
        if goal["key"]:
            ids[goal["key"]] = made["id"]
        for sub in goal["subtargets"]:
            create(sub, made["id"])

    for goal in scenario.targets:
        create(goal, None)
    known = {p["id"] for p in services.enrollment.call("GET", "/providers",
                                                       as_=agency["operator"])}
    for provider in scenario.providers:
        if provider["id"] not in known:
            services.enrollment.call("POST", "/providers", {
                "id": provider["id"], "name": provider["name"], "kind": provider["kind"],
                "region_code": provider["region"]}, as_=agency["operator"])
    return ids


def trainers(programme: dict, services: Services, operator: str) -> list[str]:
    """The programme's trainers' ids, each registered once with their provider."""
    known = {(t["name"], t["provider_id"]): t["id"] for t in
             services.enrollment.call("GET", "/trainers", as_=operator)}
    ids = []
    for trainer in programme["trainers"]:
        key = (trainer["name"], trainer["provider"])
        if key not in known:
            known[key] = services.enrollment.call("POST", "/trainers", {
                "name": trainer["name"], "provider_id": trainer["provider"],
                "schemes": [programme["scheme"]]}, as_=operator)["id"]
        ids.append(known[key])
    return ids


def register_assessors(programme: dict, schemes_of: dict[str, list[str]], services: Services,
                       today: date) -> None:
    """The LSP (licensed for the scheme the scenario has it assess), its asesor and its TUK,
    each registered unless the registry holds it."""
    assessment, spec = services.assessment, programme["assessment"]
    lsp = spec["lsp"]
    if lsp["code"] not in {x["code"] for x in assessment.call("GET", "/lsps", as_=PLATFORM)}:
        assessment.call("POST", "/lsps", {
            **{k: lsp[k] for k in ("code", "name", "licence_number", "plenary_quorum")},
            "licence_valid_until": lsp["licence_valid_until"].isoformat(),
            "schemes": schemes_of[lsp["code"]]}, as_=PLATFORM)
    else:  # the LSP's own staff set its quorum
        assessment.call("POST", f"/lsps/{lsp['code']}/plenary",
                        {"plenary_quorum": lsp["plenary_quorum"]}, as_=lsp["admin"])
    asesors = {a["registration_number"] for a in
               assessment.call("GET", "/asesors", as_=lsp["admin"])}
    for asesor in spec["asesors"]:
        if asesor["registration_number"] not in asesors:
            assessment.call("POST", "/asesors", {
                **asesor, "lsp_code": lsp["code"], "schemes": [programme["scheme"]],
                "valid_until": (today + timedelta(days=365)).isoformat()}, as_=lsp["admin"])
    if spec["tuk"]["code"] not in {t["code"] for t in
                                   assessment.call("GET", "/tuks", as_=lsp["admin"])}:
        tuk = spec["tuk"]
        assessment.call("POST", "/tuks", {"code": tuk["code"], "name": tuk["name"],
                                          "kind": tuk["kind"], "lsp_code": lsp["code"],
                                          "region_code": tuk["region"]}, as_=lsp["admin"])


def run_programme(scenario: Scenario, programme: dict, people: list[Person],
                  services: Services, targets: dict[str, str], progress, today: date,
                  scale: float) -> list[Row]:
    operator = scenario.agency["operator"]
    training = programme["kind"] == "training"
    enrollment, placement = services.enrollment, services.placement
    rows = [Row(person=p, programme=programme["key"],
                expected=scenarios.expected(programme, p)) for p in people]
    start = today - timedelta(days=programme["days"] + 5)
    employer = programme["employer"]

    progress("1/6 enrollment: programme, participants, enrolment")
    created = enrollment.call("POST", "/programmes", {
        "title": programme["title"], "organiser": programme["organiser"],
        "scheme_code": programme["scheme"], "venue": programme["venue"],
        "region_code": programme["region"], "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=programme["days"] - 1)).isoformat(),
        "kind": programme["kind"], "capacity": max(len(people), round(
            (programme["seats"] or 0) * scale)),
        "min_days": programme["min_days"] if training else None,
        "certificates": programme["certificates"], "sector": programme["sector"],
        "provider_id": programme["provider"],
        "trainer_ids": trainers(programme, services, operator),
        "eligibility": {"districts": programme["districts"]},
        "target_id": targets.get(programme["target"]),
        "partner_employers": [employer["name"]] if employer else []}, as_=operator)
    programme_id = created["id"]
    vacancy = None
    if employer:
        placement.call("POST", "/employers", {
            "id": employer["id"], "name": employer["name"], "sector": employer["sector"],
            "region_code": employer["region"], "workforce": employer["workforce"],
            "contact": employer["contact"], "programme_ids": [programme_id]}, as_=operator)
        terms = {k: v for k, v in employer["vacancy"].items() if k != "agreement"}
        vacancy = placement.call("POST", "/vacancies", {
            "employer_id": employer["id"], "scheme_code": programme["scheme"], **terms,
            "places": max(1, round(terms["places"] * scale)),
            "start_date": (today + timedelta(days=14)).isoformat()}, as_=employer["hr"])

    def register(person: Person) -> None:
        consents = [{"purpose": purpose, "granted": purpose != "partner_sharing"
                     or person.shares_data, "source": "formulir pendaftaran (paper form)",
                     "wording": wording} for purpose, wording in CONSENT_WORDING.items()]
        registered = enrollment.call("POST", "/participants", {
            "nik": person.nik, "name": person.name, "sex": person.sex,
            "birth_date": person.birth_date.isoformat(), "phone": person.phone,
            "consents": consents}, as_=operator)
        person.participant_id = registered["participant_id"]
        enrollment.call("POST", f"/programmes/{programme_id}/enrolments",
                        {"participant_id": person.participant_id}, as_=operator)
    at_once(register, people)
    progress(f"  {len(people)} participants registered and enrolled")
    services.accounts.open_accounts([
        {"username": participant_account(p.participant_id), "name": p.name,
         "roles": ["participant"], "participant_id": p.participant_id} for p in people])
    progress(f"  {len(people)} participant accounts opened (sign-in for their own steps)")

    if training:
        progress(f"2/6 attendance over {programme['days']} days, then the attendance rule")
        for day in range(programme["days"]):
            present = [p.participant_id for p in people if day < p.attends_days]
            enrollment.call("POST", f"/programmes/{programme_id}/attendance", {
                "date": (start + timedelta(days=day)).isoformat(), "present": present},
                as_=operator)
    else:
        progress("2/6 no attendance: admitted straight to assessment")
    closed = enrollment.call("POST", f"/programmes/{programme_id}/close", as_=operator)
    if closed["status"] == "closing":  # a large cohort: the close goes on behind the answer
        progress(f"  closing: {closed['done']} of {closed['total']} at once, the rest behind")

        def recorded() -> int:
            nonlocal closed
            closed = enrollment.call("GET", f"/programmes/{programme_id}/closing",
                                     as_=operator)
            return closed["done"] if closed["status"] == "closed" else closed["done"] - 1
        wait_until("everyone's outcome recorded", recorded, closed["total"], progress)
    progress(f"  completed {closed['completed']}, not completed {closed['not_completed']}")
    statuses = {e["participant_id"]: e["status"] for e in
                enrollment.call("GET", f"/programmes/{programme_id}/enrolments", as_=operator)}
    graduates = [p for p in people if statuses[p.participant_id] == "completed"]

    decisions = {}
    if programme["assessment"]:
        progress("3/6 assessment: cases open from training.completed")
        decisions = assess(programme, programme_id, people, len(graduates), services,
                           progress, today)
    else:
        progress("3/6 assessment: none, the programme leads to no BNSP certification")

    progress("4/6 certificates: " + ", ".join(programme["certificates"]))
    held = certify(programme, graduates, decisions, services, progress)

    outcomes = {}
    if vacancy:
        progress("5/6 placement: the partner sees consenting graduates and makes offers")
        outcomes = place(programme, vacancy, graduates, held, services, progress, today)
        absorbed = placement.call("GET", "/reports/absorption",
                                  params={"programme_id": programme_id},
                                  as_=operator)["programmes"].get(programme_id)
        if absorbed:
            progress(f"  absorption: {absorbed['placed']} of "
                     f"{absorbed['certified'] + absorbed['intake_completed']} graduates placed "
                     f"({absorbed['absorption_rate']:.0%})")
    else:
        progress("5/6 placement: no partner employer")

    if programme["community"]:
        keep_in_touch(programme["community"], scenario.agency["monitoring_officer"],
                      programme_id, people, graduates, services, progress)

    progress("6/6 results")
    for row in rows:
        pid = row.person.participant_id
        row.enrollment = statuses.get(pid, "-")
        row.assessment = decisions.get(pid, "-")
        certificates = held.get(pid, {})
        row.certificates = sorted(certificates)
        main = certificates.get("bnsp") if "bnsp" in programme["certificates"] else next(
            iter(certificates.values()), None)
        if main:
            row.certificate, row.verification_url = main["number"], main["verification_url"]
        row.placement = outcomes.get(pid, "-")
    return rows


def assess(programme: dict, programme_id: str, people: list[Person], completed: int,
           services: Services, progress, today: date) -> dict[str, str]:
    """APL-02 by each asesi, assignment by the LSP admin (a team where the file says so), the
    briefing, the assessment agreement proposed by the lead asesor and accepted by the asesi,
    K/BK per unit by the team and the recommendation by the lead asesor, the plenary's votes
    up to its quorum; K/BK by participant."""
    assessment, spec = services.assessment, programme["assessment"]
    lsp = spec["lsp"]

    def cases():
        return assessment.call("GET", "/cases", params={"programme_id": programme_id},
                               as_=lsp["admin"])

    wait_until("cases opened", lambda: len(cases()), completed, progress)
    by_participant = {p.participant_id: p for p in people}
    asesors = [a["registration_number"] for a in spec["asesors"]]
    while len(asesors) * DAILY_LIMIT < completed or len(asesors) < spec["team"]:
        asesors.append(assessment.call("POST", "/asesors", {
            # numbered per programme: one LSP may assess two programmes of a scenario
            "registration_number": f"MET.{zlib.crc32(programme['key'].encode()) % 1000:03d}."
                                   f"{900000 + len(asesors)} 2026",
            "name": f"Asesor Tambahan {len(asesors)}", "lsp_code": lsp["code"],
            "schemes": [programme["scheme"]],
            "valid_until": (today + timedelta(days=365)).isoformat()},
            as_=lsp["admin"])["registration_number"])
    services.accounts.open_accounts([
        {"username": asesor_account(a), "name": f"Asesor {a}", "roles": ["asesor"],
         "lsp": lsp["code"], "asesor": a} for a in asesors])

    def assess_one(numbered: tuple[int, dict]) -> None:
        n, case = numbered
        person = by_participant[case["participant_id"]]
        team = [asesors[(n + k) % len(asesors)] for k in range(spec["team"])]
        asesor, asesi = team[0], participant_account(person.participant_id)
        evidence = []
        if person.portfolio:  # an earlier training certificate, photographed on a phone
            evidence = [assessment.call("POST", f"/cases/{case['id']}/evidence", {
                "type": "certificate", "title": "Sertifikat pelatihan sebelumnya",
                "issued_on": (today - timedelta(days=400)).isoformat(),
                "content": PORTFOLIO_DOCUMENT}, as_=asesi)["evidence"][0]["id"]]
        assessment.call("POST", f"/cases/{case['id']}/self-assessment", {  # APL-02
            "units": [{"code": u["code"], "competent": True, "evidence_ids": evidence}
                      for u in case["units"]]}, as_=asesi)
        assessment.call("POST", f"/cases/{case['id']}/assignment", {
            "asesor": asesor, "members": team[1:], "tuk": spec["tuk"]["code"]},
            as_=lsp["admin"])
        assessment.call("POST", f"/cases/{case['id']}/briefing", {  # the pembekalan
            "held_on": today.isoformat(), "venue": spec["tuk"]["name"]}, as_=lsp["admin"])
        assessment.call("POST", f"/cases/{case['id']}/agreement", {  # FR.AK.01
            "scheduled_on": today.isoformat()}, as_=asesor_account(asesor))
        assessment.call("POST", f"/cases/{case['id']}/agreement/accept", {}, as_=asesi)
        for unit in case["units"] if evidence else []:  # VATM met: confirmed by interview
            assessment.call("POST", f"/cases/{case['id']}/units/{unit['code']}/review", {
                "evidence_ids": evidence, "valid": True, "authentic": True, "current": True,
                "sufficient": True}, as_=asesor_account(asesor))
        for k, member in enumerate(team):  # the team shares the units
            assessment.call("POST", f"/cases/{case['id']}/results", {"units": [
                {"code": u["code"], "method": "interview" if evidence
                 else spec["methods"].get(u["code"], "observation"),
                 "result": "BK" if u["code"] == person.weak_unit else "K"}
                for u in case["units"][k::len(team)]]}, as_=asesor_account(member))
        assessment.call("POST", f"/cases/{case['id']}/recommendation", {},
                        as_=asesor_account(asesor))
        for member in lsp["plenary"][:lsp["plenary_quorum"]]:  # the rapat pleno
            assessment.call("POST", f"/cases/{case['id']}/decision", {}, as_=member)
    at_once(assess_one, list(enumerate(cases())))
    decisions = {c["participant_id"]: c["decision"]["overall"] for c in cases()}
    progress(f"  decided: {sum(v == 'K' for v in decisions.values())} K, "
             f"{sum(v == 'BK' for v in decisions.values())} BK")
    report_to_bnsp(services, lsp["admin"], decisions, by_participant, today, progress)
    return decisions


def report_to_bnsp(services: Services, admin: str, decisions: dict[str, str],
                   by_participant: dict[str, Person], today: date, progress) -> None:
    """What the LSP sends BNSP after the plenary: every decided asesi of the programme in the
    report, each with their whole NIK from enrollment (which learns the decisions by event)."""
    day = today.isoformat()
    lines = [line for line in services.assessment.call(
        "GET", "/reports/bnsp", params={"from": day, "to": day}, as_=admin)
        if line["participant_id"] in decisions]
    if {line["participant_id"]: line["overall"] for line in lines} != decisions:
        raise RuntimeError("the report to BNSP does not list the plenary's decisions")
    ids = sorted(decisions)
    found: dict[str, str] = {}

    def identified() -> int:
        for first in range(0, len(ids), 200):
            found.update({p["participant_id"]: p["nik"] for p in services.enrollment.call(
                "GET", "/bnsp/identities", params={"id": ids[first:first + 200]},
                as_=admin)})
        return len(found)

    wait_until("NIKs for the report to BNSP", identified, len(ids), progress)
    if any(found[pid] != by_participant[pid].nik for pid in ids):
        raise RuntimeError("the report to BNSP names someone by another NIK")
    progress(f"  report to BNSP: {len(lines)} decided asesi, each with their NIK")


def keep_in_touch(spec: dict, officer: str, programme_id: str, people: list[Person],
                  graduates: list[Person], services: Services, progress) -> None:
    """After certification the monitoring officer gathers the graduates (those consenting to
    follow-up: everyone here), sends the news and job information, marks the role models."""
    enrollment = services.enrollment
    group = enrollment.call("POST", "/communities", {"name": spec["name"],
                                                     "programme_ids": [programme_id]},
                            as_=officer)
    for post in spec["posts"]:
        sent = enrollment.call("POST", f"/communities/{group['id']}/posts", post, as_=officer)
        if sent["sent_to"] != len(graduates):
            raise RuntimeError(f"{post['title']!r} reached {sent['sent_to']} of "
                               f"{len(graduates)} graduates")
    for position in spec["mentors"]:
        if position <= len(people):
            enrollment.call("POST", f"/communities/{group['id']}/mentors",
                            {"participant_id": people[position - 1].participant_id},
                            as_=officer)
    progress(f"  community {spec['name']!r}: {len(graduates)} members, "
             f"{len(spec['posts'])} posts sent, {len(spec['mentors'])} mentors")


def certify(programme: dict, graduates: list[Person], decisions: dict[str, str],
            services: Services, progress) -> dict[str, dict[str, dict]]:
    """Waits for every certificate the programme leads to, as each holder sees them; checks
    each BNSP certification by a QR scan and the signed credential offline. The certificates
    by participant and route."""
    certificate, held = services.certificate, {}
    expected = {p.participant_id: [r for r in programme["certificates"] if r != "bnsp"]
                + (["bnsp"] if decisions.get(p.participant_id) == "K" else [])
                for p in graduates}
    wanted = sum(len(routes) for routes in expected.values())

    held.update({participant_id: {} for participant_id in expected})

    def look(participant_id: str) -> None:
        for cert in certificate.call("GET", "/certificates", params={
                "participant_id": participant_id}, as_=participant_account(participant_id)):
            held[participant_id][programme_certificate(cert["kind"],
                                                       cert["issuer"]["code"])] = cert

    def issued() -> int:
        at_once(look, [pid for pid, routes in expected.items() if len(held[pid]) < len(routes)])
        return sum(len(mine) for mine in held.values())

    wait_until("certificates issued", issued, wanted, progress)
    progress("  " + ", ".join(f"{sum(r in mine for mine in held.values())} {r}"
                              for r in programme["certificates"]))
    keys = answered(lambda: requests.get(services.urls["certificate"] + "/.well-known/jwks.json",
                                         timeout=10), "the issuers' keys").json()

    def check(held_one: tuple[str, dict]) -> None:
        participant_id, cert = held_one
        verified = answered(lambda: requests.get(cert["verification_url"], timeout=10),
                            "a QR scan").json()
        if verified["status"] != "valid":
            raise RuntimeError(f"{cert['number']} does not verify: {verified}")
        # what an employer does with the credential the graduate hands over, offline
        token = answered(lambda: requests.get(
            f"{services.urls['certificate']}/certificates/{cert['number']}/credential",
            timeout=10, headers={"Authorization": "Bearer " + services.accounts.token(
                participant_account(participant_id))}), "the credential").text
        verify_credential(token, keys["keys"])
    checked = at_once(check, [(pid, cert) for pid, mine in held.items()
                              for cert in mine.values()])
    progress(f"  {len(checked)} signed credentials verified against the issuers' keys")
    return held


def place(programme: dict, vacancy: dict, graduates: list[Person], held: dict,
          services: Services, progress, today: date) -> dict[str, str]:
    """The partner's HR offers its vacancy to every candidate it is shown (an apprenticeship
    with its written agreement, ratified by the labour office); each graduate accepts or
    declines. Outcomes by participant, with those the vacancy accepts but who keep their data
    from employers."""
    placement, employer = services.placement, programme["employer"]
    accepts, terms = vacancy["accepts"], employer["vacancy"]["agreement"]
    intake = scenarios.takes_intake(programme, accepts)
    eligible = [p for p in graduates if intake or any(
        scenarios.vacancy_takes(route, accepts) for route in held.get(p.participant_id, {}))]
    sharing = [p for p in eligible if p.shares_data]
    by_participant = {p.participant_id: p for p in graduates}

    def candidates() -> dict:  # the best 200, and how many there are
        return placement.call("GET", f"/vacancies/{vacancy['id']}/candidates",
                              params={"limit": 200}, as_=employer["hr"])

    wait_until("graduates in the partner's pool", lambda: candidates()["total"], len(sharing),
               progress)
    outcomes = {p.participant_id: "not shared (no consent)" for p in eligible
                if not p.shares_data}
    offered: set[str] = set()
    while fresh := [c for c in candidates()["candidates"] if c["participant_id"] not in offered]:
        # those offered rank lower (availability): the next page brings the rest up
        offered.update(c["participant_id"] for c in fresh)
        at_once(lambda c: place_one(by_participant[c["participant_id"]], vacancy, employer,
                                    terms, services, outcomes, today), fresh)
    placed = sum(v == "placed" for v in outcomes.values())
    progress(f"  offers {len(sharing)}, placed {placed}")
    return outcomes


def place_one(person: Person, vacancy: dict, employer: dict, terms: dict | None,
              services: Services, outcomes: dict, today: date) -> None:
    """HR offers the vacancy (an apprenticeship with its agreement); the graduate answers."""
    placement = services.placement
    offer = placement.call("POST", "/offers", {"vacancy_id": vacancy["id"],
                                               "participant_id": person.participant_id},
                           as_=employer["hr"])
    graduate = participant_account(person.participant_id)
    if person.declines_offer:
        placement.call("POST", f"/offers/{offer['id']}/decline",
                       {"reason": "membuka usaha sendiri (opening their own business)"},
                       as_=graduate)
        outcomes[person.participant_id] = "declined"
        return
    if terms:
        placement.call("POST", f"/offers/{offer['id']}/agreement", agreement(terms, today),
                       as_=employer["hr"])
    placement.call("POST", f"/offers/{offer['id']}/accept", {}, as_=graduate)
    outcomes[person.participant_id] = "placed"


def agreement(terms: dict, today: date) -> dict:
    """The written apprenticeship agreement (perjanjian pemagangan) from the file's terms,
    starting in two weeks and ratified today."""
    start = today + timedelta(days=14)
    return {"apprentice_rights": "uang saku, jaminan sosial, bimbingan, sertifikat pemagangan",
            "apprentice_duties": "menaati tata tertib perusahaan dan mengikuti program",
            "company_rights": "memanfaatkan hasil kerja peserta pemagangan",
            "company_duties": "membimbing peserta, membayar uang saku, mendaftarkan BPJS",
            "programme": terms["programme"], "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30 * terms["months"])).isoformat(),
            "monthly_allowance": terms["monthly_allowance"],
            "ratified_by": terms["ratified_by"], "ratified_on": today.isoformat(),
            "ratification_number": f"560/{start:%m%d}/PP/{today.year}"}


def table(rows: list[Row]) -> str:
    """The checked table every scenario ends with."""
    header = ("#", "programme", "participant", "NIK", "enrollment", "K/BK", "certificates",
              "certificate", "verification URL", "placement", "as expected")
    lines = [(str(i + 1), r.programme, r.person.name, r.person.masked_nik, r.enrollment,
              r.assessment, ",".join(r.certificates) or "-", r.certificate,
              r.verification_url, r.placement,
              "yes" if r.observed() == r.expected else "NO") for i, r in enumerate(rows)]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), rule] + [fmt.format(*line) for line in lines])


def totals(rows: list[Row], programme: str) -> dict:
    mine = [r for r in rows if r.programme == programme]
    return {"completed": sum(r.enrollment == "completed" for r in mine),
            "certified": sum(bool(r.certificates) for r in mine),
            "placed": sum(r.placement == "placed" for r in mine)}
