from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from ipms.enterprises.views import invitation_link

admin.site.site_header = "知识产权贯标认证学习平台 · 运营后台"
admin.site.site_title = "运营后台"
admin.site.index_title = "内容管理"

urlpatterns = [
    path("", include("ipms.content.urls")),
    path("courses/", include("ipms.learning.urls")),
    path("exams/", include("ipms.exams.urls")),
    path("", include("ipms.credentials.urls")),
    path("accounts/", include("ipms.accounts.urls")),
    # /enterprise/… and 企业注册 / 身份切换 at /accounts/register/, /accounts/identity/switch/
    path("", include("ipms.enterprises.urls")),
    # the body console at /review/, 监督反馈 at /enterprise/review/
    path("", include("ipms.reviews.urls")),
    path("j/<str:token>/", invitation_link, name="invitation_link"),
    path("core/", include("ipms.core.urls")),
    path("support/", include("ipms.support.urls")),
    path("captcha/", include("captcha.urls")),
    path("console/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Embedded mode only: public images (lecturer photos, course covers). Private files
    # live elsewhere and are never reachable through this route.
    urlpatterns += [
        re_path(
            r"^media/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    ]

handler404 = "ipms.core.views.page_not_found"
handler500 = "ipms.core.views.server_error"
handler403 = "ipms.core.views.permission_denied"
handler400 = "ipms.core.views.bad_request"
