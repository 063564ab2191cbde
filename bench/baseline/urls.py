from django.urls import path

from baseline import views

urlpatterns = [
    path("", views.static_page),
    path("form/", views.form_page),
    path("items/", views.item_list),
    path("healthz", views.health),
]
