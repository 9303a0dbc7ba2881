"""Accounts: sign up, log in, log out, password change, the roles, the
admin site, and anonymous labs kept when their visitor signs in."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from lab.accounts.roles import INSTRUCTOR, LEARNER, is_instructor
from lab.labs.models import Lab

pytestmark = pytest.mark.django_db

PASSWORD = "kube-proxy-rules-42"


def make_user(username: str, *, groups: tuple[str, ...] = (LEARNER,), **extra) -> User:
    user = User.objects.create_user(username, password=PASSWORD, **extra)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def visit_lab(client: Client, path: str = "/lab/") -> Lab:
    """Open the lab page; the lab it shows (the one whose name is in the URL)."""
    response = client.get(path)
    assert response.status_code == 200
    return response.context["lab"]


def test_the_migration_makes_the_two_roles_with_their_permissions():
    perms = {g.name: sorted(g.permissions.values_list("content_type__app_label", "codename"))
             for g in Group.objects.all()}
    assert perms == {LEARNER: [("accounts", "use_labs")],
                     INSTRUCTOR: [("accounts", "teach_classrooms"), ("accounts", "use_labs")]}
    learner, teacher, admin = make_user("ann"), make_user("ivy", groups=(INSTRUCTOR,)), \
        User.objects.create_superuser("root", password=PASSWORD)
    assert [is_instructor(u) for u in (learner, teacher, admin)] == [False, True, True]
    assert learner.has_perm("accounts.use_labs") and not learner.has_perm("accounts.teach_classrooms")


def test_sign_up_makes_a_learner_logs_them_in_and_keeps_the_anonymous_lab(client):
    anonymous_lab = visit_lab(client)
    response = client.post("/accounts/signup/", {"username": "ann", "email": "",
                                                 "password1": PASSWORD, "password2": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/lab/")
    user = User.objects.get(username="ann")
    assert list(user.groups.values_list("name", flat=True)) == [LEARNER]
    lab = Lab.objects.get()
    assert (lab.pk, lab.owner_kind, lab.user, lab.session_key) == (anonymous_lab.pk, "user", user, "")
    assert lab.revision == anonymous_lab.revision  # ownership moved, the World untouched
    assert visit_lab(client).pk == lab.pk         # the signed-in learner's /lab/ is that lab
    assert Lab.objects.count() == 1


def test_sign_up_makes_the_learner_group_again_if_it_was_deleted(client):
    Group.objects.filter(name=LEARNER).delete()
    client.post("/accounts/signup/", {"username": "ann", "password1": PASSWORD, "password2": PASSWORD})
    user = User.objects.get(username="ann")
    assert list(user.groups.values_list("name", flat=True)) == [LEARNER]
    assert user.has_perm("accounts.use_labs")


def test_sign_up_refuses_a_weak_password_with_djangos_words_and_creates_nothing(client):
    visit_lab(client)
    response = client.post("/accounts/signup/", {"username": "ann", "password1": "password",
                                                 "password2": "password"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["This password is too common."]}
    assert "This password is too common." in response.content.decode()
    assert not User.objects.exists()
    assert Lab.objects.get().owner_kind == "session"


def test_sign_up_refuses_a_taken_username():
    make_user("ann")
    response = Client().post("/accounts/signup/", {"username": "ann", "password1": PASSWORD,
                                                   "password2": PASSWORD})
    assert response.context["form"].errors == {"username": ["A user with that username already exists."]}
    assert User.objects.count() == 1


def test_log_in_adopts_the_session_labs_and_renames_one_whose_name_the_user_has(client):
    user = make_user("ann")
    own = Client()
    own.force_login(user)
    users_default = visit_lab(own)
    session_default, session_mini = visit_lab(client), visit_lab(client, "/lab/mini/")
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD, "next": "/lab/mini/"})
    assert (response.status_code, response["Location"]) == (302, "/lab/mini/")
    owned = {lab.pk: (lab.name, lab.owner_kind, lab.user_id, lab.session_key) for lab in Lab.objects.all()}
    assert owned == {users_default.pk: ("default", "user", user.pk, ""),
                     session_default.pk: ("default-2", "user", user.pk, ""),
                     session_mini.pk: ("mini", "user", user.pk, "")}
    assert visit_lab(client, "/lab/mini/").pk == session_mini.pk
    assert visit_lab(client, "/lab/default-2/").pk == session_default.pk


@pytest.mark.parametrize("asked, lands", [("", "/lab/default-2/"), ("/lab/", "/lab/default-2/"),
                                          ("/lab/default/", "/lab/default-2/"), ("/lab/mini/", "/lab/mini/"),
                                          ("/accounts/password/", "/accounts/password/")])
def test_log_in_from_a_renamed_lab_carries_on_in_it(client, asked, lands):
    user = make_user("ann")
    own = Client()
    own.force_login(user)
    visit_lab(own)
    tried = visit_lab(client)
    visit_lab(client, "/lab/mini/")
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD, "next": asked})
    assert response["Location"] == lands
    if lands == "/lab/default-2/":
        assert visit_lab(client, lands).pk == tried.pk


def test_a_wrong_password_logs_nobody_in_and_moves_no_lab(client):
    make_user("ann")
    lab = visit_lab(client)
    response = client.post("/accounts/login/", {"username": "ann", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."]
    assert "_auth_user_id" not in client.session
    lab.refresh_from_db()
    assert (lab.owner_kind, lab.user) == ("session", None)


def test_login_redirects_only_to_pages_of_this_site(client):
    make_user("ann")
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD,
                                                "next": "https://evil.example/"})
    assert response["Location"] == "/lab/"


def test_log_out_is_post_only_and_the_labs_stay_with_the_account(client):
    user = make_user("ann")
    client.force_login(user)
    lab = visit_lab(client)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 200 and "You are logged out." in response.content.decode()
    assert "_auth_user_id" not in client.session
    anonymous = visit_lab(client)                    # a new anonymous lab, not the account's
    assert anonymous.pk != lab.pk and anonymous.owner_kind == "session"
    client.post("/accounts/login/", {"username": "ann", "password": PASSWORD})
    assert visit_lab(client).pk == lab.pk
    assert Lab.objects.get(pk=anonymous.pk).name == "default-2"


def test_password_change_needs_a_login_then_the_old_password(client):
    response = client.get("/accounts/password/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/accounts/password/")
    user = make_user("ann")
    client.force_login(user)
    response = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": "x-new-Pass-77",
                                                   "new_password2": "x-new-Pass-77"})
    assert response.context["form"].errors == {
        "old_password": ["Your old password was entered incorrectly. Please enter it again."]}
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "x-new-Pass-77",
                                                   "new_password2": "x-new-Pass-77"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password/done/")
    user.refresh_from_db()
    assert user.check_password("x-new-Pass-77")
    assert client.get("/accounts/password/done/").status_code == 200  # still signed in


def test_forms_need_the_csrf_token():
    make_user("ann")
    client = Client(enforce_csrf_checks=True)
    for path, data in [("/accounts/login/", {"username": "ann", "password": PASSWORD}),
                       ("/accounts/signup/", {"username": "bob", "password1": PASSWORD, "password2": PASSWORD})]:
        assert client.post(path, data).status_code == 403
    assert "_auth_user_id" not in client.session and User.objects.count() == 1
    page = client.get("/accounts/login/")
    token = page.context["csrf_token"]
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD,
                                                "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302


def test_the_admin_site_is_for_staff_and_shows_labs_read_only_where_the_engine_writes(client):
    learner = make_user("ann")
    lab_owner = Client()
    lab_owner.force_login(learner)
    lab = visit_lab(lab_owner)
    client.force_login(learner)
    assert client.get("/admin/labs/lab/")["Location"] == "/admin/login/?next=/admin/labs/lab/"
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    page = client.get("/admin/labs/lab/").content.decode()
    assert f'<a href="/admin/labs/lab/{lab.pk}/change/">default</a>' in page
    assert client.get(f"/admin/labs/lab/{lab.pk}/change/").status_code == 200
    obj = lab.api_objects.first()
    assert client.get("/admin/labs/apiobject/add/").status_code == 403
    change = client.post(f"/admin/labs/apiobject/{obj.pk}/change/", {"name": "renamed"})
    assert change.status_code == 403
    obj.refresh_from_db()
    assert obj.name != "renamed"
