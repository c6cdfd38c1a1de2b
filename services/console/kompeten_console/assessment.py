"""The LSP's screens for a competency test: the LSP admin's registry (schemes and units, asesor,
TUK) and assignments; the asesor's cases, where they record K/BK per unit with the method used
and recommend; the plenary member's cases awaiting a decision."""

from urllib.parse import quote

from kompeten_shared.vocabulary import RESULTS

from .apis import Refused
from .pages import field_errors, page

METHODS = ("demonstration", "observation", "interview", "portfolio", "written")
VATM = ("valid", "authentic", "current", "sufficient")


def _case_page(screen, template: str, case_id: str, status: int = 200, **extra):
    case = screen.apis.get("assessment", f"/cases/{case_id}")
    claimed = {a["code"]: a["competent"] for a in case["self_assessment"] or []}
    return screen.render(template, status=status, case=case, results=RESULTS,
                         methods=METHODS, vatm=VATM, claimed=claimed, **extra)


class Asesor:
    @page("GET", "/asesor", allow=("asesor",))
    def asesor_cases(self, request, screen):
        """The cases assigned to me, open ones first."""
        cases = screen.apis.get("assessment", "/cases", asesor=screen.caller.asesor)
        return screen.render("asesor_cases.html", cases=sorted(
            cases, key=lambda c: (c["status"] != "open", c["assigned_on"] or "")))

    @page("GET", "/asesor/kasus/<case_id>", allow=("asesor",))
    def asesor_case(self, request, case_id, screen):
        """A case: the asesi's APL-02, the evidence, a K/BK and a method per unit."""
        return _case_page(screen, "asesor_case.html", case_id,
                          saved=request.args.get("tersimpan"),
                          reviewed=request.args.get("vatm") == "1")

    @page("POST", "/asesor/kasus/<case_id>/hasil", allow=("asesor",))
    def record_results(self, request, case_id, screen):
        case = screen.apis.get("assessment", f"/cases/{case_id}")
        units = [{"code": u["code"], "result": request.form.get(f"hasil-{u['code']}", ""),
                  "method": request.form.get(f"metode-{u['code']}", "")}
                 for u in case["units"] if request.form.get(f"hasil-{u['code']}")]
        try:
            screen.apis.post("assessment", f"/cases/{case_id}/results", {"units": units})
            if request.form.get("rekomendasi") == "1":
                screen.apis.post("assessment", f"/cases/{case_id}/recommendation")
        except Refused as refused:
            typed = {u["code"]: u for u in units}
            return _case_page(screen, "asesor_case.html", case_id, status=refused.status,
                              error=screen.refusal(refused), typed=typed)
        return screen.redirect(f"/asesor/kasus/{case_id}?tersimpan=1")

    @page("POST", "/asesor/kasus/<case_id>/pembekalan", allow=("asesor",))
    def record_briefing(self, request, case_id, screen):
        """The briefing (pembekalan) the asesi attended: when and where."""
        return self._before_the_test(screen, case_id, "briefing", {
            "held_on": request.form.get("tanggal", ""),
            "venue": request.form.get("tempat", "").strip()}, request.form)

    @page("POST", "/asesor/kasus/<case_id>/persetujuan", allow=("asesor",))
    def propose_agreement(self, request, case_id, screen):
        """The assessment agreement (FR.AK.01) for the asesi to accept: the date of the test."""
        return self._before_the_test(screen, case_id, "agreement", {
            "scheduled_on": request.form.get("jadwal", "")}, request.form)

    def _before_the_test(self, screen, case_id: str, step: str, body: dict, form):
        try:
            screen.apis.post("assessment", f"/cases/{case_id}/{step}", body)
        except Refused as refused:
            return _case_page(screen, "asesor_case.html", case_id, status=refused.status,
                              error=screen.refusal(refused),
                              errors=field_errors(refused, screen.gettext), typed_step=form)
        return screen.redirect(f"/asesor/kasus/{case_id}?tersimpan={step}")

    @page("POST", "/asesor/kasus/<case_id>/vatm/<unit_code>", allow=("asesor",))
    def review_evidence(self, request, case_id, unit_code, screen):
        """The portfolio's documents for a unit judged valid, authentic (asli), current
        (terkini) and sufficient (memadai): evidence that meets all four is confirmed by
        interview; otherwise the unit needs a demonstration or an observation."""
        form = request.form
        try:
            screen.apis.post("assessment", f"/cases/{case_id}/units/{unit_code}/review", {
                "evidence_ids": form.getlist("bukti"),
                **{rule: form.get(rule) == "1" for rule in VATM}})
        except Refused as refused:
            return _case_page(screen, "asesor_case.html", case_id, status=refused.status,
                              error=screen.refusal(refused))
        return screen.redirect(f"/asesor/kasus/{case_id}?vatm=1")


class Plenary:
    @page("GET", "/pleno", allow=("plenary",))
    def plenary_cases(self, request, screen):
        """My LSP's cases with the asesor's recommendation, awaiting the plenary; appeals."""
        cases = screen.apis.get("assessment", "/cases")
        waiting = [c for c in cases if c["status"] == "open" and c["recommendation"]]
        appealed = [c for c in cases if c["status"] == "appealed"]
        return screen.render("plenary_cases.html", waiting=waiting, appealed=appealed)

    @page("GET", "/pleno/kasus/<case_id>", allow=("plenary",))
    def plenary_case(self, request, case_id, screen):
        return self._plenary_page(screen, case_id)

    def _plenary_page(self, screen, case_id: str, status: int = 200, **extra):
        """The case with the LSP's quorum: how many members vote before it is decided."""
        lsps = {x["code"]: x for x in screen.apis.get("assessment", "/lsps")}
        return _case_page(screen, "plenary_case.html", case_id, status=status,
                          lsps=lsps, **{"overturn": [], "reasons": {}, **extra})

    @page("POST", "/pleno/kasus/<case_id>/putusan", allow=("plenary",))
    def decide(self, request, case_id, screen):
        """My vote at the plenary meeting: each unit as the asesor found it, or overturned
        with my reason. The vote that completes the quorum decides; a K issues the
        certificate."""
        form = request.form
        overturn = form.getlist("balik")
        reasons = {code: form.get(f"alasan-{code}", "").strip() for code in overturn}
        found = {u["code"]: u["result"] for u in
                 screen.apis.get("assessment", f"/cases/{case_id}")["units"]}
        try:
            case = screen.apis.post("assessment", f"/cases/{case_id}/decision", {"units": [
                {"code": code, "result": "BK" if found.get(code) == "K" else "K",
                 "reason": reasons[code]} for code in overturn]})
        except Refused as refused:
            return self._plenary_page(screen, case_id, status=refused.status,
                                      error=screen.refusal(refused), overturn=overturn,
                                      reasons=reasons)
        return self._plenary_page(screen, case_id, decided=case["status"] == "decided",
                                  voted=case["status"] != "decided")

    @page("POST", "/pleno/kasus/<case_id>/banding", allow=("plenary",))
    def decide_appeal(self, request, case_id, screen):
        """The appeal (banding): upheld, the BK units are assessed again; rejected, final."""
        try:
            screen.apis.post("assessment", f"/cases/{case_id}/appeal/decision", {
                "outcome": request.form.get("putusan", ""),
                "reason": request.form.get("alasan", "").strip()})
        except Refused as refused:
            return self._plenary_page(screen, case_id, status=refused.status,
                                      error=screen.refusal(refused),
                                      reason=request.form.get("alasan"))
        return self._plenary_page(screen, case_id, appeal_decided=True)


class LspAdmin:
    @page("GET", "/lsp", allow=("lsp_admin",))
    def assignments(self, request, screen):
        """Open cases waiting for an asesor and a TUK, with my LSP's active asesor and TUK."""
        return self._assignments(screen)

    def _assignments(self, screen, status: int = 200, **extra):
        apis, lsp = screen.apis, screen.caller.lsp
        waiting = [c for c in apis.get("assessment", "/cases", status="open")
                   if not c["asesor"]]
        asesors = [a for a in apis.get("assessment", "/asesors")
                   if a["lsp"] == lsp and a["active"]]
        tuks = [t for t in apis.get("assessment", "/tuks") if t["lsp_code"] == lsp]
        return screen.render("assignments.html", status=status, waiting=waiting,
                             asesors=asesors, tuks=tuks, **extra)

    @page("POST", "/lsp/kasus/<case_id>/penugasan", allow=("lsp_admin",))
    def assign(self, request, case_id, screen):
        """Assign the asesor and the TUK: licences, conflicts of interest and the daily load
        are the assessment service's to check."""
        try:
            screen.apis.post("assessment", f"/cases/{case_id}/assignment", {
                "asesor": request.form.get("asesor", ""), "tuk": request.form.get("tuk", ""),
                "members": request.form.getlist("anggota")})
        except Refused as refused:
            return self._assignments(screen, status=refused.status,
                                     error=screen.refusal(refused))
        return self._assignments(screen, assigned=True)


TUK_KINDS = ("sewaktu", "tempat kerja", "mandiri")


def _asesor(form, lsp: str) -> dict:
    body = {"registration_number": form.get("registration_number", "").strip(),
            "name": form.get("name", "").strip(), "lsp_code": lsp,
            "schemes": form.getlist("schemes"), "valid_until": form.get("valid_until", "")}
    try:
        body["daily_limit"] = int(form.get("daily_limit", ""))
    except ValueError:
        body["daily_limit"] = form.get("daily_limit", "")  # refused beside the field
    return body


class Registry:
    """The LSP's own registry: the schemes it holds with their units (registered by BNSP's
    platform operator), its asesor and its TUK."""

    @page("GET", "/lsp/registri", allow=("lsp_admin",))
    def registry(self, request, screen):
        return self._registry(screen, saved=request.args.get("tersimpan"))

    def _registry(self, screen, status: int = 200, **extra):
        apis, code = screen.apis, screen.caller.lsp
        lsp = next((x for x in apis.get("assessment", "/lsps") if x["code"] == code), None)
        schemes = [s for s in apis.get("assessment", "/schemes") if code in s["lsps"]]
        asesors = [a for a in apis.get("assessment", "/asesors") if a["lsp"] == code]
        tuks = [t for t in apis.get("assessment", "/tuks") if t["lsp_code"] == code]
        context = {"typed": {}, "chosen": [], "errors": {}, "typed_tuk": {}, "tuk_errors": {},
                   **extra}
        return screen.render("registry.html", status=status, lsp=lsp, schemes=schemes,
                             asesors=sorted(asesors, key=lambda a: (not a["active"], a["name"])),
                             tuks=tuks, tuk_kinds=TUK_KINDS, **context)

    @page("POST", "/lsp/registri/asesor", allow=("lsp_admin",))
    def register_asesor(self, request, screen):
        """An asesor of this LSP, for schemes it holds, with their BNSP registration."""
        try:
            screen.apis.post("assessment", "/asesors", _asesor(request.form, screen.caller.lsp))
        except Refused as refused:
            return self._registry(screen, status=refused.status, typed=request.form,
                                  chosen=request.form.getlist("schemes"),
                                  errors=field_errors(refused, screen.gettext))
        return screen.redirect("/lsp/registri?tersimpan=asesor")

    @page("POST", "/lsp/registri/pleno", allow=("lsp_admin",))
    def plenary_quorum(self, request, screen):
        """How many plenary members vote before a case is decided."""
        typed = request.form.get("kuorum", "").strip()
        try:
            screen.apis.post("assessment", f"/lsps/{screen.caller.lsp}/plenary", {
                "plenary_quorum": int(typed) if typed.isdigit() else typed})
        except Refused as refused:
            return self._registry(screen, status=refused.status, quorum_typed=typed,
                                  errors=field_errors(refused, screen.gettext))
        return screen.redirect("/lsp/registri?tersimpan=pleno")

    @page("POST", "/lsp/registri/asesor/<registration_number>/status", allow=("lsp_admin",))
    def asesor_status(self, request, registration_number, screen):
        """Deactivate an asesor (no new assignment) or activate them again."""
        screen.apis.post("assessment", f"/asesors/{quote(registration_number)}/status",
                         {"active": request.form.get("aktif") == "1"})
        return screen.redirect("/lsp/registri?tersimpan=status")

    @page("POST", "/lsp/registri/tuk", allow=("lsp_admin",))
    def register_tuk(self, request, screen):
        """A test site (TUK) of this LSP: at a training centre for the day, at a workplace,
        or the LSP's own."""
        body = {key: request.form.get(key, "").strip() for key in ("code", "name", "kind",
                                                                   "region_code")}
        try:
            screen.apis.post("assessment", "/tuks", {**body, "lsp_code": screen.caller.lsp})
        except Refused as refused:
            return self._registry(screen, status=refused.status, typed_tuk=request.form,
                                  tuk_errors=field_errors(refused, screen.gettext))
        return screen.redirect("/lsp/registri?tersimpan=tuk")
