"""身份切换: an enterprise admin is also a learner and switches between the two views.

The identity is a view mode kept in the session, not a permission: admin pages check
that the user administers an enterprise (``selectors``), and opening one puts the session
in the admin identity so the layout shows the admin navigation.
"""

from enum import StrEnum

SESSION_KEY = "ipms_identity"


class Identity(StrEnum):
    LEARNER = "learner"
    ADMIN = "admin"


def identity_get(request) -> Identity:
    value = request.session.get(SESSION_KEY)
    return Identity(value) if value in Identity._value2member_map_ else Identity.LEARNER


def identity_set(request, identity: Identity) -> None:
    if request.session.get(SESSION_KEY) != identity.value:
        request.session[SESSION_KEY] = identity.value
