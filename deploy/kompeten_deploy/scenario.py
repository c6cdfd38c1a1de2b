"""The field scenario the demo and the end-to-end test drive through the whole chain.

A district labour office (Disnaker Kabupaten Bandung) runs a 30-day competency-based sewing
course for 16 job seekers in a village hall with one partner garment company. One participant
drops out under the attendance rule, one is BK on one unit, one does not consent to share data
with employers, one declines the company's offer. Everyone is generated, never a real person.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import requests
from kompeten_certificate.verify import verify as verify_credential

from .identity import People

SCHEME = "GAR-OMP"
# Two asesor of the LSP share the cohort: one may assess at most 10 asesi a day.
ASESORS = ("MET.000.004213 2023", "MET.000.007781 2022")
TUK = "TUK-GNI-SOR"
DAILY_LOAD = 10  # asesi per asesor per day, the assessment service's rule
# Who acts, each signed in to Keycloak (deploy/keycloak/dev-users.json); participants and
# asesor get accounts of their own when the cohort is registered.
OPERATOR, LSP_ADMIN, PLENARY = "operator-bandung", "admin-lsp-gni", "pleno-gni-1"
HR, EMPLOYER_ID = "hr-maju-jahit", "maju-jahit"
WEAK_UNIT = "C.14GAR02.015.1"
REGENCY = "3204"  # Kabupaten Bandung, Jawa Barat
METHODS = {"C.14GAR02.001.1": "observation", "C.14GAR02.007.1": "demonstration",
           "C.14GAR02.015.1": "demonstration", "C.14GAR02.024.1": "observation"}
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
    participant_id: str | None = None

    @property
    def masked_nik(self) -> str:
        return self.nik[:4] + "*" * 8 + self.nik[-4:]


@dataclass
class Row:
    """What the demo shows for one participant, and what it expected."""

    person: Person
    enrollment: str = "-"
    assessment: str = "-"
    certificate: str = "-"
    verification_url: str = "-"
    placement: str = "-"
    expected: dict = field(default_factory=dict)

    def observed(self) -> dict:
        return {"enrollment": self.enrollment, "assessment": self.assessment,
                "certified": self.certificate != "-", "placement": self.placement}


def make_nik(rng: random.Random, sex: str, birth: date, serial: int) -> str:
    district = f"{REGENCY}{rng.randint(1, 30):02d}"
    day = birth.day + (40 if sex == "F" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def cohort(size: int = 16, seed: int | None = None) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for i in range(size):
        sex = "F" if i % 3 != 2 else "M"
        given = rng.choice(WOMEN if sex == "F" else MEN)
        birth = date(rng.randint(1986, 2006), rng.randint(1, 12), rng.randint(1, 28))
        people.append(Person(
            name=f"{given} {rng.choice(FAMILY)}", sex=sex, birth_date=birth,
            nik=make_nik(rng, sex, birth, rng.randint(1, 9999)),
            phone=f"0812{rng.randint(10_000_000, 99_999_999)}",
            attends_days=rng.choice([30, 29, 28, 27, 26])))
    # The field's twists, each on its own participant.
    people[3].attends_days = 12           # drops out: 40% attendance, 80% required
    people[6].weak_unit = WEAK_UNIT       # BK on one unit
    people[9].shares_data = False         # certified, but keeps their data from employers
    people[12].declines_offer = True      # declines the offer
    return people


def expected(person: Person) -> dict:
    if person.attends_days / 30 < 0.8:
        return {"enrollment": "not_completed", "assessment": "-", "certified": False,
                "placement": "-"}
    if person.weak_unit:
        return {"enrollment": "completed", "assessment": "BK", "certified": False,
                "placement": "-"}
    placement = ("not shared (no consent)" if not person.shares_data
                 else "declined" if person.declines_offer else "placed")
    return {"enrollment": "completed", "assessment": "K", "certified": True,
            "placement": placement}


class Api:
    """A thin JSON client that fails loudly with the service's error body, acting as the
    person named by `as_` with their own token."""

    def __init__(self, base_url: str, people: People):
        self.base_url = base_url
        self.people = people
        self.session = requests.Session()

    def call(self, method: str, path: str, body=None, params=None, patience: float = 90, *,
             as_: str):
        """Retries while the service is away or answers 5xx (restarting, its broker or
        database restarting): every request here may be repeated safely."""
        deadline = time.monotonic() + patience
        while True:
            headers = {"Authorization": f"Bearer {self.people.token(as_)}"}
            try:
                response = self.session.request(method, self.base_url + path, json=body,
                                                params=params, timeout=30, headers=headers)
            except requests.ConnectionError:
                response = None
            if response is not None and response.status_code < 500:
                break
            if time.monotonic() > deadline:
                problem = response.text if response is not None else "no answer"
                raise RuntimeError(f"{method} {path}: {problem}")
            time.sleep(0.5)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()


def wait_until(what: str, check: Callable[[], int], target: int, progress, seconds=90) -> None:
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


def participant_account(participant_id: str) -> str:
    return f"peserta-{participant_id}"


def asesor_account(registration_number: str) -> str:
    return "asesor-" + registration_number.lower().replace(" ", "-")


def run(urls: dict[str, str], issuer: str, size: int = 16, seed: int | None = None,
        progress: Callable[[str], None] = print, today: date | None = None,
        accounts: People | None = None) -> list[Row]:
    today = today or date.today()
    accounts = accounts or People(issuer)
    enrollment, assessment = Api(urls["enrollment"], accounts), Api(urls["assessment"], accounts)
    certificate, placement = Api(urls["certificate"], accounts), Api(urls["placement"], accounts)
    people = cohort(size, seed)
    rows = [Row(person=p, expected=expected(p)) for p in people]
    start = today - timedelta(days=35)

    progress("1/6 enrollment: programme, participants, enrolment")
    programme = enrollment.call("POST", "/programmes", {
        "title": "Pelatihan Berbasis Kompetensi Menjahit Pakaian",
        "organiser": "Dinas Tenaga Kerja Kabupaten Bandung", "scheme_code": SCHEME,
        "venue": "Balai Desa Sukamaju, Kecamatan Soreang", "region_code": REGENCY,
        "start_date": start.isoformat(), "end_date": (start + timedelta(days=29)).isoformat(),
        "capacity": size, "attendance_threshold": 0.8,
        "partner_employers": ["CV Maju Jahit Sejahtera"]}, as_=OPERATOR)
    employer = placement.call("POST", "/employers", {
        "id": EMPLOYER_ID, "name": "CV Maju Jahit Sejahtera", "sector": "Garmen",
        "region_code": REGENCY, "workforce": 85,
        "contact": {"person": "Ibu Ratna (HRD)", "phone": "0225891234"},
        "programme_ids": [programme["id"]]}, as_=OPERATOR)
    vacancy = placement.call("POST", "/vacancies", {
        "employer_id": employer["id"], "title": "Operator Jahit", "kind": "job",
        "scheme_code": SCHEME, "places": size,
        "start_date": (today + timedelta(days=14)).isoformat()}, as_=HR)
    for person in people:
        consents = [{"purpose": purpose, "granted": purpose != "partner_sharing"
                     or person.shares_data, "source": "formulir pendaftaran (paper form)",
                     "wording": wording} for purpose, wording in CONSENT_WORDING.items()]
        registered = enrollment.call("POST", "/participants", {
            "nik": person.nik, "name": person.name, "sex": person.sex,
            "birth_date": person.birth_date.isoformat(), "phone": person.phone,
            "consents": consents}, as_=OPERATOR)
        person.participant_id = registered["participant_id"]
        enrollment.call("POST", f"/programmes/{programme['id']}/enrolments",
                        {"participant_id": person.participant_id}, as_=OPERATOR)
    progress(f"  {len(people)} participants registered and enrolled")
    accounts.open_accounts([{"username": participant_account(p.participant_id), "name": p.name,
                            "roles": ["participant"], "participant_id": p.participant_id}
                           for p in people])
    progress(f"  {len(people)} participant accounts opened (sign-in for their own steps)")

    progress("2/6 attendance over 30 days, then the attendance rule")
    for day in range(30):
        present = [p.participant_id for p in people if day < p.attends_days]
        enrollment.call("POST", f"/programmes/{programme['id']}/attendance", {
            "date": (start + timedelta(days=day)).isoformat(), "present": present},
            as_=OPERATOR)
    closed = enrollment.call("POST", f"/programmes/{programme['id']}/close", as_=OPERATOR)
    progress(f"  completed {closed['completed']}, not completed {closed['not_completed']}")
    statuses = {e["participant_id"]: e["status"] for e in
                enrollment.call("GET", f"/programmes/{programme['id']}/enrolments",
                                as_=OPERATOR)}

    progress("3/6 assessment: cases open from training.completed")
    completed = sum(1 for s in statuses.values() if s == "completed")

    def cases():
        return assessment.call("GET", "/cases", params={"programme_id": programme["id"]},
                               as_=LSP_ADMIN)

    wait_until("cases opened", lambda: len(cases()), completed, progress)
    by_participant = {p.participant_id: p for p in people}
    asesors = list(ASESORS)
    while len(asesors) * DAILY_LOAD < completed:  # a larger cohort (the benchmark) needs more
        asesors.append(assessment.call("POST", "/asesors", {
            "registration_number": f"MET.000.{900000 + len(asesors)} 2026",
            "name": f"Asesor Tambahan {len(asesors)}", "lsp_code": "LSP-GNI",
            "schemes": [SCHEME], "valid_until": (today + timedelta(days=365)).isoformat()},
            as_=LSP_ADMIN)["registration_number"])
    accounts.open_accounts([{"username": asesor_account(a), "name": f"Asesor {a}",
                            "roles": ["asesor"], "lsp": "LSP-GNI", "asesor": a}
                           for a in asesors])
    for n, case in enumerate(cases()):
        person = by_participant[case["participant_id"]]
        asesor = asesors[n % len(asesors)]
        asesi = participant_account(person.participant_id)
        assessment.call("POST", f"/cases/{case['id']}/self-assessment", {  # APL-02
            "units": [{"code": u["code"], "competent": True} for u in case["units"]]},
            as_=asesi)
        assessment.call("POST", f"/cases/{case['id']}/assignment", {
            "asesor": asesor, "tuk": TUK}, as_=LSP_ADMIN)
        assessment.call("POST", f"/cases/{case['id']}/results", {"units": [
            {"code": u["code"], "method": METHODS[u["code"]],
             "result": "BK" if u["code"] == person.weak_unit else "K"} for u in case["units"]]},
            as_=asesor_account(asesor))
        assessment.call("POST", f"/cases/{case['id']}/recommendation", {},
                        as_=asesor_account(asesor))
        assessment.call("POST", f"/cases/{case['id']}/decision", {}, as_=PLENARY)
    decisions = {c["participant_id"]: c["decision"]["overall"] for c in cases()}
    progress(f"  decided: {sum(v == 'K' for v in decisions.values())} K, "
             f"{sum(v == 'BK' for v in decisions.values())} BK")

    progress("4/6 certificates: the LSP's from assessment.decided, the labour office's training "
             "certificates from training.completed")
    competent = [p for p in people if decisions.get(p.participant_id) == "K"]
    certificates, trained = {}, {}

    def issued(kind: str, holders: list, into: dict) -> int:
        for p in holders:
            if p.participant_id not in into:
                found = certificate.call("GET", "/certificates", params={
                    "participant_id": p.participant_id, "kind": kind},
                    as_=participant_account(p.participant_id))
                if found:
                    into[p.participant_id] = found[0]
        return len(into)

    wait_until("certifications issued", lambda: issued("certification", competent, certificates),
               len(competent), progress)
    graduates = [p for p in people if statuses[p.participant_id] == "completed"]
    wait_until("training certificates issued", lambda: issued("training", graduates, trained),
               len(graduates), progress)
    progress(f"  {len(trained)} training certificates, {len(certificates)} certifications")
    keys = requests.get(urls["certificate"] + "/.well-known/jwks.json", timeout=10).json()
    for participant_id, cert in certificates.items():
        verified = requests.get(cert["verification_url"], timeout=10).json()  # a QR scan
        if verified["status"] != "valid":
            raise RuntimeError(f"{cert['number']} does not verify: {verified}")
        # what an employer does with the credential the graduate hands over, offline
        token = requests.get(
            f"{urls['certificate']}/certificates/{cert['number']}/credential", timeout=10,
            headers={"Authorization": "Bearer " + accounts.token(
                participant_account(participant_id))}).text
        verify_credential(token, keys["keys"])
    progress(f"  {len(certificates)} signed credentials verified against the issuer's keys")

    progress("5/6 placement: the partner sees consenting graduates and makes offers")
    sharing = [p for p in competent if p.shares_data]

    def candidates():
        return placement.call("GET", f"/vacancies/{vacancy['id']}/candidates",
                              as_=HR)["candidates"]
    wait_until("graduates in the partner's pool", lambda: len(candidates()), len(sharing),
               progress)
    outcomes = {}
    for candidate in candidates():
        person = by_participant[candidate["participant_id"]]
        offer = placement.call("POST", "/offers", {"vacancy_id": vacancy["id"],
                                                   "participant_id": person.participant_id},
                               as_=HR)
        graduate = participant_account(person.participant_id)
        if person.declines_offer:
            placement.call("POST", f"/offers/{offer['id']}/decline",
                           {"reason": "memilih usaha jahit sendiri (chose self-employment)"},
                           as_=graduate)
            outcomes[person.participant_id] = "declined"
        else:
            placement.call("POST", f"/offers/{offer['id']}/accept", {}, as_=graduate)
            outcomes[person.participant_id] = "placed"
    progress(f"  offers {len(outcomes)}, placed {sum(v == 'placed' for v in outcomes.values())}")
    absorbed = placement.call("GET", "/reports/absorption",
                              as_=OPERATOR)["programmes"][programme["id"]]
    progress(f"  absorption: {absorbed['placed']} of {absorbed['certified']} certified "
             f"graduates placed ({absorbed['absorption_rate']:.0%})")

    progress("6/6 results")
    for row in rows:
        pid = row.person.participant_id
        row.enrollment = statuses.get(pid, "-")
        row.assessment = decisions.get(pid, "-")
        if pid in certificates:
            row.certificate = certificates[pid]["number"]
            row.verification_url = certificates[pid]["verification_url"]
            row.placement = outcomes.get(pid, "not shared (no consent)"
                                         if not row.person.shares_data else "-")
    return rows


def table(rows: list[Row]) -> str:
    header = ("#", "participant", "NIK", "enrollment", "K/BK", "certificate", "verification URL",
              "placement", "as expected")
    lines = [(str(i + 1), r.person.name, r.person.masked_nik, r.enrollment, r.assessment,
              r.certificate, r.verification_url, r.placement,
              "yes" if r.observed() == r.expected else "NO") for i, r in enumerate(rows)]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), rule] + [fmt.format(*line) for line in lines])
