from django.urls import path

from . import views

app_name = "content"

urlpatterns = [
    path("", views.home, name="home"),
    # 政策文件
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<id:pk>/", views.policy_detail, name="policy_detail"),
    path(
        "policies/<id:pk>/attachments/<id:attachment_pk>/",
        views.policy_attachment_download,
        name="policy_attachment_download",
    ),
    path("policies/<slug:scope>/", views.policy_section, name="policy_section"),
    # 学习资料
    path("materials/", views.material_list, name="material_list"),
    path("materials/<id:pk>/download/", views.material_download, name="material_download"),
    path("materials/<slug:section>/", views.material_section, name="material_section"),
    # 讲师简介
    path("lecturers/", views.lecturer_list, name="lecturer_list"),
    # 意见反馈 | 举报投诉
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/complaint/", views.complaint, name="complaint"),
]
