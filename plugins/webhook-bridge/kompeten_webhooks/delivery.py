"""Webhook deliveries: the signature, the retry schedule, the state of one delivery. Pure
domain code.

Each POST carries the CloudEvent as its JSON body and two headers:

    Kompeten-Timestamp: 1764064800
    Kompeten-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret>

A receiver recomputes the HMAC over the exact bytes received, compares in constant time, and
refuses a timestamp older than a few minutes (a replayed request). `verify` does that.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def headers(secret: str, timestamp: int, body: bytes, event: dict) -> dict:
    return {"Content-Type": "application/cloudevents+json",
            "Kompeten-Timestamp": str(timestamp),
            "Kompeten-Signature": signature(secret, timestamp, body),
            "Kompeten-Event-Id": event["id"], "Kompeten-Event-Type": event["type"]}


def verify(secret: str, timestamp: str, signed: str, body: bytes, now: int,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """For a partner's receiver: is this request from Kompeten, and fresh?"""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs(now - sent) <= tolerance and \
        hmac.compare_digest(signature(secret, sent, body), signed or "")


def backoff(attempt: int, base: float, cap: float) -> timedelta:
    """Wait after the n-th failed attempt: base, 2*base, 4*base, ... at most cap."""
    return timedelta(seconds=min(base * 2 ** (attempt - 1), cap))


@dataclass
class Delivery:
    id: str  # "<subscription>:<event id>": one per subscription and event
    subscription_id: str
    event: dict
    created_at: datetime
    next_at: datetime
    status: str = "pending"  # pending -> delivered | dead
    attempts: list[dict] = field(default_factory=list)  # the log: when, outcome, status code
    round_start: int = 0  # attempts before the last replay do not count against the limit

    def succeeded(self, at: datetime, status_code: int) -> None:
        self.attempts.append({"at": at, "status_code": status_code, "error": None})
        self.status = "delivered"

    def failed(self, at: datetime, status_code: int | None, error: str, max_attempts: int,
               base: float, cap: float) -> None:
        self.attempts.append({"at": at, "status_code": status_code, "error": error[:500]})
        tried = len(self.attempts) - self.round_start
        if tried >= max_attempts:
            self.status = "dead"
        else:
            self.next_at = at + backoff(tried, base, cap)

    def replay(self, at: datetime) -> None:
        """An operator sends a dead delivery again, with a fresh set of attempts to come."""
        self.status, self.next_at, self.round_start = "pending", at, len(self.attempts)
