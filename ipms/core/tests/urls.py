"""The project's URLs plus ipms.core.urls under /core/ (until config/urls.py mounts it),
and a test-only page with a form that needs the slider check."""

from django import forms
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns
from ipms.core.forms import BootstrapFormMixin
from ipms.core.slider import SliderField

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block title %}滑块测试{% endblock %}{% block content %}
<h1 class="h4">滑块测试</h1>
{% if done %}<p role="status">提交成功</p>{% endif %}
<form method="post" novalidate>{% csrf_token %}
  {% include "core/partials/slider.html" with field=form.slider %}
  <button type="submit" class="btn btn-brand">提交</button>
</form>{% endblock %}"""
)


class SliderDemoForm(BootstrapFormMixin, forms.Form):
    slider = SliderField(scope="demo")


def slider_demo(request):
    form = SliderDemoForm(request.POST or None)
    done = request.method == "POST" and form.is_valid()
    if done:
        form = SliderDemoForm()
    get_token(request)
    return HttpResponse(PAGE.render({"form": form, "done": done}, request))


urlpatterns = list(project_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "core" for pattern in urlpatterns):
    urlpatterns.append(path("core/", include("ipms.core.urls")))
urlpatterns.append(path("test/slider-demo/", slider_demo, name="slider_demo"))
