"""Issue 16: the case list's order indexes carry the filters' columns after the order's
(jurisdiction, level, state), so a page read in order past the cases of other provinces, levels or
states skips them in the index instead of fetching each from the table: at 1,000,000 cases a
province's `GET /api/v1/cases?level=provincial` walked 440,551 table rows for its 51 (1,081 ms); on
the index, 29 ms (bench/README.md, b8). Each index is built again with the same name.

Revision ID: 0023
Revises: 0022
"""
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BEFORE = {
    "j_applied": ("jurisdiction", "applied_on", "id"), "j_updated": ("jurisdiction", "last_on", "id"),
    "j_next_due": ("jurisdiction", "next_due", "id"), "j_state": ("jurisdiction", "state", "id"),
    "applied": ("applied_on", "id"), "updated": ("last_on", "id"), "next_due": ("next_due", "id"),
    "state": ("state", "id"),
}
AFTER = {
    "j_applied": ("jurisdiction", "applied_on", "id", "level", "state"),
    "j_updated": ("jurisdiction", "last_on", "id", "level", "state"),
    "j_next_due": ("jurisdiction", "next_due", "id", "level", "state"),
    "j_state": ("jurisdiction", "state", "id", "level"),
    "applied": ("applied_on", "id", "jurisdiction", "level", "state"),
    "updated": ("last_on", "id", "jurisdiction", "level", "state"),
    "next_due": ("next_due", "id", "jurisdiction", "level", "state"),
    "state": ("state", "id", "jurisdiction", "level"),
}


def _rebuild(indexes: dict[str, tuple[str, ...]]) -> None:
    for name, columns in indexes.items():
        op.drop_index(f"ix_cases_list_{name}", table_name="cases")
        op.create_index(f"ix_cases_list_{name}", "cases", list(columns))


def upgrade() -> None:
    _rebuild(AFTER)


def downgrade() -> None:
    _rebuild(BEFORE)
