"""Rows saved through a resource's serializer, for tests that render them:
a drawn row and its copies with a field at each extreme of its range."""

from typing import Any

from django.db import models
from hypothesis import strategies as st
from rest_framework import serializers

from tests.support.conformance import (
    Resource,
    extreme_values,
    resource_named,
    row_strategy,
    unique_text,
)

RELATIONAL = (serializers.RelatedField, serializers.ManyRelatedField)


def related_model(each: Any) -> type[models.Model]:
    field = each.child_relation if isinstance(each, serializers.ManyRelatedField) else each
    queryset: Any = field.get_queryset()
    model: type[models.Model] = queryset.model
    return model


def save(resource: Resource, row: dict[str, Any]) -> Any | None:
    """The row saved through the resource's serializer, or None if the
    serializer refuses it as a whole (a constraint across fields)."""
    serializer = resource.serializer(data=row)
    return serializer.save() if serializer.is_valid() else None


def parents(resource: Resource, data: st.DataObject) -> dict[str, Any]:
    """The key of a saved row of each model `resource` must reference."""
    made: dict[str, Any] = {}
    for model in resource.required_references().values():
        if model.__name__ not in made:
            parent = resource_named(model.__name__)
            saved = save(parent, data.draw(row_strategy(parent, parents(parent, data))))
            assert saved is not None, f"a valid {parent.name} row was refused"
            made[model.__name__] = saved.pk
    return made


def extreme_rows(resource: Resource, data: st.DataObject) -> list[Any]:
    """A drawn row and its copies with one plain field at one extreme of its range
    each, those the serializer accepts saved; to-many fields name up to three
    rows saved before."""
    writable = resource.writable()
    unique = resource.unique_fields()
    row = data.draw(row_strategy(resource, parents(resource, data)))
    variants = [row] + [
        {**row, name: extreme}
        for name, each in writable.items()
        if not isinstance(each, RELATIONAL) and name not in unique
        for extreme in extreme_values(resource, name)
    ]
    saved = []
    for variant in variants:
        variant |= {name: unique_text(writable[name].max_length) for name in unique}
        for name, each in writable.items():
            if isinstance(each, serializers.ManyRelatedField):
                keys = related_model(each)._default_manager.order_by("pk").values_list("pk")
                variant[name] = [key for (key,) in keys[:3]]
        if (instance := save(resource, variant)) is not None:
            saved.append(instance)
    assert saved, f"no {resource.name} row could be saved"
    return saved
