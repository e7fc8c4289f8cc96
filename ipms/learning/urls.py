from django.urls import path

from ipms.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("<id:pk>/", views.course_detail, name="course_detail"),
    path("mine/", views.my_courses, name="my_courses"),
    path("report/", views.enterprise_report, name="enterprise_report"),
    path("report/export/", views.enterprise_report_export, name="enterprise_report_export"),
    path(
        "report/exports/<id:pk>/",
        views.enterprise_report_export_status,
        name="enterprise_report_export_status",
    ),
    path(
        "report/exports/<id:pk>/download/",
        views.enterprise_report_export_download,
        name="enterprise_report_export_download",
    ),
    path(
        "<id:course_pk>/lessons/<id:lesson_pk>/",
        views.lesson_detail,
        name="lesson_detail",
    ),
    path(
        "<id:course_pk>/lessons/<id:lesson_pk>/video/",
        views.lesson_video,
        name="lesson_video",
    ),
    path(
        "<id:course_pk>/lessons/<id:lesson_pk>/courseware/<id:pk>/",
        views.courseware_download,
        name="courseware_download",
    ),
    path("lessons/<id:lesson_pk>/heartbeat/", views.heartbeat, name="heartbeat"),
]
