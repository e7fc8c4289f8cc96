from django.urls import path
from django.views.generic import TemplateView

app_name = "learning"

urlpatterns = [
    path("", TemplateView.as_view(template_name="content/home.html"), name="course_list"),
]
