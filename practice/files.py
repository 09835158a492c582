"""The model file: versioned, signed JSON that `baraza check` and the endpoint load.

    {"format": "baraza-practice-model", "format_version": 1, "signature": "<hex>",
     "payload": {"consultation_id": 3, "version": 2, "trained_at": "...", "card": {...}, "model": {...}}}

The signature is HMAC-SHA256, under a key derived from the deployment's secret key
(`BARAZA_SECRET_KEY`), of the payload's canonical JSON. A file whose signature does not match
(edited, truncated, or signed by another deployment) is refused before any of it is used. The
file holds coefficients and counts of at least k young people, never what anyone said, and is
JSON, never a pickle: loading it runs no code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

FORMAT = "baraza-practice-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """The file is not a model file this deployment signed."""


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"baraza.practice.model-file", hashlib.sha256).digest()


def canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: dict[str, Any], secret_key: str) -> bytes:
    """The file's bytes."""
    signature = hmac.new(_key(secret_key), canonical(payload), hashlib.sha256).hexdigest()
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "signature": signature, "payload": payload}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1).encode()


def verify(data: bytes, secret_key: str) -> dict[str, Any]:
    """The payload of a file this deployment signed; ModelFileError otherwise."""
    try:
        document = json.loads(data.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError("not a model file (unreadable JSON)") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError("not a Baraza practice model file")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelFileError("a model file of another format version")
    payload, signature = document.get("payload"), document.get("signature")
    if not isinstance(payload, dict) or not isinstance(signature, str):
        raise ModelFileError("the model file has no payload or signature")
    expected = hmac.new(_key(secret_key), canonical(payload), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        raise ModelFileError("the signature does not match: the file was changed, or signed with another secret key")
    return payload


def read(path: Path, secret_key: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read {path.name}") from exc
    return verify(data, secret_key)
