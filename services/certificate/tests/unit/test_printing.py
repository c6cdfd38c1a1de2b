"""The printable certificate, read back: it renders, says what it must in both languages, and its
QR code decodes to the verification page."""

import json
from datetime import date
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from kompeten_certificate import ceremony, certificate, printing

ISSUERS = Path(__file__).parents[4] / "deploy" / "issuers"  # the demo's ceremony profiles

DECISION = {
    "case_id": "c-1", "participant_id": "p-1", "scheme_code": "GAR-OMP",
    "scheme_title": "Operator Menjahit Pakaian", "lsp": {"code": "LSP-GNI", "name": "LSP GNI"},
    "units": [{"code": "C.14GAR02.001.1", "title": "Menerapkan Prosedur K3", "result": "K"},
              {"code": "C.14GAR02.015.1", "title": "Menjahit Pakaian", "result": "K"}],
    "holder_name": "Siti Rahmawati",
}
URL = "https://sertifikat.example/certificates/LSP-GNI.GAR-OMP.2026.000007"


def test_the_pdf_is_one_bilingual_page_whose_qr_opens_the_verification_page(read_pdf):
    cert = certificate.from_decision(DECISION, 7, date(2026, 11, 24), 3)
    pages, text, codes = read_pdf(printing.render(cert, URL))
    assert pages == 1
    assert codes == [URL]
    for expected in ("SERTIFIKAT KOMPETENSI", "Certificate of Competency",
                     "LSP-GNI.GAR-OMP.2026.000007", "Siti Rahmawati", "C.14GAR02.001.1",
                     "Menjahit Pakaian", "24 November 2026", "23 November 2029",
                     "on behalf of BNSP"):
        assert expected in text


def test_a_scheme_with_many_long_units_still_fits_one_readable_page(read_pdf):
    units = [{"code": f"C.14GAR02.{n:03d}.1", "result": "K",
              "title": "Melakukan pemeriksaan mutu hasil jahitan sesuai standar pelanggan " * 4}
             for n in range(1, 31)]
    cert = certificate.from_decision({**DECISION, "units": units}, 8, date(2026, 11, 24), 5)
    pages, text, codes = read_pdf(printing.render(cert, URL))
    assert pages == 1 and codes == [URL]
    assert "C.14GAR02.030.1" in text and "…" in text


def test_a_training_certificate_prints_as_one_that_does_not_expire(read_pdf):
    completion = {
        "participant_id": "p-2", "programme_id": "g-7", "scheme_code": "GAR-OMP",
        "programme_title": "Pelatihan Menjahit Dasar", "organiser": "Disnaker Bandung",
        "region_code": "3204", "asesi_name": "Wulan Sari"}
    [issuer] = certificate.training_issuers(completion)
    cert = certificate.from_training(completion, issuer, 1, date(2026, 11, 24))
    _, text, codes = read_pdf(printing.render(cert, URL))
    assert "SERTIFIKAT PELATIHAN" in text and "does not expire" in text
    assert "Disnaker Bandung" in text and codes == [URL]


def _images(pdf: bytes) -> int:
    page = pypdfium2.PdfDocument(pdf)[0]
    return len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])))


def test_an_issuer_prints_with_its_logo_signatory_and_frame(read_pdf):
    cert = certificate.from_decision(DECISION, 7, date(2026, 11, 24), 3)
    looks = ceremony.load(ISSUERS)["LSP-GNI"]
    framed = printing.render(cert, URL, looks)
    pages, text, codes = read_pdf(framed)
    assert pages == 1 and codes == [URL]
    for expected in ("Dra. Hj. Ratna Sari Dewi, M.M.", "Ketua LSP Garmen Nusantara Indonesia",
                     "Chair, LSP Garmen Nusantara Indonesia", "Bandung, 24 November 2026",
                     "Siti Rahmawati", "C.14GAR02.015.1"):
        assert expected in text
    plain = printing.render(cert, URL)
    assert _images(framed) == 1 and _images(plain) == 0  # the logo
    assert "Ratna" not in read_pdf(plain)[1]


@pytest.mark.parametrize("profile, problem", [
    ({"signatory": "Ratna", "position": "Ketua", "stamp": "x"}, "unknown fields stamp"),
    ({"signatory": "Ratna"}, "needs their position"),
    ({"colour": "blue-ish"}, "is not #rrggbb"),
    ({"logo": "missing.png"}, "is not a PNG or JPEG file"),
])
def test_a_wrong_ceremony_profile_is_refused_naming_the_file(tmp_path, profile, problem):
    (tmp_path / "LSP-X.json").write_text(json.dumps(profile))
    with pytest.raises(ceremony.BadCeremony, match=problem) as refused:
        ceremony.load(tmp_path)
    assert "LSP-X.json" in str(refused.value)
