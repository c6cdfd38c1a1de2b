"""Make an OpenID Connect issuer reachable for the services, the demo and the tests.

In the order the other servers follow (see servers.py):
1. the issuer named by OIDC_ISSUER (any OIDC provider; it must answer its discovery document);
2. a Keycloak already on localhost:8180 that serves the `kompeten` realm;
3. a local Keycloak: the server distribution from Maven Central (`mvn dependency:copy`, kept
   once per user in ~/.cache/kompeten), run by a JDK 21 or newer (JAVA_HOME, else the newest
   under /usr/lib/jvm), in development mode with an in-memory database, its log in
   .kompeten/keycloak.log; the realm (deploy/keycloak/kompeten-realm.json) and the
   development users (deploy/keycloak/dev-users.json) are imported through its admin API;
4. otherwise a message that says what to install.

A Keycloak started here keeps running for the next command, like the other servers; its admin
password is random and kept once per user in ~/.cache/kompeten/keycloak-admin (0600), so every
checkout of that user can open the accounts its demo and tests need.
"""

import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import requests
from kompeten_chassis import auth

from .local import CACHE, ROOT, STATE, port_open

KEYCLOAK_VERSION = "26.5.6"
KEYCLOAK_ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{KEYCLOAK_VERSION}:zip"
PORT = 8180
REALM = "kompeten"
LOCAL_ISSUER = f"http://127.0.0.1:{PORT}/realms/{REALM}"
REALM_FILE = ROOT / "deploy" / "keycloak" / "kompeten-realm.json"
DEV_FILE = ROOT / "deploy" / "keycloak" / "dev-users.json"


class IdentityUnavailable(RuntimeError):
    pass


def discovery(issuer: str) -> dict | None:
    """The issuer's discovery document, or None where nothing answers it."""
    try:
        return auth.discovery(issuer)
    except (requests.RequestException, ValueError):
        return None


def ensure(say=print) -> str:
    """The issuer URL, started or installed if need be."""
    if os.environ.get("OIDC_ISSUER"):
        issuer = os.environ["OIDC_ISSUER"].rstrip("/")
        if discovery(issuer) is None:
            raise IdentityUnavailable(f"OIDC_ISSUER={issuer} does not answer its discovery "
                                      "document (/.well-known/openid-configuration)")
        return issuer
    if discovery(LOCAL_ISSUER) is not None:
        if _admin_password() is not None:
            import_realm(say)  # ours: bring the realm up to date with the files
        return LOCAL_ISSUER
    if port_open("127.0.0.1", PORT):
        raise IdentityUnavailable(
            f"something answers on port {PORT} without the {REALM} realm: import "
            f"{REALM_FILE.relative_to(ROOT)} into it, stop it, or set OIDC_ISSUER")
    start(say)
    import_realm(say)
    return LOCAL_ISSUER


# -- a local Keycloak ---------------------------------------------------------------------------

def java_home() -> Path | None:
    """A JDK that runs Keycloak 26: 21 or newer."""
    candidates = [os.environ.get("JAVA_HOME")] + sorted(glob.glob("/usr/lib/jvm/*"),
                                                         reverse=True)
    for home in filter(None, candidates):
        java = Path(home) / "bin" / "java"
        if not java.exists():
            continue
        shown = subprocess.run([str(java), "-version"], capture_output=True, text=True).stderr
        found = re.search(r'version "(\d+)', shown)
        if found and int(found.group(1)) >= 21:
            return Path(home)
    return None


def distribution(say) -> Path:
    home = CACHE / f"keycloak-{KEYCLOAK_VERSION}"
    if (home / "bin" / "kc.sh").exists():
        return home
    if not shutil.which("mvn"):
        raise IdentityUnavailable(
            "no identity provider: set OIDC_ISSUER, or install Maven (Debian: apt-get install "
            f"maven) so Keycloak {KEYCLOAK_VERSION} can be fetched from Maven Central")
    say(f"fetching Keycloak {KEYCLOAK_VERSION} from Maven Central (165 MB, once per user)")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mvn", "-q", "dependency:copy", f"-Dartifact={KEYCLOAK_ARTIFACT}",
                    f"-DoutputDirectory={CACHE}"], check=True, cwd=CACHE)
    archive = CACHE / f"keycloak-quarkus-dist-{KEYCLOAK_VERSION}.zip"
    unpacking = CACHE / f"keycloak-{KEYCLOAK_VERSION}.unpacking"
    shutil.rmtree(unpacking, ignore_errors=True)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(unpacking)
    for script in (unpacking / f"keycloak-{KEYCLOAK_VERSION}" / "bin").glob("*.sh"):
        script.chmod(0o755)  # zipfile drops the mode bits
    (unpacking / f"keycloak-{KEYCLOAK_VERSION}").rename(home)
    shutil.rmtree(unpacking, ignore_errors=True)
    archive.unlink()
    return home


def start(say) -> None:
    java = java_home()
    if java is None:
        raise IdentityUnavailable(
            "no identity provider: set OIDC_ISSUER, or install a JDK 21 or newer (Keycloak "
            f"{KEYCLOAK_VERSION} needs it; Debian 13: apt-get install openjdk-21-jdk) and set "
            "JAVA_HOME to it")
    home = distribution(say)
    password = secrets.token_urlsafe(18)
    STATE.mkdir(parents=True, exist_ok=True)
    secret = CACHE / "keycloak-admin"
    secret.touch(mode=0o600)
    secret.write_text(password)
    env = {**os.environ, "JAVA_HOME": str(java), "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
           "KC_BOOTSTRAP_ADMIN_PASSWORD": password,
           # Keycloak sizes its heap from the machine's memory otherwise (70%).
           "JAVA_OPTS_KC_HEAP": "-Xms128m -Xmx768m"}
    command = [str(home / "bin" / "kc.sh"), "start-dev", f"--http-port={PORT}",
               "--http-host=127.0.0.1", f"--hostname=http://127.0.0.1:{PORT}",
               "--db=dev-mem", "--health-enabled=true"]
    say(f"starting Keycloak {KEYCLOAK_VERSION} on {PORT} with {java.name} "
        f"(log: {STATE / 'keycloak.log'})")
    log = open(STATE / "keycloak.log", "ab")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True, cwd=STATE)
    (STATE / "keycloak.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 180
    while discovery(f"http://127.0.0.1:{PORT}/realms/master") is None:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = (STATE / "keycloak.log").read_text(errors="replace")[-2000:]
            raise IdentityUnavailable(f"Keycloak did not start; see {STATE / 'keycloak.log'}"
                                      f"\n{tail}")
        time.sleep(1)
    say("Keycloak started")


def _admin_password() -> str | None:
    secret = CACHE / "keycloak-admin"
    return secret.read_text().strip() if secret.exists() else None


def admin_session() -> requests.Session:
    """A session holding an admin token of the local Keycloak's master realm."""
    base = f"http://127.0.0.1:{PORT}"
    answer = requests.post(f"{base}/realms/master/protocol/openid-connect/token", timeout=30,
                           data={"client_id": "admin-cli", "username": "admin",
                                 "password": _admin_password(), "grant_type": "password"})
    if not answer.ok:
        raise IdentityUnavailable(f"the local Keycloak refused its admin: {answer.text}")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def realm_document() -> dict:
    """The production realm plus the development users and client secrets."""
    realm = json.loads(REALM_FILE.read_text())
    dev = json.loads(DEV_FILE.read_text())
    for client in realm["clients"]:
        if client["clientId"] in dev["client_secrets"]:
            client["secret"] = dev["client_secrets"][client["clientId"]]
    realm["users"] = realm.get("users", []) + dev["users"]
    # The development password is public (deploy/keycloak/dev-users.json): hashing it with
    # Keycloak's default (argon2, about 0.1 s of a core per sign-in and per account opened)
    # protects nothing here and took half a core from the services during the benchmarks,
    # where thousands of people sign in at once. The production realm keeps the default.
    realm["passwordPolicy"] = (f"{realm['passwordPolicy']} and "
                               "hashAlgorithm(pbkdf2-sha256) and hashIterations(1)")
    # The digest tells a later run whether the running realm still matches the files.
    digest = hashlib.sha256(json.dumps(realm, sort_keys=True).encode()).hexdigest()[:16]
    realm["attributes"] = {**realm.get("attributes", {}), "kompeten.digest": digest}
    return realm


def import_realm(say) -> None:
    """Create the realm, or replace it when the files changed since it was imported."""
    base = f"http://127.0.0.1:{PORT}/admin/realms"
    session = admin_session()
    wanted = realm_document()
    current = session.get(f"{base}/{REALM}", timeout=30)
    if current.ok:
        if current.json().get("attributes", {}).get("kompeten.digest") == \
                wanted["attributes"]["kompeten.digest"]:
            return
        session.delete(f"{base}/{REALM}", timeout=30).raise_for_status()
    say(f"importing the {REALM} realm ({REALM_FILE.relative_to(ROOT)}, development users)")
    answer = session.post(base, json=wanted, timeout=120)
    if not answer.ok:
        raise IdentityUnavailable(f"Keycloak refused the realm: {answer.status_code} "
                                  f"{answer.text[:500]}")


def allow_console_at(url: str, allowed: bool = True) -> None:
    """Let the console running at `url` (a port chosen at start) receive sign-ins, or no
    longer: its callback and sign-out targets join (leave) the console client's in the local
    realm."""
    base = f"http://127.0.0.1:{PORT}/admin/realms/{REALM}/clients"
    session = admin_session()
    [client] = session.get(base, params={"clientId": "kompeten-console"}, timeout=30).json()

    def changed(uris: set[str]) -> list[str]:
        return sorted(uris | {f"{url}/*"} if allowed else uris - {f"{url}/*"})

    attributes = client.setdefault("attributes", {})
    logout = attributes.get("post.logout.redirect.uris", "")
    client["redirectUris"] = changed(set(client.get("redirectUris", [])))
    attributes["post.logout.redirect.uris"] = "##".join(
        changed(set(filter(None, logout.split("##")))))
    session.put(f"{base}/{client['id']}", json=client, timeout=30).raise_for_status()


def dev_credentials() -> tuple[str, dict[str, str]]:
    """The development users' password and the plug-ins' client secrets."""
    dev = json.loads(DEV_FILE.read_text())
    return dev["password"], dev["client_secrets"]


class People:
    """Access tokens of the development realm's people, for the demo, the tests and the
    benchmarks: the named development users, and accounts opened for a cohort's participants
    and asesor through the admin API (as an enrolment office invites them), all with the
    development password. Tokens are reused until shortly before they expire."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.password = dev_credentials()[0]
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._counting = threading.Lock()
        self.used = 0  # tokens handed out: one per authenticated request

    def open_accounts(self, accounts: list[dict]) -> None:
        """[{"username", "name", "roles", **tenancy claims}], in one partial import; an
        account that exists already is kept."""
        users = [{"username": a["username"], "enabled": True, "firstName": a["name"],
                  "realmRoles": list(a["roles"]),
                  "credentials": [{"type": "password", "value": self.password,
                                   "temporary": False}],
                  "attributes": {k: [v] for k, v in a.items()
                                 if k not in ("username", "name", "roles")}}
                 for a in accounts]
        base = f"http://127.0.0.1:{PORT}/admin/realms/{REALM}"
        for start in range(0, len(users), 500):
            answer = admin_session().post(f"{base}/partialImport", timeout=300, json={
                "ifResourceExists": "SKIP", "users": users[start:start + 500]})
            if not answer.ok:
                raise IdentityUnavailable(f"Keycloak refused the accounts: {answer.text[:300]}")

    def token(self, username: str) -> str:
        """Safe from several threads: one sign-in per person at a time (Keycloak refuses
        some of a person's simultaneous sign-ins as invalid credentials)."""
        with self._counting:
            self.used += 1
        with self._locks.setdefault(username, threading.Lock()):
            cached = self._tokens.get(username)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            return self._sign_in(username)

    def _sign_in(self, username: str) -> str:
        answer = requests.post(f"{self.issuer}/protocol/openid-connect/token", timeout=30,
                               data={"grant_type": "password", "client_id": "kompeten-cli",
                                     "username": username, "password": self.password})
        if not answer.ok:
            raise IdentityUnavailable(f"{username} cannot sign in: {answer.text[:300]}")
        token = answer.json()
        self._tokens[username] = (token["access_token"],
                                  time.monotonic() + token["expires_in"] - 30)
        return token["access_token"]
