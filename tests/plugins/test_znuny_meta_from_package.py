"""The Znuny package's answer (``RadiantMeta::Describe``) read as the database readers' answers.

``tests/live/test_znuny_package.py`` compares both readers on real servers; here the answer
recorded on Znuny 7.0.9 (provisioned with the department catalogs) checks the catalogs.
"""

from __future__ import annotations

import json
from pathlib import Path

from radiant_ext.client import ZnunyMeta
from radiant_ext.plugins.znuny_meta import (
    access_from_meta,
    access_problems,
    check_items,
    company_names_from_meta,
    names_from_meta,
)

RECORDED = Path(__file__).resolve().parents[1] / "client" / "data" / "radiant-meta-7.0.9.json"


def _meta() -> ZnunyMeta:
    return ZnunyMeta.model_validate(json.loads(RECORDED.read_text()))


def test_names_access_and_companies_from_the_answer() -> None:
    meta = _meta()
    names = names_from_meta(meta)
    assert "IT::Stores" in names.queues and "IT::Cash register" in names.services
    assert ("IT::Cash register", "POS critical") in names.service_slas
    assert names.sla_solution_minutes["POS critical"] == 240
    assert {"RadiantRequestID", "RadiantDeadline"} <= names.dynamic_fields
    access = access_from_meta(meta)
    assert "it-agent" in access.agents and "users" in access.rw_groups["radiant"]
    assert access.queue_groups["IT::Stores"] == "users"
    assert "IT::Cash register" in access.default_services
    assert access.linked_customers["IT::Cash register"] == frozenset()
    assert access.field_types["RadiantDeadline"] == "DateTime"
    assert company_names_from_meta(meta)["store-001"] == "store-001"


def test_the_demo_catalogs_check_clean_against_the_answer() -> None:
    from radiant_ext.plugins.loader import load_catalog_file

    meta = _meta()
    items = [item for path in sorted(Path(__file__).resolve().parents[2].glob(
        "plugins/*/radiant_ext_*/catalog.yaml")) for item in load_catalog_file(path).items]
    assert items
    assert check_items(items, names_from_meta(meta)) == []
    assert access_problems(items, access_from_meta(meta), agent="radiant") == []


def test_workflow_states_from_the_answer() -> None:
    """The 7.0.9 answer was recorded before the package created the defect's states: the
    stock ones check clean, each custom one is named, and an answer without its States
    section checks none."""
    import radiant_ext_it

    from radiant_ext.plugins.znuny_meta import workflow_problems

    meta = _meta()
    names = names_from_meta(meta)
    assert names.states is not None
    assert (names.states["new"], names.states["closed successful"]) == ("new", "closed")
    problems = workflow_problems(radiant_ext_it.catalog.items(), names)
    missing = sorted(p.split("'")[1] for p in problems)
    defect = next(i for i in radiant_ext_it.catalog.items() if i.id == "it.software-defect")
    assert missing == sorted(s.state for s in defect.process.steps
                             if s.state not in {"new", "open", "closed successful"})
    assert all(p.startswith("it.software-defect: workflow state ") for p in problems)
    answer = json.loads(RECORDED.read_text())
    del answer["States"]
    without = names_from_meta(ZnunyMeta.model_validate(answer))
    assert without.states is None and workflow_problems(radiant_ext_it.catalog.items(),
                                                        without) == []
