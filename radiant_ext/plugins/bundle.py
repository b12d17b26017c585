"""Bundles: one request that becomes one ticket per part, each in its own department.

A bundle item ("New employee", "New store opening") asks its questions once; its parent
ticket goes to the bundle item's own queue, and every :class:`BundlePart` becomes a ticket
routed as the part's catalog item (``item``: an item of any department's plugin — its queue,
priority, owner and deadline), titled from ``title`` (a template filled with the bundle's
answers: ``"IT account: {employee}"``) and carrying the answers ``answers`` maps (part
field → bundle field). :func:`check_bundles` checks the parts against every loaded item;
:func:`part_title` and :func:`part_answers` build one part. See ``docs/catalogs.md``,
"Bundles".
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from radiant_ext.i18n import Message, message

if TYPE_CHECKING:
    from radiant_ext.plugins.catalog import CatalogItem

__all__ = ["MAX_PARTS", "Bundle", "BundlePart", "all_parts_done", "check_bundles",
           "part_answers", "part_heading", "part_title"]

MAX_PARTS = 12
"""The most parts a bundle may have: each is a ticket, filed one by one."""

FieldId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class BundlePart(BaseModel):
    """One part: which item routes it, its title and the answers it takes from the bundle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*$",
                      description="The catalog item whose routing and deadline it uses.")
    title: str = Field(min_length=1, max_length=200, description="The part ticket's title; "
                       "{field} is replaced by the bundle's answer (English, translated "
                       "like the item's texts).")
    answers: dict[FieldId, FieldId] = Field(
        default_factory=dict, description="Part item field → bundle field whose answer it "
        "takes (the part's form values and its deadline rules see them).")

    @field_validator("title")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(value) if name]
        except ValueError as exc:
            raise ValueError(f"title {value!r} is not a valid template: {exc}") from exc
        bad = [n for n in names if not n.isidentifier()]
        if bad:
            raise ValueError(f"title {value!r}: {{{bad[0]}}} must name a field of the bundle")
        return value

    def title_fields(self) -> list[str]:
        """The bundle fields the title template names."""
        return [name for _, name, _, _ in string.Formatter().parse(self.title) if name]


class Bundle(BaseModel):
    """The parts of a bundle item, filed after the parent (and after its approval)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parts: list[BundlePart] = Field(min_length=2, max_length=MAX_PARTS)

    def check_fields(self, field_ids: list[str]) -> None:
        """Raise :class:`ValueError` when a part names a field the bundle item lacks."""
        for number, part in enumerate(self.parts, 1):
            for name in [*part.answers.values(), *part.title_fields()]:
                if name not in field_ids:
                    raise ValueError(f"bundle part {number} ({part.item}) names field "
                                     f"{name!r}, which the bundle item does not have")


def check_bundles(items: Mapping[str, CatalogItem]) -> tuple[dict[str, str], list[str]]:
    """Check every bundle's parts against the loaded ``items``.

    :returns: the bundles to leave out of the catalog because a part names an item no
        installed plugin offers (id → why), and the mistakes of the catalogs themselves (a
        part that is a bundle, an answer passed to a field the part's item lacks).
    """
    withdrawn: dict[str, str] = {}
    problems: list[str] = []
    for item in items.values():
        if item.bundle is None:
            continue
        for number, part in enumerate(item.bundle.parts, 1):
            where = f"catalog item {item.id!r}, bundle part {number}"
            target = items.get(part.item)
            if target is None:
                withdrawn.setdefault(item.id, f"{where}: unknown catalog item {part.item!r} "
                                     "(is its department's plugin installed?)")
            elif target.bundle is not None:
                problems.append(f"{where}: {part.item!r} is a bundle itself; a part must be "
                                "a single request")
            else:
                fields = {f.id for f in target.fields}
                problems.extend(f"{where}: {part.item!r} has no field {name!r}"
                                for name in part.answers if name not in fields)
    return withdrawn, problems


def part_title(part: BundlePart, answers: Mapping[str, str], translated: str) -> str:
    """The part ticket's title: ``translated`` (the template in the requester's language)
    filled with ``answers`` (a missing answer leaves an empty place), at most 255 chars."""
    values = {name: str(answers.get(name, "")) for name in part.title_fields()}
    try:
        return translated.format_map(values)[:255]
    except (KeyError, ValueError, IndexError):  # a translation that broke the template
        return part.title.format_map(values)[:255]


def part_answers(part: BundlePart, answers: Mapping[str, str]) -> dict[str, str]:
    """The part's form values: each mapped part field with the bundle's answer, when given."""
    return {target: answers[source] for target, source in part.answers.items()
            if answers.get(source)}


def part_heading(number: int, total: int, parent: str) -> Message:
    """The first line of a part ticket's article: which part of which request it is."""
    return message("Part {number} of {total} of request {parent}.", number=number,
                   total=total, parent=parent)


def all_parts_done(numbers: list[str]) -> Message:
    """The article that closes a parent: every part is done (their ticket numbers)."""
    return message("All parts of this request are done: {numbers}.",
                   numbers=", ".join(numbers))
