from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/personal/", views.register_personal, name="register_personal"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("agreement/", views.agreement, name="agreement"),
    path("sms/send/", views.sms_send, name="sms_send"),
    path("settings/", views.settings_profile, name="settings"),
    path("settings/password/", views.settings_password, name="settings_password"),
    path("settings/phone/", views.settings_phone, name="settings_phone"),
    path("settings/agreement/", views.settings_agreement, name="settings_agreement"),
]
