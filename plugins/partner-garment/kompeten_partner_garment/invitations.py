"""Interview invitations, the company's own business: every offer it makes gets an interview
slot on the next working day, half an hour each from 09:00. Pure code plus its SQLite table."""

import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path

FIRST_SLOT = time(9, 0)
SLOT_MINUTES = 30


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return day


def slot(day: date, taken: int) -> datetime:
    return datetime.combine(day, FIRST_SLOT) + timedelta(minutes=SLOT_MINUTES * taken)


class Invitations:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS invitations (offer_id TEXT PRIMARY KEY, "
                        "participant_id TEXT, vacancy_id TEXT, day TEXT, at TEXT)")

    def invite(self, offer: dict) -> datetime:
        """One invitation per offer, in the first free slot of the next working day."""
        day = next_working_day(offer["made_at"].date())
        taken = self.db.execute("SELECT count(*) FROM invitations WHERE day = ?",
                                (day.isoformat(),)).fetchone()[0]
        at = slot(day, taken)
        self.db.execute("INSERT OR IGNORE INTO invitations VALUES (?, ?, ?, ?, ?)",
                        (offer["offer_id"], offer["participant_id"], offer["vacancy_id"],
                         day.isoformat(), at.isoformat()))
        return at

    def all(self) -> list[dict]:
        rows = self.db.execute("SELECT offer_id, participant_id, vacancy_id, at FROM invitations "
                               "ORDER BY at")
        return [dict(zip(("offer_id", "participant_id", "vacancy_id", "at"), r, strict=True))
                for r in rows]
