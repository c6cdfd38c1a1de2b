"""The employer's HR officer's screens: their vacancies and apprenticeships, the ranked
candidates with the reason for each rank, offers."""

from .apis import ApiError
from .pages import page, shown_in_form

HR = ("employer_hr",)


def _vacancy_page(screen, vacancy_id: str, status: int = 200, **extra):
    apis = screen.apis
    vacancy = next((v for v in apis.get("placement", "/vacancies") if v["id"] == vacancy_id),
                   None)
    ranking = apis.get("placement", f"/vacancies/{vacancy_id}/candidates")
    offers = {o["participant_id"]: o for o in apis.get("placement", "/offers",
                                                       vacancy_id=vacancy_id)}
    return screen.render("vacancy.html", status=status, vacancy=vacancy,
                         candidates=ranking["candidates"], weights=ranking["weights"],
                         offers=offers, **extra)


class Employer:
    @page("GET", "/lowongan", allow=HR)
    def vacancies(self, request, screen):
        """My company's open jobs and apprenticeships."""
        return screen.render("vacancies.html",
                             vacancies=screen.apis.get("placement", "/vacancies"))

    @page("GET", "/lowongan/<vacancy_id>", allow=HR)
    def vacancy(self, request, vacancy_id, screen):
        """Who may fill it, best first, each score explained; the offers made."""
        return _vacancy_page(screen, vacancy_id)

    @page("POST", "/lowongan/<vacancy_id>/tawaran", allow=HR)
    def make_offer(self, request, vacancy_id, screen):
        try:
            screen.apis.post("placement", "/offers", {
                "vacancy_id": vacancy_id, "participant_id": request.form.get("peserta", "")})
        except ApiError as refused:
            if not shown_in_form(refused):
                raise
            return _vacancy_page(screen, vacancy_id, status=refused.status,
                                 error=screen.refusal(refused))
        return _vacancy_page(screen, vacancy_id, offered=True)
