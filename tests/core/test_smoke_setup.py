import pytest
from django.db import connection


@pytest.mark.django_db
def test_tests_run_on_postgresql_with_the_native_pool():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["OPTIONS"].get("pool")
