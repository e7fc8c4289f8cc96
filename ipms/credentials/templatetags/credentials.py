"""Tags learning's pages load to show credentials (learning imports nothing from here).

* ``{% credential_panel %}`` — the 证书 tab of the course page;
* ``{% credential_links standings key kind %}`` — a 下载 link or “否”/“未获得” from the
  standings the page's selector fetched in one query (学习管理, 在学课程).
"""

from __future__ import annotations

from django import template

from ipms.credentials import eligibility

register = template.Library()


@register.inclusion_tag("credentials/partials/course_panel.html", takes_context=True)
def credential_panel(context, course, figures=None, policy=None):
    user = context["request"].user
    data = {"course": course, "policy": policy, "figures": figures, "user": user}
    if not user.is_authenticated:
        return data
    standing = eligibility.standing_for(user=user, course=course, figures=figures)
    if not standing.may_learn:
        return data
    data.update(
        {
            "standing": standing,
            "policy": standing.policy,
            "proof_refusal": eligibility.proof_refusal(standing),
            "certificate_refusal": eligibility.certificate_refusal(standing),
            "csrf_token": context.get("csrf_token"),
        }
    )
    return data
