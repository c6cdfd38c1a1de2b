"""Everything a person reads on the console has its Indonesian text, with the same
placeholders; dates and time zones as Indonesians write them."""

import re
from datetime import UTC, datetime
from pathlib import Path

import kompeten_console
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from kompeten_console import i18n, navigation

PACKAGE = Path(kompeten_console.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def msgids() -> set[str]:
    """What the templates and the code ask to translate, and the labels and refusals."""
    found = {message for _, _, message, _, _ in extract_from_dir(
        PACKAGE, [("**/templates/**.html", "jinja2"), ("**.py", "python")],
        keywords={"_": None, "gettext": None})}
    named = [label for _, label, _ in navigation.SCREENS] + list(navigation.REFUSALS.values())
    named += [navigation.GENERIC] + [v for group in navigation.LABELS.values()
                                     for v in group.values()]
    return {m for m in found | set(named) if isinstance(m, str)}


def catalogue() -> dict[str, str]:
    with (PACKAGE / "translations" / "id" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def test_every_text_has_its_indonesian_with_the_same_placeholders():
    wanted, indonesian = msgids(), catalogue()
    assert len(wanted) > 50  # the extraction found the screens' texts
    missing = sorted(m for m in wanted if not indonesian.get(m))
    assert missing == []
    broken = sorted(m for m in wanted if set(PLACEHOLDER.findall(m)) !=
                    set(PLACEHOLDER.findall(indonesian[m])))
    assert broken == []
    assert sorted(set(indonesian) - wanted) == []  # nothing stale left in the catalogue


def test_dates_numbers_and_zones_the_indonesian_way():
    formats = i18n.Formats("id", i18n.zone_of(i18n.region_of_agency("DISNAKER-3204")))
    assert formats.date("2026-11-25") == "25 November 2026"
    assert formats.date("2026-08-17") == "17 Agustus 2026"
    assert formats.datetime(datetime(2026, 11, 25, 1, 30, tzinfo=UTC)) == \
        "25 November 2026 08.30 WIB"
    assert formats.number(1500) == "1.500" and formats.percent(0.8) == "80%"
    assert i18n.zone_of(i18n.region_of_agency("DISNAKERTRANS-64")) == "WITA"  # Kaltim
    assert i18n.zone_of("9471") == "WIT" and i18n.zone_of(None) == "WIB"
    english = i18n.Formats("en", "WITA")
    assert english.date("2026-08-17") == "17 August 2026"
    assert i18n.translations("id").gettext("Sign in") == "Masuk"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"
    assert i18n.language("fr") == "id" and i18n.language("en") == "en"
