"""The console as people use it: headless Chromium at a phone's width, real sign-in at the
identity provider, the four services and the console as separate processes on the real broker
and database. axe-core checks every screen a journey opens; screenshots are kept under
.kompeten/screenshots/console for a person to look at."""

import base64
import io
import json
import os
import re
import uuid
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import requests
import zxingcpp
from kompeten_deploy import scenario
from kompeten_deploy.identity import PORT, REALM, People, admin_session, dev_credentials
from kompeten_deploy.local import ROOT, STATE
from kompeten_deploy.servers import isolated_vhost
from kompeten_deploy.stack import CONSOLE, SERVICES, Stack
from PIL import Image
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.e2e

AXE = ROOT / ".kompeten" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = STATE / "screenshots" / "console"
OPERATOR = "operator-bandung"
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"  # OID4VCI's grant


@pytest.fixture(scope="module")
def world(servers, mongo, tmp_path_factory):
    """The stack with the console, the demo cohort through the chain (some certified), and a
    programme running now with two participants for the attendance sheet."""
    prefix = f"console_{uuid.uuid4().hex[:8]}"
    with isolated_vhost(servers, "console") as amqp_uri:
        stack = Stack(servers, database_prefix=prefix, amqp_uri=amqp_uri,
                      log_dir=tmp_path_factory.mktemp("logs"))
        with stack:
            console = stack.start_console()
            people = People(servers.oidc_issuer)
            cohort = scenario.run({n: stack.url(n) for n in SERVICES}, servers.oidc_issuer,
                                  seed=7, progress=lambda line: None, accounts=people)
            enrollment = scenario.Api(stack.url("enrollment"), people)
            today = date.today()
            enrollment.call("POST", "/providers", {"id": "blk-soreang", "name": "BLK Soreang",
                                                   "kind": "blk", "region_code": "3204"},
                            as_=OPERATOR)
            trainer = enrollment.call("POST", "/trainers", {
                "name": "Ibu Komariah", "provider_id": "blk-soreang"}, as_=OPERATOR)
            running = enrollment.call("POST", "/programmes", {
                "title": "Pelatihan Menjahit Lanjutan", "organiser": "Disnaker Kab. Bandung",
                "scheme_code": "GAR-OMP", "venue": "Balai Desa Sukamaju", "region_code": "3204",
                "start_date": (today - timedelta(days=2)).isoformat(),
                "end_date": (today + timedelta(days=10)).isoformat(), "capacity": 5,
                "provider_id": "blk-soreang", "trainer_ids": [trainer["id"]]}, as_=OPERATOR)
            province = enrollment.call("POST", "/targets", {
                "name": "Jawa Barat 2026", "organiser": "Disnakertrans Jawa Barat",
                "year": 2026, "goals": {"certified": 1500}}, as_=OPERATOR)
            for name, goal in (("BLKI Bandung", 1000), ("BLK Soreang", 500)):
                enrollment.call("POST", "/targets", {
                    "name": name, "organiser": name, "year": 2026,
                    "goals": {"certified": goal}, "parent_id": province["id"]}, as_=OPERATOR)
            trainees = []
            for serial, name in ((91, "Ani Suryani"), (92, "Wati Handayani")):
                trainee = enrollment.call("POST", "/participants", {
                    "nik": f"320401570895{serial:04d}", "name": name, "sex": "F",
                    "birth_date": "1995-08-17", "phone": "081234567890", "consents": [{
                        "purpose": "certification", "granted": True, "source": "formulir",
                        "wording": "Saya setuju data saya dipakai untuk sertifikasi."}]},
                    as_=OPERATOR)
                enrollment.call("POST", f"/programmes/{running['id']}/enrolments",
                                {"participant_id": trainee["participant_id"]}, as_=OPERATOR)
                trainees.append(trainee)
            yield {"stack": stack, "console": console, "people": people, "cohort": cohort,
                   "running": running, "trainees": trainees, "enrollment": enrollment}
            stack.stop(CONSOLE)
    for name in (*SERVICES, CONSOLE):
        mongo.drop_database(stack.database(name))


def sign_in(browser, world, username: str, password: str | None = None,
            arrive: bool = True) -> None:
    """Through the identity provider's own login page, as a person does."""
    # Every cookie, the provider's (path /realms/...) too: a new person at the same phone.
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(world["console"] + "/masuk")
    wait = WebDriverWait(browser, 20)
    wait.until(seen.presence_of_element_located((By.ID, "username"))).send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password or dev_credentials()[0])
    browser.find_element(By.ID, "kc-login").click()
    if arrive:
        wait.until(lambda b: b.current_url.startswith(world["console"]))


def check(browser, name: str) -> None:
    """A screenshot to look at; the page fits the phone; axe-core: no serious or critical
    violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    assert fits_the_phone(browser), f"{name} is wider than the phone's screen"
    assert browser.title.endswith(" · Kompeten") and len(browser.title) < 100, browser.title
    if not AXE.exists():
        message = "axe-core is missing: run `make browser`"
        if os.environ.get("KOMPETEN_STRICT"):
            pytest.fail(message)
        pytest.skip(message)
    browser.execute_script(AXE.read_text())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));")
    grave = [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in result
             if v["impact"] in ("serious", "critical")]
    assert grave == [], f"{name}: {json.dumps(grave, indent=1)}"


def follow(browser, element) -> None:
    """Click a link or a button and wait for the next page."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:  # stale, or ChromeDriver's "does not belong to the
            return True             # document" while the next page replaces it
        return False

    WebDriverWait(browser, 20).until(left)


def heading(browser) -> str:
    return browser.find_element(By.TAG_NAME, "h1").text


def fits_the_phone(browser) -> bool:
    """No sideways scrolling on the emulated 412 px screen (a wider page widens the layout
    viewport past the screen)."""
    return browser.execute_script(
        "return document.documentElement.scrollWidth <= screen.width")


def session_of(browser, world) -> requests.Session:
    """The browser's console session, for what a forged request would send."""
    http = requests.Session()
    for cookie in browser.get_cookies():
        http.cookies.set(cookie["name"], cookie["value"])
    return http


def test_the_operator_marks_attendance_on_a_phone(browser, world):
    sign_in(browser, world, OPERATOR)
    assert browser.current_url == world["console"] + "/program"
    assert heading(browser) == "Program pelatihan" and fits_the_phone(browser)
    # The targets above the programmes: 1,500 = 1,000 + 500, each with its progress.
    assert [c.text for c in browser.find_elements(By.TAG_NAME, "figcaption")] == [
        "Jawa Barat 2026 · 2026", "BLKI Bandung · 2026", "BLK Soreang · 2026"]
    assert browser.find_element(By.CSS_SELECTOR, "figure svg").get_attribute(
        "aria-label") == "Tersertifikasi 0 / 1.500"
    # interest by sector: the world's programmes state none; 2 applied for 5 seats
    interest = browser.find_element(By.ID, "interest").text
    assert "Sektor tidak disebut" in interest and "minat rendah" in interest
    check(browser, "operator-programmes")
    follow(browser, browser.find_element(By.LINK_TEXT, world["running"]["title"]))
    assert heading(browser) == world["running"]["title"]
    assert "BLK Soreang" in browser.page_source
    assert "Ibu Komariah (BLK Soreang)" in browser.page_source
    check(browser, "operator-programme")
    follow(browser, browser.find_element(By.LINK_TEXT, "Daftar hadir"))
    today = date.today().isoformat()
    assert "Ani Suryani" in browser.page_source and fits_the_phone(browser)
    check(browser, "operator-attendance")
    ani, wati = (t["participant_id"] for t in world["trainees"])
    browser.find_element(By.CSS_SELECTOR, f"input[value='{ani}']").click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    notice = browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert re.fullmatch(r"Kehadiran \d{1,2} \w+ \d{4} tersimpan\.", notice), notice
    check(browser, "operator-attendance-saved")
    sheet = world["enrollment"].call(
        "GET", f"/programmes/{world['running']['id']}/attendance-sheet", as_=OPERATOR)
    attended = {p["participant_id"]: p["attended"] for p in sheet["participants"]}
    assert (attended[ani], attended[wati]) == ([today], [])


def test_bad_input_shows_the_reason_in_indonesian_and_keeps_what_was_typed(browser, world):
    sign_in(browser, world, OPERATOR)
    programme = world["running"]
    http = session_of(browser, world)
    browser.get(f"{world['console']}/program/{programme['id']}/kehadiran")
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    ani = world["trainees"][0]["participant_id"]
    before = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                      as_=OPERATOR)
    too_late = (date.today() + timedelta(days=30)).isoformat()
    answer = http.post(f"{world['console']}/program/{programme['id']}/kehadiran",
                       data={"csrf": csrf, "tanggal": too_late, "hadir": [ani]})
    assert answer.status_code == 400  # the service's own status for it
    assert "Hari itu di luar tanggal program." in answer.text
    assert re.search(rf'value="{ani}"\s+checked', answer.text)  # kept as typed
    after = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                     as_=OPERATOR)
    assert after == before


def test_a_forged_or_cross_tenant_form_is_refused_and_nothing_changes(browser, world):
    programme = world["running"]
    url = f"{world['console']}/program/{programme['id']}/kehadiran"
    before = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                      as_=OPERATOR)
    ani = world["trainees"][0]["participant_id"]
    sign_in(browser, world, OPERATOR)
    forged = session_of(browser, world).post(url, data={"tanggal": date.today().isoformat(),
                                                        "hadir": [ani]})
    assert forged.status_code == 400 and "Formulir ini sudah kedaluwarsa" in forged.text
    sign_in(browser, world, "operator-kaltim")  # another agency, its own valid form token
    browser.get(world["console"] + "/program")
    assert world["running"]["title"] not in browser.page_source
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    crossed = session_of(browser, world).post(url, data={
        "csrf": csrf, "tanggal": date.today().isoformat(), "hadir": [ani]})
    assert crossed.status_code == 403 and "Halaman ini bukan untuk Anda" in crossed.text
    after = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                     as_=OPERATOR)
    assert after == before


def test_the_participant_keeps_their_certificate_and_decides_on_their_data(browser, world):
    holder = next(r for r in world["cohort"] if r.certificate != "-")
    sign_in(browser, world, scenario.participant_account(holder.person.participant_id))
    assert browser.current_url == world["console"] + "/saya" and fits_the_phone(browser)
    assert holder.certificate in browser.page_source
    check(browser, "participant-home")
    # Only their own work: no operator link, and the operator's screen says so.
    assert not browser.find_elements(By.CSS_SELECTOR, "nav a[href='/program']")
    browser.get(world["console"] + "/program")
    assert heading(browser) == "Halaman ini bukan untuk Anda"
    check(browser, "participant-refused")
    browser.get(world["console"] + "/saya")
    pdf = session_of(browser, world).get(
        f"{world['console']}/saya/sertifikat/{holder.certificate}.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    signed = session_of(browser, world).get(
        f"{world['console']}/saya/sertifikat/{holder.certificate}.jwt")
    header = json.loads(base64.urlsafe_b64decode(signed.text.split(".")[0] + "=="))
    assert header["typ"] == "vc+jwt" and signed.text.count(".") == 2
    # sharing: the public link to copy, and LinkedIn's form pre-filled with it as the proof
    card = browser.find_element(By.XPATH, f"//div[@class='card'][.//span[text()="
                                          f"'{holder.certificate}']]")
    public = card.find_element(By.CSS_SELECTOR, "input.share").get_attribute("value")
    assert public.endswith(f"/certificates/{holder.certificate}")
    share = card.find_element(By.CSS_SELECTOR, "a.add-to-profile")
    assert share.text == "Tambahkan ke profil LinkedIn saya"
    assert share.get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
    assert f"certId={holder.certificate}" in share.get_attribute("href")
    assert "Pelatihan Berbasis Kompetensi Menjahit Pakaian" in browser.page_source
    assert "Lulus pelatihan" in browser.page_source  # how the programme went
    # into a wallet: a one-time offer as a QR code and a link for the wallet on this phone
    follow(browser, card.find_element(By.XPATH, ".//button[text()='Simpan ke dompet digital']"))
    assert heading(browser) == "Simpan ke dompet digital"
    assert browser.find_elements(By.CSS_SELECTOR, "#wallet-qr svg")
    offer_url = browser.find_element(By.ID, "wallet-link").get_attribute("href")
    assert offer_url.startswith("openid-credential-offer://?credential_offer=")
    check(browser, "participant-wallet")
    shown = Image.open(io.BytesIO(browser.get_screenshot_as_png()))
    assert [r.text for r in zxingcpp.read_barcodes(shown)] == [offer_url]  # what a camera reads
    grant = json.loads(parse_qs(urlsplit(offer_url).query)["credential_offer"][0])["grants"]
    code = grant[PRE_AUTHORIZED]["pre-authorized_code"]
    token = world["stack"].url("certificate") + "/oid4vci/token"
    assert requests.post(token, data={"grant_type": PRE_AUTHORIZED,
                                      "pre-authorized_code": code}, timeout=10).ok
    assert requests.post(token, data={"grant_type": PRE_AUTHORIZED,
                                      "pre-authorized_code": code}, timeout=10).json()[
        "error"] == "invalid_grant"  # once
    browser.get(world["console"] + "/saya")
    # whose it is: the holder code with the NIK proves it on the public verification page
    card = browser.find_element(By.XPATH, f"//div[@class='card'][.//span[text()="
                                          f"'{holder.certificate}']]")
    holder_code = card.find_element(By.CSS_SELECTOR, "code.holder-code").text
    assert len(holder_code) == 19
    browser.get(public)
    browser.find_element(By.NAME, "nik").send_keys(holder.person.nik)
    browser.find_element(By.NAME, "holder_code").send_keys(holder_code)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#holder-form button"))
    assert browser.find_element(By.ID, "holder-check").get_attribute("data-matches") == "yes"
    browser.get(world["console"] + "/saya")
    withdraw = browser.find_element(
        By.XPATH, "//form[.//input[@name='tujuan' and @value='follow_up']]//button")
    assert withdraw.text == "Tarik kembali"
    follow(browser, withdraw)
    record = world["enrollment"].call(
        "GET", f"/participants/{holder.person.participant_id}", as_=OPERATOR)
    assert record["consents"]["follow_up"] is False
    assert browser.find_element(
        By.XPATH, "//form[.//input[@name='tujuan' and @value='follow_up']]//button"
    ).text == "Berikan"


def test_english_on_request_and_back(browser, world):
    sign_in(browser, world, OPERATOR)
    follow(browser, browser.find_element(By.LINK_TEXT, "English"))
    assert heading(browser) == "Programmes"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    check(browser, "operator-programmes-en")
    follow(browser, browser.find_element(By.LINK_TEXT, "Bahasa Indonesia"))
    assert heading(browser) == "Program pelatihan"


def test_signing_out_ends_the_session_here_and_at_the_provider(browser, world):
    sign_in(browser, world, OPERATOR)
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Keluar']"))
    WebDriverWait(browser, 20).until(lambda b: b.current_url.rstrip("/") == world["console"])
    check(browser, "welcome")
    browser.get(world["console"] + "/program")
    # Signed out at the provider too: its login page asks again.
    WebDriverWait(browser, 20).until(
        seen.presence_of_element_located((By.ID, "username")))


@pytest.fixture(scope="module")
def graduate(world):
    """A trainee who completed a course just now, with an open case: the start of her own,
    the LSP's, the asesor's, the plenary's, the employer's and their own
    journeys."""
    stack, people, today = world["stack"], world["people"], date.today()
    enrollment = world["enrollment"]
    assessment = scenario.Api(stack.url("assessment"), people)
    start = today - timedelta(days=10)
    course = enrollment.call("POST", "/programmes", {
        "title": "Pelatihan Menjahit Kemeja", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "BLK Soreang", "region_code": "3204",
        "start_date": start.isoformat(), "end_date": (today - timedelta(days=1)).isoformat(),
        "capacity": 3}, as_=OPERATOR)
    consents = [{"purpose": p, "granted": True, "source": "formulir",
                 "wording": "Saya setuju data saya dipakai untuk tujuan ini."}
                for p in ("certification", "partner_sharing", "follow_up")]
    dewi = enrollment.call("POST", "/participants", {
        "nik": "3204015708950093", "name": "Dewi Kartika", "sex": "F",
        "birth_date": "1995-08-17", "phone": "081234567893", "consents": consents},
        as_=OPERATOR)["participant_id"]
    enrollment.call("POST", f"/programmes/{course['id']}/enrolments", {"participant_id": dewi},
                    as_=OPERATOR)
    for day in range(10):
        enrollment.call("POST", f"/programmes/{course['id']}/attendance", {
            "date": (start + timedelta(days=day)).isoformat(), "present": [dewi]},
            as_=OPERATOR)
    enrollment.call("POST", f"/programmes/{course['id']}/close", as_=OPERATOR)
    account = scenario.participant_account(dewi)
    people.open_accounts([{"username": account, "name": "Dewi Kartika",
                           "roles": ["participant"], "participant_id": dewi}])
    scenario.wait_until("case opened", lambda: len(assessment.call(
        "GET", "/cases", params={"participant_id": dewi}, as_=scenario.LSP_ADMIN)), 1,
        lambda line: None)
    [case] = assessment.call("GET", "/cases", params={"participant_id": dewi},
                             as_=scenario.LSP_ADMIN)
    return {"participant_id": dewi, "account": account, "case": case, "assessment": assessment,
            "certificate": scenario.Api(stack.url("certificate"), people),
            "placement": scenario.Api(stack.url("placement"), people)}


def test_from_the_lsp_to_work_and_a_revocation_through_the_console(browser, world, graduate,
                                                                    tmp_path):
    console, case_id = world["console"], graduate["case"]["id"]
    # The asesi adds her training certificate to her portfolio and fills in APL-02.
    sign_in(browser, world, graduate["account"])
    follow(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Isi asesmen mandiri"))
    add = "//button[text()='Tambahkan ke portofolio saya']"
    follow(browser, browser.find_element(By.XPATH, add))
    assert browser.find_element(By.ID, "berkas-error").text == "Periksa isian ini."  # no file
    document = tmp_path / "sertifikat-pelatihan.pdf"
    document.write_bytes(b"%PDF-1.4 sertifikat pelatihan menjahit 2024")
    browser.find_element(By.ID, "berkas").send_keys(str(document))
    browser.find_element(By.ID, "judul").send_keys("Sertifikat pelatihan menjahit 2024")
    follow(browser, browser.find_element(By.XPATH, add))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Dokumen sudah masuk portofolio Anda."
    first = graduate["case"]["units"][0]["code"]
    browser.find_element(By.CSS_SELECTOR, f"input[name='bukti-{first}']").click()
    check(browser, "participant-apl-02")
    follow(browser, browser.find_element(By.XPATH,
                                         "//button[text()='Kirim asesmen mandiri saya']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Asesmen mandiri Anda sudah dikirim ke asesor."
    stored = graduate["assessment"].call("GET", f"/cases/{case_id}", as_=scenario.LSP_ADMIN)
    assert [(a["competent"], len(a["evidence_ids"])) for a in stored["self_assessment"]][0] == \
        (True, 1)
    # The LSP's admin assigns asesor Siti at the TUK.
    sign_in(browser, world, scenario.LSP_ADMIN)
    assert browser.current_url == console + "/lsp"
    form = browser.find_element(By.XPATH, "//form[.//strong[text()='Dewi Kartika']]")
    check(browser, "lsp-assignments")
    form.find_element(By.CSS_SELECTOR, "option[value='MET.000.004213 2023']").click()
    form.find_element(By.TAG_NAME, "summary").click()  # a team: Budi with Siti
    form.find_element(By.CSS_SELECTOR, "input[name=anggota][value='MET.000.007781 2022']").click()
    form.find_element(By.CSS_SELECTOR, f"option[value='{scenario.TUK}']").click()
    follow(browser, form.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == "Sudah ditugaskan."
    assert graduate["assessment"].call("GET", f"/cases/{case_id}", as_=scenario.LSP_ADMIN)[
        "members"] == ["MET.000.007781 2022"]
    assert not browser.find_elements(By.XPATH, "//strong[text()='Dewi Kartika']")
    # The asesor records K with the method for each unit and recommends.
    sign_in(browser, world, "asesor-siti")
    assert browser.current_url == console + "/asesor"
    check(browser, "asesor-cases")
    follow(browser, browser.find_element(By.LINK_TEXT, "Dewi Kartika"))
    check(browser, "asesor-case")
    assert "MET.000.007781 2022" in browser.find_element(By.CSS_SELECTOR, ".card dl").text
    claims = browser.find_elements(By.XPATH, "//p[starts-with(., 'APL-02')]")
    assert claims and {c.text for c in claims} == {"APL-02: asesi menyatakan kompeten"}
    # Before the test: the briefing (a future day is refused beside the field), then the
    # assessment agreement, which she accepts on her page.
    today = date.today()

    def before_the_test(field: str, day: date, button: str) -> None:
        browser.execute_script(f"document.getElementById('{field}').value = '{day}'")
        if field == "tanggal" and not browser.find_element(By.ID, "tempat").get_attribute(
                "value"):
            browser.find_element(By.ID, "tempat").send_keys("Balai Desa Sukamaju")
        follow(browser, browser.find_element(By.XPATH, f"//button[text()='{button}']"))

    before_the_test("tanggal", today + timedelta(days=3), "Catat pembekalan")
    assert browser.find_element(By.CSS_SELECTOR, ".field-error").text == \
        "Pembekalan dicatat setelah diadakan."
    assert browser.find_element(By.ID, "tempat").get_attribute("value") == \
        "Balai Desa Sukamaju"
    before_the_test("tanggal", today, "Catat pembekalan")
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Pembekalan sudah dicatat."
    before_the_test("jadwal", today, "Kirim persetujuan kepada asesi")
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Persetujuan sudah dikirim kepada asesi."
    sign_in(browser, world, graduate["account"])
    browser.get(f"{console}/saya/asesmen/{case_id}")
    check(browser, "participant-agreement")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Saya setuju']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Anda sudah menyetujui asesmen."
    sign_in(browser, world, "asesor-siti")
    browser.get(f"{console}/asesor/kasus/{case_id}")
    assert "Asesi sudah menyetujui asesmen" in browser.page_source
    # Her training certificate meets VATM for the first unit: that unit is confirmed by
    # interview, not demonstrated again.
    review = browser.find_element(By.ID, "vatm-1")
    review.find_element(By.TAG_NAME, "summary").click()
    for box in review.find_elements(By.CSS_SELECTOR, "input[type=checkbox]"):
        box.click()
    follow(browser, review.find_element(By.TAG_NAME, "button"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Tinjauan bukti tersimpan."
    assert browser.find_element(By.CSS_SELECTOR, "#vatm-1 summary").text.endswith(
        " · memenuhi VATM")

    def results(first_method: str) -> None:
        for select in browser.find_elements(By.CSS_SELECTOR, "select[name^='hasil-']"):
            select.find_element(By.CSS_SELECTOR, "option[value='K']").click()
        for select in browser.find_elements(By.CSS_SELECTOR, "select[name^='metode-']"):
            method = first_method if select.get_attribute("name") == f"metode-{first}" \
                else "demonstration"
            select.find_element(By.CSS_SELECTOR, f"option[value='{method}']").click()
        if not browser.find_element(By.NAME, "rekomendasi").is_selected():
            browser.find_element(By.NAME, "rekomendasi").click()
        follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))

    results("demonstration")
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text == \
        "Bukti memenuhi VATM: konfirmasi dengan wawancara."
    stored = graduate["assessment"].call("GET", f"/cases/{case_id}", as_=scenario.LSP_ADMIN)
    assert {u["result"] for u in stored["units"]} == {None}  # nothing recorded
    results("interview")
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == "Hasil tersimpan."
    stored = graduate["assessment"].call("GET", f"/cases/{case_id}", as_=scenario.LSP_ADMIN)
    assert stored["recommendation"]["overall"] == "K"
    assert {u["result"] for u in stored["units"]} == {"K"}
    # The plenary member decides.
    sign_in(browser, world, "pleno-gni-1")
    check(browser, "plenary-cases")
    follow(browser, browser.find_element(By.LINK_TEXT, "Dewi Kartika"))
    check(browser, "plenary-case")
    # Overturning a unit needs the member's reason: refused, nothing recorded, box kept.
    box = browser.find_element(By.CSS_SELECTOR, "input[name=balik]")
    box.click()
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Putuskan']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text == \
        "Tuliskan alasan mengubah hasil asesor."
    assert browser.find_element(By.CSS_SELECTOR, "input[name=balik]").is_selected()
    stored = graduate["assessment"].call("GET", f"/cases/{case_id}", as_=scenario.LSP_ADMIN)
    assert (stored["status"], stored["votes"]) == ("open", [])
    browser.find_element(By.CSS_SELECTOR, "input[name=balik]").click()  # confirm every unit
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Putuskan']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == "Diputuskan: K."
    assert "Semua unit sesuai temuan asesor." in browser.page_source
    certificates = graduate["certificate"]
    scenario.wait_until("certificate issued", lambda: len(certificates.call(
        "GET", "/certificates", params={"participant_id": graduate["participant_id"],
                                        "kind": "certification"},
        as_="officer-lsp-gni")), 1, lambda line: None)
    [issued] = certificates.call("GET", "/certificates", params={
        "participant_id": graduate["participant_id"], "kind": "certification"},
        as_="officer-lsp-gni")
    # The employer finds her among the ranked candidates and offers the job.
    sign_in(browser, world, "hr-maju-jahit")
    check(browser, "employer-vacancies")
    follow(browser, browser.find_element(By.LINK_TEXT, "Operator Jahit"))
    offer = "//button[text()='Tawarkan pekerjaan kepada Dewi Kartika']"
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.XPATH, offer) or
                                     b.refresh())
    check(browser, "employer-candidates")
    follow(browser, browser.find_element(By.XPATH, offer))
    assert "Tawaran terkirim" in browser.find_element(By.CSS_SELECTOR, "[role=status]").text
    # She accepts on her page: she is placed.
    sign_in(browser, world, graduate["account"])
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Terima']"))
    assert "Bekerja sejak" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    check(browser, "participant-placed")
    placed = graduate["placement"].call("GET", "/placements", params={
        "participant_id": graduate["participant_id"]}, as_=OPERATOR)
    assert [p["status"] for p in placed] == ["active"]
    # The LSP's officer finds the certificate and revokes it, with the reason.
    sign_in(browser, world, "officer-lsp-gni")
    assert browser.current_url == console + "/sertifikat"  # the register, the latest first
    assert browser.find_elements(By.LINK_TEXT, issued["number"])
    check(browser, "officer-register")
    browser.find_element(By.ID, "cari").send_keys(issued["number"][-6:])
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Cari']"))
    found = browser.find_elements(By.CSS_SELECTOR, "tbody a")
    assert issued["number"] in [a.text for a in found]
    follow(browser, browser.find_element(By.LINK_TEXT, issued["number"]))
    check(browser, "officer-certificate")
    browser.find_element(By.CSS_SELECTOR, "#tindakan option[value='revoke']").click()
    browser.find_element(By.ID, "alasan").send_keys("temuan pemalsuan dokumen")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Konfirmasi']"))
    assert browser.find_element(By.ID, "status").text == "Dicabut"
    history = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.history li")]
    assert history[0].startswith("Diterbitkan") and history[-1].startswith("Dicabut")
    assert history[-1].endswith("temuan pemalsuan dokumen")
    public = requests.get(issued["verification_url"], timeout=10).json()
    assert public["status"] == "revoked" and public["status_reason"] == \
        "temuan pemalsuan dokumen"


def test_an_officer_of_another_issuer_cannot_revoke_and_a_short_reason_is_refused(
        browser, world):
    holder = next(r for r in world["cohort"] if r.certificate != "-" and
                  r.certificate.startswith("LSP-GNI"))
    url = f"{world['console']}/sertifikat/{holder.certificate}/status"
    sign_in(browser, world, "officer-lsp-gni")
    browser.get(f"{world['console']}/sertifikat/{holder.certificate}")
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    short = session_of(browser, world).post(url, data={"csrf": csrf, "tindakan": "suspend",
                                                       "alasan": "x"})
    assert short.status_code == 400 and "Beberapa isian tidak valid." in short.text
    sign_in(browser, world, "officer-disnaker-bandung")  # the labour office issues others
    assert holder.certificate not in browser.page_source  # not in its register
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    browser.get(f"{world['console']}/sertifikat/{holder.certificate}")
    assert heading(browser) == "Halaman ini bukan untuk Anda"  # nor its history
    other = session_of(browser, world).post(url, data={"csrf": csrf, "tindakan": "revoke",
                                                       "alasan": "bukan wewenang kami"})
    assert other.status_code == 403 and "Halaman ini bukan untuk Anda" in other.text
    assert requests.get(holder.verification_url, timeout=10).json()["status"] == "valid"


def test_the_operator_registers_and_enrols_a_person_the_nik_checked_as_typed(browser, world):
    programme = world["running"]
    sign_in(browser, world, OPERATOR)
    browser.get(f"{world['console']}/program/{programme['id']}")
    follow(browser, browser.find_element(By.LINK_TEXT, "Daftarkan peserta"))
    check(browser, "operator-register")
    browser.find_element(By.CSS_SELECTOR, "input[name=sex][value=M]").click()
    browser.find_element(By.ID, "nik").send_keys("3204015708950094")
    assert browser.find_element(By.ID, "nik-hint").text == "perempuan, 17-08-95"
    browser.find_element(By.ID, "name").send_keys("Sri Mulyani")
    browser.execute_script("document.getElementById('birth_date').value = '1995-08-17'")
    browser.find_element(By.NAME, "setuju-certification").click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    # Refused by the service, said in Indonesian beside the field, everything typed kept.
    assert browser.find_element(By.ID, "nik-error").text == \
        "NIK tidak cocok dengan jenis kelamin (untuk perempuan, tanggal lahir ditambah 40)."
    assert browser.find_element(By.ID, "name").get_attribute("value") == "Sri Mulyani"
    assert browser.find_element(By.NAME, "setuju-certification").is_selected()
    check(browser, "operator-register-refused")
    browser.find_element(By.CSS_SELECTOR, "input[name=sex][value=F]").click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Peserta sudah terdaftar dan mendaftar ke program."
    sheet = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                     as_=OPERATOR)
    assert "Sri Mulyani" in [p["name"] for p in sheet["participants"]]


def test_a_course_for_one_kecamatan_registers_its_residents_only(browser, world):
    """Programme 5 of issue 15, in Bandung: a course for the residents of Kecamatan Cileunyi.
    Someone whose KTP is from Bojongsoang is refused beside the kecamatan field and not
    registered; with the kecamatan they live in, registered and enrolled."""
    today, enrollment = date.today(), world["enrollment"]
    course = enrollment.call("POST", "/programmes", {
        "title": "Pelatihan Menjahit Warga Cileunyi", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "Aula Kecamatan Cileunyi", "region_code": "3204",
        "start_date": (today + timedelta(days=7)).isoformat(),
        "end_date": (today + timedelta(days=20)).isoformat(), "capacity": 5,
        "eligibility": {"districts": ["320405"]}}, as_=OPERATOR)
    sign_in(browser, world, OPERATOR)
    browser.get(f"{world['console']}/program/{course['id']}")
    assert "Kecamatan Cileunyi, Kabupaten Bandung" in browser.find_element(
        By.TAG_NAME, "dl").text
    follow(browser, browser.find_element(By.LINK_TEXT, "Daftarkan peserta"))
    browser.find_element(By.CSS_SELECTOR, "input[name=sex][value=F]").click()
    browser.find_element(By.ID, "nik").send_keys("3204085708950096")
    browser.find_element(By.ID, "name").send_keys("Euis Komalasari")
    browser.execute_script("document.getElementById('birth_date').value = '1995-08-17'")
    browser.find_element(By.NAME, "setuju-certification").click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.ID, "domicile_district_code-error").text.startswith(
        "Program ini hanya untuk warga kecamatan sasarannya")
    check(browser, "operator-register-kecamatan")
    assert enrollment.call("GET", f"/programmes/{course['id']}/enrolments", as_=OPERATOR) == []
    browser.find_element(By.ID, "domicile_district_code").send_keys("320405")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Peserta sudah terdaftar dan mendaftar ke program."
    [enrolled] = enrollment.call("GET", f"/programmes/{course['id']}/enrolments", as_=OPERATOR)
    person = enrollment.call("GET", f"/participants/{enrolled['participant_id']}",
                             as_=OPERATOR)
    assert (person["name"], person["district"]) == ("Euis Komalasari", "320405")


def test_closing_a_large_programme_answers_at_once_and_goes_on_behind(browser, world):
    """Issue 17: more people than one step of a close (100): the page answers at once with
    the progress, and a reload shows the outcome once everyone is recorded."""
    enrollment, today = world["enrollment"], date.today()
    test_day = enrollment.call("POST", "/programmes", {
        "title": "Uji Kompetensi Penjahit Berpengalaman", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "BLK Soreang", "region_code": "3204",
        "kind": "certification_only", "capacity": 101,
        "start_date": (today - timedelta(days=1)).isoformat(),
        "end_date": (today - timedelta(days=1)).isoformat()}, as_=OPERATOR)
    enrollment.call("POST", f"/programmes/{test_day['id']}/imports", {
        "source": "peserta-uji.xlsx", "wording": {"certification": "Saya setuju."},
        "rows": [{"row": n + 2, "nik": f"320406470885{n + 1:04d}", "name": f"Penjahit {n}",
                  "sex": "F", "birth_date": "1985-08-07", "consent_certification": True}
                 for n in range(101)]}, as_=OPERATOR)
    sign_in(browser, world, OPERATOR)
    browser.get(f"{world['console']}/program/{test_day['id']}")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Tutup program']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text.startswith(
        "Sedang ditutup: 100 dari 101 peserta sudah dicatat")
    assert not browser.find_elements(By.XPATH, "//button[text()='Tutup program']")
    check(browser, "operator-closing")

    def closed() -> int:
        browser.refresh()
        return int("Program ditutup: 101 lulus pelatihan" in browser.page_source)
    scenario.wait_until("the close done", closed, 1, progress=lambda line: None, seconds=30)


def test_the_monitoring_officer_calls_the_graduates_due_and_sees_the_report(browser, world,
                                                                            mongo):
    placement = mongo[world["stack"].database("placement")]
    consenting = [d["_id"] for d in placement.follow_up_consents.find({"granted": True})]
    scheduled = list(placement.check_ins.find(
        {"months": 3, "participant_id": {"$in": consenting}}).sort("_id").limit(2))
    assert len(scheduled) == 2
    due, later = scheduled
    # Three months pass for one of them.
    placement.check_ins.update_one({"_id": due["_id"]}, {"$set": {
        "due_on": (date.today() - timedelta(days=1)).isoformat()}})
    sign_in(browser, world, "monitor-bandung")
    assert browser.current_url == world["console"] + "/pemantauan"
    forms = browser.find_elements(By.CSS_SELECTOR, f"form[action='/pemantauan/{due['_id']}']")
    assert len(forms) == 1 and "tel:" in forms[0].get_attribute("innerHTML")
    assert not browser.find_elements(By.CSS_SELECTOR,
                                     f"form[action='/pemantauan/{later['_id']}']")
    check(browser, "monitoring-due")
    # Not due yet: refused in Indonesian, nothing recorded.
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    early = session_of(browser, world).post(f"{world['console']}/pemantauan/{later['_id']}",
                                            data={"csrf": csrf, "status": "employed"})
    assert early.status_code == 422 and "Pemantauan ini belum jatuh tempo." in early.text
    assert placement.check_ins.find_one({"_id": later["_id"]})["status"] is None
    form = forms[0]
    form.find_element(By.CSS_SELECTOR, "option[value='apprenticing']").click()
    form.find_element(By.NAME, "kendala").send_keys("jarak ke pabrik jauh")
    follow(browser, form.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Hasil pemantauan tersimpan."
    recorded = placement.check_ins.find_one({"_id": due["_id"]})
    assert (recorded["status"], recorded["obstacles"]) == ("apprenticing",
                                                           "jarak ke pabrik jauh")
    charts = [svg.get_attribute("aria-label")
              for svg in browser.find_elements(By.CSS_SELECTOR, "figure svg[role=img]")]
    assert any("Sedang magang 1" in label for label in charts), charts
    absorbed = browser.find_element(By.XPATH, "//figure[.//strong[text()='maju-jahit']]")
    assert re.search(r"\d+ tawaran, 1[23] bekerja", absorbed.text), absorbed.text
    check(browser, "monitoring-report")
    follow(browser, browser.find_element(By.LINK_TEXT, "Sertifikasi ulang"))
    assert heading(browser) == "Sertifikasi yang segera berakhir"
    check(browser, "monitoring-recertification")


def test_the_operator_imports_a_spreadsheet_and_downloads_the_rows_to_fix(browser, world,
                                                                          tmp_path):
    from openpyxl import Workbook

    programme = world["running"]
    book = Workbook()
    sheet = book.active
    sheet.append(["NIK", "Name", "Sex", "Birth date", "Phone", "consent_certification"])
    sheet.append(["3204015708950081", "Tuti Alawiyah", "F", date(1995, 8, 17),
                  812345678, "ya"])
    sheet.append(["3204015708950082", "Euis Komariah", "F", date(1995, 8, 19),
                  812345679, "ya"])  # the NIK says the 17th
    path = tmp_path / "peserta-menjahit.xlsx"
    book.save(path)
    sign_in(browser, world, OPERATOR)
    browser.get(f"{world['console']}/program/{programme['id']}")
    follow(browser, browser.find_element(By.LINK_TEXT, "Impor peserta"))
    check(browser, "operator-import")
    browser.find_element(By.ID, "berkas").send_keys(str(path))
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#import-form button.primary"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text.startswith(
        "Hasil impor: 1 terdaftar baru")
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert cells == ["3", "nik", "NIK tidak cocok dengan tanggal lahir."]
    check(browser, "operator-import-result")
    download = session_of(browser, world).get(
        f"{world['console']}/program/{programme['id']}/impor/kesalahan.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    assert download.content.decode("utf-8-sig").splitlines() == [
        "baris;kolom;alasan", "3;nik;NIK tidak cocok dengan tanggal lahir."]
    sheet = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                     as_=OPERATOR)
    names = [p["name"] for p in sheet["participants"]]
    assert "Tuti Alawiyah" in names and "Euis Komariah" not in names


def test_an_asesi_appeals_and_the_plenary_decides_it_a_reasonless_one_refused(browser,
                                                                              world):
    bk = next(r for r in world["cohort"] if r.assessment == "BK")
    assessment = scenario.Api(world["stack"].url("assessment"), world["people"])
    [case] = assessment.call("GET", "/cases", params={
        "participant_id": bk.person.participant_id}, as_=scenario.LSP_ADMIN)
    # She appeals on her own page.
    sign_in(browser, world, scenario.participant_account(bk.person.participant_id))
    browser.find_element(By.NAME, "alasan").send_keys(
        "Saya mohon diuji ulang pada unit menjahit.")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Kirim banding']"))
    assert "Banding Anda sedang diproses rapat pleno." in browser.page_source
    sign_in(browser, world, "pleno-gni-2")
    follow(browser, browser.find_element(By.XPATH, f"//a[normalize-space()='{bk.person.name}']"))
    assert "Saya mohon diuji ulang" in browser.page_source
    check(browser, "plenary-appeal")
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    url = f"{world['console']}/pleno/kasus/{case['id']}/banding"
    short = session_of(browser, world).post(url, data={"csrf": csrf, "putusan": "upheld",
                                                       "alasan": ""})
    assert short.status_code == 400 and "Beberapa isian tidak valid." in short.text
    assert assessment.call("GET", f"/cases/{case['id']}",
                           as_=scenario.LSP_ADMIN)["status"] == "appealed"
    browser.find_element(By.CSS_SELECTOR, "input[name=putusan][value=upheld]").click()
    browser.find_element(By.ID, "alasan").send_keys("Bukti baru layak diuji ulang.")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Putuskan banding']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Banding sudah diputuskan."
    assert assessment.call("GET", f"/cases/{case['id']}",
                           as_=scenario.LSP_ADMIN)["status"] == "open"


def test_the_operator_creates_a_programme_and_a_wrong_field_is_shown_beside_it(browser,
                                                                                world):
    sign_in(browser, world, OPERATOR)
    follow(browser, browser.find_element(By.LINK_TEXT, "Program baru"))
    check(browser, "operator-new-programme")
    start, end = date.today() + timedelta(days=7), date.today() + timedelta(days=21)
    for field, value in (("title", "Pelatihan Bordir Dasar"), ("organiser", "Disnaker Kab. "
                         "Bandung"), ("venue", "Balai Desa Cibodas"), ("region_code", "9999"),
                         ("capacity", "20"), ("min_days", "12")):
        browser.find_element(By.ID, field).send_keys(value)
    for field, day in (("start_date", start), ("end_date", end),
                       ("applications_until", date.today())):
        browser.execute_script(f"document.getElementById('{field}').value = '{day}'")
    # an embroidery course whose only certificate is the labour office's own
    browser.find_element(By.CSS_SELECTOR, "input[name=certificates][value=bnsp]").click()
    browser.find_element(By.CSS_SELECTOR, "#sector option[value=garment]").click()
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.ID, "region_code-error").text == "Periksa isian ini."
    assert browser.find_element(By.ID, "title").get_attribute("value") == \
        "Pelatihan Bordir Dasar"
    ticked = [box.get_attribute("value") for box in browser.find_elements(
        By.CSS_SELECTOR, "input[name=certificates]") if box.is_selected()]
    assert ticked == ["agency"]
    assert "Pelatihan Bordir Dasar" not in [p["title"] for p in world["enrollment"].call(
        "GET", "/programmes", as_=OPERATOR)]
    region = browser.find_element(By.ID, "region_code")
    region.clear()
    region.send_keys("3204")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert heading(browser) == "Pelatihan Bordir Dasar"
    shown = dict(zip([t.text for t in browser.find_elements(By.TAG_NAME, "dt")],
                     [d.text for d in browser.find_elements(By.TAG_NAME, "dd")], strict=False))
    assert shown["Kehadiran minimal"] == "12 dari 15 hari sesi"
    assert shown["Sertifikat yang diperoleh"] == "Sertifikat pelatihan dari dinas penyelenggara"
    assert shown["Sektor"] == "Garmen"
    # applications close today: the operator allocates the seats by priority
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Bagikan kursi']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Kursi sudah dibagikan: 0 peserta, 0 menunggu."
    assert not browser.find_elements(By.XPATH, "//button[text()='Bagikan kursi']")
    assert "Pelatihan Bordir Dasar" in [p["title"] for p in world["enrollment"].call(
        "GET", "/programmes", as_=OPERATOR)]


def test_hr_opens_an_apprenticeship_within_the_rules_and_ends_a_placement_early(browser,
                                                                               world):
    sign_in(browser, world, "hr-maju-jahit")
    follow(browser, browser.find_element(By.LINK_TEXT, "Lowongan baru"))
    check(browser, "employer-new-vacancy")
    browser.find_element(By.ID, "title").send_keys("Magang Operator Jahit")
    browser.find_element(By.CSS_SELECTOR, "#kind option[value=apprenticeship]").click()
    browser.find_element(By.CSS_SELECTOR, "#scheme_code option[value=GAR-OMP]").click()
    browser.find_element(By.ID, "places").send_keys("50")  # 85 employees: 17 at most
    browser.execute_script("document.getElementById('start_date').value = "
                           f"'{date.today() + timedelta(days=30)}'")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert "paling banyak 20% dari jumlah karyawan" in browser.find_element(
        By.CSS_SELECTOR, "[role=alert]").text
    places = browser.find_element(By.ID, "places")
    places.clear()
    places.send_keys("5")
    browser.find_element(By.NAME, "pelatihan").click()  # the village course's graduates too
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert heading(browser) == "Magang Operator Jahit"
    placement = scenario.Api(world["stack"].url("placement"), world["people"])
    opened = browser.current_url.rsplit("/", 1)[1]
    assert placement.call("GET", f"/vacancies/{opened}", as_="hr-maju-jahit")["accepts"] == \
        ["certification", "training"]
    # An early end: not before the start, and with the reason.
    first = placement.call("GET", "/placements", params={"status": "active"},
                           as_="hr-maju-jahit")[0]
    browser.get(world["console"] + "/penempatan")
    check(browser, "employer-placements")
    ending = f"form[action='/penempatan/{first['id']}/akhiri']"
    form = browser.find_element(By.CSS_SELECTOR, ending)
    browser.execute_script("arguments[0].closest('details').open = true", form)
    form.find_element(By.NAME, "alasan").send_keys("kontrak tidak dilanjutkan")
    follow(browser, form.find_element(By.TAG_NAME, "button"))  # today: before it starts
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text == \
        "Penempatan tidak dapat berakhir sebelum dimulai."
    form = browser.find_element(By.CSS_SELECTOR, ending)
    browser.execute_script("arguments[0].closest('details').open = true", form)
    last_day = date.fromisoformat(first["start_date"]) + timedelta(days=1)
    browser.execute_script("arguments[0].value = arguments[1]",
                           form.find_element(By.NAME, "tanggal"), last_day.isoformat())
    form.find_element(By.NAME, "alasan").send_keys("kontrak tidak dilanjutkan")
    follow(browser, form.find_element(By.TAG_NAME, "button"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Penempatan sudah berakhir; lulusan tersedia kembali."
    ended = [p for p in placement.call("GET", "/placements", as_="hr-maju-jahit")
             if p["id"] == first["id"]]
    assert ended[0]["status"] == "terminated"


def test_hr_takes_an_apprentice_from_an_intake_before_any_certificate(browser, world):
    """Issue 15: an apprenticeship intake leads straight to an apprenticeship; a job still
    asks for a certificate."""
    enrollment, hr = world["enrollment"], "hr-maju-jahit"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    intake = enrollment.call("POST", "/programmes", {
        "title": "Penerimaan Pemagangan Operator Jahit", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "Kantor Disnaker Kab. Bandung",
        "region_code": "3204", "start_date": yesterday, "end_date": yesterday,
        "kind": "apprenticeship_intake", "capacity": 5}, as_=OPERATOR)
    apprentice = enrollment.call("POST", "/participants", {
        "nik": "3204015708950089", "name": "Ratna Sari", "sex": "F",
        "birth_date": "1995-08-17", "phone": "081234567893", "consents": [{
            "purpose": "partner_sharing", "granted": True, "source": "formulir",
            "wording": "Saya setuju nama, nomor telepon dan data saya dibagikan kepada "
                       "perusahaan mitra."}]}, as_=OPERATOR)
    enrollment.call("POST", f"/programmes/{intake['id']}/enrolments",
                    {"participant_id": apprentice["participant_id"]}, as_=OPERATOR)
    enrollment.call("POST", f"/programmes/{intake['id']}/close", as_=OPERATOR)

    sign_in(browser, world, hr)
    browser.get(world["console"] + "/lowongan/baru")

    def open_vacancy(kind: str) -> None:
        browser.find_element(By.ID, "title").send_keys("Magang dari Penerimaan")
        browser.find_element(By.CSS_SELECTOR, f"#kind option[value={kind}]").click()
        browser.find_element(By.CSS_SELECTOR, "#scheme_code option[value=GAR-OMP]").click()
        browser.find_element(By.ID, "places").send_keys("1")
        browser.execute_script("document.getElementById('start_date').value = "
                               f"'{date.today() + timedelta(days=30)}'")
        browser.find_element(By.NAME, "magang").click()
        follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))

    open_vacancy("job")  # a job takes nobody without a certificate: refused, beside the box
    assert browser.find_element(By.ID, "accepts-error").text == "Periksa isian ini."
    browser.get(world["console"] + "/lowongan/baru")
    open_vacancy("apprenticeship")
    assert heading(browser) == "Magang dari Penerimaan"
    placement = scenario.Api(world["stack"].url("placement"), world["people"])
    opened = browser.current_url.rsplit("/", 1)[1]
    assert placement.call("GET", f"/vacancies/{opened}", as_=hr)["accepts"] == [
        "certification", "apprenticeship_intake"]

    def shown():  # training.completed may still be on its way to placement
        browser.refresh()
        return "Ratna Sari" in browser.page_source
    scenario.wait_until("the apprentice among the candidates", lambda: int(shown()), 1,
                        progress=lambda line: None, seconds=30)
    card = browser.find_element(By.XPATH, "//div[@class='card'][.//strong[text()="
                                          "'Ratna Sari']]")
    assert "Lolos penerimaan pemagangan, belum bersertifikat" in card.text
    check(browser, "employer-intake-candidate")
    follow(browser, card.find_element(By.TAG_NAME, "button"))
    [offer] = placement.call("GET", "/offers", params={"vacancy_id": opened}, as_=hr)
    assert offer["participant_id"] == apprentice["participant_id"]


def test_a_role_without_screens_yet_lands_on_a_home_that_says_so(browser, world):
    sign_in(browser, world, "platform-admin")
    assert browser.current_url == world["console"] + "/beranda"
    assert "belum tersedia di konsol" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, "nav a") == []
    check(browser, "platform-home")


def test_a_stranger_is_sent_to_sign_in_and_a_form_without_a_session_changes_nothing(world):
    for path in ("/program", "/saya", "/pleno", "/sertifikat", "/lowongan", "/pemantauan"):
        answer = requests.get(world["console"] + path, allow_redirects=False, timeout=10)
        assert answer.status_code == 303 and answer.headers["Location"] == \
            f"/masuk?next={path}"
    programme = world["running"]
    before = world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                      as_=OPERATOR)
    forged = requests.post(f"{world['console']}/program/{programme['id']}/kehadiran",
                           data={"tanggal": date.today().isoformat(),
                                 "hadir": [world["trainees"][1]["participant_id"]]},
                           allow_redirects=False, timeout=10)
    assert forged.status_code == 303 and forged.headers["Location"].startswith("/masuk")
    assert world["enrollment"].call("GET", f"/programmes/{programme['id']}/attendance-sheet",
                                    as_=OPERATOR) == before


def test_the_lsp_admin_keeps_the_registry_a_wrong_field_shown_beside_it(browser, world):
    assessment = scenario.Api(world["stack"].url("assessment"), world["people"])
    sign_in(browser, world, scenario.LSP_ADMIN)
    follow(browser, browser.find_element(By.LINK_TEXT, "Registri"))
    assert browser.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text == "Registri"
    assert "GAR-OMP" in browser.find_element(By.TAG_NAME, "main").text  # its schemes
    check(browser, "lsp-registry")
    # The plenary quorum: a number of members from 1 to 9, said beside the field otherwise.
    quorum = browser.find_element(By.ID, "kuorum")
    quorum.clear()
    quorum.send_keys("0")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Simpan kuorum']"))
    assert browser.find_element(By.ID, "plenary_quorum-error").text == "Periksa isian ini."
    assert browser.find_element(By.ID, "kuorum").get_attribute("value") == "0"
    quorum = browser.find_element(By.ID, "kuorum")
    quorum.clear()
    quorum.send_keys("1")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Simpan kuorum']"))
    assert [x["plenary_quorum"] for x in assessment.call("GET", "/lsps", as_=scenario.LSP_ADMIN)
            if x["code"] == "LSP-GNI"] == [1]
    # A TUK in a regency that does not exist: said beside the field, the rest kept.
    code = f"TUK-{uuid.uuid4().hex[:4].upper()}"
    browser.find_element(By.ID, "tuk-code").send_keys(code)
    browser.find_element(By.ID, "tuk-name").send_keys("TUK Tempat Kerja CV Maju Jahit")
    browser.find_element(By.CSS_SELECTOR, "#tuk-kind option[value='tempat kerja']").click()
    browser.find_element(By.ID, "tuk-region").send_keys("3299")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Daftarkan TUK ini']"))
    assert browser.find_element(By.ID, "region_code-error").text == "Periksa isian ini."
    assert browser.find_element(By.ID, "tuk-code").get_attribute("value") == code
    assert code not in {t["code"] for t in assessment.call("GET", "/tuks",
                                                            as_=scenario.LSP_ADMIN)}
    region = browser.find_element(By.ID, "tuk-region")
    region.clear()
    region.send_keys("3204")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Daftarkan TUK ini']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == "Tersimpan."
    assert code in {t["code"] for t in assessment.call("GET", "/tuks", as_=scenario.LSP_ADMIN)}

    def register_asesor(number: str, name: str) -> None:
        browser.find_element(By.ID, "registration_number").send_keys(number)
        browser.find_element(By.ID, "name").send_keys(name)
        browser.find_element(By.CSS_SELECTOR, "input[name=schemes][value=GAR-OMP]").click()
        browser.execute_script("document.getElementById('valid_until').value = "
                               f"'{date.today() + timedelta(days=700)}'")
        follow(browser, browser.find_element(By.XPATH,
                                             "//button[text()='Daftarkan asesor ini']"))

    # Siti is registered already: refused, what was typed kept, Siti unchanged.
    register_asesor("MET.000.004213 2023", "Siti Duplikat")
    assert "sudah terdaftar" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert browser.find_element(By.ID, "name").get_attribute("value") == "Siti Duplikat"
    asesors = {a["registration_number"]: a for a in assessment.call(
        "GET", "/asesors", as_=scenario.LSP_ADMIN)}
    assert asesors["MET.000.004213 2023"]["name"] != "Siti Duplikat"
    number = f"MET.000.{uuid.uuid4().int % 10**6:06d} 2026"
    browser.get(world["console"] + "/lsp/registri")
    register_asesor(number, "Rina Asesor Baru")
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == "Tersimpan."
    follow(browser, browser.find_element(By.XPATH,
                                         "//button[text()='Nonaktifkan Rina Asesor Baru']"))
    asesors = {a["registration_number"]: a for a in assessment.call(
        "GET", "/asesors", as_=scenario.LSP_ADMIN)}
    assert asesors[number]["active"] is False
    assert browser.find_elements(By.XPATH, "//button[text()='Aktifkan Rina Asesor Baru']")


def test_the_certificate_officer_sees_which_key_signs(browser, world):
    sign_in(browser, world, "officer-lsp-gni")
    follow(browser, browser.find_element(By.LINK_TEXT, "Kunci penandatangan"))
    check(browser, "officer-keys")
    statuses = [s.text for s in browser.find_elements(By.CSS_SELECTOR, ".card .status")]
    assert statuses[0] == "Menandatangani sertifikat baru"
    jwks = requests.get(world["stack"].url("certificate") + "/.well-known/jwks.json",
                        timeout=10).json()["keys"]
    assert {k["kid"] for k in jwks} == {c.text for c in browser.find_elements(
        By.CSS_SELECTOR, "dd code")}


def test_hr_draws_up_an_apprenticeship_agreement_and_the_graduate_accepts_with_it(browser,
                                                                                 world):
    hr, console = "hr-maju-jahit", world["console"]
    placement = scenario.Api(world["stack"].url("placement"), world["people"])
    employer = placement.call("GET", "/vacancies", as_=hr)[0]["employer_id"]
    vacancy = placement.call("POST", "/vacancies", {
        "employer_id": employer, "title": "Magang Penjahit Kemeja", "kind": "apprenticeship",
        "scheme_code": "GAR-OMP", "places": 1,
        "start_date": (date.today() + timedelta(days=14)).isoformat()}, as_=hr)
    [candidate, *_] = placement.call("GET", f"/vacancies/{vacancy['id']}/candidates",
                                     as_=hr)["candidates"]
    name = candidate["name"]
    sign_in(browser, world, hr)
    browser.get(f"{console}/lowongan/{vacancy['id']}")
    follow(browser, browser.find_element(
        By.XPATH, f"//button[text()='Tawarkan pekerjaan kepada {name}']"))
    follow(browser, browser.find_element(By.LINK_TEXT, f"Perjanjian dengan {name}"))
    check(browser, "employer-agreement")
    assert "uang saku" in browser.find_element(By.ID, "apprentice_rights").get_attribute(
        "value")  # a new agreement starts from the usual terms
    for field in ("apprentice_rights", "apprentice_duties", "company_rights",
                  "company_duties", "programme"):
        browser.find_element(By.ID, field).send_keys("Sesuai Permenaker 6/2020: " + field)
    end = date.today() + timedelta(days=14 + 180)
    browser.execute_script(f"document.getElementById('end_date').value = '{end}';"
                           f"document.getElementById('ratified_on').value = '{date.today()}'")
    browser.find_element(By.ID, "monthly_allowance").send_keys("1.500.000")
    browser.find_element(By.ID, "ratified_by").send_keys("Disnaker Kabupaten Bandung")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Simpan perjanjian']"))
    # Not ratified yet (no number): beside that field, everything typed kept, nothing stored.
    assert browser.find_element(By.ID, "ratification_number-error").text.startswith(
        "Dinas tenaga kerja kabupaten/kota mengesahkan")
    assert browser.find_element(By.ID, "ratified_by").get_attribute("value") == \
        "Disnaker Kabupaten Bandung"
    [offer] = placement.call("GET", "/offers", params={"vacancy_id": vacancy["id"]}, as_=hr)
    assert offer["agreement"] is None
    browser.find_element(By.ID, "ratification_number").send_keys("560/77/Disnaker/2026")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Simpan perjanjian']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Perjanjian tersimpan; lulusan membacanya bersama tawaran."
    # The graduate reads the agreement with the offer and accepts: an apprenticeship starts.
    account = scenario.participant_account(candidate["participant_id"])
    world["people"].open_accounts([{"username": account, "name": name,
                                    "roles": ["participant"],
                                    "participant_id": candidate["participant_id"]}])
    sign_in(browser, world, account)
    card = browser.find_element(
        By.XPATH, "//div[@class='card'][.//strong[text()='Magang Penjahit Kemeja']]")
    card.find_element(By.TAG_NAME, "summary").click()
    assert "560/77/Disnaker/2026" in card.text and "1.500.000" in card.text
    check(browser, "participant-agreement")
    follow(browser, card.find_element(By.XPATH, ".//button[text()='Terima']"))
    placed = placement.call("GET", "/placements", params={
        "participant_id": candidate["participant_id"], "status": "active"}, as_=OPERATOR)
    assert [p["agreement"]["ratification_number"] for p in placed
            if p["kind"] == "apprenticeship"] == ["560/77/Disnaker/2026"]


def test_the_operator_calls_the_waiting_list_by_name(browser, world):
    today, enrollment = date.today(), world["enrollment"]
    small = enrollment.call("POST", "/programmes", {
        "title": "Pelatihan Bordir Komputer", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "Balai Desa Sukamaju", "region_code": "3204",
        "start_date": (today + timedelta(days=7)).isoformat(),
        "end_date": (today + timedelta(days=20)).isoformat(), "capacity": 1}, as_=OPERATOR)
    for serial, name in ((96, "Rina Marlina"), (97, "Sri Wahyuni")):  # one seat, two people
        person = enrollment.call("POST", "/participants", {
            "nik": f"320401570895{serial:04d}", "name": name, "sex": "F",
            "birth_date": "1995-08-17", "consents": [{
                "purpose": "certification", "granted": True, "source": "formulir",
                "wording": "Saya setuju data saya dipakai untuk sertifikasi."}]}, as_=OPERATOR)
        enrollment.call("POST", f"/programmes/{small['id']}/enrolments",
                        {"participant_id": person["participant_id"]}, as_=OPERATOR)
    sign_in(browser, world, OPERATOR)
    browser.get(f"{world['console']}/program/{small['id']}")
    check(browser, "operator-waitlist")
    waiting = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.card li")]
    assert len(waiting) == 1 and waiting[0].startswith("Sri Wahyuni")
    assert "*" in waiting[0] and "5708950097" not in waiting[0]  # the NIK masked


def test_the_operator_hands_a_sign_in_slip_and_the_person_chooses_a_password(browser, world):
    console, enrollment = world["console"], world["enrollment"]
    yanti = enrollment.call("POST", "/participants", {
        "nik": "3204015708950098", "name": "Yanti Kusuma", "sex": "F",
        "birth_date": "1995-08-17", "consents": [{
            "purpose": "certification", "granted": True, "source": "formulir",
            "wording": "Saya setuju data saya dipakai untuk sertifikasi."}]},
        as_=OPERATOR)["participant_id"]
    slip_button = "//button[text()='Slip masuk untuk peserta ini']"
    # Another agency's operator cannot open an account for her: nothing is created.
    sign_in(browser, world, "operator-kaltim")
    browser.get(f"{console}/program/{world['running']['id']}?terdaftar={yanti}")
    assert heading(browser) == "Halaman ini bukan untuk Anda"
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")
    forged = session_of(browser, world).post(f"{console}/peserta/{yanti}/undangan",
                                             data={"csrf": csrf})
    assert forged.status_code == 403
    users = f"http://127.0.0.1:{PORT}/admin/realms/{REALM}/users"
    assert admin_session().get(users, params={"q": f"participant_id:{yanti}"},
                               timeout=30).json() == []
    # Her own agency's operator prints her slip.
    sign_in(browser, world, OPERATOR)
    browser.get(f"{console}/program/{world['running']['id']}?terdaftar={yanti}")
    follow(browser, browser.find_element(By.XPATH, slip_button))
    check(browser, "operator-slip")
    username = browser.find_element(By.ID, "username").text
    temporary = browser.find_element(By.ID, "password").text
    assert "Yanti Kusuma" in browser.page_source and "3204015708950098" not in \
        browser.page_source
    # At her first sign-in she chooses her own password, then lands on her page.
    sign_in(browser, world, username, temporary, arrive=False)
    wait = WebDriverWait(browser, 20)
    chosen = "jahit-rapi-2026"
    wait.until(seen.presence_of_element_located((By.ID, "password-new"))).send_keys(chosen)
    browser.find_element(By.ID, "password-confirm").send_keys(chosen)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    wait.until(lambda b: b.current_url.startswith(console))
    assert browser.current_url == console + "/saya"
    assert "Yanti Kusuma" in browser.page_source
    # A lost slip: a new temporary password; the account stays hers.
    sign_in(browser, world, OPERATOR)
    browser.get(f"{console}/program/{world['running']['id']}?terdaftar={yanti}")
    follow(browser, browser.find_element(By.XPATH, slip_button))
    assert browser.find_element(By.ID, "username").text == username
    assert browser.find_element(By.ID, "password").text != temporary
    assert "kata sandi sementara yang baru" in browser.find_element(
        By.CSS_SELECTOR, "[role=status]").text


def test_a_graduate_answers_their_own_follow_up(browser, world, mongo):
    placement = mongo[world["stack"].database("placement")]
    consenting = [d["_id"] for d in placement.follow_up_consents.find({"granted": True})]
    check_in = placement.check_ins.find_one({"months": 6, "status": None,
                                             "participant_id": {"$in": consenting}})
    placement.check_ins.update_one({"_id": check_in["_id"]}, {"$set": {
        "due_on": (date.today() - timedelta(days=1)).isoformat()}})  # six months pass
    sign_in(browser, world, scenario.participant_account(check_in["participant_id"]))
    form = f"form[action='/saya/pemantauan/{check_in['_id']}']"
    check(browser, "participant-follow-up")
    answer = browser.find_element(By.CSS_SELECTOR, form)
    answer.find_element(By.CSS_SELECTOR, "option[value='self_employed']").click()
    answer.find_element(By.NAME, "kendala").send_keys("modal usaha terbatas")
    follow(browser, answer.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        "Terima kasih: jawaban Anda tersimpan."
    recorded = placement.check_ins.find_one({"_id": check_in["_id"]})
    assert (recorded["status"], recorded["obstacles"]) == ("self_employed",
                                                           "modal usaha terbatas")
    assert not browser.find_elements(By.CSS_SELECTOR, form)  # answered once


def test_the_lsp_admin_exports_the_report_to_bnsp_with_the_nik_only_in_the_file(browser,
                                                                                world):
    sign_in(browser, world, scenario.LSP_ADMIN)
    follow(browser, browser.find_element(By.LINK_TEXT, "Laporan ke BNSP"))
    assert heading(browser) == "Laporan ke BNSP"
    check(browser, "lsp-bnsp-report")
    before = len(browser.find_elements(By.CSS_SELECTOR, "table tbody tr"))
    browser.execute_script("document.getElementById('sampai').value = '2020-01-01'")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button.primary"))
    assert browser.find_element(By.ID, "sampai-error").text == "Periksa isian ini."
    today = date.today().isoformat()
    answer = session_of(browser, world).post(world["console"] + "/lsp/laporan-bnsp", data={
        "csrf": browser.find_element(By.NAME, "csrf").get_attribute("value"),
        "dari": today, "sampai": today})
    assert answer.headers["Content-Disposition"].startswith(
        'attachment; filename="laporan-bnsp-LSP-GNI-')
    assert answer.headers["Cache-Control"] == "no-store"
    rows = list(openpyxl.load_workbook(io.BytesIO(answer.content)).active.values)
    assert rows[0][:4] == ("No", "NIK", "Nama", "Jenis Kelamin")
    cases = scenario.Api(world["stack"].url("assessment"), world["people"]).call(
        "GET", "/cases", as_=scenario.LSP_ADMIN)
    decided = {c["participant_id"] for c in cases if c["status"] == "decided"}  # not appealed
    by_nik = {row[1]: row for row in rows[1:]}
    assert {r.person.nik for r in world["cohort"] if r.person.participant_id in decided} <= \
        set(by_nik)  # the whole NIK, in the file only
    holder = next(r for r in world["cohort"] if r.assessment == "K")
    assert {row[9] for row in rows[1:] if row[1] == holder.person.nik} == {"K"}
    assert by_nik[holder.person.nik][13] == "TUK Sewaktu Balai Desa Sukamaju"
    # the export is kept with who made it, and each NIK read is in the person's access log
    browser.get(world["console"] + "/lsp/laporan-bnsp")
    exports = browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert len(exports) == before + 1  # the refused period was not read
    assert "Dedi Admin LSP GNI" in exports[0].text
    log = world["enrollment"].call("GET", f"/participants/{holder.person.participant_id}"
                                   "/access-log", as_=OPERATOR)
    reads = [e["roles"] for e in log if e["purpose"] == "bnsp_report"]
    assert reads and all(roles == ["lsp_admin"] for roles in reads)
    assert holder.person.nik not in browser.page_source


def test_the_monitoring_officer_keeps_the_graduates_community(browser, world, mongo):
    """Programme 1's community after certification: created from a programme, members'
    progress and obstacles over time, news sent to the members who agreed to follow-up, the
    best made a mentor."""
    # Six months pass for one graduate, who answered both check-ins.
    placement = mongo[world["stack"].database("placement")]
    consenting = {d["_id"] for d in placement.follow_up_consents.find({"granted": True})}
    answered = {d["participant_id"] for d in placement.check_ins.find(
        {"status": {"$ne": None}}, {"participant_id": 1})}  # by the other journeys
    holder = next(r for r in world["cohort"] if r.placement == "placed"
                  and r.person.participant_id in consenting - answered)
    answers = {3: ("still_looking", "belum ada mesin jahit di rumah"), 6: ("employed", None)}
    for months, (status, obstacles) in answers.items():
        check_in = placement.check_ins.find_one({"participant_id": holder.person.participant_id,
                                                 "months": months})
        placement.check_ins.update_one({"_id": check_in["_id"]}, {"$set": {
            "due_on": (date.today() - timedelta(days=1)).isoformat()}})
        scenario.Api(world["stack"].url("placement"), world["people"]).call(
            "POST", f"/check-ins/{check_in['_id']}", {"status": status, "obstacles": obstacles},
            as_="monitor-bandung")
    sign_in(browser, world, "monitor-bandung")
    follow(browser, browser.find_element(By.LINK_TEXT, "Komunitas"))
    assert heading(browser) == "Komunitas"
    check(browser, "monitoring-communities")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Buat komunitas']"))
    assert browser.find_element(By.ID, "name-error").text == "Periksa isian ini."
    browser.find_element(By.ID, "nama").send_keys("Alumni Menjahit Soreang")
    browser.find_element(By.XPATH, "//label[contains(., 'Pelatihan Berbasis Kompetensi "
                                   "Menjahit Pakaian')]/input").click()
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Buat komunitas']"))
    assert heading(browser) == "Alumni Menjahit Soreang"
    assert not browser.find_elements(By.CSS_SELECTOR, "[role=alert]")
    graduates = {r.person.participant_id for r in world["cohort"]
                 if r.enrollment == "completed"}
    members = world["enrollment"].call(
        "GET", "/communities/" + browser.current_url.rsplit("/", 1)[1],
        as_="monitor-bandung")["members"]  # those who still consent to follow-up
    assert {m["participant_id"] for m in members} <= graduates and len(members) >= 14
    rows = browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert len(rows) == len(members) and fits_the_phone(browser)
    row = browser.find_element(By.XPATH, f"//tr[td[text()='{holder.person.name}']]")
    progress = row.find_elements(By.TAG_NAME, "td")[2].text
    assert progress.startswith("3 bulan: ") and "\n6 bulan: " in progress
    assert "belum ada mesin jahit di rumah" in progress
    check(browser, "monitoring-community")
    browser.find_element(By.CSS_SELECTOR, "#jenis option[value=job]").click()
    browser.find_element(By.ID, "judul").send_keys("Operator jahit di Soreang")
    browser.find_element(By.ID, "isi").send_keys("CV Maju Jahit membuka 5 lowongan baru.")
    follow(browser, browser.find_element(By.XPATH, "//button[text()='Kirim ke anggota']"))
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == \
        f"Terkirim ke {len(members)} anggota."
    assert "Operator jahit di Soreang" in browser.page_source
    first = browser.find_element(By.CSS_SELECTOR, "table tbody tr td").text
    follow(browser, browser.find_element(By.XPATH, f"//button[text()='Jadikan {first} mentor']"))
    row = browser.find_element(By.XPATH, f"//tr[td[text()='{first}']]")
    assert row.find_elements(By.TAG_NAME, "td")[3].text == "mentor"
