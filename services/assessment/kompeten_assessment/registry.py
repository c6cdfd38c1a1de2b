"""LSPs, schemes (skema sertifikasi) with their units of competency, asesor and test sites
(TUK): the rules each one carries, and the seed data a new installation
starts with (the demo trades: sewing, batik with the canting-only occupation scheme, make-up
artist, knitting). Unit codes follow the SKKNI pattern but are illustrative, so an LSP replaces
them with its registered scheme. The live registry is in the database (repository.Registry).
Plenary members are people with the `plenary` role and their LSP in the identity provider."""

from dataclasses import dataclass, field
from datetime import date

from kompeten_shared.errors import DomainError

DAILY_LIMIT = 10  # asesi one asesor may assess in a day


@dataclass(frozen=True)
class Lsp:
    code: str
    name: str
    licence_number: str
    licence_valid_until: date
    schemes: frozenset[str]
    external: bool = False  # runs its own assessment service (plugins/lsp-reference)
    plenary_quorum: int = 1  # members who must vote before the plenary decides a case

    @property
    def service_name(self) -> str:
        """An external LSP's service: `lsp-<code>`, publishing on the lsp.events exchange."""
        return self.code.lower()

    def check_licensed(self, scheme_code: str, on: date) -> None:
        if on > self.licence_valid_until:
            raise DomainError(f"{self.code}'s BNSP licence expired on {self.licence_valid_until}",
                              code="lsp_licence_expired")
        if scheme_code not in self.schemes:
            raise DomainError(f"{self.code} is not licensed for {scheme_code}",
                              code="lsp_not_licensed")


@dataclass(frozen=True)
class Scheme:
    code: str
    title: str
    kind: str  # okupasi, klaster or KKNI level
    units: tuple[tuple[str, str], ...]  # (unit code, title)
    validity_years: int = 3  # 3 is usual; some schemes certify for 5
    sector: str | None = None  # kompeten_shared.vocabulary.SECTORS

    @property
    def unit_codes(self) -> list[str]:
        return [code for code, _ in self.units]


@dataclass(frozen=True)
class Tuk:
    """Tempat Uji Kompetensi: where the assessment happens."""

    code: str
    name: str
    lsp_code: str
    kind: str  # sewaktu (temporary), tempat kerja (workplace), mandiri (independent)
    region_code: str


@dataclass(frozen=True)
class Asesor:
    registration_number: str
    name: str
    lsp_code: str
    schemes: frozenset[str] = field(default_factory=frozenset)
    valid_until: date = date(2099, 12, 31)
    active: bool = True
    daily_limit: int = DAILY_LIMIT
    trained_programmes: frozenset[str] = field(default_factory=frozenset)

    def check_may_assess(self, scheme: Scheme, on: date, lsp_code: str | None = None) -> None:
        if not self.active:
            raise DomainError(f"asesor {self.registration_number} is not active",
                              code="asesor_inactive")
        if on > self.valid_until:
            raise DomainError(f"asesor {self.registration_number} registration expired",
                              code="asesor_expired")
        if lsp_code is not None and self.lsp_code != lsp_code:
            raise DomainError(f"asesor {self.registration_number} works for another LSP",
                              code="asesor_other_lsp")
        if scheme.code not in self.schemes:
            raise DomainError(f"asesor {self.registration_number} is not licensed for "
                              f"{scheme.code}", code="asesor_not_licensed")

    def check_no_conflict(self, programme_id: str | None) -> None:
        """An asesor may not assess someone they trained."""
        if programme_id and programme_id in self.trained_programmes:
            raise DomainError(f"asesor {self.registration_number} trained this asesi's "
                              "programme", code="conflict_of_interest")


LSPS = {lsp.code: lsp for lsp in (
    Lsp("LSP-GNI", "LSP Garmen Nusantara Indonesia", "BNSP-LSP-1234-ID", date(2028, 6, 30),
        frozenset({"GAR-OMP"})),
    Lsp("LSP-KRI", "LSP Kriya Nusantara", "BNSP-LSP-2345-ID", date(2029, 3, 31),
        frozenset({"BTK-PBT", "BTK-CTG"})),
    Lsp("LSP-RJT", "LSP Rajut Nusantara", "BNSP-LSP-4567-ID", date(2028, 9, 30),
        frozenset({"RJT-PRJ"}), external=True),
    Lsp("LSP-KEC", "LSP Kecantikan Indonesia", "BNSP-LSP-3456-ID", date(2027, 12, 31),
        frozenset({"MUA-PRS"})),
)}

SCHEMES = {scheme.code: scheme for scheme in (
    Scheme("GAR-OMP", "Operator Menjahit Pakaian (Garment Sewing Operator)", "okupasi", (
        ("C.14GAR02.001.1", "Menerapkan Keselamatan dan Kesehatan Kerja di Tempat Kerja"),
        ("C.14GAR02.007.1", "Mengoperasikan Mesin Jahit"),
        ("C.14GAR02.015.1", "Menjahit Komponen Pakaian"),
        ("C.14GAR02.024.1", "Memeriksa Mutu Hasil Jahitan"),
    ), sector="garment"),
    Scheme("BTK-PBT", "Pembatik (Batik Maker)", "klaster", (
        ("C.13BTK00.001.1", "Menyiapkan Kain dan Bahan Batik"),
        ("C.13BTK00.004.1", "Membuat Pola Batik"),
        ("C.13BTK00.007.1", "Membatik dengan Canting"),
        ("C.13BTK00.010.1", "Mewarnai Kain Batik"),
        ("C.13BTK00.013.1", "Melorod (Menghilangkan Malam)"),
    ), validity_years=5, sector="crafts"),
    Scheme("BTK-CTG", "Pembatik Tulis Canting (Hand-drawn Batik, Canting Only)", "okupasi", (
        ("C.13BTK00.001.1", "Menyiapkan Kain dan Bahan Batik"),
        ("C.13BTK00.007.1", "Membatik dengan Canting"),
    ), sector="crafts"),
    Scheme("MUA-PRS", "Penata Rias Pengantin dan Wajah (Make-up Artist)", "okupasi", (
        ("M.96RIA01.001.1", "Menerapkan Kesehatan dan Keselamatan Kerja di Salon"),
        ("M.96RIA01.006.1", "Melakukan Konsultasi dan Analisis Wajah"),
        ("M.96RIA01.011.1", "Merias Wajah Sehari-hari"),
        ("M.96RIA01.014.1", "Merias Wajah Pengantin"),
    ), sector="beauty"),
    Scheme("RJT-PRJ", "Perajut (Knitter)", "okupasi", (
        ("C.13RJT00.002.1", "Menyiapkan Benang dan Alat Rajut"),
        ("C.13RJT00.005.1", "Merajut dengan Tangan"),
        ("C.13RJT00.009.1", "Menyelesaikan Produk Rajutan"),
    ), sector="crafts"),
)}

ASESORS = {a.registration_number: a for a in (
    Asesor("MET.000.004213 2023", "Siti Rahmawati", "LSP-GNI", frozenset({"GAR-OMP"})),
    Asesor("MET.000.007781 2022", "Budi Santoso", "LSP-GNI", frozenset({"GAR-OMP"})),
    Asesor("MET.000.009120 2024", "Endang Kusumawati", "LSP-KRI",
           frozenset({"BTK-PBT", "BTK-CTG"})),
    Asesor("MET.000.011532 2021", "Maya Anggraini", "LSP-KEC", frozenset({"MUA-PRS"})),
    Asesor("MET.000.002001 2019", "Hartono", "LSP-GNI", frozenset({"GAR-OMP"}),
           valid_until=date(2022, 12, 31)),
)}

TUKS = {t.code: t for t in (
    Tuk("TUK-GNI-SOR", "TUK Sewaktu Balai Desa Sukamaju", "LSP-GNI", "sewaktu", "3204"),
    Tuk("TUK-GNI-CVMJ", "TUK Tempat Kerja CV Maju Jahit Sejahtera", "LSP-GNI", "tempat kerja",
        "3204"),
    Tuk("TUK-KRI-PKL", "TUK Mandiri Sanggar Batik Pekalongan", "LSP-KRI", "mandiri", "3375"),
    Tuk("TUK-KEC-DPS", "TUK Sewaktu Dispar Kota Denpasar", "LSP-KEC", "sewaktu", "5171"),
)}
