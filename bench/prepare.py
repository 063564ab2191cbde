"""What the load generator needs from the product, printed as JSON: run with the product's
interpreter and the same environment as the gunicorn under test.

- a verified staff session (password + TOTP, as ``tests/conftest.py::login_verified``
  makes one) whose ``sessionid`` cookie wrk sends;
- the keyset cursor of the queue page ``--depth`` pages in, walked as the queue view does;
- ids of tips the officer may open, and receipts of generated tips;
- fresh signed form tokens (``TIP_FORM_MIN_SECONDS=0`` for the load test) and a CSRF
  secret for the POSTs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from generate import receipt_for  # noqa: E402

from reports.intake import tokens  # noqa: E402
from reports.models import Tip  # noqa: E402
from reports.triage import queue  # noqa: E402


def staff_session(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client.cookies["sessionid"].value


def deep_cursor(username: str, depth: int) -> tuple[str, int]:
    """The cursor that opens page ``depth + 1`` of the default queue (or the last page)."""
    user = get_user_model().objects.get(username=username)
    tips = queue.filtered(user, queue.Filters())
    cursor, reached = "", 0
    for _ in range(depth):
        page = queue.page(tips, sort="attention", cursor=cursor, size=50)
        if not page.next_cursor:
            break
        cursor, reached = page.next_cursor, reached + 1
    return cursor, reached


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officer", default="officer.olsen")
    parser.add_argument("--depth", type=int, default=200)
    parser.add_argument("--form-tokens", type=int, default=5000)
    parser.add_argument("--tips", type=int, default=2000, help="tip ids and receipts to sample")
    args = parser.parse_args()

    user = get_user_model().objects.get(username=args.officer)
    visible = Tip.objects.visible_to(user).order_by("?").values_list("pk", flat=True)[: args.tips]
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_tip, tips FROM bench_dataset ORDER BY generated_at DESC LIMIT 1")
        first_tip, total = cursor.fetchone()
    step = max(1, total // args.tips)
    cursor, depth = deep_cursor(args.officer, args.depth)
    print(
        json.dumps(
            {
                "officer": args.officer,
                "sessionid": staff_session(args.officer),
                "deep_cursor": cursor,
                "deep_depth": depth,
                "visible_tips": Tip.objects.visible_to(user).count(),
                "tip_ids": list(visible),
                "receipts": [receipt_for(first_tip + i) for i in range(0, total, step)][: args.tips],
                "form_tokens": [tokens.issue() for _ in range(args.form_tokens)],
                "csrf": _get_new_csrf_string(),
            }
        )
    )


if __name__ == "__main__":
    main()
