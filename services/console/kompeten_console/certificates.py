"""The certificate officer's screens: find a certificate by its number, see its status and
history, revoke, suspend or reinstate it with a reason, print it."""

from .apis import ApiError
from .pages import page, shown_in_form

OFFICER = ("certificate_officer",)
ACTIONS = ("revoke", "suspend", "reinstate")


class CertificateOfficer:
    @page("GET", "/sertifikat", allow=OFFICER)
    def certificate_register(self, request, screen):
        """Search by number; the certificate with what may be done to it."""
        number = request.args.get("nomor", "").strip()
        found = None
        if number:
            try:
                found = screen.apis.get("certificate", f"/certificates/{number}")
            except ApiError as missing:
                if missing.status != 404:
                    raise
        return screen.render("certificates.html", number=number, found=found,
                             done=request.args.get("selesai"))

    @page("POST", "/sertifikat/<number>/status", allow=OFFICER)
    def change_status(self, request, number, screen):
        action, reason = request.form.get("tindakan", ""), request.form.get("alasan", "")
        try:
            if action not in ACTIONS:
                raise ApiError(400, "validation_failed", "unknown action")
            screen.apis.post("certificate", f"/certificates/{number}/{action}",
                             {"reason": reason})
        except ApiError as refused:
            if not shown_in_form(refused):
                raise
            found = screen.apis.get("certificate", f"/certificates/{number}")
            return screen.render("certificates.html", status=refused.status, number=number,
                                 found=found, error=screen.refusal(refused), reason=reason)
        return screen.redirect(f"/sertifikat?nomor={number}&selesai={action}")

    @page("GET", "/sertifikat/<number>.pdf", allow=OFFICER)
    def print_certificate(self, request, number, screen):
        """The printable certificate, for the issuer's officer to hand over."""
        return screen.fetched("certificate", f"/certificates/{number}/pdf", f"{number}.pdf")
