from django.contrib.auth import views as auth_views

from .forms import PhoneLoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.ip_limited:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    """安全退出: POST only, back to 首页."""
