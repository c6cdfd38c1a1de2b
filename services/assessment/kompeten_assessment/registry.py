"""LSPs, schemes (skema sertifikasi) with their units of competency, asesor and the plenary
committee. Seed data for the demo trades; unit codes follow the SKKNI pattern but are
illustrative, so an LSP replaces them with its registered scheme."""

from dataclasses import dataclass, field
from datetime import date

from kompeten_shared.errors import DomainError, NotFound


@dataclass(frozen=True)
class Lsp:
    code: str
    name: str
    licence_number: str
    licence_valid_until: date


@dataclass(frozen=True)
class Scheme:
    code: str
    title: str
    kind: str  # okupasi, klaster or KKNI level
    lsp_code: str
    units: tuple[tuple[str, str], ...]  # (unit code, title)

    @property
    def unit_codes(self) -> list[str]:
        return [code for code, _ in self.units]


@dataclass(frozen=True)
class Asesor:
    registration_number: str
    name: str
    lsp_code: str
    schemes: frozenset[str] = field(default_factory=frozenset)
    valid_until: date = date(2099, 12, 31)

    def check_may_assess(self, scheme: Scheme, on: date) -> None:
        if self.lsp_code != scheme.lsp_code:
            raise DomainError(f"asesor {self.registration_number} works for another LSP",
                              code="asesor_other_lsp")
        if scheme.code not in self.schemes:
            raise DomainError(f"asesor {self.registration_number} is not licensed for "
                              f"{scheme.code}", code="asesor_not_licensed")
        if on > self.valid_until:
            raise DomainError(f"asesor {self.registration_number} registration expired",
                              code="asesor_expired")


LSPS = {lsp.code: lsp for lsp in (
    Lsp("LSP-GNI", "LSP Garmen Nusantara Indonesia", "BNSP-LSP-1234-ID", date(2028, 6, 30)),
)}

SCHEMES = {scheme.code: scheme for scheme in (
    Scheme("GAR-OMP", "Operator Menjahit Pakaian (Garment Sewing Operator)", "okupasi",
           "LSP-GNI", (
               ("C.14GAR02.001.1", "Menerapkan Keselamatan dan Kesehatan Kerja di Tempat Kerja"),
               ("C.14GAR02.007.1", "Mengoperasikan Mesin Jahit"),
               ("C.14GAR02.015.1", "Menjahit Komponen Pakaian"),
               ("C.14GAR02.024.1", "Memeriksa Mutu Hasil Jahitan"),
           )),
)}

ASESORS = {a.registration_number: a for a in (
    Asesor("MET.000.004213 2023", "Siti Rahmawati", "LSP-GNI", frozenset({"GAR-OMP"})),
    Asesor("MET.000.007781 2022", "Budi Santoso", "LSP-GNI", frozenset({"GAR-OMP"})),
)}

# Members of the LSP's plenary committee (rapat pleno) who sign decisions.
PLENARY = {"PLENO-GNI-01": "Dra. Retno Wulandari", "PLENO-GNI-02": "Agus Prasetyo, S.T."}


def scheme(code: str) -> Scheme:
    try:
        return SCHEMES[code]
    except KeyError:
        raise NotFound(f"no scheme {code}", code="scheme_not_found") from None


def asesor(registration_number: str) -> Asesor:
    try:
        return ASESORS[registration_number]
    except KeyError:
        raise NotFound(f"no asesor {registration_number}", code="asesor_not_found") from None


def plenary_member(member_id: str) -> str:
    if member_id not in PLENARY:
        raise DomainError(f"{member_id} is not on the plenary committee",
                          code="not_plenary_member")
    return PLENARY[member_id]
