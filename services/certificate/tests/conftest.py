"""Reading a certificate PDF back as a person or a phone would (its text, and its QR code
decoded from the rendered page: pypdfium2 renders, zxing-cpp decodes; neither draws it), and
judging credentials as independent verifiers and wallets do (`conformance`)."""

import base64
import gzip
import json
import re
from pathlib import Path

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


PUBLISHED = Path(__file__).parent / "conformance" / "published"
CONTEXTS = {"https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json":
                "ob-context-3.0.3.json"}
UNDEFINED = "https://www.w3.org/ns/credentials/undefined-term#"


class Conformance:
    """Judges documents by the published standards only (tests/conformance/published): the
    Open Badges 3.0 JSON Schemas, a JSON-LD processor (PyLD) with the published contexts, an
    independent JOSE library (joserfc; the service signs with jwcrypto) and a Bitstring
    Status List decoder written from the specification, not the service's."""

    def __init__(self):
        from jsonschema import Draft201909Validator

        def validator(name):
            schema = json.loads((PUBLISHED / name).read_text())
            return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)

        self.validators = {"credential": validator("ob_v3p0_achievementcredential_schema.json"),
                           "profile": validator("ob_v3p0_profile_schema.json")}

    def schema_errors(self, kind: str, document: dict) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.validators[kind].iter_errors(document)]

    @staticmethod
    def undefined_terms(document: dict) -> set[str]:
        """Terms no context defines, which a JSON-LD processor would silently drop: found by
        expanding with a last context whose @vocab catches them (as the W3C's
        `undefined-terms/v2` context does)."""
        from pyld import jsonld

        def load(url, options=None):
            if url not in CONTEXTS:
                raise jsonld.JsonLdError(f"no local copy of {url}", "loading document failed")
            return {"contextUrl": None, "documentUrl": url,
                    "document": json.loads((PUBLISHED / CONTEXTS[url]).read_text())}

        contexts = document["@context"]
        caught = {**document, "@context": [*contexts, {"@vocab": UNDEFINED}]}
        expanded = json.dumps(jsonld.expand(caught, {"documentLoader": load}))
        return set(re.findall(re.escape(UNDEFINED) + r'[^"]*', expanded))

    @staticmethod
    def verified_claims(token: str, jwks: dict) -> dict:
        from joserfc import jws
        from joserfc.jwk import KeySet

        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        key = KeySet.import_key_set(jwks).get_by_kid(header["kid"])
        return json.loads(jws.deserialize_compact(token, key, algorithms=["EdDSA"]).payload)

    @staticmethod
    def status_entry(encoded_list: str, index: int, size: int) -> int:
        """The entry's value as the Bitstring Status List spec reads it: multibase base64url,
        GZIP, then `size` bits from position index*size, most significant bit first."""
        assert encoded_list[0] == "u"
        data = gzip.decompress(base64.urlsafe_b64decode(encoded_list[1:] + "=="))
        bits = "".join(f"{byte:08b}" for byte in data)
        assert len(bits) >= 131_072, "a list of fewer than 131,072 bits says who it concerns"
        return int(bits[index * size:index * size + size], 2)


@pytest.fixture(scope="session")
def conformance():
    return Conformance()
