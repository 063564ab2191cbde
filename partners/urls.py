from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.home, name="home"),
    path("partners/", views.partner_directory, name="directory"),
    path("districts/", views.district_list, name="districts"),
    path("resources/", views.resource_list, name="resources"),
    path("resources/<int:pk>/file/", views.resource_file, name="resource-file"),
    path("contact/", views.contact, name="contact"),
    path("about/", views.page, {"slug": "about"}, name="about"),
    path("staying-safe/", views.page, {"slug": "staying-safe"}, name="staying-safe"),
    path("p/<slug:slug>/", views.page, name="page"),
]
