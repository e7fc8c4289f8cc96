"""The review app's pages: the body console under /review/ and the enterprise's 监督反馈
under /enterprise/review/ (beside the other enterprise admin pages)."""

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("review/", views.console_home, name="console_home"),
    path("review/applications/", views.console_list, name="console_list"),
    path("review/applications/export/", views.console_export, name="console_export"),
    path(
        "review/applications/<id:pk>/decide/<slug:action>/",
        views.console_decide,
        name="console_decide",
    ),
    path("review/applications/<id:pk>/proofs/", views.console_proofs, name="console_proofs"),
    path(
        "review/applications/<id:pk>/proofs.zip",
        views.console_proofs_zip,
        name="console_proofs_zip",
    ),
    path("review/jobs/<id:pk>/", views.console_job, name="console_job"),
    path(
        "review/jobs/<id:pk>/download/",
        views.console_job_download,
        name="console_job_download",
    ),
    path("review/proofs/", views.console_proof_search, name="console_proof_search"),
    path("enterprise/review/", views.enterprise_review, name="enterprise_review"),
    path(
        "enterprise/review/<id:pk>/withdraw/",
        views.enterprise_withdraw,
        name="enterprise_withdraw",
    ),
    path(
        "enterprise/review/<id:pk>/certificate/",
        views.enterprise_certificate,
        name="enterprise_certificate",
    ),
]
