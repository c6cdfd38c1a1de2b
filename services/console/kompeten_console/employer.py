"""The employer's HR officer's screens: their vacancies and apprenticeships, the ranked
candidates with the reason for each rank, offers, an apprenticeship's written agreement,
placements and early endings."""

from datetime import date

from kompeten_shared.errors import NotFound

from . import navigation
from .apis import ApiError, Refused
from .pages import field_errors, page

HR = ("employer_hr",)


def _vacancy_page(screen, vacancy_id: str, status: int = 200, **extra):
    apis = screen.apis
    vacancy = apis.get("placement", f"/vacancies/{vacancy_id}")
    ranking = apis.get("placement", f"/vacancies/{vacancy_id}/candidates")
    offers = {o["participant_id"]: o for o in apis.get("placement", "/offers",
                                                       vacancy_id=vacancy_id)}
    return screen.render("vacancy.html", status=status, vacancy=vacancy,
                         candidates=ranking["candidates"], weights=ranking["weights"],
                         total=ranking["total"],
                         offers=offers, **extra)


def _vacancy(form, employer_id: str) -> dict:
    body = {key: form.get(key, "").strip() for key in ("title", "kind", "scheme_code",
                                                       "start_date")}
    try:
        body["places"] = int(form.get("places", ""))
    except ValueError:
        body["places"] = form.get("places", "")  # refused beside the field
    accepts = ["certification"] + ["training"] * (form.get("pelatihan") == "1") + \
        ["apprenticeship_intake"] * (form.get("magang") == "1")
    return {**body, "employer_id": employer_id, "accepts": accepts}


class Employer:
    @page("GET", "/lowongan/baru", allow=HR)
    def vacancy_form(self, request, screen):
        """A job or an apprenticeship (pemagangan) of my company."""
        return screen.render("new_vacancy.html", typed={}, errors={},
                             schemes=screen.apis.get("assessment", "/schemes"))

    @page("POST", "/lowongan/baru", allow=HR)
    def open_vacancy(self, request, screen):
        try:
            created = screen.apis.post("placement", "/vacancies",
                                       _vacancy(request.form, screen.caller.employer))
        except Refused as refused:
            return screen.render("new_vacancy.html", status=refused.status,
                                 typed=request.form,
                                 errors=field_errors(refused, screen.gettext),
                                 schemes=screen.apis.get("assessment", "/schemes"))
        return screen.redirect(f"/lowongan/{created['id']}")

    @page("GET", "/penempatan", allow=HR)
    def placements(self, request, screen):
        """My company's graduates at work and apprentices, with early endings."""
        return self._placements(screen, ended=request.args.get("selesai") == "1")

    def _placements(self, screen, status: int = 200, **extra):
        return screen.render("placements.html", status=status, today=date.today().isoformat(),
                             placements=screen.apis.get("placement", "/placements"), **extra)

    @page("POST", "/penempatan/<placement_id>/akhiri", allow=HR)
    def end_placement(self, request, placement_id, screen):
        """End a placement early, with the date and the reason."""
        try:
            screen.apis.post("placement", f"/placements/{placement_id}/terminate", {
                "ended_on": request.form.get("tanggal", ""),
                "reason": request.form.get("alasan", "").strip()})
        except Refused as refused:
            return self._placements(screen, status=refused.status,
                                    error=screen.refusal(refused))
        return screen.redirect("/penempatan?selesai=1")

    @page("GET", "/lowongan", allow=HR)
    def vacancies(self, request, screen):
        """My company's open jobs and apprenticeships."""
        return screen.render("vacancies.html",
                             vacancies=screen.apis.get("placement", "/vacancies"))

    @page("GET", "/lowongan/<vacancy_id>", allow=HR)
    def vacancy(self, request, vacancy_id, screen):
        """Who may fill it, best first, each score explained; the offers made."""
        return _vacancy_page(screen, vacancy_id,
                             agreement_saved=request.args.get("perjanjian") == "1")

    @page("POST", "/lowongan/<vacancy_id>/tawaran", allow=HR)
    def make_offer(self, request, vacancy_id, screen):
        try:
            screen.apis.post("placement", "/offers", {
                "vacancy_id": vacancy_id, "participant_id": request.form.get("peserta", "")})
        except Refused as refused:
            return _vacancy_page(screen, vacancy_id, status=refused.status,
                                 error=screen.refusal(refused))
        return _vacancy_page(screen, vacancy_id, offered=True)


AGREEMENT_TEXTS = ("apprentice_rights", "apprentice_duties", "company_rights",
                   "company_duties", "programme")
AGREEMENT_FIELDS = (*AGREEMENT_TEXTS, "start_date", "end_date", "monthly_allowance",
                    "ratified_by", "ratified_on", "ratification_number")
# A starting text for a new agreement, as Permenaker 6/2020 is commonly summarised (the
# agreement itself is written in Indonesian); HR edits it to the agreement it signs.
STANDARD_TERMS = {
    "apprentice_rights": "Memperoleh bimbingan dari pembimbing pemagangan; memperoleh uang saku; "
                         "memperoleh fasilitas keselamatan dan kesehatan kerja; diikutsertakan "
                         "dalam program jaminan sosial; memperoleh sertifikat pemagangan atau "
                         "surat keterangan telah mengikuti pemagangan.",
    "apprentice_duties": "Menaati perjanjian pemagangan; mengikuti program pemagangan sampai "
                         "selesai; menaati tata tertib perusahaan; menjaga nama baik perusahaan.",
    "company_rights": "Memanfaatkan hasil kerja peserta pemagangan; memberlakukan tata tertib "
                      "dan perjanjian pemagangan.",
    "company_duties": "Membimbing peserta sesuai program pemagangan; memberikan uang saku; "
                      "menyediakan alat pelindung diri; mengikutsertakan peserta dalam jaminan "
                      "sosial; mengevaluasi peserta; memberikan sertifikat pemagangan.",
}
# Which field of the form each national rule concerns ("form": the agreement as a whole).
RULE_FIELDS = {"duration": "end_date", "at_most_one_year": "end_date",
               "allowance": "monthly_allowance", "ratified": "ratification_number"}


def _agreement(form) -> dict:
    body = {key: form.get(key, "").strip() for key in AGREEMENT_FIELDS}
    for key in ("ratified_by", "ratified_on", "ratification_number"):
        body[key] = body[key] or None
    allowance = body["monthly_allowance"].replace(".", "").replace(",", "")
    body["monthly_allowance"] = int(allowance) if allowance.isdigit() else allowance
    return body


def _agreement_errors(refused: ApiError, gettext) -> dict[str, str]:
    """Each broken national rule beside its field, in the person's language."""
    if refused.code != "apprenticeship_rules_broken":
        return field_errors(refused, gettext)
    errors: dict[str, str] = {}
    for broken in refused.details["broken"]:
        field = RULE_FIELDS.get(broken["rule"], "form")
        rule = navigation.LABELS["rule"].get(broken["rule"], navigation.GENERIC)
        said = gettext(rule)
        errors[field] = f"{errors[field]} {said}" if field in errors else said
    return errors


class Agreements:
    @page("GET", "/lowongan/<vacancy_id>/tawaran/<offer_id>/perjanjian", allow=HR)
    def agreement_form(self, request, vacancy_id, offer_id, screen):
        """The apprenticeship's written agreement (perjanjian pemagangan), as ratified by the
        district labour office; the graduate reads it before accepting."""
        offer = self._offer(screen, vacancy_id, offer_id)
        typed = offer["agreement"] or {**STANDARD_TERMS,
                                       "start_date": offer["vacancy"]["start_date"]}
        return screen.render("agreement.html", offer=offer, typed=typed, errors={},
                             texts=AGREEMENT_TEXTS)

    @page("POST", "/lowongan/<vacancy_id>/tawaran/<offer_id>/perjanjian", allow=HR)
    def draw_up_agreement(self, request, vacancy_id, offer_id, screen):
        try:
            screen.apis.post("placement", f"/offers/{offer_id}/agreement",
                             _agreement(request.form))
        except Refused as refused:
            return screen.render("agreement.html", status=refused.status, typed=request.form,
                                 offer=self._offer(screen, vacancy_id, offer_id),
                                 errors=_agreement_errors(refused, screen.gettext),
                                 texts=AGREEMENT_TEXTS)
        return screen.redirect(f"/lowongan/{vacancy_id}?perjanjian=1")

    def _offer(self, screen, vacancy_id: str, offer_id: str) -> dict:
        """My employer's offer, with its vacancy (another employer's is not listed to me)."""
        offer = next((o for o in screen.apis.get("placement", "/offers", vacancy_id=vacancy_id)
                      if o["id"] == offer_id), None)
        if offer is None or offer["kind"] != "apprenticeship":
            raise NotFound("no such apprenticeship offer")
        return {**offer, "vacancy": screen.apis.get("placement", f"/vacancies/{vacancy_id}")}
