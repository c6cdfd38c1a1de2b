"""The official area codes: the copied files are the published ones, and the places the
programmes name resolve, down to the kecamatan."""

import hashlib
import re

from kompeten_chassis import regions

PUBLISHED = dict(re.findall(r"^ {4}([0-9a-f]{64})  (\w+\.csv)$",
                            (regions.DATA / "README.md").read_text(), re.M))


def test_the_area_files_are_the_published_ones():
    assert len(PUBLISHED) == 3
    for digest, name in PUBLISHED.items():
        assert hashlib.sha256((regions.DATA / name).read_bytes()).hexdigest() == digest, name


def test_provinces_regencies_and_kecamatan_by_code():
    assert regions.regency_name("3204") == "Kabupaten Bandung, Jawa Barat"
    assert regions.regency_name("3273") == "Kota Bandung, Jawa Barat"
    assert regions.district_name("351317") == "Kecamatan Maron, Kabupaten Probolinggo"
    assert regions.exists("6411")  # Mahakam Ulu (2013), missing from older lists
    assert not regions.exists("3599") and not regions.exists("351399")
    assert not regions.exists("3513170") and regions.regency_name("35") is None
    maron = regions.districts_of("3513")
    assert len(maron) == 24 and maron["351317"] == "Maron"


def test_a_kecamatan_lies_within_its_regency_and_province():
    assert regions.within("351317", "3513") and regions.within("351317", "35")
    assert regions.within("351317", "351317") and not regions.within("351314", "351317")
    assert regions.distance("351317", "3513") == regions.SAME_REGENCY
