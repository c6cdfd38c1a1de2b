from datetime import date, timedelta

import pytest
from kompeten_enrollment.service import EnrollmentService

WORDING = "Saya setuju data saya diproses untuk tujuan ini."


@pytest.fixture
def enrollment(run_service):
    return run_service(EnrollmentService)


@pytest.fixture
def new_programme(enrollment, call):
    """new_programme(**overrides): a programme created over HTTP (ended yesterday)."""

    def create(**overrides):
        today = date.today()
        body = {"title": "Pelatihan Menjahit Pakaian", "organiser": "Disnaker Kab. Bandung",
                "scheme_code": "GAR-OMP", "venue": "Balai Desa Sukamaju", "region_code": "3204",
                "start_date": (today - timedelta(days=30)).isoformat(),
                "end_date": (today - timedelta(days=1)).isoformat(), "capacity": 2,
                **overrides}
        return call("POST", "/programmes", body, expect=201)

    return create


@pytest.fixture
def new_person(enrollment, call):
    """new_person(serial, **overrides): a registered woman born 17-08-1995, all consents."""

    def register(serial: int = 1, purposes=("certification", "partner_sharing"), expect=201,
                 **overrides):
        body = {"nik": f"320401570895{serial:04d}", "name": f"Peserta {serial}", "sex": "F",
                "birth_date": "1995-08-17", "phone": "081234567890",
                "consents": [{"purpose": p, "granted": True, "source": "paper form",
                              "wording": WORDING} for p in purposes], **overrides}
        return call("POST", "/participants", body, expect=expect)

    return register
