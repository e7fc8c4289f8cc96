from django.urls import path
from django.views.generic import TemplateView

app_name = "content"

_page = TemplateView.as_view(template_name="content/home.html")

urlpatterns = [
    path("", _page, name="home"),
    path("policies/", _page, name="policy_list"),
    path("materials/", _page, name="material_list"),
    path("lecturers/", _page, name="lecturer_list"),
    path("feedback/", _page, name="feedback"),
    path("feedback/complaint/", _page, name="complaint"),
]
