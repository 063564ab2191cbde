import pytest
from django.urls import reverse

@pytest.mark.django_db
def test_smoke(staff_client, case, notice, principal_park, coordinator_cole, client, clayton_tip, clayton_district):
    c = staff_client(principal_park)
    for url in [reverse("casework:cases"), reverse("casework:case", args=[case.pk]), reverse("casework:case-new") + f"?tip={clayton_tip.pk}",
                reverse("casework:notices"), reverse("casework:notice", args=[notice.pk]), reverse("casework:notice-new") + "?direction=to_court",
                reverse("casework:state-reports"), reverse("casework:state-report", args=[clayton_district.pk]),
                reverse("casework:state-report-csv", args=[clayton_district.pk]), reverse("casework:case-export"),
                reverse("dashboard:tip-detail", args=[clayton_tip.pk]), reverse("dashboard:queue"), reverse("dashboard:stats"), "/figures/", "/es/figures/"]:
        r = c.get(url)
        assert r.status_code in (200, 403), (url, r.status_code, r.content[:3000])
        print(url, r.status_code)
