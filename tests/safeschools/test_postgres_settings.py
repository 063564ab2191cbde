"""The site's PostgreSQL connections plan without parallel workers (safeschools.settings)."""

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_sites_connections_make_no_parallel_plans():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
