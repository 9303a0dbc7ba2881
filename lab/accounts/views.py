"""Sign up, log in, log out and password change: Django's auth views with
the site's templates; signing up or logging in keeps the visitor's
anonymous labs (lab.accounts.signin)."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from lab.accounts.forms import SignupForm
from lab.accounts.roles import make_learner
from lab.accounts.signin import lab_page_after_login, login_keeping_labs


def next_url(request: HttpRequest) -> str:
    """The `next` page asked for, if it is on this site; else the default."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Django's LoginView; the anonymous session's labs go to the user."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        adopted = login_keeping_labs(self.request, form.get_user())
        return HttpResponseRedirect(lab_page_after_login(self.get_success_url(), adopted))


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule: a link cannot log anyone out)."""

    template_name = "accounts/logged_out.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new learner account; the visitor is logged in and keeps their labs."""
    if request.user.is_authenticated:
        return redirect(next_url(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        make_learner(user)
        adopted = login_keeping_labs(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(lab_page_after_login(next_url(request), adopted))
    return render(request, "accounts/signup.html", {"form": form, "next": request.GET.get("next", "")})
