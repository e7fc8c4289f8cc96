"""省份 → 城市 on a slow phone: a province chosen while htmx is still on its way still fills
the city list once htmx arrives (static/js/site.js)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "13600002925"
PASSWORD = "Xuexi2026ok"


@pytest.fixture
def learner(transactional_db):
    from ipms.accounts.models import User

    return User.objects.create_user(phone=PHONE_NUMBER, password=PASSWORD, name="张总监")


def test_a_province_chosen_before_htmx_loads_still_fills_the_cities(page, live_server, learner):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, PHONE_NUMBER, PASSWORD)

    held = []
    page.route("**/htmx.min.js", lambda route: held.append(route))
    page.goto(live_server.url + "/accounts/settings/", wait_until="commit")
    province, city = page.get_by_label("省份"), page.get_by_label("城市")
    # The form is on the screen, htmx is not: the person chooses anyway.
    province.select_option(label="江苏省")
    assert held, "htmx was not held back"
    assert page.evaluate("typeof window.htmx") == "undefined"
    expect(city.locator("option")).to_have_count(1)  # only 请选择城市

    held[0].continue_()
    expect(city.locator("option", has_text="苏州市")).to_be_attached()
    city.select_option(label="苏州市")
    expect(city).to_have_value("320500")
    expect(province).to_have_value("320000")


def test_a_page_left_as_rendered_asks_for_nothing(page, live_server, learner):
    """The page as the server rendered it (no choice made) sends no city request."""
    log_in(page, live_server, PHONE_NUMBER, PASSWORD)
    asked = []
    page.on("request", lambda request: "/core/regions/cities/" in request.url and asked.append(1))
    page.goto(live_server.url + "/accounts/settings/")
    page.wait_for_function("() => window.htmx !== undefined")
    expect(page.get_by_label("城市").locator("option")).to_have_count(1)
    assert asked == []
