"""In-memory stand-ins for the assessment repositories: what a use case may rely on of them,
without a database. Stored objects are copies, so a change not saved is not stored."""

import copy
from datetime import date

import pytest
from kompeten_assessment.case import Case
from kompeten_assessment.registry import ASESORS, LSPS, SCHEMES, TUKS
from kompeten_assessment.service import AssessmentService
from kompeten_chassis.testing import InMemoryRepository, fake_unit_of_work
from kompeten_shared.errors import Conflict, NotFound
from nameko.testing.services import worker_factory


class InMemoryCases(InMemoryRepository):
    def __init__(self):
        super().__init__()
        self.cases: dict[str, Case] = {}
        self.files: dict[str, bytes] = {}
        self.places: dict[tuple[str, date], int] = {}

    def open(self, case: Case) -> bool:
        if case.id in self.cases:
            return False
        self.cases[case.id] = copy.deepcopy(case)
        return True

    def get(self, case_id: str) -> Case:
        if case_id not in self.cases:
            raise NotFound(f"no case {case_id}", code="case_not_found")
        return copy.deepcopy(self.cases[case_id])

    def save(self, case: Case, staged: dict | None = None) -> None:
        self.cases[case.id] = copy.deepcopy(case)
        self.keep(staged)

    def save_decided(self, case: Case, staged: dict) -> None:
        self.save(case, staged)

    def decided_cases(self, lsp, start, end) -> list[Case]:
        return self.find(lsp_code=lsp)

    def find(self, **query) -> list[Case]:
        return [copy.deepcopy(c) for c in self.cases.values()
                if all(getattr(c, k) == v for k, v in query.items())]

    def places_taken(self, asesor: str, day: date) -> int:
        return self.places.get((asesor, day), 0)

    def take_place(self, asesor: str, day: date, case_id: str, limit: int) -> bool:
        if self.places_taken(asesor, day) >= limit:
            return False
        self.places[(asesor, day)] = self.places_taken(asesor, day) + 1
        return True

    def store_file(self, sha256: str, content: bytes) -> None:
        self.files.setdefault(sha256, content)

    def withdraw_open_cases(self, participant_id: str, at) -> int:
        open_ = [c for c in self.cases.values()
                 if c.participant_id == participant_id and c.status == "open"]
        for case in open_:
            case.status, case.withdrawn_at = "withdrawn", at
        return len(open_)


class InMemoryRegistry(InMemoryRepository):
    """Starts with the seed registry, as a new installation does."""

    KINDS = {"lsp": LSPS, "scheme": SCHEMES, "asesor": ASESORS, "tuk": TUKS}

    def __init__(self):
        super().__init__()
        self.items = {kind: dict(items) for kind, items in self.KINDS.items()}

    def _get(self, kind: str, key: str):
        if key not in self.items[kind]:
            raise NotFound(f"no {kind} {key}", code=f"{kind}_not_found")
        return self.items[kind][key]

    def add(self, kind: str, item) -> None:
        key = next(iter(item.__dict__.values()))
        if key in self.items[kind]:
            raise Conflict(f"{kind} {key} is already registered", code=f"{kind}_exists")
        self.items[kind][key] = item

    def lsp(self, code):
        return self._get("lsp", code)

    def scheme(self, code):
        return self._get("scheme", code)

    def asesor(self, registration_number):
        return self._get("asesor", registration_number)

    def tuk(self, code):
        return self._get("tuk", code)

    def lsps(self):
        return list(self.items["lsp"].values())

    def schemes(self):
        return list(self.items["scheme"].values())

    def lsp_for(self, scheme_code):
        return next((lsp for lsp in self.lsps() if scheme_code in lsp.schemes), None)

@pytest.fixture
def service():
    return worker_factory(AssessmentService, uow=fake_unit_of_work(
        "assessment", cases=InMemoryCases(), registry=InMemoryRegistry()))
