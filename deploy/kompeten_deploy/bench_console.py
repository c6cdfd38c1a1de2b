"""`make bench-console`: the busiest console pages with a province's worth of data, each next to
the API call underneath it measured in the same run (so the figure is the console's own cost).

The demo's cohort runs through the chain; then PARTICIPANTS more people are written straight
into the services' databases as the chain would have left them (registered and completed in
programmes of 100, a decided case each spread over 50 asesor, a certificate each with sharing
consent). A person signs in through the identity provider's own login form, as a browser does,
and each page is opened REQUESTS times:

- the operator's dashboard (/program) against GET /programmes and GET /targets;
- the asesor's case list (/asesor) against GET /cases?asesor=;
- HR's candidate ranking (/lowongan/<id>) against GET /vacancies/<id>/candidates.

    python -m kompeten_deploy.bench_console [PARTICIPANTS] [REQUESTS]
"""

import html
import json
import re
import statistics
import sys
import time
import uuid
from copy import deepcopy

import requests
from pymongo import MongoClient

from . import scenario, servers
from .identity import People, dev_credentials
from .stack import CONSOLE, SERVICES, Stack

PROGRAMME_SIZE = 100
ASESORS = 50
HR = "hr-maju-jahit"


def grow(client: MongoClient, stack: Stack, participants: int) -> None:
    """PARTICIPANTS more people, as the chain leaves them, cloned from the demo's documents
    (fresh ids, names and NIK digests), in batches."""
    enrollment = client[stack.database("enrollment")]
    assessment = client[stack.database("assessment")]
    placement = client[stack.database("placement")]
    person = enrollment.participants.find_one()
    enrolment = enrollment.enrolments.find_one({"status": "completed"})
    programme = enrollment.programmes.find_one()
    case = assessment.cases.find_one({"status": "decided"})
    certificate = placement.certificates.find_one({"kind": "certification"})
    sharing = placement.sharing.find_one({"granted": True})
    asesors = [scenario.ASESORS[0]] + [f"MET.000.{800000 + n} 2026" for n in range(ASESORS - 1)]
    for start in range(0, participants, 1000):
        people, enrolments, cases, certificates, shared = [], [], [], [], []
        for n in range(start, min(start + 1000, participants)):
            pid, number = str(uuid.uuid4()), f"{n:06d}"
            programme_id = f"bench-programme-{n // PROGRAMME_SIZE}"
            people.append({**deepcopy(person), "_id": pid, "name": f"Peserta {number}",
                           "nik_digest": uuid.uuid4().hex * 2})
            enrolments.append({**deepcopy(enrolment), "_id": f"{programme_id}:{pid}",
                               "participant_id": pid, "programme_id": programme_id})
            cases.append({**deepcopy(case), "_id": str(uuid.uuid4()), "participant_id": pid,
                          "programme_id": programme_id, "asesi_name": f"Peserta {number}",
                          "asesor": asesors[n % ASESORS]})
            cert_number = f"LSP-GNI.GAR-OMP.2026.9{number}"
            certificates.append({**deepcopy(certificate), "_id": cert_number,
                                 "number": cert_number, "participant_id": pid})
            shared.append({**deepcopy(sharing), "_id": pid,
                           "profile": {**sharing["profile"], "name": f"Peserta {number}"}})
        enrollment.participants.insert_many(people)
        enrollment.enrolments.insert_many(enrolments)
        assessment.cases.insert_many(cases)
        placement.certificates.insert_many(certificates)
        placement.sharing.insert_many(shared)
    enrollment.programmes.insert_many([
        {**deepcopy(programme), "_id": f"bench-programme-{k}", "title": f"Pelatihan {k + 1}"}
        for k in range(-(-participants // PROGRAMME_SIZE))])


def signed_in(console: str, username: str) -> requests.Session:
    """A console session through the identity provider's login form, as a browser gets one."""
    browser = requests.Session()
    login = browser.get(f"{console}/masuk", timeout=30)
    for cookie in browser.cookies:  # the provider's Secure cookies, over http on loopback
        cookie.secure = False          # as a browser sends them to localhost
    action = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', login.text)
    if action is None:
        raise RuntimeError(f"no login form at {login.url}")
    home = browser.post(html.unescape(action.group(1)), timeout=300, data={
        "username": username, "password": dev_credentials()[0], "credentialId": ""})
    # Back at the console: signed in, whatever its first page answered (measured next).
    if not home.url.startswith(console):
        raise RuntimeError(f"{username} could not sign in: {home.status_code} {home.url}")
    return browser


BUDGET_SECONDS = 90  # per page or call: a slow one is sampled fewer times (at least 3)


def timings(fetch, requests_: int) -> dict:
    """p50 and p95 of up to `requests_` calls (fewer once BUDGET_SECONDS are spent), in
    milliseconds, after one to warm up; the failures (an HTTP error, the console's 30-second
    wait for a service) counted, not timed."""
    taken, failed, spent = [], 0, 0.0
    for n in range(requests_ + 1):
        started = time.perf_counter()
        try:
            fetch()
        except requests.RequestException:
            failed += 1
        else:
            if n:  # the first warms up
                taken.append((time.perf_counter() - started) * 1000)
        spent += time.perf_counter() - started
        if n >= 3 and spent > BUDGET_SECONDS:
            break
    taken.sort()
    figures = {"n": len(taken), "failed": failed}
    if taken:
        figures.update(p50_ms=round(statistics.median(taken), 1),
                       p95_ms=round(taken[max(0, int(len(taken) * 0.95) - 1)], 1))
    return figures


def _ok(answer: requests.Response) -> requests.Response:
    answer.raise_for_status()
    return answer


def measure(stack: Stack, people: People, console: str, requests_: int) -> dict:
    vacancy = _ok(requests.get(f"{stack.url('placement')}/vacancies", timeout=30, headers={
        "Authorization": f"Bearer {people.token(HR)}"})).json()[0]["id"]
    asesor = scenario.asesor_account(scenario.ASESORS[0])
    pages = {
        "operator dashboard": (scenario.OPERATOR, "/program", [
            ("enrollment", "/programmes"), ("enrollment", "/targets")]),
        "asesor case list": (asesor, "/asesor", [
            ("assessment", f"/cases?asesor={scenario.ASESORS[0]}")]),
        "employer candidate ranking": (HR, f"/lowongan/{vacancy}", [
            ("placement", f"/vacancies/{vacancy}/candidates")]),
    }
    return {name: _page_and_api(stack, people, console, username, path, calls, requests_)
            for name, (username, path, calls) in pages.items()}


def _page_and_api(stack: Stack, people: People, console: str, username: str, path: str,
                  calls: list[tuple[str, str]], requests_: int) -> dict:
    started = time.perf_counter()
    browser = signed_in(console, username)
    print(f"  {username} signed in (and saw their first page) in "
          f"{time.perf_counter() - started:.1f} s")
    page = timings(lambda: _ok(browser.get(console + path, timeout=300)), requests_)
    api = timings(lambda: [_ok(requests.get(stack.url(service) + call, timeout=300, headers={
        "Authorization": f"Bearer {people.token(username)}"})) for service, call in calls],
        requests_)  # the token renewed as it nears its end, as the console does
    ratio = (round(page["p50_ms"] / api["p50_ms"], 2)
             if "p50_ms" in page and "p50_ms" in api else None)
    return {"page": page, "api": api, "page_to_api_p50": ratio}


def _shown(figure: dict) -> str:
    timed = (f"p50 {figure['p50_ms']:8.1f} p95 {figure['p95_ms']:8.1f} (n={figure['n']})"
             if figure["n"] else "no answer in time")
    return timed + (f", {figure['failed']} failed" if figure["failed"] else "")


def main(participants: int = 10_000, requests_: int = 20) -> int:
    found = servers.ensure()
    prefix = f"bench_console_{uuid.uuid4().hex[:8]}"
    work = servers.STATE / "bench"
    work.mkdir(parents=True, exist_ok=True)
    client = MongoClient(found.mongo_uri)
    people = People(found.oidc_issuer)
    with servers.isolated_vhost(found, "kompeten-bench-console") as amqp_uri:
        stack = Stack(found, database_prefix=prefix, amqp_uri=amqp_uri, log_dir=work)
        try:
            with stack:
                console = stack.start_console()
                scenario.run({n: stack.url(n) for n in SERVICES}, found.oidc_issuer, seed=7,
                             progress=lambda line: None, accounts=people)
                started = time.perf_counter()
                grow(client, stack, participants)
                print(f"{participants:,} participants written in "
                      f"{time.perf_counter() - started:.0f} s")
                figures = measure(stack, people, console, requests_)
                stack.stop(CONSOLE)
        finally:
            for name in (*SERVICES, CONSOLE):
                client.drop_database(stack.database(name))
    print(f"\nBusiest console pages with {participants:,} participants, {requests_} requests "
          "each (ms; the API row is the call underneath, same run):")
    for name, figure in figures.items():
        print(f"  {name:28} page {_shown(figure['page'])} | API {_shown(figure['api'])} | "
              f"page/API p50 {figure['page_to_api_p50']}x")
    (work / "console.json").write_text(json.dumps(
        {"participants": participants, "requests": requests_, "pages": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
