"""Tags learning's pages load to show credentials (learning imports nothing from here).

* ``{% credential_panel %}`` — the 证书 tab of the course page;
* ``{% credential_links standings key kind %}`` — a 下载 link or “否”/“未获得” from the
  standings the page's selector fetched in one query (学习管理, 在学课程).
"""

from __future__ import annotations

from django import template

from ipms.credentials import eligibility, selectors

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


def _ids(items, attribute: str) -> list[int]:
    found = []
    for item in items or ():
        obj = item[0] if isinstance(item, tuple | list) else item
        for part in attribute.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            found.append(obj)
    return found


@register.simple_tag
def course_credentials(course, rows):
    """``{% course_credentials course rows as held %}``: 学习管理's learners' proofs and
    certificates in this course (rows of ``(member, figures)``), one query."""
    return selectors.standings_for_course(course_id=course.pk, user_ids=_ids(rows, "user_id"))


@register.simple_tag
def learner_credentials(user, cards):
    """``{% learner_credentials user cards as held %}``: 在学课程's proofs and
    certificates (cards with ``course``), one query."""
    return selectors.standings_for_learner(user_id=user.pk, course_ids=_ids(cards, "course.pk"))


@register.inclusion_tag("credentials/partials/credential_link.html")
def credential_link(held, key, kind: str, label: str, missing: str = "否"):
    """A download link (the PNG) to the held credential of ``kind``, or ``missing``."""
    pk = (held or {}).get(key, {}).get(kind)
    return {"pk": pk, "label": label, "missing": missing, "kind": kind}
