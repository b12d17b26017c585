"""The inputs every report shares: filters, the viewer's scope, catalog labels, the clock."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVarTuple, cast

from sqlalchemy import Result, Select, Table, and_, case, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, visitors
from sqlalchemy.sql.schema import Column

from radiant_ext.i18n import supported_language
from radiant_ext.reports._sql import no_index, plain_rows
from radiant_ext.reports.errors import ReportInputError
from radiant_ext.reports.i18n import W_, translate
from radiant_ext.reports.outage import OutageRates
from radiant_ext.reports.settings import ReportSettings
from radiant_ext.store import ReportLive, TicketCache
from radiant_ext.store.rollups import LIVE_COPIED

if TYPE_CHECKING:
    from radiant_ext.config import Settings
    from radiant_ext.plugins.workflow import Workflow

log = logging.getLogger(__name__)

__all__ = [
    "CLOSED_STATE_TYPES",
    "FIRST_DAY",
    "ItemDirectory",
    "LAST_DAY",
    "LIVE_ONLY",
    "Period",
    "ReportContext",
    "ReportFilter",
    "count_if",
    "directory_from_settings",
    "is_open",
    "live_copies",
    "store_key",
]

Period = Literal["day", "week", "month"]
_Row = TypeVarTuple("_Row")
CLOSED_STATE_TYPES = ("closed", "removed", "merged")
UNCATEGORISED = ""
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2199, 12, 31)
"""The first and last calendar days a report may cover."""


def store_key() -> ColumnElement[str | None]:
    """The store of a ticket: its ``RadiantStore`` field, else its customer company."""
    return func.coalesce(TicketCache.store, TicketCache.customer_id)


def is_open() -> ColumnElement[bool]:
    """True for tickets whose state type is not closed, removed or merged."""
    return TicketCache.state_type.notin_(CLOSED_STATE_TYPES)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: how many rows meet ``condition``."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


LIVE_ONLY = TicketCache.ticket_id.in_(select(ReportLive.ticket_id).correlate(None))
"""The condition of a run over the live tickets (``ReportContext.live_only``) on the cache.
:func:`live_copies` drops it; never correlated, so wherever it stays it still names every row
of ``report_live``."""
_LIVE = ReportLive.__table__


def _to_copies(element: Any, **_: Any) -> Any:
    if element is LIVE_ONLY:
        return true()
    if isinstance(element, Table) and element.name == TicketCache.__tablename__:
        return _LIVE
    table = getattr(element, "table", None)
    if isinstance(element, Column) and getattr(table, "name", None) == TicketCache.__tablename__:
        name = "ticket_id" if element.name == "ticket_id" else LIVE_COPIED.get(element.name)
        if name is None:
            raise LookupError(f"report_live keeps no copy of ticket_cache.{element.name}")
        return _LIVE.c[name]
    return None


def live_copies(stmt: Select[*_Row]) -> Select[*_Row]:
    """``stmt`` (a query of the cache restricted by :data:`LIVE_ONLY`) reading the live
    tickets' copies in ``report_live`` instead: the same rows, without looking each one up in
    the cache. A column ``report_live`` does not copy raises ``LookupError``."""
    no_options: dict[str, Any] = {}
    return cast("Select[*_Row]", visitors.replacement_traverse(stmt, no_options, _to_copies))


@dataclass(frozen=True)
class ItemDirectory:
    """Names of catalog items, departments, stores and agents, in one language.

    An item missing from the catalog belongs to the department named by its id's prefix
    (``it.pos-down`` → ``it``); a ticket without a category to ``""`` (uncategorised). Item
    and department titles come from the catalogs in :attr:`language` (each catalog's own
    gettext domain); :meth:`localized` gives the directory of another language.
    """

    items: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Item id → (department id, title)."""
    departments: Mapping[str, str] = field(default_factory=dict)
    """Department id → title."""
    stores: Mapping[str, str] = field(default_factory=dict)
    """Store (customer company) id → name."""
    asset_fields: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Item id → its asset fields as (field id, label): serial numbers and asset models."""
    outage: OutageRates = field(default_factory=OutageRates)
    """What an hour of an item's outage costs per store tier, and the hours that count."""
    agents: Mapping[str, str] = field(default_factory=dict)
    """Agent login → full name (from Znuny's metadata; a login not listed shows as itself)."""
    companies: Mapping[str, str] = field(default_factory=dict)
    """Customer company id → name in Znuny: the name of a store id :attr:`stores` lacks."""
    workflows: Mapping[str, Workflow] = field(default_factory=dict)
    """Item id → the workflow it declares (an item not listed has ``DEFAULT_WORKFLOW``)."""
    language: str = "en"
    source: Any = field(default=None, compare=False, repr=False)
    """The plugins the titles were read from (to read them again in another language)."""
    _languages: dict[str, ItemDirectory] = field(default_factory=dict, compare=False,
                                                 repr=False)

    def department_of(self, category: str | None) -> str:
        """The department id of catalog item ``category``."""
        if not category:
            return UNCATEGORISED
        known = self.items.get(category)
        return known[0] if known else category.split(".", 1)[0]

    def _word(self, text: str) -> str:
        return translate(text, self.language)

    def department_title(self, department: str) -> str:
        """A department's title (its id when unknown)."""
        return self.departments.get(department, department) or self._word(W_("(uncategorised)"))

    def item_title(self, category: str | None) -> str:
        """A catalog item's title (its id when unknown)."""
        if not category:
            return self._word(W_("(uncategorised)"))
        known = self.items.get(category)
        return known[1] if known else category

    def store_name(self, store: str | None) -> str:
        """A store's name (its id when unknown)."""
        if not store:
            return self._word(W_("(none)"))
        return self.stores.get(store) or self.companies.get(store) or store

    def agent_name(self, login: str | None) -> str:
        """An agent's full name (the login when Znuny's metadata has none)."""
        return self.agents.get(login or "", login or self._word(W_("(nobody)")))

    def workflow_of(self, category: str | None) -> Workflow:
        """The workflow of catalog item ``category``: the one it declares, else the default
        (an item without one, an unknown item, an uncategorised ticket)."""
        from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW

        return self.workflows.get(category or "") or DEFAULT_WORKFLOW

    def localized(self, language: str) -> ItemDirectory:
        """This directory in ``language``: titles read again from the catalogs' own
        translations (kept once read), store and agent names as they are."""
        language = supported_language(language)
        if language == self.language:
            return self
        found = self._languages.get(language)
        if found is None:
            found = (replace(self, language=language, _languages={}) if self.source is None
                     else replace(ItemDirectory.from_plugins(self.source, language),
                                  stores=self.stores, agents=self.agents,
                                  companies=self.companies))
            self._languages[language] = found
        return found

    @classmethod
    def from_plugins(cls, plugins: Any, language: str = "en") -> ItemDirectory:
        """Build the directory from a :class:`radiant_ext.plugins.Plugins` wrapper."""
        departments = {d.id: d.translate(d.title, language) for d in plugins.departments(
            include_disabled=True)}
        items = {i.id: (i.department, i.translate(i.title, language))
                 for i in plugins.catalog_items(include_disabled=True)}
        stores = {sid: info.name for sid, info in plugins.stores().items()}
        assets = {i.id: fields for i in plugins.catalog_items(include_disabled=True)
                  if (fields := _asset_fields(i, language))}
        flows = {i.id: i.workflow for i in plugins.catalog_items(include_disabled=True)
                 if i.workflow is not None}
        return cls(items=items, departments=departments, stores=stores, asset_fields=assets,
                   language=language, source=plugins, outage=OutageRates.from_plugins(plugins),
                   workflows=flows)


ASSET_FIELD_IDS = frozenset({"serial", "serial_number", "model", "asset_model", "asset"})
"""Field ids taken as asset fields whatever their kind (and for items no catalog describes)."""


def _asset_fields(item: Any, language: str) -> tuple[tuple[str, str], ...]:
    return tuple((f.id, item.translate(f.label, language)) for f in item.fields
                 if f.kind == "serial_number" or f.id in ASSET_FIELD_IDS)


def directory_from_settings(settings: Settings) -> ItemDirectory:
    """Labels from the installed plugins, agent and company names from Znuny's database (when
    ``znuny_db_url`` is set: :func:`~radiant_ext.reports.names.with_znuny_names`); bare ids
    (an empty directory) when they fail."""
    from radiant_ext.reports.names import with_znuny_names

    try:
        from radiant_ext.plugins.factory import plugins_from_settings

        found = ItemDirectory.from_plugins(plugins_from_settings(settings))
    except Exception:  # labels are a nicety: every report still works with bare ids
        log.warning("catalog labels unavailable for reports; showing item ids", exc_info=True)
        found = ItemDirectory()
    return with_znuny_names(found, settings)


@dataclass(frozen=True)
class ReportFilter:
    """Which tickets a report counts: created in ``[start, end)``, a department, a store.

    ``company`` is the viewer's scope (a customer manager's company): unlike ``store`` it is
    never chosen by the viewer. ``item`` (a catalog item id) is taken only by the reports
    whose :attr:`~.registry.ReportSpec.item_filter` is set (:func:`~.registry.run_report`
    refuses it for the others).
    """

    start: datetime | None = None
    end: datetime | None = None
    department: str | None = None
    store: str | None = None
    company: str | None = None
    period: Period = "week"
    item: str | None = None

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value is not None and value.tzinfo is None:
                raise ReportInputError("report bounds must be aware datetimes")
        if self.start and self.end and self.end <= self.start:
            raise ReportInputError("the end of the period must come after its start")
        if self.period not in ("day", "week", "month"):
            raise ReportInputError(f"unknown period {self.period!r}: use day, week or month")

    @classmethod
    def for_dates(cls, first: date | None, last: date | None, zone: Any,
                  **kwargs: Any) -> ReportFilter:
        """A filter from local calendar days ``first`` … ``last`` (both included).

        :raises ReportInputError: when a day is outside :data:`FIRST_DAY` … :data:`LAST_DAY`
            (beyond them the time-zone arithmetic overflows).
        """
        for day in (first, last):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise ReportInputError(
                    f"{day.isoformat()} is outside the days reports cover "
                    f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})")
        start = datetime.combine(first, time(), zone).astimezone(UTC) if first else None
        end = (datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
               if last else None)
        return cls(start=start, end=end, **kwargs)

    def scoped(self, company: str | None) -> ReportFilter:
        """This filter restricted to ``company`` (a manager's own figures)."""
        return replace(self, company=company)


@dataclass
class ReportContext:
    """One report run: the session, filter, settings, labels and the time taken as now."""

    session: Session
    filter: ReportFilter
    settings: ReportSettings = field(default_factory=ReportSettings)
    directory: ItemDirectory = field(default_factory=ItemDirectory)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    live_only: bool = False
    """Count only the tickets the roll-ups leave to the cache (``report_live``)."""
    _categories: list[str] | None = None
    _wide: bool | None = None
    _rollups: bool | None = None
    """Whether the roll-ups answer this run (decided once: :mod:`.rollup_read`)."""

    def where(self, *, created: bool = True, covering: bool = False) -> list[ColumnElement[bool]]:
        """The SQL conditions of the filter.

        :param created: include the period (``False`` skips it).
        :param covering: the query reads only ``created``, so its index answers it alone.
        """
        f, t = self.filter, TicketCache
        clauses: list[ColumnElement[bool]] = []
        column: Any = t.created
        if self.live_only or (not covering and (f.start or f.end) and self._wide_period()):
            column = no_index(t.created)
        if created and f.start is not None:
            clauses.append(column >= f.start)
        if created and f.end is not None:
            clauses.append(column < f.end)
        if f.company is not None:
            clauses.append(t.customer_id == f.company)
        if f.store:
            clauses.append(or_(t.store == f.store,
                               and_(t.store.is_(None), t.customer_id == f.store)))
        if f.department:
            clauses.append(self.department_clause(f.department))
        if self.live_only:
            clauses.append(LIVE_ONLY)
        return clauses

    def execute(self, stmt: Select[*_Row]) -> Result[*_Row]:
        """Run ``stmt`` (built with :meth:`where`) in the run's session; a run over the live
        tickets reads their copies in ``report_live`` (:func:`live_copies`)."""
        return self.session.execute(live_copies(stmt) if self.live_only else stmt)

    def plain_rows(self, stmt: Select[*_Row]) -> list[tuple[Any, ...]]:
        """:meth:`execute`'s rows as the driver returns them (:func:`plain_rows`): for a
        thousand rows and more of text and integers."""
        return plain_rows(self.session.connection(),
                          live_copies(stmt) if self.live_only else stmt)

    def _wide_period(self) -> bool:
        """Whether the period holds more than a fifth of the cache (decided once per run)."""
        if self._wide is None:
            f, t = self.filter, TicketCache
            period = [c for c in ((t.created >= f.start) if f.start else None,
                                  (t.created < f.end) if f.end else None) if c is not None]
            inside = self.session.scalar(select(func.count()).where(*period)) or 0
            total = self.session.scalar(select(func.count()).select_from(t)) or 0
            self._wide = bool(total) and inside > total / 5
        return self._wide

    def department_clause(self, department: str) -> ColumnElement[bool]:
        """Tickets whose catalog item belongs to ``department``."""
        wanted = [c for c in self.categories() if self.directory.department_of(c) == department]
        return TicketCache.category.in_(wanted)

    def categories(self) -> list[str]:
        """Every catalog item id present in the cache (read once per run)."""
        if self._categories is None:
            stmt = select(TicketCache.category).where(TicketCache.category.is_not(None)).distinct()
            if self.live_only:
                stmt = stmt.where(LIVE_ONLY)
            self._categories = [c for c in self.execute(stmt).scalars() if c]
        return self._categories

    def zone_now(self) -> datetime:
        """Now in the report time zone."""
        return self.now.astimezone(self.settings.zone)
