from django.urls import path

from ipms.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
    path("mine/", views.my_courses, name="my_courses"),
    path("report/", views.enterprise_report, name="enterprise_report"),
    path("report/export/", views.enterprise_report_export, name="enterprise_report_export"),
    path(
        "<int:course_pk>/lessons/<int:lesson_pk>/",
        views.lesson_detail,
        name="lesson_detail",
    ),
    path(
        "<int:course_pk>/lessons/<int:lesson_pk>/video/",
        views.lesson_video,
        name="lesson_video",
    ),
    path(
        "<int:course_pk>/lessons/<int:lesson_pk>/courseware/<int:pk>/",
        views.courseware_download,
        name="courseware_download",
    ),
    path("lessons/<int:lesson_pk>/heartbeat/", views.heartbeat, name="heartbeat"),
]
