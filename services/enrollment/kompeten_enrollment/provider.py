"""Who trains: training providers (an LPK, a BLK or BLKI, a partner company, a community
group) and their trainers (narasumber, instruktur), records a programme names. Pure domain code.
"""

from dataclasses import dataclass, field

PROVIDER_KINDS = ("lpk", "blk", "company", "community", "agency")


@dataclass
class Provider:
    id: str  # a short code, e.g. lpk-sandi-bontang
    name: str
    kind: str
    region_code: str
    agency: str | None = None  # the agency that registered it


@dataclass
class Trainer:
    """A trainer of a provider; a partner company's staff teaching a village course is one."""

    id: str
    name: str
    provider_id: str
    schemes: list[str] = field(default_factory=list)
    agency: str | None = None
