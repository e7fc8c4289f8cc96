"""The platform's signing key and the signed credential (VC-JWT, EdDSA / Ed25519).

Each proof and certificate is issued as an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C
Verifiable Credential) secured as a VC-JWT: a compact JWS whose header says
``alg: EdDSA`` and the key id, and whose payload carries the registered JWT claims (``iss``,
``jti``, ``sub``, ``nbf``, ``iat``) and the credential under ``vc``. PyJWT signs and
verifies; ``cryptography`` holds the key.

The key (docs/credentials.md):

* ``CREDENTIAL_SIGNING_KEY`` — an Ed25519 private key, as PEM (PKCS#8) or as the
  base64url of its 32-byte seed. Production needs it;
* without it, in the embedded mode, a key is generated once and kept in
  ``CREDENTIAL_SIGNING_KEY_FILE`` (``var/credentials/signing-key.pem``, mode 0600).

The public key is published as a JWK set (RFC 7517) at ``/.well-known/jwks.json``; its key
id is the RFC 7638 thumbprint, so anyone can recompute it from the published key.
``CREDENTIAL_RETIRED_PUBLIC_KEYS`` (public JWKs, JSON list) keeps old keys published after
a rotation so that credentials signed before it still verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

ALGORITHM = "EdDSA"
MISSING_KEY = (
    "Production mode needs CREDENTIAL_SIGNING_KEY (an Ed25519 private key) to sign "
    "learning proofs and certificates; see docs/credentials.md."
)
_lock = threading.Lock()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_private_key_pem() -> str:
    """A new Ed25519 private key as PKCS#8 PEM (for ``CREDENTIAL_SIGNING_KEY``)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def parse_private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    else:
        seed = _b64url_decode(text)
        if len(seed) != 32:
            raise ImproperlyConfigured("CREDENTIAL_SIGNING_KEY: an Ed25519 seed has 32 bytes.")
        key = Ed25519PrivateKey.from_private_bytes(seed)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("CREDENTIAL_SIGNING_KEY must be an Ed25519 private key.")
    return key


def _embedded_key(path: Path) -> Ed25519PrivateKey:
    """The key kept in ``var/``, generated on first use (one writer, file mode 0600)."""
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = generate_private_key_pem()
            # O_EXCL: if another process wrote it first, read theirs.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(pem)
        return parse_private_key(path.read_text())


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    configured = settings.CREDENTIAL_SIGNING_KEY
    if configured:
        return parse_private_key(configured)
    if settings.PRODUCTION:
        raise ImproperlyConfigured(MISSING_KEY)
    return _embedded_key(Path(settings.CREDENTIAL_SIGNING_KEY_FILE))


def public_jwk(public_key: Ed25519PublicKey) -> dict:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    return {**jwk, "kid": thumbprint(jwk), "use": "sig", "alg": ALGORITHM}


def thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 of the required members in lexical order, base64url."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def current_jwk() -> dict:
    return public_jwk(private_key().public_key())


def current_key_id() -> str:
    return current_jwk()["kid"]


def jwks() -> dict:
    """The JWK set published at ``/.well-known/jwks.json``: the current key first."""
    keys = [current_jwk()]
    retired = json.loads(settings.CREDENTIAL_RETIRED_PUBLIC_KEYS or "[]")
    keys.extend(key for key in retired if key.get("kid") != keys[0]["kid"])
    return {"keys": keys}


def _public_key_for(kid: str) -> Ed25519PublicKey | None:
    for key in jwks()["keys"]:
        if key.get("kid") == kid and key.get("kty") == "OKP" and key.get("crv") == "Ed25519":
            return Ed25519PublicKey.from_public_bytes(_b64url_decode(key["x"]))
    return None


def sign(payload: dict) -> tuple[str, str]:
    """The compact JWS of ``payload`` and the key id it was signed with."""
    kid = current_key_id()
    token = jwt.encode(
        payload, private_key(), algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"}
    )
    return token, kid


def verify(token: str) -> dict | None:
    """The payload when ``token`` carries a valid signature by a published key, else None."""
    try:
        header = jwt.get_unverified_header(token)
        key = _public_key_for(str(header.get("kid", "")))
        if key is None:
            return None
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return None


def cache_clear() -> None:
    private_key.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting, **kwargs) -> None:
    if setting.startswith("CREDENTIAL_SIGNING_KEY"):
        cache_clear()
