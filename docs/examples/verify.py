#!/usr/bin/env python3
"""Verify Alfe webhook signatures (X-Alfe-Signature-256). Python 3 standard library only.

Copy verify_alfe_signature() into your receiver. Run this file against the shipped vectors:

    python3 docs/examples/verify.py docs/signature-test-vectors.json
"""
import hashlib
import hmac
import re

_HEADER_RE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def sign_alfe(secret: str, body: bytes) -> str:
    """Header value for `body`: 'sha256=' + lower-case hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_alfe_signature(secret: str, body: bytes, header: str) -> bool:
    """secret: the whole 'whsec_...' string. body: the raw request bytes, exactly as received
    (never re-serialized JSON). header: the X-Alfe-Signature-256 value ('' if missing)."""
    m = _HEADER_RE.fullmatch(header or "")
    if m is None:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, bytes.fromhex(m.group(1)))


def verify_any(secrets, body: bytes, header: str) -> bool:
    """During a rotation grace period two secrets are valid: accept if either matches."""
    return any(verify_alfe_signature(s, body, header) for s in secrets)


def _main(argv):
    import base64
    import json

    if len(argv) != 2:
        print(f"usage: {argv[0]} signature-test-vectors.json")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    passed = failed = 0
    for v in vectors:
        body = base64.b64decode(v["bodyBase64"], validate=True)
        problems = []
        got = verify_alfe_signature(v["secret"], body, v["header"])
        if got != v["valid"]:
            problems.append(f"verify gave {str(got).lower()}, expected {str(v['valid']).lower()}")
        if v["valid"] and v["header"] == v["header"].lower():
            signed = sign_alfe(v["secret"], body)
            if signed != v["header"]:
                problems.append(f"sign gave {signed}")
        if problems:
            failed += 1
            print(f"FAIL {v['name']}: {'; '.join(problems)}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv))
