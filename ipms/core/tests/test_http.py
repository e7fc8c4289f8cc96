"""The client IP helper trusts X-Forwarded-For only as far as our own proxies."""

import pytest
from django.test import RequestFactory

from ipms.core.http import client_ip, ip_network_key


def request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", None, "198.51.100.7"),
        (0, "198.51.100.7", "1.2.3.4", "198.51.100.7"),  # no proxy: header is the client's
        (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # forged left part ignored
        (2, "10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "10.0.0.2", "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: fall back
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", "not-an-ip", "10.0.0.1"),
        (1, "10.0.0.1", " 2001:db8::5 ", "2001:db8::5"),
        (0, "::ffff:198.51.100.7", None, "198.51.100.7"),
        (0, "", None, None),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(remote, forwarded)) == expected


def test_client_ip_defaults_to_no_trusted_proxy(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default in config/settings.py
    assert client_ip(request("198.51.100.7", "1.2.3.4")) == "198.51.100.7"


def test_rate_limit_key_groups_ipv6_by_network(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    def key(remote):
        return ip_network_key(client_ip(request(remote)))

    assert key("2001:db8:1:2::5") == "2001:db8:1:2::"
    assert key("2001:db8:1:2::6") == "2001:db8:1:2::"
    assert key("198.51.100.7") == "198.51.100.7"
    assert key("") == "unknown"
