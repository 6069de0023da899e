"""Owner capabilities: who may change a session or a comparison.

Whoever creates one gets an owner token once, in the response that created it; every request that
changes or deletes it must carry that token (`Authorization: Bearer …`). Its id alone is the viewer
capability: it reads and streams, and a follow link carries nothing more. The id and the token are
drawn independently, so the one cannot be turned into the other.

Only a digest of the token is kept (in memory and in the state file), so neither a saved state nor a
heap dump hands out control; digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits: not guessable, not worth enumerating


class NotOwner(Exception):
    """A change without the owner's token: 401 when no token came, 403 when a wrong one did."""

    def __init__(self, kind: str, missing: bool) -> None:
        self.missing = missing
        how = "send the owner token as `Authorization: Bearer <owner_token>` (it came with the response " \
              f"that created the {kind})"
        super().__init__(f"this {kind} is changed only by its owner: {how}" if missing else
                         f"this token does not own this {kind}: nothing was changed; only the owner token "
                         f"returned when the {kind} was created changes it (its id or follow link only reads)")


def new_token() -> tuple[str, str]:
    """(token, digest): the token goes to the creator once, the digest is what the server keeps."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check(kind: str, key: str | None, token: str | None) -> None:
    """Raise NotOwner unless `token` is the one whose digest is `key` (None: nobody owns it directly)."""
    if token is None:
        raise NotOwner(kind, missing=True)
    # digest both sides, so the comparison takes the same time whatever the token's length
    if key is None or not hmac.compare_digest(digest(token), key):
        raise NotOwner(kind, missing=False)
