"""The issuer's signing keys, kept in a directory outside the database (a mounted secret in
production), one JSON file per key, readable by the service's user only. A database dump or a
stolen backup then cannot forge certificates.

The newest key that still has its private part signs. A retired key keeps only its public part:
it signs nothing new, but stays in the published JWKS so its certificates keep verifying.
Instances sharing the directory see a new key without a restart (the directory is re-read when
it changes)."""

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .signing import SigningKey


class NoSigningKey(RuntimeError):
    pass


@dataclass(frozen=True)
class StoredKey:
    kid: str
    public_jwk: dict
    created_at: datetime
    private_jwk: str | None  # None once retired

    def signer(self) -> SigningKey:
        assert self.private_jwk is not None, f"key {self.kid} is retired"
        return SigningKey(kid=self.kid, private_jwk=self.private_jwk,
                          public_jwk=self.public_jwk, created_at=self.created_at)


class KeyStore:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._seen: int | None = None
        self._keys: list[StoredKey] = []

    def keys(self) -> list[StoredKey]:
        """Every key, oldest first; re-read only when the directory changed."""
        changed = self.directory.stat().st_mtime_ns if self.directory.exists() else None
        if changed != self._seen:
            self._keys = sorted((self._read(p) for p in self.directory.glob("*.json")),
                                key=lambda k: k.created_at) if changed else []
            self._seen = changed
        return self._keys

    def signing_key(self) -> SigningKey:
        active = [k for k in self.keys() if k.private_jwk]
        if not active:
            raise NoSigningKey(f"no signing key in {self.directory}: run "
                               f"`kompeten-certificate keys new --dir {self.directory}`")
        return active[-1].signer()

    def public_jwks(self) -> list[dict]:
        return [k.public_jwk for k in self.keys()]

    def new(self, now: datetime | None = None) -> StoredKey:
        key = SigningKey.generate(now or datetime.now(UTC))
        stored = StoredKey(kid=key.kid, public_jwk=key.public_jwk, created_at=key.created_at,
                           private_jwk=key.private_jwk)
        self._write(stored)
        return stored

    def retire(self, kid: str) -> StoredKey:
        """Drop a key's private part for good; its public part stays published."""
        path = self.directory / f"{kid}.json"
        if not path.exists():
            raise KeyError(f"no key {kid} in {self.directory}")
        retired = StoredKey(**{**self._read(path).__dict__, "private_jwk": None})
        self._write(retired)
        return retired

    def ensure_one(self) -> StoredKey | None:
        """A first key for a new installation; None when there is one already."""
        return None if self.keys() else self.new()

    def _read(self, path: Path) -> StoredKey:
        doc = json.loads(path.read_text())
        return StoredKey(kid=doc["kid"], public_jwk=doc["public_jwk"],
                         created_at=datetime.fromisoformat(doc["created_at"]),
                         private_jwk=json.dumps(doc["private_jwk"]) if doc["private_jwk"]
                         else None)

    def _write(self, key: StoredKey) -> None:
        """Atomically (rename), with the file readable by its owner only."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        doc = {"kid": key.kid, "created_at": key.created_at.isoformat(),
               "public_jwk": key.public_jwk,
               "private_jwk": json.loads(key.private_jwk) if key.private_jwk else None}
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w") as out:
            json.dump(doc, out, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.directory / f"{key.kid}.json")
