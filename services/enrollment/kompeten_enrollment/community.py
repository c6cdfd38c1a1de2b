"""The community after certification (programme 1: Dispar Kaltim's make-up artists): a
programme's graduates as a group the monitoring officer keeps in touch with; announcements and
job information posted to them, the best marked as mentors and matched to newer participants.
Membership and every message are gated by the person's `follow_up` consent. Pure domain code.
"""

from dataclasses import dataclass, field
from datetime import datetime

from kompeten_chassis import regions
from kompeten_shared.errors import DomainError

POST_KINDS = ("announcement", "job")


@dataclass
class Community:
    id: str
    name: str
    agency: str | None
    programme_ids: list[str]
    created_at: datetime
    mentors: list[str] = field(default_factory=list)  # participant ids
    pairs: list[dict] = field(default_factory=list)  # {mentee, mentor, at}
    posts: list[dict] = field(default_factory=list)  # {id, kind, title, text, by, at}

    def mark_mentor(self, participant_id: str, members: set[str]) -> None:
        if participant_id not in members:
            raise DomainError("a mentor is a member of the community",
                              code="not_a_member", details={"field": "participant_id"})
        if participant_id not in self.mentors:
            self.mentors.append(participant_id)

    def mentor_for(self, residence: str, residences: dict[str, str]) -> str | None:
        """The mentor nearest the newcomer (same regency, then province), with the fewest
        mentees, then the first marked."""
        if not self.mentors:
            return None
        load = {m: sum(p["mentor"] == m for p in self.pairs) for m in self.mentors}
        return min(self.mentors, key=lambda m: (
            regions.distance(residences.get(m, ""), residence), load[m],
            self.mentors.index(m)))


def post_text(community: str, kind: str, title: str, text: str) -> tuple[str, str]:
    """Subject and body of a post as members receive it, Indonesian then English."""
    label = {"announcement": ("Pengumuman", "Announcement"),
             "job": ("Info lowongan", "Job information")}[kind]
    subject = f"[{community}] {label[0]}: {title}"
    body = (f"{label[0]} dari {community}:\n\n{title}\n\n{text}\n\n"
            f"-- {label[1]} from {community} (above, in the words of the sender).\n"
            "Anda menerima ini karena setuju dihubungi untuk pemantauan setelah sertifikasi. / "
            "You receive this because you agreed to follow-up after certification.")
    return subject, body


def offer_text(kind: str) -> tuple[str, str]:
    what = {"job": ("pekerjaan", "a job"), "apprenticeship": ("pemagangan",
                                                             "an apprenticeship")}[kind]
    return (f"Tawaran {what[0]} untuk Anda / An offer of {what[1]}",
            f"Ada tawaran {what[0]} untuk Anda dari perusahaan mitra. Buka halaman Anda di "
            f"Kompeten untuk membaca dan menjawabnya.\n\nA partner employer offers you "
            f"{what[1]}. Open your page on Kompeten to read and answer it.")


def certificate_text(title: str, number: str, issuer: str, valid_until: str | None,
                     verification_url: str) -> tuple[str, str]:
    """The notice that a certificate was issued: what, by whom, where anyone checks it, and
    where the holder keeps and shares it."""
    until_id = f", berlaku sampai {valid_until}" if valid_until else ""
    until_en = f", valid until {valid_until}" if valid_until else ""
    return ("Sertifikat Anda telah terbit / Your certificate has been issued",
            f"Selamat! Sertifikat {title} nomor {number} dari {issuer} telah terbit{until_id}."
            f"\n\nSiapa pun dapat memeriksa keasliannya di {verification_url}\n"
            "Unduh PDF dan kredensial digitalnya, atau tambahkan ke profil LinkedIn Anda, dari "
            "halaman Anda di Kompeten.\n\n"
            f"Congratulations! Your certificate {title}, number {number}, from {issuer} has "
            f"been issued{until_en}.\n\nAnyone can check it is genuine at "
            f"{verification_url}\nDownload the PDF and the signed credential, or add it to "
            "your LinkedIn profile, from your Kompeten page.")


def follow_up_text(months: int, due_on: str) -> tuple[str, str]:
    return (f"Pemantauan {months} bulan / Your {months}-month check-in",
            f"Sudah {months} bulan sejak sertifikasi Anda. Ceritakan kabar Anda (bekerja, usaha "
            f"sendiri, magang, masih mencari) di halaman Anda di Kompeten sebelum {due_on}.\n\n"
            f"It is {months} months since your certification. Tell us how you are doing on "
            f"your Kompeten page before {due_on}.")
