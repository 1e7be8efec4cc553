"""organisation: users and departments; owners become logins; roles on PostgreSQL

Issue 11. Two tables, `department` and `app_user` ("user" is reserved in PostgreSQL). Every
free-text owner column (contacts, companies, deals, interactions, follow-ups, stage changes)
is turned into a user: one per distinct name, folded the way names are matched (so "Ann"
and "ann " become one user `ann`), and the columns then hold that login. Nothing is lost:
each user keeps the most used spelling as display name, and the spellings that were joined
or that look alike but were kept apart are written to app_state (`users.migration`) for
`pocketcrm doctor` to report. Invoices, imports and campaigns gain `created_by`.

The first user is the person opening the file: the OS login on SQLite, the connected role
(`current_user`) on PostgreSQL, with the admin role.

On PostgreSQL, when the migrating role may create roles, the group roles pocketcrm_admin,
pocketcrm_manager, pocketcrm_sales and pocketcrm_viewer are made (cluster-wide names, hence
the prefix), with GRANTs and row-level security: everyone reads; sales change and trash
what they own or what is unassigned and log interactions only as themselves; managers
change what their department owns; admins everything; viewers nothing. Policies are forced
(FORCE ROW LEVEL SECURITY) so the tables' owner is held to them too; a trigger fills an
interaction's empty owner with current_user.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import difflib
import getpass
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) holding who owns or did something: free text before this revision.
OWNER_COLUMNS = (
    ("contact", "owner"),
    ("company", "owner"),
    ("deal", "owner"),
    ("interaction", "owner"),
    ("follow_up", "owner"),
    ("stage_change", "by"),
    ("deal_stage_change", "changed_by"),
)
CREATED_BY = ("invoice", "import_batch", "campaign")
GROUPS = ("pocketcrm_viewer", "pocketcrm_sales", "pocketcrm_manager", "pocketcrm_admin")
# Tables with an owner column: rows are changed by their owner (or a manager, an admin).
OWNED = ("contact", "company", "deal", "interaction", "follow_up")
# Tables hanging from a contact / company / deal: changed by whoever may change the parent.
BY_CONTACT = (
    "contact_email",
    "contact_phone",
    "contact_address",
    "contact_website",
    "custom_field",
    "contact_tag",
    "stage_change",
    "contact_alternate",
    "invoice",
    "payment",
)
BY_COMPANY = ("company_tag",)
BY_DEAL = ("deal_stage_change",)
ADMIN_ONLY = ("app_user", "department", "alembic_version")

_LETTERS = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "đ": "d", "ð": "d", "œ": "oe"})


def login_for(name: str) -> str:
    """A login from a free-text name (frozen copy of users.login_for): "Zoë Åkesson" ->
    "zoe.akesson"; '' when nothing is left."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_LETTERS)
    login = re.sub(r"[^a-z0-9_-]+", ".", folded).strip(".")
    if login and not login[0].isalpha():
        login = "u" + login
    return login[:63]


def _spellings(bind: sa.Connection) -> Counter[str]:
    counts: Counter[str] = Counter()
    for table, column in OWNER_COLUMNS:
        rows = bind.execute(
            sa.text(f'SELECT "{column}", count(*) FROM {table} GROUP BY "{column}"')
        ).all()
        for value, n in rows:
            if str(value or "").strip():
                counts[str(value)] += int(n)
    return counts


def _users_from(counts: Counter[str]) -> dict[str, list[str]]:
    """login -> its spellings, most used first."""
    groups: dict[str, list[str]] = {}
    for spelling, _n in counts.most_common():
        login = login_for(spelling)
        if login:
            groups.setdefault(login, []).append(spelling)
    return groups


def _report(groups: dict[str, list[str]]) -> list[str]:
    """Spellings joined into one user, and users whose logins look alike (kept apart)."""
    lines = [
        f"{login}: joined the spellings {', '.join(repr(s) for s in spellings)}"
        for login, spellings in sorted(groups.items())
        if len(spellings) > 1
    ]
    logins = sorted(groups)
    for i, first in enumerate(logins):
        for second in logins[i + 1 :]:
            alike = difflib.SequenceMatcher(None, first, second).ratio() >= 0.8
            if alike or first.split(".")[0] == second.split(".")[0]:
                lines.append(f"{first} and {second} may be the same person (kept apart)")
    return lines


def _first_login(bind: sa.Connection) -> str:
    if bind.dialect.name == "postgresql":
        return str(bind.execute(sa.text("SELECT current_user")).scalar())
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        name = "admin"
    return login_for(name) or "admin"


def _create_tables() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("lead", sa.String(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("name_key", name=op.f("uq_department_name_key")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), server_default="", nullable=False),
        sa.Column("email", sa.String(), server_default="", nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(), server_default="sales", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_app_user_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("login", name=op.f("uq_app_user_login")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_department_id"), ["department_id"], unique=False
        )
    for table in CREATED_BY:
        op.add_column(
            table, sa.Column("created_by", sa.String(), server_default="", nullable=False)
        )


def _convert_owners(bind: sa.Connection) -> None:
    groups = _users_from(_spellings(bind))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    first = _first_login(bind)
    rows = [
        {"l": login, "d": spellings[0].strip(), "r": "admin" if login == first else "sales"}
        for login, spellings in groups.items()
    ]
    if first not in groups:
        rows.insert(0, {"l": first, "d": first, "r": "admin"})
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO app_user (login, display_name, email, role, active, created_at) "
                "VALUES (:l, :d, '', :r, :a, :t)"
            ),
            [{**row, "a": True, "t": now} for row in rows],
        )
    renames = [
        {"new": login, "old": spelling}
        for login, spellings in groups.items()
        for spelling in spellings
        if spelling != login
    ]
    for table, column in OWNER_COLUMNS:
        if renames:
            bind.execute(
                sa.text(f'UPDATE {table} SET "{column}" = :new WHERE "{column}" = :old'), renames
            )
    if renames and bind.dialect.name == "sqlite":
        # The rollup's triggers moved each renamed owner's counts to the login's row; the
        # old spelling's rows are left at zero: gone, as if they had always been the login's.
        bind.execute(
            sa.text("DELETE FROM interaction_rollup WHERE owner = :old AND n = 0 AND sat_n = 0"),
            renames,
        )
    _convert_segments(bind, groups)
    report = _report(groups)
    if report:
        bind.execute(
            sa.text("INSERT INTO app_state (key, value) VALUES ('users.migration', :v)"),
            {"v": json.dumps(report)},
        )


def _convert_segments(bind: sa.Connection, groups: dict[str, list[str]]) -> None:
    """Saved segments filtering by owner name keep finding the same people."""
    by_spelling = {s: login for login, spellings in groups.items() for s in spellings}
    for seg_id, raw in bind.execute(sa.text("SELECT id, filters FROM segment")).all():
        try:
            filters = json.loads(raw or "{}")
        except ValueError:
            continue
        owner = filters.get("owner") if isinstance(filters, dict) else None
        if not owner:
            continue
        values = owner if isinstance(owner, list) else [owner]
        mapped = [by_spelling.get(str(v), login_for(str(v)) or str(v)) for v in values]
        filters["owner"] = mapped if isinstance(owner, list) else mapped[0]
        bind.execute(
            sa.text("UPDATE segment SET filters = :f WHERE id = :i"),
            {"f": json.dumps(filters), "i": seg_id},
        )


_FUNCTIONS = """
CREATE OR REPLACE FUNCTION pocketcrm_manages(who text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(current_user, 'pocketcrm_admin', 'MEMBER')
      OR (pg_has_role(current_user, 'pocketcrm_manager', 'MEMBER') AND (who = '' OR EXISTS (
          SELECT 1 FROM app_user me JOIN app_user them ON them.department_id = me.department_id
          WHERE me.login = current_user AND them.login = who)))
$$;
CREATE OR REPLACE FUNCTION pocketcrm_may_change(who text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT who = '' OR who = current_user OR pocketcrm_manages(who)
$$;
CREATE OR REPLACE FUNCTION pocketcrm_interaction_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.owner = '' THEN NEW.owner := current_user; END IF;
  RETURN NEW;
END $$;
"""


_GUARD = """
CREATE OR REPLACE FUNCTION pocketcrm_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE who text;
BEGIN
  IF TG_NARGS = 0 THEN
    who := OLD.owner;
  ELSE
    EXECUTE format('SELECT owner FROM %I WHERE id = $1', TG_ARGV[0]) INTO who
      USING (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
  END IF;
  IF who IS NOT NULL AND NOT pocketcrm_may_change(who) THEN
    RAISE EXCEPTION 'permission denied: changing a % of %''s', TG_TABLE_NAME, who
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
"""


def _may_change_parent(parent: str, key: str) -> str:
    return f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {key} AND pocketcrm_may_change(p.owner))"


def _policies(table: str, rule: str, insert_rule: str = "", guard: str = "") -> list[str]:
    """Read all; a new or changed row must pass RULE (a policy); the row as it was must be
    one the user may change (the guard trigger: a policy's USING would skip it silently)."""
    insert_rule = insert_rule or rule
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS pocketcrm_read ON {table}",
        f"CREATE POLICY pocketcrm_read ON {table} FOR SELECT USING (true)",
        f"DROP POLICY IF EXISTS pocketcrm_insert ON {table}",
        f"CREATE POLICY pocketcrm_insert ON {table} FOR INSERT WITH CHECK ({insert_rule})",
        f"DROP POLICY IF EXISTS pocketcrm_update ON {table}",
        f"CREATE POLICY pocketcrm_update ON {table} FOR UPDATE USING (true) WITH CHECK ({rule})",
        f"DROP POLICY IF EXISTS pocketcrm_delete ON {table}",
        f"CREATE POLICY pocketcrm_delete ON {table} FOR DELETE USING (true)",
        f"DROP TRIGGER IF EXISTS pocketcrm_guard ON {table}",
        f"CREATE TRIGGER pocketcrm_guard BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION pocketcrm_guard({guard})",
    ]


def _access_statements(bind: sa.Connection) -> list[str]:
    tables = [
        str(name)
        for (name,) in bind.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
    ]
    writers = "pocketcrm_sales, pocketcrm_manager, pocketcrm_admin"
    everyone = f"pocketcrm_viewer, {writers}"
    statements = [
        f"GRANT USAGE ON SCHEMA current_schema_name TO {everyone}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA current_schema_name TO {everyone}",
        f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA current_schema_name TO {writers}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA current_schema_name TO {writers}",
        f"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {everyone}",
        f"ALTER DEFAULT PRIVILEGES GRANT INSERT, UPDATE, DELETE ON TABLES TO {writers}",
        f"ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO {writers}",
    ]
    statements += [
        f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM pocketcrm_sales, pocketcrm_manager"
        for table in ADMIN_ONLY
        if table in tables
    ]
    statements += [_FUNCTIONS, _GUARD]
    for table in OWNED:
        insert_rule = (
            "owner = (select current_user) OR pocketcrm_manages(owner)"
            if table == "interaction"
            else ""
        )
        statements += _policies(table, "pocketcrm_may_change(owner)", insert_rule)
    for group, parent, key in (
        (BY_CONTACT, "contact", "contact_id"),
        (BY_COMPANY, "company", "company_id"),
        (BY_DEAL, "deal", "deal_id"),
    ):
        statements += [
            line
            for table in group
            if table in tables
            for line in _policies(
                table, _may_change_parent(parent, key), guard=f"'{parent}', '{key}'"
            )
        ]
    statements += [
        "DROP TRIGGER IF EXISTS pocketcrm_interaction_owner ON interaction",
        "CREATE TRIGGER pocketcrm_interaction_owner BEFORE INSERT ON interaction "
        "FOR EACH ROW EXECUTE FUNCTION pocketcrm_interaction_owner()",
    ]
    return statements


def _may_create_roles(bind: sa.Connection) -> bool:
    return bool(
        bind.execute(
            sa.text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    )


def _postgres_access(bind: sa.Connection) -> None:
    if not _may_create_roles(bind):
        bind.execute(
            sa.text("INSERT INTO app_state (key, value) VALUES ('users.access', 'no-roles')")
        )
        return
    for group in GROUPS:
        exists = bind.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": group}
        ).scalar()
        if not exists:
            bind.execute(sa.text(f"CREATE ROLE {group} NOLOGIN"))
    superuser = bind.execute(
        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if not superuser:  # the tables' owner is held to the policies too: make it an admin
        bind.execute(sa.text("GRANT pocketcrm_admin TO CURRENT_USER"))
    schema = str(bind.execute(sa.text("SELECT current_schema()")).scalar())
    for statement in _access_statements(bind):
        bind.execute(sa.text(statement.replace("current_schema_name", f'"{schema}"')))


def upgrade() -> None:
    bind = op.get_bind()
    _create_tables()
    _convert_owners(bind)
    if bind.dialect.name == "postgresql":
        _postgres_access(bind)


def _drop_access(bind: sa.Connection) -> None:
    tables = (*OWNED, *BY_CONTACT, *BY_COMPANY, *BY_DEAL)
    for table in tables:
        for policy in ("read", "insert", "update", "delete"):
            bind.execute(sa.text(f"DROP POLICY IF EXISTS pocketcrm_{policy} ON {table}"))
        bind.execute(sa.text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
        bind.execute(sa.text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
        bind.execute(sa.text(f"DROP TRIGGER IF EXISTS pocketcrm_guard ON {table}"))
    bind.execute(sa.text("DROP TRIGGER IF EXISTS pocketcrm_interaction_owner ON interaction"))
    bind.execute(sa.text("DROP FUNCTION IF EXISTS pocketcrm_guard()"))
    bind.execute(sa.text("DROP FUNCTION IF EXISTS pocketcrm_interaction_owner()"))
    bind.execute(sa.text("DROP FUNCTION IF EXISTS pocketcrm_may_change(text)"))
    bind.execute(sa.text("DROP FUNCTION IF EXISTS pocketcrm_manages(text)"))


def downgrade() -> None:
    """The tables go; owner columns keep the logins (the display names are in app_user)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _drop_access(bind)
    bind.execute(sa.text("DELETE FROM app_state WHERE key IN ('users.migration', 'users.access')"))
    for table in CREATED_BY:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("created_by")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_department_id"))
    op.drop_table("app_user")
    op.drop_table("department")
