"""The certificate officer's screens: the issuer's register with search, a certificate with
its history, revoke, suspend or reinstate it with a reason, print it; the signing keys."""

from .apis import Refused
from .pages import page

OFFICER = ("certificate_officer",)
ACTIONS = ("revoke", "suspend", "reinstate")


def _certificate_page(screen, number: str, status: int = 200, **extra):
    """The certificate with its history: the history is its issuer's alone, so another
    issuer's officer is refused here by the certificate service."""
    history = screen.apis.get("certificate", f"/certificates/{number}/history")
    found = screen.apis.get("certificate", f"/certificates/{number}")
    return screen.render("certificate.html", status=status, found=found, history=history,
                         **extra)


class CertificateOfficer:
    @page("GET", "/sertifikat", allow=OFFICER)
    def certificate_register(self, request, screen):
        """The issuer's latest certificates, or those whose number or scheme holds what was
        typed."""
        search = request.args.get("cari", "").strip()
        return screen.render("certificates.html", search=search, register=screen.apis.get(
            "certificate", "/certificates", **({"q": search} if search else {})))

    @page("GET", "/sertifikat/kunci", allow=OFFICER)
    def signing_keys(self, request, screen):
        """Which key signs, since when; retired keys still verify what they signed."""
        return screen.render("keys.html", keys=screen.apis.get("certificate", "/keys"))

    @page("GET", "/sertifikat/<number>", allow=OFFICER)
    def certificate(self, request, number, screen):
        return _certificate_page(screen, number, done=request.args.get("selesai"))

    @page("POST", "/sertifikat/<number>/status", allow=OFFICER)
    def change_status(self, request, number, screen):
        action, reason = request.form.get("tindakan", ""), request.form.get("alasan", "")
        try:
            if action not in ACTIONS:
                raise Refused(400, "validation_failed", "unknown action")
            screen.apis.post("certificate", f"/certificates/{number}/{action}",
                             {"reason": reason})
        except Refused as refused:
            return _certificate_page(screen, number, status=refused.status,
                                     error=screen.refusal(refused), reason=reason)
        return screen.redirect(f"/sertifikat/{number}?selesai={action}")

    @page("GET", "/sertifikat/<number>.pdf", allow=OFFICER)
    def print_certificate(self, request, number, screen):
        """The printable certificate, for the issuer's officer to hand over."""
        return screen.fetched("certificate", f"/certificates/{number}/pdf", f"{number}.pdf")
