"""radiant_ext.plugins — hook specifications, the plugin manager, catalogs and routing.

::

    pm = make_plugin_manager(load_entrypoints=True, blocked=settings.blocked_plugins,
                             catalog_dirs=settings.catalog_dirs)
    plugins = Plugins(pm, enablement=JsonEnablement(settings.data_dir / "departments.json"))
    item = plugins.item("it.pos-down")
    decision = plugins.route(item, RequestContext(store_id="store-001", fields={...}))
"""

from __future__ import annotations

from radiant_ext.i18n import Message
from radiant_ext.plugins.calendar import DEFAULT_CALENDAR, BusinessCalendar, CalendarSpec
from radiant_ext.plugins.catalog import (
    AttachmentField,
    CatalogFile,
    CatalogItem,
    ChoiceField,
    ChoiceOption,
    DateField,
    DeadlinePolicy,
    Department,
    FieldSpec,
    NumberField,
    Routing,
    SerialNumberField,
    StoreField,
    Text,
    TextField,
    Visibility,
)
from radiant_ext.plugins.enablement import (
    DatabaseEnablement,
    EnablementStore,
    JsonEnablement,
    MemoryEnablement,
)
from radiant_ext.plugins.errors import (
    CatalogError,
    CatalogProblem,
    DepartmentDisabledError,
    ItemDisabledError,
    PluginError,
    UnknownItemError,
    ZnunyMetadataError,
)
from radiant_ext.plugins.factory import plugins_from_settings
from radiant_ext.plugins.hookspecs import hookimpl
from radiant_ext.plugins.loader import (
    load_catalog_dirs,
    load_catalog_file,
    load_catalog_resource,
    load_catalog_text,
)
from radiant_ext.plugins.manager import (
    ENTRY_POINT_GROUP,
    RadiantPluginManager,
    make_plugin_manager,
)
from radiant_ext.plugins.models import (
    PRIORITY_NAMES,
    Classification,
    EmailTicket,
    FieldError,
    PluginInfo,
    RequestContext,
    RoutingDecision,
    RuleFired,
    StoreInfo,
    SyncJob,
    Viewer,
    priority_name,
)
from radiant_ext.plugins.package import CatalogPackage
from radiant_ext.plugins.public_holidays import PublicHolidays
from radiant_ext.plugins.rules import PriorityRule, RuleCondition
from radiant_ext.plugins.stores import StoreDefaults
from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, Move, MoveRefusedError, Step, Workflow
from radiant_ext.plugins.wrapper import Plugins

__all__ = [
    "AttachmentField",
    "BusinessCalendar",
    "CalendarSpec",
    "CatalogError",
    "CatalogFile",
    "CatalogItem",
    "CatalogPackage",
    "CatalogProblem",
    "ChoiceField",
    "ChoiceOption",
    "Classification",
    "DEFAULT_CALENDAR",
    "DEFAULT_WORKFLOW",
    "DatabaseEnablement",
    "DateField",
    "DeadlinePolicy",
    "Department",
    "DepartmentDisabledError",
    "ENTRY_POINT_GROUP",
    "EmailTicket",
    "EnablementStore",
    "FieldError",
    "FieldSpec",
    "ItemDisabledError",
    "JsonEnablement",
    "MemoryEnablement",
    "Message",
    "Move",
    "MoveRefusedError",
    "NumberField",
    "PRIORITY_NAMES",
    "PluginError",
    "PluginInfo",
    "Plugins",
    "PriorityRule",
    "PublicHolidays",
    "RadiantPluginManager",
    "RequestContext",
    "Routing",
    "RoutingDecision",
    "RuleCondition",
    "RuleFired",
    "SerialNumberField",
    "Step",
    "StoreDefaults",
    "StoreField",
    "StoreInfo",
    "SyncJob",
    "Text",
    "TextField",
    "UnknownItemError",
    "Viewer",
    "Visibility",
    "Workflow",
    "ZnunyMetadataError",
    "hookimpl",
    "load_catalog_dirs",
    "load_catalog_file",
    "load_catalog_resource",
    "load_catalog_text",
    "make_plugin_manager",
    "plugins_from_settings",
    "priority_name",
]
