"""The participant's own page: their programmes and assessments, their certificates (PDF,
verification page, credential, holder code, into a wallet), their offers (accept, decline),
their follow-up check-ins and their consents (give, withdraw)."""

import base64
from datetime import date

import segno
from kompeten_shared.vocabulary import CONSENT_PURPOSES, FOLLOW_UP_STATUSES
from markupsafe import Markup

from . import navigation
from .apis import ApiError, Refused
from .pages import field_errors, page

PARTICIPANT = ("participant",)
EVIDENCE_TYPES = ("certificate", "award", "work_sample", "photo", "reference_letter", "other")


def _my_case(screen, case_id: str, status: int = 200, **extra):
    case = screen.apis.get("assessment", f"/cases/{case_id}")
    context = {"typed": {}, "errors": {}, **extra}
    return screen.render("my_case.html", status=status, case=case, types=EVIDENCE_TYPES,
                         **context)


def _my_step(screen, case_id: str, step: str, body: dict | None, done: str):
    """One of my steps on my case; the page says it is done, or why it was refused."""
    try:
        screen.apis.post("assessment", f"/cases/{case_id}/{step}", body)
    except Refused as refused:
        return _my_case(screen, case_id, status=refused.status, error=screen.refusal(refused))
    return screen.redirect(f"/saya/asesmen/{case_id}?selesai={done}")

# The wording a participant is shown when they change a consent here (recorded with it).
CONSENT_WORDING = {
    "certification": "Data saya dipakai untuk uji kompetensi dan sertifikat saya.",
    "partner_sharing": "Profil saya (nama, nomor telepon, kabupaten/kota) dibagikan kepada "
                       "perusahaan mitra yang membuka lowongan sesuai sertifikat saya.",
    "follow_up": "Saya dihubungi untuk pemantauan setelah sertifikasi (3 dan 6 bulan).",
}


class Participant:
    @page("GET", "/saya", allow=PARTICIPANT)
    def my_page(self, request, screen):
        """My certificates (PDF, verification page) and my consents."""
        me = screen.caller.participant_id
        certificates = screen.apis.get("certificate", "/certificates", participant_id=me)
        return screen.render(
            "me.html", me=screen.apis.get("enrollment", f"/participants/{me}"),
            certificates=certificates, holder_codes=_holder_codes(screen, me, certificates),
            enrolments=screen.apis.get("enrollment", f"/participants/{me}/enrolments"),
            cases=screen.apis.get("assessment", "/cases", participant_id=me),
            offers=[o for o in screen.apis.get("placement", "/offers")
                    if o["status"] == "made"],
            placements=screen.apis.get("placement", "/placements", status="active"),
            check_ins=[c for c in screen.apis.get("placement", "/check-ins")
                       if c["status"] is None and c["due_on"] <= date.today().isoformat()],
            statuses=FOLLOW_UP_STATUSES, purposes=CONSENT_PURPOSES, wording=CONSENT_WORDING,
            answered=request.args.get("pemantauan") == "1")

    @page("POST", "/saya/persetujuan", allow=PARTICIPANT)
    def change_consent(self, request, screen):
        """Give or withdraw one consent, with the wording shown recorded beside it."""
        purpose = request.form.get("tujuan", "")
        if purpose not in CONSENT_WORDING:
            return screen.render("error.html", status=400, title=screen.gettext("Refused"),
                                 message=navigation.explain("validation_failed",
                                                            screen.gettext))
        screen.apis.post("enrollment", f"/participants/{screen.caller.participant_id}/consents",
                         {"purpose": purpose, "granted": request.form.get("beri") == "1",
                          "source": "Kompeten console", "wording": CONSENT_WORDING[purpose]})
        return screen.redirect("/saya")

    @page("POST", "/saya/pemantauan/<check_in_id>", allow=PARTICIPANT)
    def answer_check_in(self, request, check_in_id, screen):
        """The follow-up asked 3 and 6 months after certification, answered by the graduate
        themself instead of on the phone."""
        screen.apis.post("placement", f"/check-ins/{check_in_id}", {
            "status": request.form.get("status", ""),
            "obstacles": request.form.get("kendala", "").strip() or None})
        return screen.redirect("/saya?pemantauan=1")

    @page("GET", "/saya/asesmen/<case_id>", allow=PARTICIPANT)
    def my_case(self, request, case_id, screen):
        """My competency test: my documents (the portfolio) and my self-assessment (APL-02),
        unit by unit, before the asesor assesses."""
        return _my_case(screen, case_id, done=request.args.get("selesai"))

    @page("POST", "/saya/asesmen/<case_id>/bukti", allow=PARTICIPANT)
    def add_evidence(self, request, case_id, screen):
        """A document for my portfolio (a certificate, an award, a photo of my work), at most
        1 MB; kept by the LSP with its fingerprint."""
        upload, form = request.files.get("berkas"), request.form
        try:
            if upload is None or not upload.filename:
                raise Refused(400, "validation_failed", "no file", {"berkas": ["required"]})
            screen.apis.post("assessment", f"/cases/{case_id}/evidence", {
                "type": form.get("jenis", ""), "title": form.get("judul", "").strip(),
                "issued_on": form.get("tanggal") or None,
                "content": base64.b64encode(upload.read()).decode()})
        except Refused as refused:
            return _my_case(screen, case_id, status=refused.status, typed=form,
                            errors=field_errors(refused, screen.gettext))
        return screen.redirect(f"/saya/asesmen/{case_id}?selesai=bukti")

    @page("POST", "/saya/asesmen/<case_id>/apl-02", allow=PARTICIPANT)
    def assess_myself(self, request, case_id, screen):
        """APL-02: for each unit, competent or not yet, and which of my documents show it."""
        case = screen.apis.get("assessment", f"/cases/{case_id}")
        answers = [{"code": u["code"], "competent": request.form.get(f"unit-{u['code']}") == "1",
                    "evidence_ids": request.form.getlist(f"bukti-{u['code']}")}
                   for u in case["units"]]
        return _my_step(screen, case_id, "self-assessment", {"units": answers}, "apl-02")

    @page("POST", "/saya/asesmen/<case_id>/persetujuan", allow=PARTICIPANT)
    def accept_agreement(self, request, case_id, screen):
        """I agree to the assessment as the asesor set it out, and to its confidentiality."""
        return _my_step(screen, case_id, "agreement/accept", None, "persetujuan")

    @page("POST", "/saya/asesmen/<case_id>/banding", allow=PARTICIPANT)
    def appeal(self, request, case_id, screen):
        """Appeal (banding) against a BK decision, with the reason, within the window."""
        screen.apis.post("assessment", f"/cases/{case_id}/appeal",
                         {"reason": request.form.get("alasan", "").strip()})
        return screen.redirect("/saya")

    @page("POST", "/saya/tawaran/<offer_id>", allow=PARTICIPANT)
    def answer_offer(self, request, offer_id, screen):
        """Accept an offer (the placement starts) or decline it."""
        if request.form.get("jawaban") == "terima":
            screen.apis.post("placement", f"/offers/{offer_id}/accept", {"agreement": None})
        else:
            screen.apis.post("placement", f"/offers/{offer_id}/decline",
                             {"reason": request.form.get("alasan") or None})
        return screen.redirect("/saya")

    @page("POST", "/saya/sertifikat/<number>/dompet", allow=PARTICIPANT)
    def my_wallet_offer(self, request, number, screen):
        """The certificate offered to a wallet app (OpenID4VCI): a QR code to scan with the
        wallet, or the link to open on this phone; good once, for ten minutes."""
        offer = screen.apis.post("certificate", f"/certificates/{number}/wallet-offer")
        qr = segno.make(offer["offer_url"], error="m").svg_inline(scale=4, border=4, omitsize=True)
        return screen.render("wallet.html", number=number, offer=offer, qr=Markup(qr))

    @page("GET", "/saya/sertifikat/<number>.jwt", allow=PARTICIPANT)
    def my_credential(self, request, number, screen):
        """The signed credential (VC 2.0 / Open Badges 3.0, VC-JOSE) to keep in a wallet."""
        return screen.fetched("certificate", f"/certificates/{number}/credential",
                           f"{number}.vc.jwt", attachment=True)

    @page("GET", "/saya/sertifikat/<number>.pdf", allow=PARTICIPANT)
    def my_certificate_pdf(self, request, number, screen):
        """The printable certificate, fetched for its holder."""
        return screen.fetched("certificate", f"/certificates/{number}/pdf", f"{number}.pdf")




def _holder_codes(screen, me: str, certificates: list[dict]) -> dict[str, str]:
    """The code, per certificate whose holder is identified, that proves with the NIK that it
    is theirs; one not yet known to enrollment (a moment after issue) shows none."""
    codes = {}
    for cert in certificates:
        if cert.get("holder_identified"):
            try:
                codes[cert["number"]] = screen.apis.get(
                    "enrollment", f"/participants/{me}/holder-codes/{cert['number']}")[
                    "holder_code"]
            except ApiError:
                continue
    return codes
