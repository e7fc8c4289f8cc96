from django.contrib.auth import views as auth_views

from .forms import PhoneLoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """安全退出: POST only, back to 首页."""
