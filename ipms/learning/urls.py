from django.urls import path

from ipms.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
]
