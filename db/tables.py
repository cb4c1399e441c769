"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; code never does."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from statemachines.lifecycle import OPEN_STATES

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})

OPEN_STATES_SQL = "state IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATES))
Json = sa.JSON().with_variant(JSONB(), "postgresql")
Id = sa.String(32)
Stamp = sa.DateTime(timezone=True)

operators = sa.Table(
    "operators", metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("contact_email", sa.String(254)),
    sa.Column("created_at", Stamp, nullable=False),
)

bases = sa.Table(
    "bases", metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("operator_id", Id, sa.ForeignKey("operators.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("jurisdiction", sa.String(6), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.UniqueConstraint("operator_id", "name"),
)

# the case list's indexes (issue 16): a page is an index range in its order, after its cursor. The
# filters' columns come after the order's (migration 0023), so a walk in order that skips the cases of
# other provinces, levels and states reads them in the index, not in the table: at 1,000,000 cases a
# province's `?level=provincial` walked 440,551 rows of the table for 51 (1,081 ms), the index 29 ms
FILTERED = ("jurisdiction", "level", "state")
_SORTED_BY = {"applied": "applied_on", "updated": "last_on", "next_due": "next_due", "state": "state"}


def _filters_after(*key: str) -> tuple[str, ...]:
    """The filters' columns an index ordered by `key` does not already hold."""
    return tuple(column for column in FILTERED if column not in key)


# each sort within a jurisdiction's range (`j_…`) and over all of them
LIST_INDEXES = {
    **{f"j_{name}": ("jurisdiction", column, "id", *_filters_after("jurisdiction", column))
       for name, column in _SORTED_BY.items()},
    **{name: (column, "id", *_filters_after(column)) for name, column in _SORTED_BY.items()},
}

cases = sa.Table(
    "cases", metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("base_id", Id, sa.ForeignKey("bases.id"), nullable=False, index=True),
    sa.Column("operator_code", sa.String(18), nullable=False, index=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("jurisdiction", sa.String(6), nullable=False),
    # R23: the programme applied for; a base may hold one open case per level and programme
    sa.Column("programme", sa.String(32), nullable=False, server_default="base"),
    # issue 15: the 受理编号 (services.references), unique; NULL for the cases applied before it
    sa.Column("reference", sa.String(40)),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("policy_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.Integer, nullable=False),
    sa.Column("applied_on", sa.Date, nullable=False),
    sa.Column("period_start", sa.Date),
    sa.Column("period_end", sa.Date),
    sa.Column("last_on", sa.Date, nullable=False),
    # the aggregate as JSON, so a case loads without replaying its history
    sa.Column("snapshot", Json, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
    # issue 16: the case list's projection (services.case_listing), kept by each act and by the
    # sweep's claims, checked by `audit verify`; NULL next_due: no timer pending
    sa.Column("base_name", sa.Text, nullable=False, server_default=""),
    sa.Column("operator_name", sa.Text, nullable=False, server_default=""),
    sa.Column("next_due", sa.Date),
    sa.Column("next_timer", sa.String(50)),
    sa.Column("search_text", sa.Text, nullable=False, server_default=""),
    # R3 held by the database too, so two concurrent applications cannot both open a case
    sa.Index("uq_cases_reference", "reference", unique=True),
    sa.Index("ix_cases_one_open_per_base", "base_id", "level", "programme", unique=True,
             sqlite_where=sa.text(OPEN_STATES_SQL), postgresql_where=sa.text(OPEN_STATES_SQL)),
    # the case list's orders (migration 0019): within a jurisdiction's range, and over all of them
    *(sa.Index(f"ix_cases_list_{name}", *columns) for name, columns in LIST_INDEXES.items()),
    # a search's LIKE '%…%' answered by pg_trgm's trigrams (migration 0019); SQLite has no such index
    sa.Index("ix_cases_search_trgm", "search_text", postgresql_using="gin",
             postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    # issue 16: the dashboard's state × level grid of a jurisdiction, counted from the index alone
    sa.Index("ix_cases_jurisdiction_state_level", "jurisdiction", "state", "level"),
)
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_cases_search_trgm"})

case_events = sa.Table(
    "case_events", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("act", sa.String(40), nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("recorded_at", Stamp, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("rule", sa.String(8), nullable=False),
    sa.Column("policy_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.Integer, nullable=False),
    sa.Column("payload", Json, nullable=False),
    # the exact text that was hashed: verification hashes these bytes, not a re-serialisation
    sa.Column("canonical", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # what `hash` was computed with: sha256, or sm3 where the deployment chose it (the deployment table)
    sa.Column("hash_algorithm", sa.String(16), nullable=False, server_default="sha256"),
    sa.UniqueConstraint("case_id", "seq"),
)

timers = sa.Table(
    "timers", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("key", sa.String(24), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("fires_on", sa.Date, nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("fired_at", Stamp),
    sa.Column("created_at", Stamp, nullable=False),
    sa.UniqueConstraint("case_id", "kind", "key"),
    # only pending timers are indexed: a plain index walks every fired row (bench/README.md)
    sa.Index("ix_timers_pending", "fires_on", "id",
             sqlite_where=sa.text("fired_at IS NULL"), postgresql_where=sa.text("fired_at IS NULL")),
    # GET /api/v1/timers: the pending timers in its order, each page a walk after its cursor (0020)
    sa.Index("ix_timers_pending_due", "due_on", "case_id", "kind", "key",
             sqlite_where=sa.text("fired_at IS NULL"), postgresql_where=sa.text("fired_at IS NULL")),
    # the same order within one kind (`?kind=`): a rare kind is not found by walking every other one
    sa.Index("ix_timers_pending_kind", "kind", "due_on", "case_id", "key",
             sqlite_where=sa.text("fired_at IS NULL"), postgresql_where=sa.text("fired_at IS NULL")),
)

bans = sa.Table(
    "bans", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("operator_code", sa.String(18), nullable=False, index=True),
    sa.Column("base_id", Id, nullable=False, index=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("ground", sa.String(32), nullable=False),
    sa.Column("first_day", sa.Date, nullable=False),
    sa.Column("last_day", sa.Date),  # NULL: a permanent ban
    sa.Column("ended_on", sa.Date),
)

complaints = sa.Table(
    "complaints", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("complaint_id", sa.String(32), primary_key=True),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("valid", sa.Boolean),
    sa.Column("verified_on", sa.Date),
)

subsidy_instalments = sa.Table(
    "subsidy_instalments", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("paid_on", sa.Date),
    # paid so far: a part payment leaves the instalment due (R20)
    sa.Column("paid_fen", sa.BigInteger, nullable=False, server_default="0"),
)

# money a revocation on a clawback ground made owed back, and what of it is repaid (R20)
subsidy_clawbacks = sa.Table(
    "subsidy_clawbacks", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("ground", sa.String(32), nullable=False),
    sa.Column("since", sa.Date, nullable=False),
    sa.Column("owed_fen", sa.BigInteger, nullable=False),
    sa.Column("repaid_fen", sa.BigInteger, nullable=False),
    sa.Column("repaid_on", sa.Date),
)

# issue 16: the work queue's items, one row per case and item (services.work_items: derived from the case
# and its timers, written with each act, held to the replay by `audit verify`). The queue reads a page
# of them in its order (Item.order: due date, kind, base, case, detail) from an index, after a cursor
work_items = sa.Table(
    "work_items", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("kind", sa.String(24), primary_key=True),
    sa.Column("detail", sa.String(64), primary_key=True),
    sa.Column("rank", sa.SmallInteger, nullable=False),  # the kind's place in services.work_items.KINDS
    sa.Column("due_on", sa.Date),
    sa.Column("due_key", sa.Date, nullable=False),  # due_on, or 9999-12-31 for work without a deadline
    sa.Column("window", sa.String(8), nullable=False),  # when it shows (services.work_items.ALWAYS …)
    sa.Column("jurisdiction", sa.String(6), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("base_name", sa.Text, nullable=False),
    sa.Column("operator_name", sa.Text, nullable=False),
    sa.Column("operator_code", sa.String(18), nullable=False),
    # the queue's order, for any scope (a walk in order that skips other jurisdictions' rows)
    sa.Index("ix_work_items_order", "due_key", "rank", "base_name", "case_id", "detail"),
    # one kind's items in order (?kind=…); on PostgreSQL with what the country's counts read besides, so
    # each (kind, date group) is walked to its cap from this index alone (db/work_items.py counts)
    sa.Index("ix_work_items_kind_order", "rank", "due_key", "base_name", "case_id", "detail",
             postgresql_include=["window", "jurisdiction"]),
    # a small scope (a county): its rows by a range of codes, then sorted; and its counts, one GROUP BY
    # read from this index alone (kind and window in it: migration 0020)
    sa.Index("ix_work_items_scope", "jurisdiction", "due_key", "kind", "window"),
    # the search (ILIKE '%…%'): trigram indexes on PostgreSQL (pg_trgm), plain ones elsewhere
    *(sa.Index(f"ix_work_items_{c}_trgm", c, postgresql_using="gin", postgresql_ops={c: "gin_trgm_ops"})
      for c in ("base_name", "operator_name", "operator_code")),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("email", sa.String(254)),
    sa.Column("created_at", Stamp, nullable=False),
    # for the web pages' sign-in: scrypt$n$r$p$salt$hash (services.passwords.hash_password); NULL: no password
    sa.Column("password_hash", sa.Text),
    sa.Column("password_changed_at", Stamp),  # when it was set: its expiry counts from here
)

# the grant ledger: each grant and each revocation of a role an act of its own, append-only
# (triggers refuse UPDATE and DELETE, migration 0011) and hash-chained like case events, so an
# auditor checks the role an actor held when an act was recorded against a record nobody edited
role_grants = sa.Table(
    "role_grants", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
    sa.Column("act", sa.String(8), nullable=False),  # grant | revoke
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("jurisdiction", sa.String(6), nullable=False),
    sa.Column("recorded_at", Stamp, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("canonical", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("revoked_at", Stamp),
    sa.Column("expires_at", Stamp),  # NULL: until revoked (a program's token); a web session's ends
    # a session's idle time-out, pushed on as it is used; NULL: none (a program's token)
    sa.Column("idle_expires_at", Stamp),
)

# a user's TOTP secret (RFC 6238): unconfirmed until a first code is entered; last_step, the time
# step of the last code accepted, so that no code is accepted twice
user_totp = sa.Table(
    "user_totp", metadata,
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("secret", sa.String(64), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("confirmed_at", Stamp),
    sa.Column("last_step", sa.BigInteger),
)

# one-use codes for a lost authenticator, kept as hashes only (shown once, at enrolment)
recovery_codes = sa.Table(
    "recovery_codes", metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("used_at", Stamp),
)

# a sign-in between its password and its next step (the code, the enrolment, a new password):
# one use, a few minutes, from the same client; kept as the hash of the ticket
signin_tickets = sa.Table(
    "signin_tickets", metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("client", sa.String(120), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("expires_at", Stamp, nullable=False),
    sa.Column("used_at", Stamp),
)

# the security audit log: every sign-in and its failure, sign-out, lock-out and unlock, token,
# grant, password and two-factor change, export and download; who, when, from where, what and the
# result; hash-chained like the case events (one chain, by seq) and append-only (triggers)
security_log = sa.Table(
    "security_log", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", Stamp, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("client", sa.String(120), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("details", Json, nullable=False),
    sa.Column("canonical", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_security_log_subject_at", "subject", "at"),
    sa.Index("ix_security_log_client_at", "client", "at"),
    sa.Index("ix_security_log_at", "at"),
)

idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("user_id", Id, primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("body", Json, nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
)

# the outbox: one row per (timer, step, recipient, channel), inserted once by its unique key
reminders = sa.Table(
    "reminders", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("timer_kind", sa.String(24), nullable=False),
    sa.Column("timer_key", sa.String(24), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(120), nullable=False),  # "user:<name>" or "operator:<code>"
    sa.Column("recipient_role", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # email | webhook
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("send_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Stamp, nullable=False),
    sa.Column("claimed_at", Stamp),
    sa.Column("sent_at", Stamp),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", Stamp, nullable=False),
    sa.UniqueConstraint("case_id", "timer_kind", "timer_key", "due_on", "step", "recipient", "channel",
                        name="uq_reminders_once"),
    sa.Index("ix_reminders_outbox", "next_attempt_at", "id",
             sqlite_where=sa.text("status IN ('pending', 'sending')"),
             postgresql_where=sa.text("status IN ('pending', 'sending')")),
)

# application rounds opened and closed, once each per policy and year (R1)
application_rounds = sa.Table(
    "application_rounds", metadata,
    sa.Column("policy_id", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("opens_on", sa.Date, nullable=False),
    sa.Column("closes_on", sa.Date, nullable=False),
    sa.Column("opened_at", Stamp),
    sa.Column("closed_at", Stamp),
    sa.Column("applications", sa.Integer),
    # R19: a round announced by a person (policies whose rounds are announced each year)
    sa.Column("quota", sa.Integer),
    sa.Column("announced_by", sa.String(64)),
    sa.Column("announced_at", Stamp),
    sa.Column("document", sa.String(100)),  # the notice's 文号 or title
    sa.Column("reason", sa.Text),
)

# the daily anchor: the head hash of every case changed that day, chained to the day before,
# so a copy held outside can later prove that no history was rewritten
anchors = sa.Table(
    "anchors", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("canonical", sa.Text, nullable=False),
    sa.Column("prev_digest", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    sa.Column("hash_algorithm", sa.String(16), nullable=False, server_default="sha256"),
)

# what a deployment chose when its database was created, once: the hash algorithm of its chains and
# anchors (sha256 or sm3). One row, append-only like the events; a database without it is sha256's
deployment = sa.Table(
    "deployment", metadata,
    sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1", name="one_row"), primary_key=True),
    sa.Column("hash_algorithm", sa.String(16), sa.CheckConstraint("hash_algorithm IN ('sha256', 'sm3')",
                                                                  name="known_algorithm"), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
    # issue 15: 'production', or 'training' when `db upgrade --training` created it (0016)
    sa.Column("purpose", sa.String(16), sa.CheckConstraint("purpose IN ('production', 'training')",
                                                           name="known_purpose"),
              nullable=False, server_default="production"),
)

# a training database's business dates, each later than the one before: the last is the date the
# whole service runs on (issue 15). Append-only like the events
training_days = sa.Table(
    "training_days", metadata,
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("business_date", sa.Date, nullable=False, unique=True),
    sa.Column("set_at", Stamp, nullable=False),
    sa.Column("set_by", sa.String(120), nullable=False),
)

# issue 16: the figures published (services.stats) read from these, not from replaying every case.
# Both are derived from the events alone (statemachines.figures), written in the act's own
# transaction (db.figures) and held against the replay by `audit verify` (services.figure_check).
# The case as of each business day its record names: the row with on <= X < until (NULL: the last)
case_days = sa.Table(
    "case_days", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("on", sa.Date, primary_key=True),
    sa.Column("until", sa.Date),
    sa.Column("jurisdiction", sa.String(6), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("ban_first_day", sa.Date),
    sa.Column("ban_last_day", sa.Date),
    sa.Column("ban_ended_on", sa.Date),
    # a jurisdiction's cases by a range of codes (db.figures.code_range), then their days; on PostgreSQL
    # covering what the counts read, so a province's are read from the index alone (the rows of one
    # province are on every page of the table: 1.7 s → 0.3 s for 32,000 cases of 1,000,000)
    sa.Index("ix_case_days_jurisdiction_on", "jurisdiction", "on",
             postgresql_include=["until", "level", "state", "ban_first_day", "ban_last_day", "ban_ended_on"]),
    # issue 16 (db/counts.py): whether any row begins after a day (then the day's figures are counted
    # over the rows, not summed from the counters), and the bans of the cases now, by jurisdiction
    sa.Index("ix_case_days_on", "on"),
    sa.Index("ix_case_days_banned_now", "jurisdiction", "level", "state", "ban_first_day", "ban_last_day",
             sqlite_where=sa.text("until IS NULL AND ban_first_day IS NOT NULL AND ban_ended_on IS NULL"),
             postgresql_where=sa.text("until IS NULL AND ban_first_day IS NOT NULL AND ban_ended_on IS NULL")),
)

# what each (amended) event adds to its year's figures: a flow, an assessment grade, a revocation ground
case_tallies = sa.Table(
    "case_tallies", metadata,
    sa.Column("case_id", Id, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("jurisdiction", sa.String(6), nullable=False),
    sa.Column("figure", sa.String(24)),
    sa.Column("grade", sa.String(32)),  # NULL: not an assessment; '' one without a grade
    sa.Column("ground", sa.String(32)),
    sa.Index("ix_case_tallies_year_jurisdiction", "year", "jurisdiction",
             postgresql_include=["figure", "grade", "ground", "on", "case_id"]),
)

# issue 16: counters the dashboard sums over a jurisdiction's range of codes (db/counts.py), kept by the
# acts in their own transaction, held by `audit verify --all` to the rows they count: the cases now by
# state and level, and the year's tallies by figure, grade and ground (the flows and the year's figures)
case_counts = sa.Table(
    "case_counts", metadata,
    sa.Column("jurisdiction", sa.String(6), primary_key=True),
    sa.Column("state", sa.String(16), primary_key=True),
    sa.Column("level", sa.String(16), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

year_counts = sa.Table(
    "year_counts", metadata,
    sa.Column("jurisdiction", sa.String(6), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),  # figure | grade | ground: the tally's column counted
    sa.Column("value", sa.String(32), primary_key=True),  # its value ('' a grade of an assessment without one)
    sa.Column("n", sa.Integer, nullable=False),
)
