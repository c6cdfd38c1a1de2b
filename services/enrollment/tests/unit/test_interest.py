from datetime import date

from kompeten_enrollment.interest import by_sector
from kompeten_enrollment.programme import Programme


def programme(id: str, sector: str | None, capacity: int) -> Programme:
    return Programme(id=id, title="Kursus", organiser="BLKI", scheme_code="S", venue="BLKI",
                     region_code="6471", start_date=date(2026, 3, 1),
                     end_date=date(2026, 3, 20), capacity=capacity, sector=sector)


def test_applicants_per_seat_by_sector_the_lowest_interest_first():
    programmes = [programme("a", "mining", 20), programme("b", "mining", 20),
                  programme("c", "hospitality", 16), programme("d", None, 10)]
    lines = by_sector(programmes, {"a": 50, "b": 30, "c": 6})
    assert [(x["sector"], x["programmes"], x["seats"], x["applicants"],
             x["applicants_per_seat"], x["low_interest"]) for x in lines] == [
        (None, 1, 10, 0, 0.0, True),
        ("hospitality", 1, 16, 6, 0.38, True),
        ("mining", 2, 40, 80, 2.0, False)]


def test_no_programmes_no_lines():
    assert by_sector([], {}) == []
