from django.urls import path

from ipms.credentials import views

app_name = "credentials"

urlpatterns = [
    path("credentials/courses/<id:course_pk>/proof/", views.proof_generate, name="proof_generate"),
    path(
        "credentials/courses/<id:course_pk>/certificate/",
        views.certificate_generate,
        name="certificate_generate",
    ),
    path("credentials/<id:pk>/png/", views.download, {"file_format": "png"}, name="download_png"),
    path("credentials/<id:pk>/pdf/", views.download, {"file_format": "pdf"}, name="download_pdf"),
    path("credentials/<id:pk>/jwt/", views.download, {"file_format": "jwt"}, name="download_jwt"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/", views.verify_number, name="verify_number"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
