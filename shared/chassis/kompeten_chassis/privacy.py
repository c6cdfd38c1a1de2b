"""Who read whose personal data, when and for what purpose (UU PDP, Law 27/2022:
accountability). A service that shows a participant's name, phone or masked NIK records one
entry per person shown, in its own database, naming the verified caller; the participant and
the officers who may see them can list the entries."""

import uuid
from datetime import datetime

from kompeten_shared.caller import Caller
from kompeten_shared.errors import InvalidInput
from pymongo import ASCENDING
from pymongo.database import Database

COLLECTION = "personal_data_access"
PURPOSES = ("administration", "recertification", "matching", "follow_up", "export",
            "bnsp_report")


def prepare(db: Database) -> None:
    db[COLLECTION].create_index([("participant_id", ASCENDING), ("at", ASCENDING)])


def purpose_of(request, default: str) -> str:
    """The purpose the caller states (?purpose=), one of PURPOSES."""
    purpose = request.args.get("purpose", default)
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose must be one of {', '.join(PURPOSES)}",
                           code="invalid_parameter", details={"purpose": [purpose]})
    return purpose


def record(db: Database, caller: Caller, participant_ids: list[str], purpose: str,
           route: str, now: datetime) -> None:
    if not participant_ids:
        return
    db[COLLECTION].insert_many([
        {"_id": str(uuid.uuid4()), "participant_id": pid, "subject": caller.subject,
         "name": caller.name, "roles": sorted(caller.roles), "client": caller.client,
         "purpose": purpose, "route": route, "at": now} for pid in participant_ids])


def log(db: Database, participant_id: str) -> list[dict]:
    return [{key: value for key, value in entry.items() if key != "_id"}
            for entry in db[COLLECTION].find({"participant_id": participant_id}).sort("at")]
