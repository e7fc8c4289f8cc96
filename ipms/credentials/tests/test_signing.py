"""The signing key: from the setting, or generated once in the embedded mode; retired
keys stay published."""

import json
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipms.credentials import signing


def test_embedded_mode_generates_the_key_once_and_keeps_it(settings, tmp_path):
    settings.CREDENTIAL_SIGNING_KEY = ""
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "keys" / "signing-key.pem")
    kid = signing.current_key_id()
    path = tmp_path / "keys" / "signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signing.cache_clear()
    assert signing.current_key_id() == kid  # read back, not generated again
    token, used = signing.sign({"x": 1})
    assert used == kid and signing.verify(token) == {"x": 1}


def test_production_refuses_to_sign_without_a_key(settings, tmp_path):
    settings.CREDENTIAL_SIGNING_KEY = ""
    settings.PRODUCTION = True
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "never.pem")
    with pytest.raises(ImproperlyConfigured):
        signing.private_key()
    assert not (tmp_path / "never.pem").exists()


def test_a_seed_and_its_pem_are_the_same_key(settings):
    settings.CREDENTIAL_SIGNING_KEY = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"
    kid = signing.current_key_id()
    assert signing.thumbprint(signing.current_jwk()) == kid


def test_retired_keys_stay_published_and_verify_old_tokens(settings):
    old_token, _ = signing.sign({"n": 1})
    old_jwk = signing.current_jwk()
    settings.CREDENTIAL_SIGNING_KEY = signing.generate_private_key_pem()
    assert signing.verify(old_token) is None
    settings.CREDENTIAL_RETIRED_PUBLIC_KEYS = json.dumps([old_jwk])
    assert [key["kid"] for key in signing.jwks()["keys"]][1] == old_jwk["kid"]
    assert signing.verify(old_token) == {"n": 1}


def test_a_token_without_a_known_kid_is_refused():
    assert signing.verify("e30.e30.AAAA") is None
    assert signing.verify("garbage") is None
