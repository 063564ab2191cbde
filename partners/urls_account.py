"""Staff sign-in (namespace ``account``), mounted at /staff/account/."""

from django.urls import path

from partners.account import views

app_name = "account"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("password/done/", views.password_change_done, name="password-change-done"),
]
