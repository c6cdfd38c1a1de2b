"""Read models: what the routes answer. A participant's NIK only ever leaves masked."""

from kompeten_chassis import regions

from .community import Community
from .participant import Participant
from .programme import Programme
from .provider import Provider, Trainer


def programme(p: Programme) -> dict:
    return {"id": p.id, "title": p.title, "kind": p.kind, "organiser": p.organiser,
            "organiser_region": p.organiser_region, "scheme_code": p.scheme_code,
            "venue": p.venue, "region_code": p.region_code,
            "region_name": regions.regency_name(p.region_code),
            "start_date": p.start_date, "end_date": p.end_date,
            "duration_days": p.duration_days, "session_days": p.session_days,
            "session_dates": p.session_dates, "required_days": p.required_days,
            "min_days": p.min_days, "certificates": p.certificates, "sector": p.sector,
            "provider_id": p.provider_id, "trainer_ids": p.trainer_ids,
            "applications_until": p.applications_until, "allocated": p.allocated,
            "capacity": p.capacity, "attendance_threshold": p.attendance_threshold,
            "target_id": p.target_id, "partner_employers": p.partner_employers,
            "eligibility": p.eligibility.__dict__,
            "district_names": [regions.district_name(d) for d in p.eligibility.districts],
            "priority": p.priority, "closed": p.closed, "closing": p.closing,
            "agency": p.agency}


def provider(p: Provider) -> dict:
    return {"id": p.id, "name": p.name, "kind": p.kind, "region_code": p.region_code,
            "region_name": regions.regency_name(p.region_code)}


def trainer(t: Trainer) -> dict:
    return {"id": t.id, "name": t.name, "provider_id": t.provider_id, "schemes": t.schemes}


def community(c: Community, members: list[Participant] | None) -> dict:
    """A community; with its members by name when they were read."""
    view = {"id": c.id, "name": c.name, "programme_ids": c.programme_ids,
            "mentors": c.mentors, "pairs": c.pairs, "posts": c.posts,
            "created_at": c.created_at}
    if members is not None:
        view["members"] = [{"participant_id": p.id, "name": p.name,
                            "regency": regions.regency_name(p.residence),
                            "mentor": p.id in c.mentors} for p in members]
    return view


def enrolment(doc: dict) -> dict:
    return {"participant_id": doc["participant_id"], "status": doc["status"],
            "days_attended": len(doc["attended"]),
            "attendance_rate": doc.get("attendance_rate"), "reason": doc.get("reason"),
            "certificate": doc.get("certificate"), "placement": doc.get("placement")}


def participant(p: Participant) -> dict:
    return {"participant_id": p.id, "nik": p.nik_masked, "name": p.name, "sex": p.sex,
            "phone": p.phone, "email": p.email,
            "regency": regions.regency_name(p.regency_code),
            "residence": p.residence, "district": p.residence_district,
            "district_name": p.residence_district and regions.district_name(
                p.residence_district),
            "employment_status": p.employment_status,
            "consents": {c.purpose: c.granted for c in p.consents}}


def recertification(item: dict) -> dict:
    """A holder due for re-certification, with the contact details to invite them."""
    person = item["person"]
    return {**{k: v for k, v in item.items() if k != "person"}, "name": person.name,
            "phone": person.phone, "nik": person.nik_masked}


def named(item: dict) -> dict:
    """An enrolment with the name and the masked NIK to recognise the person."""
    person = item["person"]
    return {"participant_id": person.id, "name": person.name, "nik": person.nik_masked}


def attendance_row(item: dict) -> dict:
    """A line of the attendance sheet: who, and the days they attended."""
    return {**named(item), "attended": sorted(item["attended"])}
