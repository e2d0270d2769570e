"""comparison studies: studies, the standards they name, their audit history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        _user("created_by"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user("updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user("submitted_by"),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        _user("published_by"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        _user("withdrawn_by"),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_studies_status", "studies", ["status"])
    op.create_table(
        "study_standards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("code_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_study_standards_study_id", "study_standards", ["study_id"])
    op.create_index("ix_study_standards_code", "study_standards", ["code"])
    op.create_index("ix_study_standards_code_key", "study_standards", ["code_key"])
    op.create_table(
        "study_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_study_events_study_id", "study_events", ["study_id"])


def downgrade() -> None:
    op.drop_table("study_events")
    op.drop_table("study_standards")
    op.drop_table("studies")
