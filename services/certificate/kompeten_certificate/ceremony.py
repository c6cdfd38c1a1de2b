"""How an issuer presents itself: on its printed certificates handed over at a ceremony (its
logo, the signatory's name and position, the frame's colour and the place of signing) and in
its public profile (its site, e-mail, an LSP's BNSP licence). One JSON file per
issuer code in ISSUERS_DIR (`LSP-GNI.json`, its logo beside it), read once at start, so a wrong
file stops the service with its name rather than spoiling a print. An issuer without a file
prints with a plain frame and no signatory."""

import json
from dataclasses import dataclass, fields
from pathlib import Path

from reportlab.lib.colors import HexColor


@dataclass(frozen=True)
class Ceremony:
    signatory: str | None = None  # the name printed under the signature
    position: str | None = None  # "Ketua LSP Garmen Nusantara Indonesia"
    position_en: str | None = None
    place: str | None = None  # the city before the date of signing
    colour: str = "#0b5394"  # the frame's and the title's
    logo: Path | None = None  # PNG or JPEG, printed at the top
    # and in the issuer's public profile (/issuers/<code>), for verifiers and wallets
    url: str | None = None  # the issuer's own site
    email: str | None = None
    licence: str | None = None  # an LSP's BNSP licence number


PLAIN = Ceremony()
FIELDS = {f.name for f in fields(Ceremony)}


class BadCeremony(ValueError):
    pass


def load(directory: str | Path | None) -> dict[str, Ceremony]:
    """Every issuer's ceremony in the directory, by issuer code (none without a directory)."""
    if not directory:
        return {}
    return {path.stem: _read(path) for path in sorted(Path(directory).glob("*.json"))}


def _read(path: Path) -> Ceremony:
    try:
        doc = json.loads(path.read_text())
    except ValueError as exc:
        raise BadCeremony(f"{path}: not JSON ({exc})") from None
    unknown = sorted(set(doc) - FIELDS)
    if unknown:
        raise BadCeremony(f"{path}: unknown fields {', '.join(unknown)}; known: "
                          f"{', '.join(sorted(FIELDS))}")
    if doc.get("signatory") and not doc.get("position"):
        raise BadCeremony(f"{path}: a signatory needs their position")
    try:
        HexColor(doc.get("colour", PLAIN.colour))
    except ValueError:
        raise BadCeremony(f"{path}: colour {doc['colour']!r} is not #rrggbb") from None
    if doc.get("logo"):
        logo = path.parent / doc["logo"]
        if logo.suffix.lower() not in (".png", ".jpg", ".jpeg") or not logo.is_file():
            raise BadCeremony(f"{path}: logo {doc['logo']} is not a PNG or JPEG file beside it")
        doc["logo"] = logo
    return Ceremony(**doc)
