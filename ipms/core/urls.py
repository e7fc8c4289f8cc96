from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("slider/challenge/", views.slider_challenge, name="slider_challenge"),
    path("slider/verify/", views.slider_verify, name="slider_verify"),
    path("regions/cities/", views.city_options, name="city_options"),
]
