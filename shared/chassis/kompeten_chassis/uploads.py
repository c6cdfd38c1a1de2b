"""Files that arrive inside a JSON body (evidence, spreadsheets): base64, with a size limit,
refused with a clear error naming the field."""

import base64
import binascii

from kompeten_shared.errors import InvalidInput


def decoded(content: str, max_bytes: int, field: str = "content") -> bytes:
    """The file's bytes, or InvalidInput: not base64 or empty (validation_failed), or
    larger than `max_bytes` (file_too_large)."""
    try:
        raw = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{field} is not base64", code="validation_failed",
                           details={field: ["not base64"]}) from None
    if not raw:
        raise InvalidInput("the file is empty", code="validation_failed",
                           details={field: ["empty"]})
    if len(raw) > max_bytes:
        raise InvalidInput(f"a file may have at most {max_bytes} bytes",
                           code="file_too_large", details={field: ["size"]})
    return raw
