"""The printable certificate: one A4 page, bilingual (Indonesian first, English in italics),
with the number, the holder's full name, the units of competency and a QR code that opens the
verification page; framed, with the issuer's logo and signatory when it has a ceremony profile
(ceremony.py). Drawn with ReportLab; the QR code is ReportLab's own widget."""

from datetime import date
from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .ceremony import PLAIN, Ceremony
from .certificate import Certificate

TITLE = {
    "certification": ("SERTIFIKAT KOMPETENSI", "Certificate of Competency"),
    "training": ("SERTIFIKAT PELATIHAN", "Training Certificate"),
}
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
QR_SIZE = 40 * mm
WALLET_QR_SIZE = 32 * mm
LOGO_HEIGHT = 20 * mm


def _id_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _fit(text: str, size: float, room: float = 160 * mm) -> str:
    while stringWidth(text, "Helvetica", size) > room:
        text = text[:-2] + "…"
    return text


def _frame(pdf: Canvas, colour, width: float, height: float) -> None:
    """A double frame, as on certificates handed over at a ceremony."""
    pdf.setStrokeColor(colour)
    pdf.setLineWidth(2.5)
    pdf.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)


def _signatory(pdf: Canvas, looks: Ceremony, cert: Certificate, x: float) -> None:
    """The place and date of signing, the position, room to sign and stamp, the name."""
    place = f"{looks.place}, " if looks.place else ""
    pdf.setFont("Helvetica", 9)
    pdf.drawCentredString(x, 66 * mm, f"{place}{_id_date(cert.issued_on)}")
    pdf.setFont("Helvetica-Bold", 9)
    pdf.drawCentredString(x, 61 * mm, _fit(looks.position, 9, 80 * mm))
    if looks.position_en:
        pdf.setFont("Helvetica-Oblique", 8)
        pdf.drawCentredString(x, 57 * mm, _fit(looks.position_en, 8, 80 * mm))
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawCentredString(x, 38 * mm, looks.signatory)
    name_width = stringWidth(looks.signatory, "Helvetica-Bold", 10)
    pdf.setLineWidth(0.5)
    pdf.line(x - name_width / 2, 37 * mm, x + name_width / 2, 37 * mm)


def _qr(pdf: Canvas, text: str, x: float, y: float, size: float) -> None:
    qr = QrCodeWidget(text, barLevel="M")
    left, bottom, right, top = qr.getBounds()
    drawing = Drawing(size, size,
                      transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, x, y)


def render(cert: Certificate, verification_url: str, looks: Ceremony = PLAIN,
           wallet_offer: str | None = None) -> bytes:
    """The certificate; `wallet_offer`, a one-time OID4VCI offer printed as a second QR code
    (bottom left) to take the credential into a wallet."""
    out = BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{TITLE[cert.kind][1]} {cert.number}")
    pdf.setAuthor(cert.issuer["name"])
    width, height = A4
    centre = width / 2
    colour = HexColor(looks.colour)
    _frame(pdf, colour, width, height)
    top = height - 35 * mm
    if looks.logo:
        pdf.drawImage(str(looks.logo), centre - 40 * mm, height - 20 * mm - LOGO_HEIGHT,
                      width=80 * mm, height=LOGO_HEIGHT, preserveAspectRatio=True,
                      anchor="c", mask="auto")
        top -= LOGO_HEIGHT - 5 * mm

    def pair(y: float, indonesian: str, english: str, size: int = 11) -> float:
        pdf.setFont("Helvetica-Bold", size)
        pdf.drawCentredString(centre, y, indonesian)
        pdf.setFont("Helvetica-Oblique", size - 2)
        pdf.drawCentredString(centre, y - size - 1, english)
        return y - 2 * size - 10

    pdf.setFillColor(colour)
    y = pair(top, *TITLE[cert.kind], size=22)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont("Helvetica", 11)
    pdf.drawCentredString(centre, y, f"Nomor / Number: {cert.number}")
    y = pair(y - 14 * mm, "Diberikan kepada", "Awarded to", size=11)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawCentredString(centre, y, cert.holder_name)
    if cert.kind == "training":
        y = pair(y - 12 * mm, "telah menyelesaikan pelatihan", "has completed the training",
                 size=11)
    else:
        y = pair(y - 12 * mm, "dinyatakan KOMPETEN pada skema sertifikasi",
                 "has been found COMPETENT in the certification scheme", size=11)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawCentredString(centre, y, f"{cert.scheme_title} ({cert.scheme_code})")
    y -= 12 * mm
    if cert.units:
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(25 * mm, y, "Unit Kompetensi / Units of competency")
        y -= 6 * mm
        step = min(5 * mm, (y - 95 * mm) / len(cert.units))  # long schemes print smaller
        size = max(5, min(9, step / mm * 1.8))
        pdf.setFont("Helvetica", size)
        for n, unit in enumerate(cert.units, 1):
            pdf.drawString(25 * mm, y, _fit(f"{n}. {unit['code']}  {unit['title']}", size))
            y -= step
    y -= 6 * mm
    pdf.setFont("Helvetica", 10)
    pdf.drawString(25 * mm, y, f"Terbit / Issued: {_id_date(cert.issued_on)}")
    until = (_id_date(cert.valid_until) if cert.valid_until
             else "tidak kedaluwarsa / does not expire")
    pdf.drawString(25 * mm, y - 5 * mm, f"Berlaku sampai / Valid until: {until}")
    on_behalf = ", atas nama BNSP / on behalf of BNSP" if cert.kind == "certification" else ""
    pdf.drawString(25 * mm, y - 10 * mm, f"Penerbit / Issuer: {cert.issuer['name']}{on_behalf}")
    if cert.renews:
        pdf.drawString(25 * mm, y - 15 * mm, f"Memperbarui / Renews: {cert.renews}")

    if looks.signatory:
        _signatory(pdf, looks, cert, centre - 15 * mm)

    _qr(pdf, verification_url, width - 25 * mm - QR_SIZE, 25 * mm, QR_SIZE)
    if wallet_offer:
        _qr(pdf, wallet_offer, 17 * mm, 34 * mm, WALLET_QR_SIZE)
        pdf.setFont("Helvetica-Bold", 7)
        pdf.drawString(19 * mm, 71 * mm, "Simpan ke dompet digital")
        pdf.setFont("Helvetica-Oblique", 7)
        pdf.drawString(19 * mm, 68 * mm, "Save to a digital wallet (OpenID4VCI)")
    pdf.setFont("Helvetica", 8)
    pdf.drawString(25 * mm, 30 * mm, "Pindai kode QR untuk memeriksa keaslian dan status.")
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(25 * mm, 26 * mm, "Scan the QR code to check authenticity and status:")
    pdf.setFont("Helvetica", 8)
    pdf.drawString(25 * mm, 22 * mm, verification_url)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
