"""The enterprises app's pages, mounted at the site root by config/urls.py: the admin pages
under /enterprise/, and 企业注册 and 身份切换 under /accounts/, where the account pages are
and where users know them. (The invitation link /j/<token>/ is mounted by config/urls.py
without a namespace, since SMS_LINK_BASE ends in /j/.)"""

from django.urls import include, path

from . import views

app_name = "enterprises"

# The enterprise admin's pages.
admin_patterns = [
    path("", views.index, name="index"),
    path("profile/", views.profile, name="profile"),
    path("members/", views.member_list, name="member_list"),
    path("members/add/", views.member_add, name="member_add"),
    path("members/<id:pk>/remove/", views.member_remove, name="member_remove"),
    path("members/<id:pk>/resend/", views.member_resend, name="member_resend"),
    path("members/import/", views.member_import, name="member_import"),
    path(
        "members/import/template/",
        views.member_import_template,
        name="member_import_template",
    ),
    path(
        "members/import/<slug:preview_id>/",
        views.member_import_preview,
        name="member_import_preview",
    ),
    path(
        "members/import/<slug:preview_id>/result/",
        views.member_import_result,
        name="member_import_result",
    ),
    path("joined/", views.joined, name="joined"),
]

urlpatterns = [
    path("enterprise/", include(admin_patterns)),
    path("accounts/register/", views.register_enterprise, name="register"),
    path("accounts/identity/switch/", views.identity_switch, name="identity_switch"),
]
