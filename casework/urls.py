"""Casework's public page (namespace ``figures``): the quarterly figures, in both languages."""

from django.urls import path

from casework.views import public

app_name = "figures"

urlpatterns = [
    path("figures/", public.figures_page, name="quarterly"),
]
