"""Baseline: the core schema (organisation, users, returns, corrections, audit, FAB) when migrations began.

Revision ID: 0001
Revises: (none)
Created: 2026-12-01

A database made before migrations (by `flask mpr sync`'s create_all) holds exactly this
schema: `flask mpr sync` stamps it at 0001 instead of running this revision. On
PostgreSQL the integer keys become SERIAL columns whose sequences carry the names FAB's
models declare (`<table>_id_seq`), as create_all made them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ab_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=150), nullable=True),
        sa.Column("description", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "ab_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "ab_register_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password", sa.String(length=256), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("registration_date", sa.DateTime(), nullable=True),
        sa.Column("registration_hash", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "ab_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "ab_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password", sa.String(length=256), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("last_login", sa.DateTime(), nullable=True),
        sa.Column("login_count", sa.Integer(), nullable=True),
        sa.Column("fail_login_count", sa.Integer(), nullable=True),
        sa.Column("created_on", sa.DateTime(), nullable=True),
        sa.Column("changed_on", sa.DateTime(), nullable=True),
        sa.Column("created_by_fk", sa.Integer(), nullable=True),
        sa.Column("changed_by_fk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_fk"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_fk"],
            ["ab_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "ab_view_menu",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "mpr_audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_key", sa.String(length=160), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    with op.batch_alter_table("mpr_audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_mpr_audit_event_object_key"), ["object_key"], unique=False)

    op.create_table(
        "mpr_audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "mpr_counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "mpr_master_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("master", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.String(length=7), nullable=True),
        sa.Column("valid_until", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("master", "key", name="uq_mpr_master_item"),
    )
    with op.batch_alter_table("mpr_master_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_master_item_master"), ["master"], unique=False)

    op.create_table(
        "mpr_office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("segments", sa.String(length=40), nullable=False),
        sa.Column("function", sa.String(length=20), nullable=True),
        sa.Column("owner_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=80), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["mpr_office.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("mpr_office", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_office_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_mpr_office_owner_code"), ["owner_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_mpr_office_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_mpr_office_path", ["path"], unique=False)

    op.create_table(
        "ab_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("key_hash", sa.String(length=256), nullable=False),
        sa.Column("lookup_hash", sa.String(length=256), nullable=True),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.DateTime(), nullable=True),
        sa.Column("expires_on", sa.DateTime(), nullable=True),
        sa.Column("revoked_on", sa.DateTime(), nullable=True),
        sa.Column("last_used_on", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lookup_hash"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("ab_api_key", schema=None) as batch_op:
        batch_op.create_index("idx_api_key_lookup_hash", ["lookup_hash"], unique=True)
        batch_op.create_index("idx_api_key_prefix", ["key_prefix"], unique=False)
        batch_op.create_index("idx_api_key_user_id", ["user_id"], unique=False)

    op.create_table(
        "ab_group_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["ab_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["role_id"], ["ab_role.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "role_id"),
    )
    with op.batch_alter_table("ab_group_role", schema=None) as batch_op:
        batch_op.create_index("idx_group_id", ["group_id"], unique=False)
        batch_op.create_index("idx_group_role_id", ["role_id"], unique=False)

    op.create_table(
        "ab_permission_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.Column("view_menu_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["ab_permission.id"],
        ),
        sa.ForeignKeyConstraint(
            ["view_menu_id"],
            ["ab_view_menu.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("permission_id", "view_menu_id"),
    )
    with op.batch_alter_table("ab_permission_view", schema=None) as batch_op:
        batch_op.create_index("idx_permission_id", ["permission_id"], unique=False)
        batch_op.create_index("idx_view_menu_id", ["view_menu_id"], unique=False)

    op.create_table(
        "ab_user_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["ab_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "group_id"),
    )
    with op.batch_alter_table("ab_user_group", schema=None) as batch_op:
        batch_op.create_index("idx_user_group_id", ["group_id"], unique=False)
        batch_op.create_index("idx_user_id", ["user_id"], unique=False)

    op.create_table(
        "ab_user_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["role_id"], ["ab_role.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "role_id"),
    )
    op.create_table(
        "mpr_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("format_code", sa.String(length=40), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("client_token", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["mpr_office.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["ab_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_token"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("mpr_correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_correction_format_code"), ["format_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_mpr_correction_office_id"), ["office_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mpr_correction_status"), ["status"], unique=False)

    op.create_table(
        "mpr_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format_code", sa.String(length=40), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("opening_entered", sa.Boolean(), nullable=False),
        sa.Column("amended", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("validated_at", sa.DateTime(), nullable=True),
        sa.Column("validated_by_id", sa.Integer(), nullable=True),
        sa.Column("inconsistent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["mpr_office.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["ab_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_id"],
            ["ab_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("format_code", "office_id", "period", name="uq_mpr_return"),
    )
    with op.batch_alter_table("mpr_return", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mpr_return_format_period", ["format_code", "period", "office_id"], unique=False
        )
        batch_op.create_index("ix_mpr_return_office_period", ["office_id", "period"], unique=False)

    op.create_table(
        "mpr_user_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("designation", sa.String(length=120), nullable=True),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False),
        sa.Column("otp_expires_at", sa.DateTime(), nullable=True),
        sa.Column("otp_used_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["mpr_office.id"],
        ),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("mpr_user_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_user_profile_office_id"), ["office_id"], unique=False)

    op.create_table(
        "ab_permission_view_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permission_view_id", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["permission_view_id"], ["ab_permission_view.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["role_id"], ["ab_role.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("permission_view_id", "role_id"),
    )
    with op.batch_alter_table("ab_permission_view_role", schema=None) as batch_op:
        batch_op.create_index("idx_permission_view_id", ["permission_view_id"], unique=False)
        batch_op.create_index("idx_role_id", ["role_id"], unique=False)

    op.create_table(
        "mpr_correction_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["correction_id"], ["mpr_correction.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["mpr_return.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("correction_id", "return_id", name="uq_mpr_correction_item"),
    )
    with op.batch_alter_table("mpr_correction_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_correction_item_return_id"), ["return_id"], unique=False)

    op.create_table(
        "mpr_return_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["mpr_correction.id"],
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["mpr_return.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("return_id", "revision", name="uq_mpr_return_revision"),
    )
    with op.batch_alter_table("mpr_return_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mpr_return_revision_return_id"), ["return_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("mpr_return_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mpr_return_revision_return_id"))

    op.drop_table("mpr_return_revision")
    with op.batch_alter_table("mpr_correction_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mpr_correction_item_return_id"))

    op.drop_table("mpr_correction_item")
    with op.batch_alter_table("ab_permission_view_role", schema=None) as batch_op:
        batch_op.drop_index("idx_role_id")
        batch_op.drop_index("idx_permission_view_id")

    op.drop_table("ab_permission_view_role")
    with op.batch_alter_table("mpr_user_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mpr_user_profile_office_id"))

    op.drop_table("mpr_user_profile")
    with op.batch_alter_table("mpr_return", schema=None) as batch_op:
        batch_op.drop_index("ix_mpr_return_office_period")
        batch_op.drop_index("ix_mpr_return_format_period")

    op.drop_table("mpr_return")
    with op.batch_alter_table("mpr_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mpr_correction_status"))
        batch_op.drop_index(batch_op.f("ix_mpr_correction_office_id"))
        batch_op.drop_index(batch_op.f("ix_mpr_correction_format_code"))

    op.drop_table("mpr_correction")
    op.drop_table("ab_user_role")
    with op.batch_alter_table("ab_user_group", schema=None) as batch_op:
        batch_op.drop_index("idx_user_id")
        batch_op.drop_index("idx_user_group_id")

    op.drop_table("ab_user_group")
    with op.batch_alter_table("ab_permission_view", schema=None) as batch_op:
        batch_op.drop_index("idx_view_menu_id")
        batch_op.drop_index("idx_permission_id")

    op.drop_table("ab_permission_view")
    with op.batch_alter_table("ab_group_role", schema=None) as batch_op:
        batch_op.drop_index("idx_group_role_id")
        batch_op.drop_index("idx_group_id")

    op.drop_table("ab_group_role")
    with op.batch_alter_table("ab_api_key", schema=None) as batch_op:
        batch_op.drop_index("idx_api_key_user_id")
        batch_op.drop_index("idx_api_key_prefix")
        batch_op.drop_index("idx_api_key_lookup_hash")

    op.drop_table("ab_api_key")
    with op.batch_alter_table("mpr_office", schema=None) as batch_op:
        batch_op.drop_index("ix_mpr_office_path")
        batch_op.drop_index(batch_op.f("ix_mpr_office_parent_id"))
        batch_op.drop_index(batch_op.f("ix_mpr_office_owner_code"))
        batch_op.drop_index(batch_op.f("ix_mpr_office_kind"))

    op.drop_table("mpr_office")
    with op.batch_alter_table("mpr_master_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mpr_master_item_master"))

    op.drop_table("mpr_master_item")
    op.drop_table("mpr_counter")
    op.drop_table("mpr_audit_head")
    with op.batch_alter_table("mpr_audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mpr_audit_event_object_key"))
        batch_op.drop_index(batch_op.f("ix_mpr_audit_event_action"))

    op.drop_table("mpr_audit_event")
    op.drop_table("ab_view_menu")
    op.drop_table("ab_user")
    op.drop_table("ab_role")
    op.drop_table("ab_register_user")
    op.drop_table("ab_permission")
    op.drop_table("ab_group")
