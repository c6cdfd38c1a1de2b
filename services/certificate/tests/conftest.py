"""Reading a certificate PDF back as a person or a phone would: its text, and its QR code
decoded from the rendered page (pypdfium2 renders, zxing-cpp decodes; neither draws it)."""

import pypdfium2
import pytest
import zxingcpp


@pytest.fixture
def read_pdf():
    return _read


def _read(pdf: bytes) -> tuple[int, str, list[str]]:
    """(pages, text, decoded QR codes) of a PDF."""
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=3).to_pil()
    codes = [r.text for r in zxingcpp.read_barcodes(image)
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    return len(document), text, codes


@pytest.fixture
def web_session(web_session, staff):
    """As the tests' staff (the LSP's certificate officer among them); public routes ignore
    the token."""
    web_session.headers["Authorization"] = f"Bearer {staff}"
    return web_session
