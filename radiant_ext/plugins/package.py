"""Helper for department plugins that ship their catalog as package data."""

from __future__ import annotations

from importlib import resources

from radiant_ext.i18n import Message, message, register_domain
from radiant_ext.plugins.catalog import CatalogFile, CatalogItem, Department
from radiant_ext.plugins.loader import load_catalog_resource
from radiant_ext.plugins.models import StoreInfo

__all__ = ["CatalogPackage"]


class CatalogPackage:
    """Catalog files inside an installed package, loaded on first use and then cached.

    A department plugin's module keeps one instance and returns its lists from its hooks::

        catalog = CatalogPackage("radiant_ext_it", "catalog.yaml")

        @hookimpl
        def radiant_catalog_items() -> list[CatalogItem]:
            return catalog.items()

    The texts are translated in the package's own gettext domain (its name), from
    ``translations/<lang>/LC_MESSAGES/<package>.po`` inside the package; :meth:`message`
    builds the plugin's other texts (form errors) in the same domain.

    :param package: importable package name holding the files.
    :param names: resource names inside the package (``catalog.yaml``).
    """

    def __init__(self, package: str, *names: str) -> None:
        self.package = package
        self.names = names or ("catalog.yaml",)
        self._files: list[CatalogFile] | None = None
        register_domain(package, resources.files(package).joinpath("translations"))

    def files(self) -> list[CatalogFile]:
        """Return the loaded files.

        :raises CatalogError: when a file is invalid (naming the resource and line).
        """
        if self._files is None:
            self._files = [load_catalog_resource(self.package, n) for n in self.names]
        return self._files

    def message(self, msgid: str, /, **params: str | int | float) -> Message:
        """A text of the plugin (``pybabel extract -k message`` finds it), in its domain."""
        return message(msgid, domain=self.package, **params)

    def departments(self) -> list[Department]:
        """Return the departments the files declare."""
        return [f.department for f in self.files() if f.department is not None]

    def items(self) -> list[CatalogItem]:
        """Return every catalog item of the files."""
        return [item for f in self.files() for item in f.items]

    def stores(self) -> list[StoreInfo]:
        """Return store directory entries the files carry (usually none)."""
        return [s for f in self.files() for s in f.stores]
