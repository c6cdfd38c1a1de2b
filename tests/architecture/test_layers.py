"""The shape every service shares, checked from the source: entrypoints (service.py, cli.py)
over use cases (handlers.py) over views and repositories over the domain; nothing reaches up a
layer, nothing imports in a circle; the domain knows no framework, no database and no broker;
the contract package knows nothing of the chassis or the services."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The services that hold data; the console holds none but sessions (checked on its own below).
SERVICES = sorted(p for p in (ROOT / "services").iterdir()
                  if (p / "pyproject.toml").exists() and p.name != "console")
CONSOLE = ROOT / "services" / "console"
# The higher the layer, the more it may import; a module imports only its own layer or lower.
LAYER = {"service": 3, "cli": 3, "handlers": 2, "views": 1, "repository": 1}
DOMAIN = 0  # every other module: the rules, pure Python
FRAMEWORKS = ("nameko", "pymongo", "werkzeug", "kombu", "eventlet", "kompeten_chassis")
REFERENCE_DATA = ("kompeten_chassis.regions",)  # regency codes: data, not infrastructure


def imports(path: Path, package: str) -> set[str]:
    """Absolute names of what a module imports (relative imports resolved in `package`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = f"{package}.{node.module}" if node.level else node.module
            if (node.level and node.module is None) or \
                    node.module in ("kompeten_chassis", "kompeten_shared"):  # submodules
                found.update(f"{base or package}.{alias.name}" for alias in node.names)
            else:
                found.add(base)
    return found


def modules(service: Path) -> dict[str, set[str]]:
    package = next(service.glob("kompeten_*/__init__.py")).parent
    return {path.stem: imports(path, package.name) for path in package.glob("*.py")
            if path.stem != "__init__"} | {"__package__": {package.name}}


def local(name: str, package: str) -> str | None:
    return name.split(".")[1] if name.startswith(package + ".") else None


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_no_layer_reaches_up_and_the_domain_knows_no_framework(service):
    found = modules(service)
    package = found.pop("__package__").pop()
    broken = []
    for module, names in found.items():
        layer = LAYER.get(module, DOMAIN)
        for name in names:
            target = local(name, package)
            if target in found and LAYER.get(target, DOMAIN) > layer:
                broken.append(f"{module} imports {target}, a layer above it")
            if layer == DOMAIN and name.startswith(FRAMEWORKS) and \
                    not name.startswith(REFERENCE_DATA) and module != "schemas":
                broken.append(f"{module} (domain) imports {name}")
            if module == "handlers" and name.startswith(("nameko", "pymongo", "werkzeug")):
                broken.append(f"handlers import {name}: use cases know no framework")
    assert broken == []


@pytest.mark.parametrize("service", [*SERVICES, CONSOLE], ids=lambda p: p.name)
def test_no_module_imports_in_a_circle(service):
    found = modules(service)
    package = found.pop("__package__").pop()
    graph = {m: {local(n, package) for n in names} & found.keys() for m, names in found.items()}

    def cycle_from(start, path):
        for nxt in graph[start]:
            if nxt == path[0]:
                return path + [nxt]
            if nxt not in path:
                found_cycle = cycle_from(nxt, path + [nxt])
                if found_cycle:
                    return found_cycle
        return None

    assert [cycle for m in graph if (cycle := cycle_from(m, [m]))] == []


def test_every_service_has_the_same_shape():
    for service in SERVICES:
        found = modules(service)
        assert {"service", "handlers", "repository"} <= found.keys(), service.name


def test_the_contract_knows_nothing_of_the_chassis_or_the_services():
    contract = ROOT / "shared" / "kompeten_shared"
    reached = {name for path in contract.glob("*.py")
               for name in imports(path, "kompeten_shared")}
    assert not [n for n in reached if n.startswith(FRAMEWORKS[:2] + ("kompeten_chassis",
                                                                     "kompeten_enrollment",
                                                                     "requests", "jwt"))]
    chassis = ROOT / "shared" / "chassis" / "kompeten_chassis"
    reached = {name for path in chassis.rglob("*.py") for name in imports(path, "x")}
    assert not [n for n in reached if n.startswith(tuple(
        f"kompeten_{s.name}" for s in SERVICES))]


def test_the_console_reaches_the_services_only_over_http():
    """Authorization stays where the data is: the console calls the services' APIs with the
    person's token and imports none of their code, and only its session store touches its
    database."""
    found = modules(CONSOLE)
    found.pop("__package__")
    services = tuple(f"kompeten_{s.name}" for s in SERVICES)
    assert [(m, n) for m, names in found.items() for n in names if n.startswith(services)] == []
    assert sorted(m for m, names in found.items()
                  if any(n.startswith("pymongo") for n in names)) == ["sessions"]
