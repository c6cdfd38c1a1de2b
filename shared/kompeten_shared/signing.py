"""Signatures on what external LSPs submit: HMAC-SHA256 over canonical JSON, keyed with a
secret each LSP shares with the Kompeten operator. Any language can reproduce it:
`hmac_sha256(key, json.dumps(data_without_signature, sort_keys=True, separators=(",", ":"),
ensure_ascii=False))`, hex-encoded."""

import hashlib
import hmac
import json


def canonical(data: dict) -> bytes:
    unsigned = {key: value for key, value in data.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(data: dict, key: str) -> str:
    return hmac.new(key.encode(), canonical(data), hashlib.sha256).hexdigest()


def verify(data: dict, key: str) -> bool:
    return hmac.compare_digest(sign(data, key), data.get("signature", ""))
