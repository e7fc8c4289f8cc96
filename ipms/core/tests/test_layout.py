import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_page_title_names_the_page_then_the_platform(client):
    body = client.get(reverse("content:policy_list")).content.decode()
    assert "<title>政策文件 - 知识产权贯标认证学习平台</title>" in body


def test_a_page_without_a_title_shows_the_platform_name_alone():
    from django.template import Context, Template

    html = Template('{% extends "base.html" %}').render(Context({}))
    assert "<title>知识产权贯标认证学习平台</title>" in html


def test_navigation_marks_the_current_page(client):
    body = client.get(reverse("content:material_list")).content.decode()
    assert 'aria-current="page">学习资料</a>' in body
    for label in ["首页", "政策文件", "课程列表", "讲师简介", "意见反馈", "登录"]:
        assert f">{label}</a>" in body
