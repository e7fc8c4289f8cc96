from django.urls import path

from ipms.exams import views

app_name = "exams"

urlpatterns = [
    path("courses/<id:course_pk>/start/", views.attempt_start, name="start"),
    path("attempts/<id:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<id:pk>/submit/", views.attempt_submit, name="submit"),
]
