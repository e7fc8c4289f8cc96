"""The check docs/credentials.md describes, done with joserfc, a JOSE library the platform
does not sign with: the downloaded VC-JWT verifies against the published JWK set, and an
altered one is refused."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.urls import reverse
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from ipms.credentials import documents, services

# RFC 9864 names the fully specified "Ed25519"; the brief (and PyJWT) use "EdDSA" with
# the Ed25519 curve, which joserfc accepts with a warning.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]


@pytest.fixture
def downloaded(client, passed_member, course):
    proof = services.proof_generate(user=passed_member, course=course)
    client.force_login(passed_member)
    response = client.get(reverse("credentials:download_jwt", args=[proof.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    token = response.content.decode("ascii")
    key_set = client.get(reverse("credentials:jwks")).json()
    return proof, token, key_set


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def test_joserfc_verifies_the_downloaded_credential(downloaded):
    proof, token, key_set = downloaded
    keys = KeySet.import_key_set(key_set)
    result = jws.deserialize_compact(token, keys, algorithms=["EdDSA"])
    assert result.protected["alg"] == "EdDSA"
    assert result.protected["kid"] == key_set["keys"][0]["kid"]
    payload = json.loads(result.payload)
    subject = payload["vc"]["credentialSubject"]
    assert payload["vc"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert subject["snapshot"] == proof.snapshot
    # The content hash printed on the paper is the hash of the signed snapshot.
    assert subject["contentHash"] == f"sha256:{documents.content_hash(subject['snapshot'])}"
    assert payload["jti"] == documents.verify_url(proof.number)


def test_joserfc_refuses_an_altered_credential(downloaded):
    _proof, token, key_set = downloaded
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["snapshot"]["exam_score"] = 100
    forged = ".".join([header, _b64(json.dumps(claims, ensure_ascii=False).encode()), signature])
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(forged, KeySet.import_key_set(key_set), algorithms=["EdDSA"])


def test_cryptography_alone_checks_the_signature(downloaded):
    """The two-line check of the docs: Ed25519 over “header.payload” with the JWK's x."""
    _proof, token, key_set = downloaded
    x = key_set["keys"][0]["x"]
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    header, payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    key.verify(raw, f"{header}.{payload}".encode("ascii"))
    with pytest.raises(InvalidSignature):
        key.verify(raw, f"{header}.{payload[:-2]}AA".encode("ascii"))
