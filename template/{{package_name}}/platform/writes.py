"""What a write means, the same on every transport (docs/semantics.md).

- Create and Update are whole-row writes: a writable field the request leaves
  out takes the value a Create gives it (its default, null, an empty list),
  so an Update replaces the row instead of half-merging it. An Update of a row
  that no longer exists is NOT_FOUND; it never inserts the row again.
- PartialUpdate writes only the fields it names, with one UPDATE of those
  columns, so a concurrent change to another field of the row survives; the
  reply is the row as stored afterwards. Naming no field is a client error.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, models
from rest_framework import exceptions, serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings
from rest_framework.utils import model_meta

# The request field naming the fields a partial update changes, where the
# request is a message (a REST PATCH names them by the keys of its body).
PARTIAL_UPDATE_FIELDS = "_partial_update_fields"


class WriteSemanticsMixin:
    """Mixed into the base model serializers; see the module docstring."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # type: ignore[misc]
        instance = getattr(self, "instance", None)
        if instance is None:
            return attrs
        if getattr(self, "partial", False):
            if not set(attrs) - {PARTIAL_UPDATE_FIELDS}:
                fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
                name = (
                    PARTIAL_UPDATE_FIELDS
                    if PARTIAL_UPDATE_FIELDS in fields
                    else api_settings.NON_FIELD_ERRORS_KEY
                )
                raise serializers.ValidationError(
                    {name: ["The request names no field to change."]}, code="no_fields"
                )
            return attrs
        return {**self._create_values(), **attrs}

    def _create_values(self) -> dict[str, Any]:
        """What a Create would store for each writable field left out."""
        model: type[models.Model] = self.Meta.model  # type: ignore[attr-defined]
        fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
        values: dict[str, Any] = {}
        for field in fields.values():
            if field.read_only or not isinstance(field.source, str) or "." in field.source:
                continue
            if field.default is not empty:
                values[field.source] = field.get_default()
                continue
            try:
                column = model._meta.get_field(field.source)
            except FieldDoesNotExist:  # not a model field: nothing to reset
                continue
            if not isinstance(column, models.Field):
                continue  # a reverse relation
            if column.many_to_many:
                values[field.source] = []
            elif column.has_default():
                values[field.source] = column.get_default()
            elif column.null:
                values[field.source] = None
        return values

    def update(self, instance: models.Model, validated_data: dict[str, Any]) -> models.Model:
        info = model_meta.get_field_info(type(instance))
        many: dict[str, Any] = {}
        columns: list[str] = []
        concrete = {field.name for field in instance._meta.concrete_fields}
        for name, value in validated_data.items():
            if name in info.relations and info.relations[name].to_many:
                many[name] = value
            else:
                setattr(instance, name, value)
                if name in concrete:
                    columns.append(name)
        partial = bool(getattr(self, "partial", False))
        try:
            if not partial:
                # force_update: a row deleted meanwhile stays deleted.
                instance.save(force_update=True)
            elif columns:
                # Fields such as auto_now ones change on every save, named or not.
                columns += [
                    field.name
                    for field in instance._meta.concrete_fields
                    if getattr(field, "auto_now", False) and field.name not in columns
                ]
                instance.save(update_fields=columns)
        except DatabaseError as error:
            if "did not affect any rows" in str(error):
                raise exceptions.NotFound(
                    f"{type(instance).__name__} {instance.pk} no longer exists."
                ) from error
            raise
        for name, value in many.items():
            getattr(instance, name).set(value)
        if partial:
            # The reply shows the row as stored, other writers' fields included.
            instance.refresh_from_db()
        return instance
