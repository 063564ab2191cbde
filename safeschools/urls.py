from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from partners.access import VerifiedAdminSite
from safeschools import views

# The admin requires a session verified with a second factor (django-otp's OTPAdminSite)
# and signs people in through the staff sign-in pages, not a form of its own.
admin.site.__class__ = VerifiedAdminSite
admin.site.site_header = "Safe Schools Partnership — administration"
admin.site.site_title = "Safe Schools Partnership"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/account/", include("partners.urls_account")),
    path("staff/casework/", include("casework.urls_staff")),
    path("staff/", include("reports.urls_staff")),
    path("sms/", include("reports.urls_sms")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]

# Public pages: English at /, Spanish at /es/. The prefix remembers the language, so no
# language cookie is ever set on a tipster's device.
urlpatterns += i18n_patterns(
    path("", include("partners.urls")),
    path("", include("reports.urls")),
    path("", include("casework.urls")),
    prefix_default_language=False,
)

handler403 = "safeschools.views.permission_denied"
handler404 = "safeschools.views.page_not_found"
handler500 = "safeschools.views.server_error"
