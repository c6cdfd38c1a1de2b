"""The webhook bridge: Kompeten events for partners without a message broker, as signed HTTP
POSTs with retries, a dead-letter list an operator can replay, and a delivery log.

    nameko run --config config.yaml kompeten_webhooks.service:WebhookBridge
"""

import json
import secrets
import uuid
from dataclasses import asdict
from datetime import UTC, datetime

import requests
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.mongo import Database
from kompeten_chassis.web import api, query
from kompeten_shared.errors import Conflict, NotFound
from kompeten_shared.events import event_type
from nameko.dependency_providers import Config
from nameko.timer import timer
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from .delivery import Delivery, headers
from .schemas import SubscriptionRequest
from .subscription import PARTNER_EVENTS, entitled

HR = ("employer_hr",)

POLL_SECONDS = 1
BATCH = 50
TIMEOUT_SECONDS = 10


def prepare(db) -> None:
    db.deliveries.create_index([("status", ASCENDING), ("next_at", ASCENDING)])
    db.deliveries.create_index([("subscription_id", ASCENDING)])


def _delivery(doc: dict) -> Delivery:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    return Delivery(**doc)


def _subscription_view(doc: dict) -> dict:
    return {"id": doc["_id"], **{k: v for k, v in doc.items() if k not in ("_id", "secret")}}


class WebhookBridge(StandardEndpoints):
    name = "webhooks"

    db = Database(prepare=prepare)
    config = Config()

    def fan_out(self, event) -> None:
        """One delivery per entitled subscription, stored before anything is sent."""
        now = datetime.now(UTC)
        for subscription in self.db.subscriptions.find({"active": True}):
            if not entitled(subscription, event.type, event.data):
                continue
            delivery = Delivery(id=f"{subscription['_id']}:{event.id}",
                                subscription_id=subscription["_id"],
                                event=event.wire(),
                                created_at=now, next_at=now)
            doc = asdict(delivery)
            doc["_id"] = doc.pop("id")
            try:
                self.db.deliveries.insert_one(doc)
            except DuplicateKeyError:
                pass  # the same event again

    @timer(interval=POLL_SECONDS)
    def deliver_due(self):
        now = datetime.now(UTC)
        due = self.db.deliveries.find({"status": "pending", "next_at": {"$lte": now}})
        for doc in list(due.sort("next_at").limit(BATCH)):
            self._attempt(_delivery(doc))

    def _attempt(self, delivery: Delivery) -> None:
        subscription = self.db.subscriptions.find_one({"_id": delivery.subscription_id})
        now = datetime.now(UTC)
        if subscription is None or not subscription["active"]:
            delivery.failed(now, None, "subscription removed", 1, 0, 0)
        else:
            body = json.dumps(delivery.event, ensure_ascii=False).encode()
            limits = (int(self.config.get("WEBHOOK_MAX_ATTEMPTS", 8)),
                      float(self.config.get("WEBHOOK_BACKOFF_SECONDS", 5)),
                      float(self.config.get("WEBHOOK_BACKOFF_CAP_SECONDS", 3600)))
            try:
                response = requests.post(
                    subscription["url"], data=body, timeout=TIMEOUT_SECONDS,
                    headers=headers(subscription["secret"], int(now.timestamp()), body,
                                    delivery.event))
                if 200 <= response.status_code < 300:
                    delivery.succeeded(now, response.status_code)
                else:
                    delivery.failed(now, response.status_code,
                                    f"HTTP {response.status_code}", *limits)
            except requests.RequestException as exc:
                delivery.failed(now, None, f"{type(exc).__name__}: {exc}", *limits)
        self.db.deliveries.update_one({"_id": delivery.id}, {"$set": {
            "status": delivery.status, "next_at": delivery.next_at,
            "attempts": delivery.attempts, "round_start": delivery.round_start}})

    # operators ---------------------------------------------------------------------------------
    @api("POST", "/subscriptions", body=SubscriptionRequest, allow=HR)
    def subscribe(self, request, body, caller):
        """The secret is shown once, here: the partner keeps it to check signatures. The
        subscription belongs to the employer in the caller's token."""
        doc = {"_id": str(uuid.uuid4()), **body, "employer_id": caller.employer,
               "secret": secrets.token_urlsafe(32),
               "active": True, "created_at": datetime.now(UTC)}
        self.db.subscriptions.insert_one(doc)
        return 201, {**_subscription_view(doc), "secret": doc["secret"]}

    @api("GET", "/subscriptions", allow=HR)
    def list_subscriptions(self, request, caller):
        """The employer's subscriptions."""
        return [_subscription_view(d) for d in self.db.subscriptions.find(
            {"employer_id": caller.employer}).sort("created_at")]

    def _own(self, caller, subscription_id: str) -> None:
        doc = self.db.subscriptions.find_one({"_id": subscription_id})
        if doc is None:
            raise NotFound(f"no subscription {subscription_id}",
                           code="subscription_not_found")
        caller.require(doc.get("employer_id") == caller.employer,
                       "this subscription belongs to another employer")

    @api("DELETE", "/subscriptions/<subscription_id>", allow=HR)
    def unsubscribe(self, request, subscription_id, caller):
        """Stop deliveries to one subscription."""
        self._own(caller, subscription_id)
        result = self.db.subscriptions.update_one({"_id": subscription_id},
                                                  {"$set": {"active": False}})
        if result.matched_count == 0:
            raise NotFound(f"no subscription {subscription_id}",
                           code="subscription_not_found")
        return _subscription_view(self.db.subscriptions.find_one({"_id": subscription_id}))

    @api("GET", "/deliveries", allow=HR)
    def delivery_log(self, request, caller):
        """Every delivery to the employer's subscriptions with its attempts (?subscription_id=,
        ?status=pending|delivered|dead: the dead-letter list)."""
        own = [d["_id"] for d in self.db.subscriptions.find({"employer_id": caller.employer},
                                                              {"_id": 1})]
        filters = query(request, "subscription_id", "status")
        if filters.get("subscription_id") not in own:
            filters["subscription_id"] = {"$in": own}
        found = self.db.deliveries.find(filters)
        return [{"id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}}
                for d in found.sort("created_at")]

    @api("POST", "/deliveries/<path:delivery_id>/replay", allow=HR)
    def replay(self, request, delivery_id, caller):
        """Send a dead delivery again, after the partner fixed its end."""
        doc = self.db.deliveries.find_one({"_id": delivery_id})
        if doc is None:
            raise NotFound(f"no delivery {delivery_id}", code="delivery_not_found")
        self._own(caller, doc["subscription_id"])
        delivery = _delivery(doc)
        if delivery.status != "dead":
            raise Conflict(f"the delivery is {delivery.status}, not dead",
                           code="delivery_not_dead")
        delivery.replay(datetime.now(UTC))
        self.db.deliveries.update_one({"_id": delivery.id}, {"$set": {
            "status": delivery.status, "next_at": delivery.next_at,
            "round_start": delivery.round_start}})
        return {"id": delivery.id, "status": delivery.status}


def _consumer(type_: str):
    def handle(self, event):
        self.fan_out(event)
    handle.__name__ = f"on_{type_.replace('.', '_')}"
    return consume(event_type(type_).producer, type_)(handle)


for _type in PARTNER_EVENTS:
    setattr(WebhookBridge, f"on_{_type.replace('.', '_')}", _consumer(_type))
