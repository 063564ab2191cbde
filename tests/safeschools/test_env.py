import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from safeschools.env import (
    LocalSecrets,
    email_settings,
    env_bool,
    env_fernet_keys,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("ON", True), ("no", False), ("0", False)])
def test_env_bool_reads_the_usual_words(raw, expected):
    assert env_bool("DEBUG", not expected, environ={"DEBUG": raw}) is expected


def test_env_bool_rejects_a_typo_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False, environ={"DEBUG": "ture"})


def test_env_bool_default_when_unset():
    assert env_bool("DEBUG", True, environ={}) is True


def test_env_int_rejects_words_and_out_of_range():
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE must be a whole number"):
        env_int("CONN_MAX_AGE", 0, environ={"CONN_MAX_AGE": "ten"})
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("CONN_MAX_AGE", 0, minimum=0, environ={"CONN_MAX_AGE": "-1"})
    with pytest.raises(ImproperlyConfigured, match="at most 5"):
        env_int("N", 0, maximum=5, environ={"N": "6"})
    assert env_int("N", 3, environ={"N": " 42 "}) == 42


def test_env_list_and_str():
    assert env_list("ALLOWED_HOSTS", ["x"], environ={"ALLOWED_HOSTS": "a.org, b.org,,"}) == ["a.org", "b.org"]
    assert env_list("ALLOWED_HOSTS", ["x"], environ={}) == ["x"]
    assert env_str("NAME", "default", environ={"NAME": ""}) == "default"


def test_env_url_requires_a_known_scheme():
    assert env_url("REDIS_URL", "", schemes=("redis",), environ={"REDIS_URL": "redis://127.0.0.1:6379/0"})
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env_url("REDIS_URL", "", schemes=("redis",), environ={"REDIS_URL": "127.0.0.1:6379"})


def test_env_fernet_keys_rejects_a_bad_key():
    good = Fernet.generate_key().decode()
    assert env_fernet_keys("K", environ={"K": f"{good}, {good}"}) == [good, good]
    with pytest.raises(ImproperlyConfigured, match="key 2 is not a Fernet key"):
        env_fernet_keys("K", environ={"K": f"{good},not-a-key"})


def test_secret_from_environment_must_be_long(tmp_path):
    local = LocalSecrets(tmp_path / "secrets.json")
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        env_secret("SECRET_KEY", local, environ={"SECRET_KEY": "short"})
    assert env_secret("SECRET_KEY", local, environ={"SECRET_KEY": "x" * 40}) == "x" * 40
    assert local.used == set()


def test_local_secret_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "secrets.json"
    first = env_secret("SECRET_KEY", LocalSecrets(path), environ={})
    second = env_secret("SECRET_KEY", LocalSecrets(path), environ={})
    assert first == second and len(first) >= 50
    assert path.stat().st_mode & 0o077 == 0


def test_email_settings():
    smtp = email_settings("smtp+tls://alerts%40x.org:p%40ss@mail.example.org:2525", var_dir=None)
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_USER"] == "alerts@x.org"
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_USE_TLS"] is True
    assert email_settings("smtps://mail.example.org", var_dir=None)["EMAIL_PORT"] == 465
    assert "console" in email_settings("console://", var_dir=None)["EMAIL_BACKEND"]
    with pytest.raises(ImproperlyConfigured, match="scheme"):
        email_settings("pop3://mail.example.org", var_dir=None)
    with pytest.raises(ImproperlyConfigured, match="host"):
        email_settings("smtp://", var_dir=None)


def test_env_email_takes_one_address_or_names_the_variable():
    from safeschools.env import env_email

    assert env_email("ALERT_FALLBACK_EMAIL", environ={}) == ""
    assert env_email("ALERT_FALLBACK_EMAIL", environ={"ALERT_FALLBACK_EMAIL": " dispatch@example.org "}) == (
        "dispatch@example.org"
    )
    with pytest.raises(ImproperlyConfigured, match="ALERT_FALLBACK_EMAIL must be one e-mail address"):
        env_email("ALERT_FALLBACK_EMAIL", environ={"ALERT_FALLBACK_EMAIL": "a@example.org,b@example.org"})


def test_env_phone_list_wants_international_numbers():
    from safeschools.env import env_phone_list

    raw = {"ALERT_FALLBACK_PHONES": "+13145550199, +13145550100"}
    assert env_phone_list("ALERT_FALLBACK_PHONES", [], environ=raw) == ["+13145550199", "+13145550100"]
    for bad in ("314-555-0199", "+1", "+1314555019912345678"):
        with pytest.raises(ImproperlyConfigured, match="ALERT_FALLBACK_PHONES"):
            env_phone_list("ALERT_FALLBACK_PHONES", [], environ={"ALERT_FALLBACK_PHONES": bad})
