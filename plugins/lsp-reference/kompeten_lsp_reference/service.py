"""The reference external LSP (LSP Rajut Nusantara, code LSP-RJT).

The contract, the same for an LSP's system in any language:
1. consume `assessment.requested` from the `assessment.events` exchange, bound with the routing
   key `assessment.requested.<LSP code>`: Kompeten routes there the cases of schemes the LSP
   holds;
2. assess the asesi the LSP's own way;
3. publish `assessment.decision_submitted` on the `lsp.events` exchange, source
   `/kompeten/lsp-<code>`, in the assessment.decided shape plus an HMAC-SHA256 signature
   (kompeten_shared.signing) with the secret shared with the Kompeten operator, and the
   LSP's own access token (client credentials of its OpenID Connect client
   `kompeten-lsp-<code>`) in the envelope's `clienttoken` extension attribute.
Kompeten checks origin, client, case, licence and signature and publishes assessment.decided.

Another LSP copies this package and changes `name`, the routing key and its config.

    nameko run --config config.yaml kompeten_lsp_reference.service:LspReferenceService
"""

from datetime import UTC, datetime

from kompeten_chassis.auth import ClientCredentials
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.mongo import Database
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.web import Request, api
from kompeten_shared import signing
from kompeten_shared.errors import Conflict, InvalidInput, NotFound
from kompeten_shared.events import dump_data
from kompeten_shared.vocabulary import RESULTS
from marshmallow import fields, validate
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError


class UnitDecision(Request):
    code = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))


class DecisionRequest(Request):
    asesor_reg = fields.String(required=True, validate=validate.Length(min=3, max=100))
    units = fields.List(fields.Nested(UnitDecision), required=True,
                        validate=validate.Length(min=1))


def overall(units: list[dict]) -> str:
    return "K" if all(u["result"] == "K" for u in units) else "BK"


class ServiceIdentity(DependencyProvider):
    """This LSP's own access token (client credentials), for what it sends to Kompeten."""

    def setup(self):
        config = self.container.config
        self.credentials = ClientCredentials(config["OIDC_ISSUER"], config["LSP_CLIENT_ID"],
                                             config["LSP_CLIENT_SECRET"])

    def get_dependency(self, worker_ctx):
        return self.credentials


class LspReferenceService(StandardEndpoints):
    """Assessment requests routed to this LSP, and its plenary's signed decisions."""

    name = "lsp-rjt"

    db = Database()
    publish = EventPublisher(family="lsp")
    config = Config()
    identity = ServiceIdentity()

    @consume("assessment", "assessment.requested", routing_key="assessment.requested.LSP-RJT")
    def on_requested(self, event):
        data = event.data
        if data["lsp_code"] != self.config["LSP_CODE"]:
            raise InvalidInput(f"routed to {data['lsp_code']}, not {self.config['LSP_CODE']}",
                               code="wrong_lsp")
        try:
            self.db.requests.insert_one({"_id": data["case_id"], "status": "requested",
                                         **dump_data("assessment.requested", data)})
        except DuplicateKeyError:
            pass  # the same request again: the first stands

    @api("GET", "/requests", allow=("lsp_admin", "plenary"))
    def list_requests(self, request, caller):
        """Cases Kompeten asked this LSP to assess."""
        self._of_this_lsp(caller)
        return [{k: v for k, v in doc.items() if k != "_id"} for doc in self.db.requests.find()]

    def _of_this_lsp(self, caller) -> None:
        caller.require(caller.lsp == self.config["LSP_CODE"],
                       f"only staff of {self.config['LSP_CODE']} may do this")

    @api("POST", "/requests/<case_id>/decision", body=DecisionRequest, allow=("plenary",))
    def decide(self, request, case_id, body, caller):
        """The plenary's decision for one request: signed and submitted to Kompeten."""
        self._of_this_lsp(caller)
        found = self.db.requests.find_one({"_id": case_id})
        if found is None:
            raise NotFound(f"no request {case_id}", code="request_not_found")
        if found["status"] != "requested":
            raise Conflict("this request is decided", code="request_decided")
        titles = {u["code"]: u["title"] for u in found["units"]}
        if sorted(u["code"] for u in body["units"]) != sorted(titles):
            raise InvalidInput("one result for each unit of the scheme", code="units_mismatch",
                               details={"units": sorted(titles)})
        results = {u["code"]: u["result"] for u in body["units"]}
        units = [{"code": code, "title": title, "result": results[code]}
                 for code, title in titles.items()]
        decision = {
            "case_id": case_id, "decision_number": 1,
            "participant_id": found["participant_id"], "programme_id": found["programme_id"],
            "scheme_code": found["scheme_code"], "scheme_title": found["scheme_title"],
            "lsp": {"code": self.config["LSP_CODE"], "name": self.config["LSP_NAME"]},
            "asesor_reg": body["asesor_reg"], "units": units, "overall": overall(units),
            "decided_at": datetime.now(UTC), "decided_by": caller.actor,
            "holder_name": found["asesi_name"]}
        # Signed in the form it travels in: the same fields dump the same way once published.
        wire = dump_data("assessment.decided", decision)
        self.publish("assessment.decision_submitted", {
            **decision, "signature": signing.sign(wire, self.config["LSP_SIGNING_KEY"])},
            subject=found["participant_id"], event_id=f"{case_id}:submitted",
            clienttoken=self.identity.token())
        self.db.requests.update_one({"_id": case_id}, {"$set": {"status": "decided"}})
        return {"case_id": case_id, "overall": wire["overall"], "status": "submitted"}
