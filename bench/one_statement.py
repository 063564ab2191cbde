"""Would writing a tip in one SQL statement instead of eight make a submit much cheaper?

A tip's transaction is BEGIN, six INSERTs (the tip, its form-token claim, its routings, its
search words, its alert rows, its audit row) and COMMIT: eight round trips. One
data-modifying ``WITH`` statement can write the same rows in one, as its own transaction.
This times both, with psycopg2 (the product's interpreter) and no Django, on scratch tables shaped like the product's
(a wide tip row with four 200-byte encrypted fields, 3 routings, 13 search words, 2 alert
rows, 1 audit row), and reports per write the client's CPU, the PostgreSQL backend's CPU
(from ``/proc``) and the wall time, in three alternating rounds.

    .venv/bin/python bench/one_statement.py [--writes 2000] [--dsn postgres://postgres@127.0.0.1:5432/test]

The tables (``one_statement_*``) are dropped at the end. bench/README.md has the figures.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import psycopg2

TABLES = """
DROP TABLE IF EXISTS one_statement_token, one_statement_routing, one_statement_word,
    one_statement_alert, one_statement_audit, one_statement_tip;
CREATE TABLE one_statement_tip (id bigserial PRIMARY KEY, reference text UNIQUE, receipt_hash text UNIQUE,
    category int, school int, description bytea, location bytea, people bytea, contact bytea, "when" text,
    when_date date, danger_now bool, life_safety bool, language text, priority text, state text,
    received_at timestamptz, awaiting bool);
CREATE TABLE one_statement_token (id bigserial PRIMARY KEY, token_hash text UNIQUE,
    tip_id bigint REFERENCES one_statement_tip DEFERRABLE INITIALLY DEFERRED, created_at timestamptz);
CREATE TABLE one_statement_routing (id bigserial PRIMARY KEY,
    tip_id bigint REFERENCES one_statement_tip DEFERRABLE INITIALLY DEFERRED, agency int, role text,
    reason text, state text, priority text, due timestamptz, unreachable bool);
CREATE INDEX ON one_statement_routing (tip_id);
CREATE INDEX ON one_statement_routing (agency, tip_id);
CREATE TABLE one_statement_word (id bigserial PRIMARY KEY,
    tip_id bigint REFERENCES one_statement_tip DEFERRABLE INITIALLY DEFERRED, digest bytea);
CREATE INDEX ON one_statement_word (digest, tip_id);
CREATE TABLE one_statement_alert (id bigserial PRIMARY KEY,
    tip_id bigint REFERENCES one_statement_tip DEFERRABLE INITIALLY DEFERRED, agency int, kind text,
    channel text, status text, created_at timestamptz, due timestamptz);
CREATE INDEX ON one_statement_alert (status, due);
CREATE TABLE one_statement_audit (id bigserial PRIMARY KEY, tip_id bigint, action text, at timestamptz,
    detail jsonb);
"""

TIP_COLUMNS = (
    "reference, receipt_hash, category, school, description, location, people, contact, "
    '"when", when_date, danger_now, life_safety, language, priority, state, received_at, awaiting'
)
AUDIT_DETAIL = '{"category": "Bullying", "life_safety": false, "images": 0}'

# One statement: the tip's id is taken from its sequence first, so that the token claim can
# carry it; a claimed token (a replay) inserts nothing, and then nor does anything after it.
ONE = f"""WITH new AS (SELECT nextval('one_statement_tip_id_seq') AS id),
claim AS (INSERT INTO one_statement_token (token_hash, tip_id, created_at)
    SELECT %s, id, now() FROM new ON CONFLICT (token_hash) DO NOTHING RETURNING tip_id),
tip AS (INSERT INTO one_statement_tip (id, {TIP_COLUMNS})
    SELECT tip_id, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), %s FROM claim RETURNING id),
routing AS (INSERT INTO one_statement_routing (tip_id, agency, role, reason, state, priority, due, unreachable)
    SELECT tip.id, r.agency, r.role, 'school', 'new', 'normal', now(), false
    FROM tip, unnest(%s::int[], %s::text[]) AS r(agency, role) RETURNING id),
word AS (INSERT INTO one_statement_word (tip_id, digest) SELECT tip.id, d FROM tip, unnest(%s::bytea[]) AS d),
alert AS (INSERT INTO one_statement_alert (tip_id, agency, kind, channel, status, created_at, due)
    SELECT tip.id, a, 'new_tip', 'email', 'pending', now(), now() FROM tip, unnest(%s::int[]) AS a),
audit AS (INSERT INTO one_statement_audit (tip_id, action, at, detail)
    SELECT tip.id, 'tip.submitted', now(), %s FROM tip)
SELECT tip.id, array(SELECT id FROM routing) FROM tip"""  # noqa: S608 — our own columns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=2000, help="tips per round and way")
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    connection = psycopg2.connect(args.dsn)
    cursor = connection.cursor()
    cursor.execute(TABLES)
    connection.commit()
    cursor.execute("SELECT pg_backend_pid()")
    backend = cursor.fetchone()[0]
    encrypted = os.urandom(200)

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tip_values(key: str) -> tuple:
        """The tip's columns but ``received_at`` (``now()`` in the SQL), in TIP_COLUMNS order."""
        encrypted_fields = (encrypted,) * 4
        return (key, "h" + key, 1, 2, *encrypted_fields, "today", None, False, False, "en", "normal", "new", True)

    def eight(key: str) -> None:
        cursor.execute(
            f"INSERT INTO one_statement_tip ({TIP_COLUMNS}) VALUES "  # noqa: S608 — our own columns
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), %s) RETURNING id",
            tip_values(key),
        )
        tip = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO one_statement_token (token_hash, tip_id, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT (token_hash) DO NOTHING RETURNING id",
            (key, tip),
        )
        cursor.fetchone()
        cursor.execute(
            "INSERT INTO one_statement_routing (tip_id, agency, role, reason, state, priority, due, unreachable) "
            "VALUES " + ", ".join(["(%s, %s, %s, 'school', 'new', 'normal', now(), false)"] * 3) + " RETURNING id",
            (tip, 1, "responsible", tip, 2, "responsible", tip, 3, "info"),
        )
        cursor.fetchall()
        cursor.execute(
            "INSERT INTO one_statement_word (tip_id, digest) VALUES " + ", ".join(["(%s, %s)"] * 13),  # noqa: S608
            [value for _ in range(13) for value in (tip, os.urandom(16))],
        )
        cursor.execute(
            "INSERT INTO one_statement_alert (tip_id, agency, kind, channel, status, created_at, due) VALUES "
            "(%s, 1, 'new_tip', 'email', 'pending', now(), now()), (%s, 2, 'new_tip', 'email', 'pending', now(), now())",
            (tip, tip),
        )
        cursor.execute(
            "INSERT INTO one_statement_audit (tip_id, action, at, detail) VALUES (%s, 'tip.submitted', now(), %s)",
            (tip, AUDIT_DETAIL),
        )
        connection.commit()

    def one(key: str) -> None:
        words = [psycopg2.Binary(os.urandom(16)) for _ in range(13)]
        cursor.execute(
            ONE,
            (key, *tip_values(key), [1, 2, 3], ["responsible", "responsible", "info"], words, [1, 2]) + (AUDIT_DETAIL,),
        )
        cursor.fetchall()
        connection.commit()

    try:
        for round_ in range(3):
            for name, write in (("8 statements", eight), ("1 statement", one)):
                for i in range(50):  # warm up
                    write(f"warm-{round_}-{name}-{i}")
                cpu, server, wall = time.process_time(), backend_cpu(), time.perf_counter()
                for i in range(args.writes):
                    write(f"{round_}-{name}-{i}")
                n = args.writes
                print(
                    f"round {round_ + 1}, {name}: client CPU {(time.process_time() - cpu) / n * 1000:.3f} ms, "
                    f"PostgreSQL CPU {(backend_cpu() - server) / n * 1000:.3f} ms, "
                    f"wall {(time.perf_counter() - wall) / n * 1000:.3f} ms per tip"
                )
    finally:
        connection.rollback()
        cursor.execute(TABLES.split("CREATE")[0])
        connection.commit()


if __name__ == "__main__":
    main()
