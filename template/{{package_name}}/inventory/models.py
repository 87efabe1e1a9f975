"""Example models: one column of every kind the base serializer maps."""

from django.db import models


class Warehouse(models.Model):
    # The primary key is a BigAutoField (settings.DEFAULT_AUTO_FIELD): int64.
    name = models.CharField(max_length=100, unique=True)
    capacity_grams = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="items")
    # The item this one supersedes, if any.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    compatible_with = models.ManyToManyField("self", symmetrical=False, blank=True)
    quantity = models.IntegerField(default=0)
    reorder_level = models.SmallIntegerField(default=0)
    shelf = models.PositiveIntegerField(default=0)
    serial_number = models.PositiveBigIntegerField(default=0)
    balance_micros = models.BigIntegerField(default=0)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    weight_kg = models.FloatField(default=0)
    # GTIN barcodes are 14-digit numbers: far beyond int32.
    gtins = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.sku
