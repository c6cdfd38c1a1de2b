"""Test fixtures for every suite: real servers, an isolated vhost and databases per test.

Servers come from kompeten_deploy.servers (the same code `make demo` and CI use): the ones named
by AMQP_URI / MONGO_URI, else local ones, started or installed if need be, else testcontainers.
Unit tests of pure domain code need none of this and never trigger it.
"""

import os

import eventlet

eventlet.monkey_patch()  # nameko's runtime; before anything else imports socket or threading
# Hypothesis would load trio's plugin (installed with Selenium), and trio cannot import over
# eventlet's sockets; no test here uses trio.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

import json  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402
from pymongo import MongoClient  # noqa: E402


@pytest.fixture(scope="session")
def servers(request):
    from kompeten_deploy import servers as provisioning

    try:
        found = provisioning.ensure()
    except provisioning.ServerUnavailable as exc:
        pytest.exit(f"integration tests need real servers: {exc}", returncode=3)
    # nameko's pytest plugin reads these options to create a virtual host per test.
    request.config.option.RABBIT_AMQP_URI = found.amqp_uri
    request.config.option.RABBIT_API_URI = found.rabbit_api_uri
    return found


@pytest.fixture(scope="session")
def rabbit_manager(servers):
    """nameko's fixture, made to provision the servers first."""
    from nameko.testing import rabbit

    return rabbit.Client(servers.rabbit_api_uri)


@pytest.fixture(scope="session")
def mongo(servers):
    client = MongoClient(servers.mongo_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def database_prefix(mongo):
    """A fresh database name prefix for one test; its databases are dropped afterwards."""
    prefix = f"test_{uuid.uuid4().hex[:10]}"
    yield prefix
    for name in mongo.list_database_names():
        if name.startswith(prefix):
            mongo.drop_database(name)


class TestIssuer:
    """An OpenID Connect issuer of the tests' own: an RSA key whose discovery document and JWKS
    are served over HTTP on localhost, and tokens with any claims, so a service test can act as
    any person without a sign-in round trip. The identity, end-to-end and demo runs use
    Keycloak itself."""

    AUDIENCES = ["kompeten-enrollment", "kompeten-assessment", "kompeten-certificate",
                 "kompeten-placement", "kompeten-webhooks", "kompeten-lsp-rjt"]

    def __init__(self):
        import http.server
        import threading

        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # client id -> (secret, claims): programs that sign in with client credentials
        self.clients = {"kompeten-lsp-rjt": ("test-client-secret", {
            "roles": ["lsp_system"], "lsp": "LSP-RJT", "name": "LSP Rajut (service)"})}
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.kid = uuid.uuid4().hex[:12]
        keys = json.dumps({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]})
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = keys if self.path == "/jwks" else json.dumps({
                    "issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks",
                    "token_endpoint": f"{issuer.url}/token"})
                self.answer(200, body)

            def do_POST(self):  # noqa: N802 (http.server's name): client credentials only
                from urllib.parse import parse_qs

                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                secret, claims = issuer.clients.get(form.get("client_id"), (None, {}))
                if form.get("grant_type") != "client_credentials" or \
                        form.get("client_secret") != secret or secret is None:
                    return self.answer(401, json.dumps({"error": "invalid_client"}))
                token = issuer.token(azp=form["client_id"], **claims)
                self.answer(200, json.dumps({"access_token": token, "expires_in": 300}))

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, roles=(), audience=None, lifetime: int = 300, headers=None, key=None,
              **claims) -> str:
        import jwt

        now = int(time.time())
        body = {"iss": self.url, "sub": claims.pop("sub", f"user-{uuid.uuid4().hex[:8]}"),
                "aud": audience or self.AUDIENCES, "iat": now, "exp": now + lifetime,
                "roles": list(roles), "azp": claims.pop("azp", "kompeten-tests"), **claims}
        return jwt.encode(body, key or self.key, algorithm="RS256",
                          headers={"kid": self.kid, **(headers or {})})


@pytest.fixture(scope="session")
def issuer():
    return TestIssuer()


# Who the service tests act as unless a call says otherwise: labour-office, LSP and platform
# staff of the tenants the tests' data belongs to. Asesi, asesor, plenary and employer actions
# name their person with `as_=`.
STAFF = {"roles": ["operator", "monitoring_officer", "lsp_admin", "certificate_officer",
                   "platform_operator"], "agency": "DISNAKER-3204", "lsp": "LSP-GNI",
         "name": "Staf Uji"}


@pytest.fixture
def person(issuer):
    """person(role, **claims): a bearer token of one person, e.g. person("participant",
    participant_id=...) or person("plenary", lsp="LSP-GNI")."""

    def make(*roles, **claims) -> str:
        return issuer.token(roles=roles, name=claims.pop("name", f"Uji {roles[0]}"), **claims)

    return make


@pytest.fixture
def staff(issuer):
    return issuer.token(**STAFF)


@pytest.fixture
def service_config(rabbit_config, web_config, servers, database_prefix, tmp_path, issuer):
    """nameko config for one service under test: its own vhost, database, HTTP port and key
    directory, and the tests' own token issuer."""

    def make(service: str, **extra) -> dict:
        return {
            **rabbit_config, **web_config,
            "OIDC_ISSUER": issuer.url,
            "MONGO_URI": servers.mongo_uri,
            "MONGO_DATABASE": f"{database_prefix}_{service}",
            "NIK_HASH_KEY": "test-key", "PUBLIC_URL": "http://verify.test",
            "VALIDITY_YEARS": 3, "LSP_KEYS": "LSP-RJT=test-lsp-key",
            "LSP_SIGNING_KEY": "test-lsp-key", "LSP_CLIENT_ID": "kompeten-lsp-rjt",
            "LSP_CLIENT_SECRET": "test-client-secret",
            "SIGNING_KEYS_DIR": str(tmp_path / f"{service}-keys"), **extra,
        }

    return make


@pytest.fixture
def run_service(container_factory, service_config):
    """run_service(ServiceClass, **config): a started container of one service on its own vhost
    and db, with any extra config (e.g. NOTIFY_SMTP_HOST)."""

    def run(service_cls, **config):
        container = container_factory(service_cls, service_config(service_cls.name, **config))
        container.start()
        return container

    return run


@pytest.fixture
def database(mongo, service_config):
    """database("placement"): the pymongo Database the service under test writes to."""
    return lambda service: mongo[service_config(service)["MONGO_DATABASE"]]


@pytest.fixture
def call(web_session, staff):
    """call(method, path, body, expect=200, as_=token): JSON in, JSON out, status asserted
    (unless expect is None); as the tests' staff unless `as_` names another person's token
    (None: no token at all)."""

    def request(method, path, body=None, expect=200, as_=staff):
        data = body if body is None or isinstance(body, str) else json.dumps(body)
        headers = {"Authorization": f"Bearer {as_}"} if as_ else {}
        response = web_session.request(method, path, data=data, headers=headers)
        assert expect is None or response.status_code == expect, response.text
        return response.json()

    return request


class Bus:
    """Direct access to the test's virtual host: publish anything, read what landed."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri

    def publish_raw(self, exchange: str, routing_key: str, body,
                    content_type: str = "application/json", headers: dict | None = None) -> None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        with Connection(self.amqp_uri) as conn:
            producer = conn.Producer()
            producer.publish(body, exchange=Exchange(exchange, type="topic", durable=True),
                             routing_key=routing_key, content_type=content_type,
                             content_encoding="utf-8", headers=headers or {}, declare=[
                                 Exchange(exchange, type="topic", durable=True)])

    def publish_event(self, event: dict, headers: dict | None = None) -> None:
        producer = event["source"].removeprefix("/kompeten/")
        self.publish_raw(f"{producer}.events", event["type"], event, headers=headers)

    def listen(self, exchange: str, routing_key: str = "#") -> "Listener":
        return Listener(self.amqp_uri, exchange, routing_key)

    def dead_letters(self, service: str, expect: int = 1, timeout: float = 10) -> list:
        """Wait for `expect` messages in <service>.dead-letter; return them (body, headers)."""
        from kompeten_chassis.consuming import dead_letter_queue

        with Connection(self.amqp_uri) as conn:
            dead_letter_queue(service)(conn).declare()
        return drain(self.amqp_uri, f"{service}.dead-letter", expect, timeout)


class Listener:
    """A private queue bound to an exchange, declared before the action under test."""

    def __init__(self, amqp_uri: str, exchange: str, routing_key: str):
        self.amqp_uri = amqp_uri
        self.name = f"test-listener-{uuid.uuid4().hex[:8]}"
        with Connection(amqp_uri) as conn:
            Queue(self.name, exchange=Exchange(exchange, type="topic", durable=True),
                  routing_key=routing_key, durable=False, auto_delete=False)(conn).declare()

    def events(self, expect: int, timeout: float = 10) -> list[dict]:
        return [json.loads(body) for body, _ in self.messages(expect, timeout)]

    def messages(self, expect: int, timeout: float = 10) -> list[tuple[bytes, dict]]:
        """(body, headers) of each."""
        return drain(self.amqp_uri, self.name, expect, timeout)


def drain(amqp_uri: str, queue: str, expect: int, timeout: float) -> list:
    """Take up to `expect` messages off an existing queue, waiting at most `timeout`."""
    found, deadline = [], time.monotonic() + timeout
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        while len(found) < expect and time.monotonic() < deadline:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                time.sleep(0.1)
                continue
            body = message.body
            found.append((body.encode() if isinstance(body, str) else body, message.headers))
    return found


@pytest.fixture
def bus(rabbit_config):
    return Bus(rabbit_config["AMQP_URI"])


@pytest.fixture(scope="session")
def bus_on():
    """bus_on(amqp_uri): a Bus for a virtual host a test made itself."""
    return Bus


@pytest.fixture
def wait_for():
    """wait_for(check): poll until check() is truthy and return it, or fail after timeout."""

    def wait(check, timeout: float = 10, interval: float = 0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s")

    return wait


@pytest.fixture
def web_session(web_config_port):
    """nameko's fixture uses werkzeug.urls.url_join, gone in Werkzeug 3: same thing, urllib."""
    import requests

    base = f"http://127.0.0.1:{web_config_port}"

    class Session(requests.Session):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, base + url, *args, **kwargs)

    with Session() as session:
        yield session


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through ChromeDriver (Debian's chromium and chromium-driver, installed
    by `make browser`). Without them the browser tests skip, unless KOMPETEN_STRICT is
    set, as CI sets it: then they fail."""
    import shutil
    import tempfile

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        message = "browser tests need chromium and chromedriver: run `make browser`"
        if os.environ.get("KOMPETEN_STRICT"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    # No network but localhost here: without the background-networking flags Chromium keeps
    # trying Google's hosts.
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=412,915",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='kompeten-chromium-')}"):
        options.add_argument(flag)
    session = webdriver.Chrome(options=options, service=Service(driver))
    # A phone, as the people who scan QR codes and mark attendance hold one (headless Chromium
    # keeps windows at least 500 px wide, so the width is emulated).
    session.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 412, "height": 915, "deviceScaleFactor": 2.625, "mobile": True})
    yield session
    session.quit()
