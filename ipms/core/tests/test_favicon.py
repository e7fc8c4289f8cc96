"""/favicon.ico answers (browsers ask for it on every site) and every layout links the icon."""

import pytest
from django.urls import reverse


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file header


@pytest.mark.django_db
def test_the_site_layout_links_both_icons(client):
    html = client.get(reverse("content:home")).content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert "img/favicon.svg" in html
