"""The keys of a page's to-many relations, read in one query per field.

DRF renders a to-many field of each row with `instance.<field>.all()`: a
query per row, or Django's prefetch, whose per-row bookkeeping cost more than
the rows themselves. A list serializer built on `RelatedKeysListMixin` reads
the keys of a whole page first, and RelatedKeysField (fields.py) renders them,
exactly as DRF would have.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField

from .fields import PAGE_KEYS, RelatedKeysField


class RelatedKeys:
    """The primary keys of one many-to-many field, for many rows at once."""

    # Primary keys per query; stays under every database's parameter limit.
    CHUNK = 500

    def __init__(self, column: Any) -> None:
        self.attribute = column.name
        self.related_model: Any = column.related_model
        self.query_name = column.related_query_name()
        through = column.remote_field.through._meta
        self.table = through.db_table
        self.source = through.get_field(column.m2m_field_name()).column
        self.target = through.get_field(column.m2m_reverse_field_name()).column
        related = self.related_model._meta
        # `instance.<field>.all()` is then exactly the link table's rows in
        # primary-key order, which a plain query on that table gives far
        # cheaper than the ORM (whose IN list preparation dominated).
        self.link_table_only = (
            type(self.related_model._default_manager) is models.Manager
            and list(related.ordering) in (["pk"], [related.pk.name])
            and isinstance(related.pk, models.IntegerField)
            and isinstance(column.model._meta.pk, models.IntegerField)
        )

    @staticmethod
    def is_prefetched(instance: Any, attribute: str) -> bool:
        return attribute in instance.__dict__.get("_prefetched_objects_cache", ())

    def fetch(self, instances: list[Any]) -> dict[Any, list[Any]]:
        """Primary keys of the related rows of every instance not prefetched,
        in one query, in the order `instance.<field>.all()` gives them."""
        wanted = [
            i.pk
            for i in instances
            if i.pk is not None and not self.is_prefetched(i, self.attribute)
        ]
        if not wanted:
            return {}
        found: dict[Any, list[Any]] = {pk: [] for pk in wanted}
        database = instances[0]._state.db or "default"
        if self.link_table_only:
            connection = connections[database]
            quote = connection.ops.quote_name
            for start in range(0, len(wanted), self.CHUNK):
                chunk = wanted[start : start + self.CHUNK]
                sql = (
                    f"SELECT {quote(self.source)}, {quote(self.target)} FROM {quote(self.table)} "  # noqa: S608 - names from the model
                    f"WHERE {quote(self.source)} IN ({', '.join(['%s'] * len(chunk))})"
                )
                with connection.cursor() as cursor:
                    cursor.execute(sql, chunk)
                    for source, target in cursor.fetchall():
                        found[source].append(target)
            return {pk: sorted(targets) for pk, targets in found.items()}
        rows = (
            self.related_model._default_manager.db_manager(database)
            .filter(**{f"{self.query_name}__in": wanted})
            .values_list(self.query_name, "pk")
        )
        for source, target in rows:
            found[source].append(target)
        return found


def plain_related(field: Any) -> bool:
    """A PrimaryKeyRelatedField that renders `pk_field(pk)` as DRF's does."""
    cls = type(field)
    return (
        isinstance(field, PrimaryKeyRelatedField)
        and cls.to_representation is PrimaryKeyRelatedField.to_representation
        and cls.get_attribute is PrimaryKeyRelatedField.get_attribute
        and cls.use_pk_only_optimization is PrimaryKeyRelatedField.use_pk_only_optimization
    )


def link_table_column(column: Any) -> bool:
    """A forward many-to-many column whose link table Django made: its keys
    can be read from that table alone."""
    through: Any = getattr(column.remote_field, "through", None)
    return isinstance(column, models.ManyToManyField) and bool(through._meta.auto_created)


def _column(field: Any, model: Any) -> Any | None:
    """The forward many-to-many column a field renders as keys, or None."""
    attrs = getattr(field, "source_attrs", [])
    # A subclass may render differently: only the base serializer's own field.
    if type(field) is not RelatedKeysField or not plain_related(field.child_relation):
        return None
    if len(attrs) != 1:
        return None
    try:
        column = model._meta.get_field(attrs[0])
    except FieldDoesNotExist:
        return None
    return column if link_table_column(column) else None


_readers: dict[tuple[type, str], RelatedKeys] = {}


def page_readers(serializer: Any) -> dict[str, RelatedKeys]:
    """Field name -> how to read its keys in bulk, for the fields that can."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return {}
    found = {}
    for name, field in serializer.fields.items():
        if field.write_only or (column := _column(field, model)) is None:
            continue
        key = (model, column.name)
        if key not in _readers:
            _readers[key] = RelatedKeys(column)
        found[name] = _readers[key]
    return found


class RelatedKeysListMixin:
    """For a ListSerializer: the to-many keys of every row read before the rows
    are rendered, one query per field."""

    child: Any

    def to_representation(self, data: Any) -> Any:
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        rows = list(rows)
        readers = page_readers(self.child) if rows else {}
        if not readers or not all(isinstance(row, models.Model) for row in rows):
            return [self.child.to_representation(row) for row in rows]
        setattr(self.child, PAGE_KEYS, {name: r.fetch(rows) for name, r in readers.items()})
        try:
            return [self.child.to_representation(row) for row in rows]
        finally:
            delattr(self.child, PAGE_KEYS)


class RelatedKeysListSerializer(RelatedKeysListMixin, serializers.ListSerializer):  # type: ignore[type-arg]
    """DRF's ListSerializer, with a page's to-many keys read in bulk."""


def without_page_prefetches(queryset: Any, make_serializer: Callable[[], Any]) -> Any:
    """The queryset without the prefetches of the relations a page reads in
    bulk: Django would otherwise still do their per-row bookkeeping. The
    serializer, whose fields cost time to build, is made only when there are
    prefetches to look at."""
    lookups = getattr(queryset, "_prefetch_related_lookups", ())
    if not lookups:
        return queryset
    bulk = {reader.attribute for reader in page_readers(make_serializer()).values()}
    kept = [lookup for lookup in lookups if not (isinstance(lookup, str) and lookup in bulk)]
    if len(kept) == len(lookups):
        return queryset
    return queryset.prefetch_related(None).prefetch_related(*kept)
