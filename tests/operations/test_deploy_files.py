"""The operators' deployment files agree with the code: images run the right service on the
right port, manifests probe and limit every service, compose wires every service to quorum
queues, and RabbitMQ accepts the production definitions. (No Docker or Kubernetes runs here:
these are the checks that can fail without them.)"""

import json
import re
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = {"enrollment": (8001, "services/enrollment"),
            "assessment": (8002, "services/assessment"),
            "certificate": (8003, "services/certificate"),
            "placement": (8004, "services/placement"),
            "webhooks": (8005, "plugins/webhook-bridge"),
            "console": (8006, "services/console")}


def config_of(source: str) -> str:
    return (ROOT / source / "config.yaml").read_text()


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_runs_its_service_on_its_port(name):
    port, source = SERVICES[name]
    containerfile = (DEPLOY / "containers" / f"{name}.Containerfile").read_text()
    assert f"COPY {source} " in containerfile and (ROOT / source).is_dir()
    assert f"EXPOSE {port}" in containerfile and f"127.0.0.1:{port}/health/live" in containerfile
    assert f"0.0.0.0:{port}" in config_of(source)
    module, cls = re.search(r'"(kompeten_\w+)\.service:(\w+)"', containerfile).groups()
    assert f"class {cls}(" in (ROOT / source / module / "service.py").read_text()
    assert "USER kompeten" in containerfile


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployment_is_probed_limited_and_configured_from_known_settings(name):
    port, source = SERVICES[name]
    deployment, service = yaml.safe_load_all((DEPLOY / "k8s" / f"{name}.yaml").read_text())
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["resources"]["limits"] and container["resources"]["requests"]
    assert container["ports"][0]["containerPort"] == port == service["spec"]["ports"][0]["port"]
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    settings = config_of(source)
    for variable in container["env"]:
        assert "${" + variable["name"] + ":" in settings or variable["name"] in (
            "AMQP_URI", "MONGO_URI"), variable["name"]


def test_the_kustomization_and_config_name_real_files_and_settings():
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    assert all((DEPLOY / "k8s" / r).exists() for r in kustomization["resources"])
    assert {f"{name}.yaml" for name in SERVICES} <= set(kustomization["resources"])
    config = yaml.safe_load((DEPLOY / "k8s" / "config.yaml").read_text())["data"]
    every_setting = "".join(config_of(source) for _, source in SERVICES.values())
    for key in config:
        assert "${" + key + ":" in every_setting, key
    assert config["QUEUE_TYPE"] == "quorum"


def test_compose_builds_every_service_on_quorum_queues():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for name in SERVICES:
        build = compose["services"][name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().exists()
        assert compose["services"][name]["environment"]["QUEUE_TYPE"] == "quorum"
    assert "--replSet" in compose["services"]["mongodb"]["command"]


@pytest.mark.integration
def test_rabbitmq_accepts_the_production_definitions(servers):
    """Imported under a scratch name into the development broker: the vhost defaults to quorum
    queues and the delivery-limit policy is in force."""
    vhost = f"defs-{uuid.uuid4().hex[:6]}"
    document = json.loads(json.dumps(json.loads(
        (DEPLOY / "rabbitmq" / "definitions.json").read_text())).replace('"kompeten"',
                                                                          f'"{vhost}"'))
    api = urlparse(servers.rabbit_api_uri)
    base, auth = f"http://{api.hostname}:{api.port}/api", (api.username, api.password)
    try:
        response = requests.post(f"{base}/definitions", json=document, auth=auth, timeout=30)
        assert response.status_code in (201, 204), response.text
        assert requests.get(f"{base}/vhosts/{vhost}", auth=auth,
                            timeout=10).json()["default_queue_type"] == "quorum"
        [policy] = requests.get(f"{base}/policies/{vhost}", auth=auth, timeout=10).json()
        assert policy["definition"]["delivery-limit"] == 20
        exchanges = {e["name"] for e in requests.get(f"{base}/exchanges/{vhost}", auth=auth,
                                                     timeout=10).json()}
        assert {"certificate.events", "kompeten.dead-letter"} <= exchanges
    finally:
        requests.delete(f"{base}/vhosts/{vhost}", auth=auth, timeout=10)
        requests.delete(f"{base}/users/{vhost}", auth=auth, timeout=10)


def test_the_identity_provider_imports_the_realm_and_never_the_development_users():
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    [realm] = kustomization["configMapGenerator"]
    [source] = realm["files"]
    assert (DEPLOY / "k8s" / source.split("=")[1]).resolve() == \
        (DEPLOY / "keycloak" / "kompeten-realm.json").resolve()
    deployment, _ = yaml.safe_load_all((DEPLOY / "k8s" / "keycloak.yaml").read_text())
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert "--import-realm" in container["args"] and "start" in container["args"]
    assert container["volumeMounts"][0]["mountPath"] == "/opt/keycloak/data/import"
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert any(v.startswith("./keycloak/kompeten-realm.json:")
               for v in compose["services"]["keycloak"]["volumes"])
    config = yaml.safe_load((DEPLOY / "k8s" / "config.yaml").read_text())["data"]
    assert config["OIDC_ISSUER"].endswith("/realms/kompeten")
    for manifest in [*(DEPLOY / "k8s").glob("*.yaml"), DEPLOY / "compose.yaml"]:
        loaded = json.dumps(list(yaml.safe_load_all(manifest.read_text())))  # not comments
        assert "dev-users" not in loaded, manifest
    realm_users = json.loads((DEPLOY / "keycloak" / "kompeten-realm.json").read_text())["users"]
    assert all(u.get("serviceAccountClientId") for u in realm_users)  # no people
