"""Who is in the Partnership, and what the public reads about it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeschools.cache import cached, forget


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Police department")
    DISTRICT = "district", _("School district")
    COURT = "court", _("Court")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    STATE = "state", _("State agency")
    OTHER = "other", _("Other partner")


class Agency(models.Model):
    Kind = AgencyKind

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    description = models.TextField(_("public description"), blank=True)
    is_partner = models.BooleanField(
        _("current partner"), default=True, help_text=_("Listed in the public partner directory.")
    )
    is_coordinating = models.BooleanField(
        _("coordinating agency"),
        default=False,
        help_text=_("The Partnership's own office. Tips with no school are routed here. Only one agency."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_coordinating"],
                condition=Q(is_coordinating=True),
                name="partners_agency_one_coordinating",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AgencyKind.values),
                name="partners_agency_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk and self.kind:
            previous = Agency.objects.filter(pk=self.pk).values_list("kind", flat=True).first()
            if previous and previous != self.kind:
                if previous == self.Kind.DISTRICT and self.district_schools.exists():
                    raise ValidationError({"kind": _("Schools belong to this district; move them first.")})
                if previous == self.Kind.POLICE and self.policed_schools.exists():
                    raise ValidationError({"kind": _("Schools are served by this police agency; move them first.")})


class GradeBand(models.TextChoices):
    ELEMENTARY = "elementary", _("Elementary")
    MIDDLE = "middle", _("Middle")
    HIGH = "high", _("High")
    K8 = "k8", _("K–8")
    K12 = "k12", _("K–12")
    EARLY = "early", _("Early childhood")
    OTHER = "other", _("Other")


class School(models.Model):
    GradeBand = GradeBand

    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="district_schools",
        limit_choices_to={"kind": Agency.Kind.DISTRICT},
        verbose_name=_("school district"),
    )
    police_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="policed_schools",
        limit_choices_to={"kind": Agency.Kind.POLICE},
        verbose_name=_("police agency with jurisdiction"),
    )
    grade_band = models.CharField(_("grade band"), max_length=20, choices=GradeBand.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="partners_school_unique_name_in_district"),
            models.CheckConstraint(
                condition=Q(grade_band__in=GradeBand.values),
                name="partners_school_grade_band_valid",
            ),
        ]
        # The database also refuses a district that is not a district and a police agency
        # that is not a police agency: see the triggers in migration 0002.

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.district_id and self.district.kind != Agency.Kind.DISTRICT:
            errors["district"] = _("%(name)s is not a school district.") % {"name": self.district}
        if self.police_agency_id and self.police_agency.kind != Agency.Kind.POLICE:
            errors["police_agency"] = _("%(name)s is not a police agency.") % {"name": self.police_agency}
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    VIEWER = "viewer", _("Viewer (read only)")
    COORDINATOR = "coordinator", _("Coordinator")


class NewTipAlerts(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY_DIGEST = "digest", _("In a daily digest")
    NONE = "none", _("Not at all (life-safety tips still alert me)")


class Membership(models.Model):
    """A staff member's place in an agency. Roles decide what the dashboard lets them do;
    the notification preferences decide which alerts reach them."""

    Role = Role
    NewTipAlerts = NewTipAlerts

    # Which agency kinds each role belongs to; viewers may sit in any agency.
    ROLE_AGENCY_KINDS = {
        Role.OFFICER: {Agency.Kind.POLICE},
        Role.SCHOOL_ADMIN: {Agency.Kind.DISTRICT},
        Role.AGENCY_STAFF: {Agency.Kind.COURT, Agency.Kind.MENTAL_HEALTH, Agency.Kind.STATE, Agency.Kind.OTHER},
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    new_tip_alerts = models.CharField(
        _("alerts for new tips routed to this agency"),
        max_length=20,
        choices=NewTipAlerts.choices,
        default=NewTipAlerts.IMMEDIATELY,
    )
    tipster_message_alerts = models.BooleanField(
        _("alert me when a tipster writes on a tip assigned to me"), default=True
    )
    is_escalation_contact = models.BooleanField(
        _("escalation contact"),
        default=False,
        help_text=_("Alerted again when a life-safety tip for this agency is not acknowledged in time."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="partners_membership_unique_user_agency"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="partners_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency}"

    def clean(self) -> None:
        if not self.agency_id or not self.role:
            return
        if self.role == self.Role.COORDINATOR and not self.agency.is_coordinating:
            raise ValidationError({"role": _("Coordinators belong to the coordinating agency.")})
        kinds = self.ROLE_AGENCY_KINDS.get(self.role)
        if kinds is not None and self.agency.kind not in kinds:
            raise ValidationError(
                {
                    "role": _("A %(role)s cannot belong to a %(kind)s.")
                    % {"role": self.get_role_display(), "kind": self.agency.get_kind_display()}
                }
            )


def memberships_of(user) -> list[Membership]:
    """The user's memberships, with their agencies. A staff page reads them once:
    ``partners.access.staff_required`` keeps them on the request's user for the rest of
    the request (access checks, the one door to tips, the page itself)."""
    kept = getattr(user, "_request_memberships", None)
    if kept is not None:
        return kept
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.filter(user=user).select_related("agency"))


class SpanishVersion:
    """Fields that coordinators may also write in Spanish (``title`` and ``title_es``)."""

    def localized(self, field: str, language: str | None = None) -> str:
        """The Spanish text on the Spanish site when a coordinator wrote one, else the
        English: a half-translated page still reads whole."""
        english = getattr(self, field)
        if (language or get_language()) == "es":
            return getattr(self, f"{field}_es") or english
        return english


class Page(SpanishVersion, models.Model):
    """An editable public page. The body uses a small, safe markup (see partners.markup)."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Blank lines separate paragraphs. Start a line with '## ' for a heading and '- ' "
            "for a list item. Web addresses become links."
        ),
    )
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    summary_es = models.CharField(_("summary (Spanish)"), max_length=300, blank=True)
    body_es = models.TextField(
        _("body (Spanish)"), blank=True, help_text=_("Shown on the Spanish site; empty shows the English body.")
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    published = models.BooleanField(_("published"), default=True)
    show_in_nav = models.BooleanField(_("show in navigation"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "title"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        forget(NAV_CACHE_KEY)

    def get_absolute_url(self) -> str:
        return reverse("partners:page", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        forget(NAV_CACHE_KEY)
        return result


NAV_CACHE_KEY = "partners:nav-pages"


def nav_pages() -> list[dict[str, str]]:
    """Published pages shown in the navigation, cached until a page is saved."""
    return cached(
        NAV_CACHE_KEY,
        lambda: list(Page.objects.filter(published=True, show_in_nav=True).values("slug", "title", "title_es")),
    )


class ResourceKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    STATUTE = "statute", _("Statute")
    LINK = "link", _("Link")


class Resource(SpanishVersion, models.Model):
    Kind = ResourceKind

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DOCUMENT)
    file = models.FileField(_("file"), upload_to="resources/%Y/", blank=True)
    url = models.URLField(_("external link"), blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = ["display_order", "title"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="partners_resource_file_or_link",
                violation_error_message=_("Give either a file or an external link, not both."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if bool(self.file) == bool(self.url):
            raise ValidationError(_("Give either a file or an external link, not both."))

    @property
    def href(self) -> str:
        if self.file:
            return reverse("partners:resource-file", kwargs={"pk": self.pk})
        return self.url


class SiteSettings(models.Model):
    """The one record of site-wide contact numbers shown in every header and footer."""

    organisation_name = models.CharField(_("organisation name"), max_length=200, default="Safe Schools Partnership")
    hotline_display = models.CharField(_("hotline as shown"), max_length=60, default="(314) 889-SAFE (7233)")
    hotline_number = models.CharField(
        _("hotline to dial"), max_length=30, default="+13148897233", help_text=_("Digits for tel: links.")
    )
    emergency_text = models.CharField(_("emergency text"), max_length=200, default="In an emergency, call 911.")
    crisis_text = models.CharField(
        _("crisis text"), max_length=200, default="Thinking about suicide or in crisis? Call or text 988."
    )
    non_emergency_number = models.CharField(_("police non-emergency number"), max_length=40, blank=True)
    tdd_number = models.CharField(_("TDD number"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    statewide_line = models.CharField(
        _("statewide tip line"),
        max_length=200,
        blank=True,
        help_text=_("Shown on the contact page, e.g. Courage2Report."),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="partners_sitesettings_singleton")]

    def __str__(self) -> str:
        return str(_("Site settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        forget(SITE_SETTINGS_CACHE_KEY)

    @classmethod
    def current(cls) -> SiteSettings:
        """The saved record, or the defaults while none is saved yet (cached)."""
        return cached(SITE_SETTINGS_CACHE_KEY, lambda: cls.objects.filter(pk=1).first() or cls(pk=1))


SITE_SETTINGS_CACHE_KEY = "partners:site-settings"
