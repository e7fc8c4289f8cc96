"""Enterprise admin pages under /enterprise/ (the invitation link /j/<token>/ is mounted
at the root by config/urls.py, since SMS_LINK_BASE ends in /j/)."""

from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
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
