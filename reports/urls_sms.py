"""The SMS provider's webhook (namespace ``sms``), mounted at /sms/: set
https://SITE/sms/inbound/ as the number's "a message comes in" webhook (HTTP POST)."""

from django.urls import path

from reports import sms_inbound

app_name = "sms"

urlpatterns = [
    path("inbound/", sms_inbound.inbound, name="inbound"),
]
