"""The local store: outbox, ticket cache, sync cursors, job runs, enablement, audit log.

::

    from radiant_ext.store import make_engine, make_session_factory, session_scope, upgrade_database
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        set_department_enabled(session, "hr", False, actor="admin")
"""

from __future__ import annotations

from radiant_ext.store.announcements import claim_announcement
from radiant_ext.store.assets import (
    ReportAsset,
    ReportAssetDirty,
    ReportAssetKeys,
    ReportAssetState,
    ReportAssetTotal,
)
from radiant_ext.store.audit import recent_audit, record_audit
from radiant_ext.store.bundles import BundlePartRow, BundleRow
from radiant_ext.store.contract_rollups import (
    ContractCell,
    ContractContribution,
    ContractDirty,
    ContractLive,
    ContractMonthChange,
    ContractMonthVersion,
    ContractPriceMemo,
    ContractRollupState,
)
from radiant_ext.store.cursors import get_cursor, set_cursor
from radiant_ext.store.departments import (
    get_catalog_item_states,
    get_department_states,
    is_department_enabled,
    set_catalog_item_state,
    set_department_enabled,
)
from radiant_ext.store.engine import (
    make_engine,
    make_session_factory,
    normalise_url,
    session_scope,
)
from radiant_ext.store.errors import MigrationError, StoreError
from radiant_ext.store.models import (
    ApprovalRequest,
    AuditEntry,
    Base,
    CatalogItemState,
    CustomerLanguage,
    DepartmentState,
    FeedbackHit,
    FeedbackStore,
    JobRun,
    JobRunStatus,
    LoginFailure,
    Outbox,
    OutboxState,
    PortalSessionRow,
    SchedulerLease,
    SyncCursor,
    TicketAlert,
    TicketAnnouncement,
    TicketCache,
    UTCDateTime,
    WorkflowEvent,
    utcnow,
)
from radiant_ext.store.rollups import (
    ReportCell,
    ReportContribution,
    ReportDirty,
    ReportKey,
    ReportLive,
    ReportPairKeys,
    ReportPairTotal,
    ReportRollupState,
)
from radiant_ext.store.satisfaction import (
    AlreadyRated,
    SatisfactionInvite,
    SatisfactionRating,
)
from radiant_ext.store.schema import (
    MIGRATIONS_DIR,
    alembic_config,
    check_schema,
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)
from radiant_ext.store.step_log import StateSeen, StepEntry, follow_states
from radiant_ext.store.workflow_events import (
    customer_move_expected,
    expect_customer_move,
    language_of,
    remember_language,
)

__all__ = [
    "AlreadyRated",
    "ApprovalRequest",
    "AuditEntry",
    "Base",
    "BundlePartRow",
    "BundleRow",
    "CatalogItemState",
    "ContractCell",
    "ContractContribution",
    "ContractDirty",
    "ContractLive",
    "ContractMonthChange",
    "ContractMonthVersion",
    "ContractPriceMemo",
    "ContractRollupState",
    "CustomerLanguage",
    "DepartmentState",
    "FeedbackHit",
    "FeedbackStore",
    "JobRun",
    "JobRunStatus",
    "LoginFailure",
    "MIGRATIONS_DIR",
    "MigrationError",
    "Outbox",
    "OutboxState",
    "PortalSessionRow",
    "ReportAsset",
    "ReportAssetDirty",
    "ReportAssetKeys",
    "ReportAssetState",
    "ReportAssetTotal",
    "ReportCell",
    "ReportContribution",
    "ReportDirty",
    "ReportKey",
    "ReportLive",
    "ReportPairKeys",
    "ReportPairTotal",
    "ReportRollupState",
    "SatisfactionInvite",
    "SatisfactionRating",
    "SchedulerLease",
    "StateSeen",
    "StepEntry",
    "StoreError",
    "SyncCursor",
    "TicketAlert",
    "TicketAnnouncement",
    "TicketCache",
    "UTCDateTime",
    "WorkflowEvent",
    "alembic_config",
    "check_schema",
    "claim_announcement",
    "current_revision",
    "customer_move_expected",
    "downgrade_database",
    "expect_customer_move",
    "follow_states",
    "get_catalog_item_states",
    "get_cursor",
    "get_department_states",
    "head_revision",
    "is_department_enabled",
    "language_of",
    "make_engine",
    "make_session_factory",
    "normalise_url",
    "recent_audit",
    "record_audit",
    "remember_language",
    "session_scope",
    "set_catalog_item_state",
    "set_cursor",
    "set_department_enabled",
    "upgrade_database",
    "utcnow",
]
