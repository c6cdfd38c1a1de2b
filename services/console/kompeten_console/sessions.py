"""Who is signed in, on the server: a session document per browser in the console's own
database, found by the hash of a random cookie (HttpOnly, SameSite=Lax, Secure over https).
The tokens never reach the browser, and no personal data goes into a URL or a log."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kompeten_shared.caller import Caller, caller_from
from pymongo import ASCENDING
from pymongo.database import Database

COOKIE = "kompeten_console"
LANG_COOKIE = "kompeten_lang"
IDLE = timedelta(minutes=30)
SIGN_IN_WINDOW = timedelta(minutes=10)


def prepare(db: Database) -> None:
    db.sessions.create_index([("expires_at", ASCENDING)])
    db.sign_ins.create_index([("created_at", ASCENDING)])


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


@dataclass
class Session:
    id: str
    token: dict
    caller: Caller
    csrf: str


class Sessions:
    def __init__(self, db: Database):
        self.db = db

    def begin_sign_in(self, state: str, verifier: str, then: str) -> str:
        """Remember a sign-in in progress; the cookie that binds it to this browser."""
        binding = secrets.token_urlsafe(24)
        # Abandoned sign-ins and ended sessions go as new ones come (FerretDB has no TTL
        # indexes).
        now = datetime.now(UTC)
        self.db.sign_ins.delete_many({"created_at": {"$lt": now - SIGN_IN_WINDOW}})
        self.db.sessions.delete_many({"expires_at": {"$lt": now}})
        self.db.sign_ins.insert_one({"_id": state, "verifier": verifier, "then": then,
                                     "binding": _key(binding),
                                     "created_at": datetime.now(UTC)})
        return binding

    def finish_sign_in(self, state: str, binding: str | None) -> dict | None:
        """The sign-in this browser started with this state, once; None otherwise."""
        found = self.db.sign_ins.find_one_and_delete({"_id": state})
        if found is None or binding is None or found["binding"] != _key(binding) or \
                found["created_at"].replace(tzinfo=UTC) < datetime.now(UTC) - SIGN_IN_WINDOW:
            return None
        return found

    def open(self, token: dict, caller: Caller) -> str:
        cookie = secrets.token_urlsafe(32)
        self.db.sessions.insert_one({
            "_id": _key(cookie), "token": token, "claims": caller.claims,
            "csrf": secrets.token_urlsafe(24), "expires_at": datetime.now(UTC) + IDLE})
        return cookie

    def find(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        doc = self.db.sessions.find_one({"_id": _key(cookie)})
        if doc is None or doc["expires_at"].replace(tzinfo=UTC) < datetime.now(UTC):
            return None
        return Session(id=doc["_id"], token=doc["token"], caller=caller_from(doc["claims"]),
                       csrf=doc["csrf"])

    def touch(self, session: Session, token: dict | None = None) -> None:
        """Keep an active session alive (and store a refreshed token)."""
        update = {"expires_at": datetime.now(UTC) + IDLE}
        if token is not None:
            update["token"] = token
        self.db.sessions.update_one({"_id": session.id}, {"$set": update})

    def keep(self, session: Session, name: str, value) -> None:
        """Something this person will ask for again soon (an import's row errors to
        download); it goes with the session."""
        self.db.sessions.update_one({"_id": session.id}, {"$set": {f"kept.{name}": value}})

    def kept(self, session: Session, name: str):
        doc = self.db.sessions.find_one({"_id": session.id}, {"kept": 1}) or {}
        return doc.get("kept", {}).get(name)

    def close(self, session: Session) -> None:
        self.db.sessions.delete_one({"_id": session.id})
