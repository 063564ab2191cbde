"""Who is in the Partnership, and what the public reads about it."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.reach_changes import ReachQuerySet
from safeschools.cache import cached, forget
from safeschools.crypto import EncryptedTextField


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
    can_act = models.BooleanField(
        _("can act on tips"),
        default=True,
        help_text=_(
            "Its staff read, acknowledge and follow up the tips routed to it. Turn off for partners "
            "that cannot (a national hotline, a state department): they can be routed tips for "
            "information only, and are shown to the student as help they can reach themselves."
        ),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)

    objects = ReachQuerySet["Agency"].as_manager()  # bulk writes change who can be reached

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
            # Every school's tips go to its district and its police agency, and the tips
            # nobody else takes go to the coordinators: those must be able to act on them.
            models.CheckConstraint(
                condition=Q(can_act=True)
                | (~Q(kind__in=[AgencyKind.DISTRICT, AgencyKind.POLICE]) & Q(is_coordinating=False)),
                name="partners_agency_responsible_kinds_can_act",
                violation_error_message=_("School districts, police agencies and the coordinating agency act on tips."),
            ),
        ]
        # The reports app's database triggers also refuse a "cannot act" agency that a
        # routing rule makes responsible (see reports migration 0002).

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.can_act and (self.kind in (self.Kind.DISTRICT, self.Kind.POLICE) or self.is_coordinating):
            raise ValidationError(
                {"can_act": _("School districts, police agencies and the coordinating agency act on tips.")}
            )
        # routing_rules is the reports app's reverse relation: read by name, so that this
        # layer does not import the one above it.
        if not self.can_act and self.pk and self.routing_rules.filter(role="responsible").exists():
            raise ValidationError(
                {"can_act": _("A routing rule makes this agency responsible for tips; make it information only first.")}
            )
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
    is_safe_schools_designee = models.BooleanField(
        _("Safe Schools Act designee"),
        default=False,
        help_text=_(
            "Receives and acknowledges Safe Schools Act notices (RSMo 167.115) addressed to this agency: "
            "the superintendent's designee at a district, the juvenile office's at a court."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReachQuerySet["Membership"].as_manager()  # bulk writes change who can be reached

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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._forget_users_memberships()

    def delete(self, *args, **kwargs):
        self._forget_users_memberships()
        return super().delete(*args, **kwargs)

    def _forget_users_memberships(self) -> None:
        """The user object this membership was made with may hold ``memberships_of``'s list."""
        if Membership._meta.get_field("user").is_cached(self):
            vars(self.user).pop(MEMBERSHIPS_CACHE, None)

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


class StaffMobileQuerySet(ReachQuerySet["StaffMobile"]):
    def textable(self) -> StaffMobileQuerySet:
        """Numbers alerts may be texted to: their owner is active and has not replied STOP."""
        return self.filter(stopped_at=None, user__is_active=True)


class StaffMobile(models.Model):
    """A staff member's verified mobile number, for alerts by text message and for
    acknowledging a tip by replying to one (see ``partners.mobiles``).

    The number is stored encrypted. An inbound message is matched to its sender through
    ``number_index``, a keyed hash of the number, so the database can find a number
    without holding it in clear. One number belongs to one staff member.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mobile")
    number = EncryptedTextField(_("mobile number (E.164)"))
    number_index = models.CharField(max_length=64, unique=True, editable=False)
    verified_at = models.DateTimeField(_("verified"))
    sms_for_all_alerts = models.BooleanField(
        _("text me every alert"),
        default=False,
        help_text=_("Otherwise only urgent alerts (life-safety tips and escalations) come by text."),
    )
    # Set when the person replies STOP (or the provider reports that they did); cleared by START.
    stopped_at = models.DateTimeField(_("texts stopped by the owner"), null=True, blank=True)

    objects = StaffMobileQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff mobile number")
        verbose_name_plural = _("staff mobile numbers")

    def __str__(self) -> str:
        return f"mobile of {self.user}"


class MobileVerification(models.Model):
    """A number a staff member is confirming, with the code texted to it (kept only as a
    keyed hash). One row per person; it also counts the codes sent, for the rate limit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = EncryptedTextField(blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    wrong_attempts = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"mobile verification of {self.user_id}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OnCallShiftQuerySet(ReachQuerySet["OnCallShift"]):
    def covering(self, moment: datetime) -> OnCallShiftQuerySet:
        """Shifts that cover ``moment`` in the site's time zone (America/Chicago)."""
        local = timezone.localtime(moment)
        return self.filter(weekday=local.weekday(), start_hour__lte=local.hour, end_hour__gt=local.hour)


class OnCallShift(models.Model):
    """One slot of an agency's weekly on-call rota: on this weekday, from ``start_hour`` to
    ``end_hour`` (local time, America/Chicago), this person is alerted first about a
    life-safety tip for the agency. A night shift past midnight is two slots."""

    Weekday = Weekday

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="on_call_shifts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts", verbose_name=_("person")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_hour = models.PositiveSmallIntegerField(
        _("from (hour)"), validators=[MaxValueValidator(23)], help_text=_("0–23, local time.")
    )
    end_hour = models.PositiveSmallIntegerField(
        _("until (hour)"),
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("1–24, local time; 24 is midnight at the end of the day."),
    )

    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        ordering = ["agency", "weekday", "start_hour", "user"]
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call rota")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="partners_oncallshift_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_hour__lt=F("end_hour"), end_hour__lte=24),
                name="partners_oncallshift_hours_valid",
                violation_error_message=_("The shift must end after it starts, at hour 24 at the latest."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_hour:02d}:00–{self.end_hour:02d}:00 {self.user}"

    def clean(self) -> None:
        if self.start_hour is not None and self.end_hour is not None and self.start_hour >= self.end_hour:
            raise ValidationError({"end_hour": _("The shift must end after it starts.")})
        if self.agency_id and self.user_id:
            member = Membership.objects.filter(agency_id=self.agency_id, user_id=self.user_id).exclude(
                role=Membership.Role.VIEWER
            )
            if not member.exists():
                raise ValidationError({"user": _("Only a member of this agency who can act on tips can be on call.")})


class NetworkRange(models.Model):
    """An address range a school district's own network reaches the internet from (its
    Wi-Fi, its school devices). A tip page opened from such an address shows a calm notice
    that school networks and devices may be monitored (``partners.networks``). The
    visitor's address is compared in memory only: never stored, never logged."""

    district = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        related_name="network_ranges",
        limit_choices_to={"kind": Agency.Kind.DISTRICT},
        verbose_name=_("school district"),
    )
    network = models.CharField(
        _("address range"),
        max_length=64,
        unique=True,
        help_text=_(
            "A public address range the district's internet traffic comes from (ask its IT department), "
            "written like 203.0.113.0/24 or 2001:db8:12::/48; a single address is fine too."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    # Broader ranges would mark whole providers, not a district: refused.
    SHORTEST_PREFIX = {4: 16, 6: 32}

    class Meta:
        ordering = ["district__name", "network"]
        verbose_name = _("school network range")
        verbose_name_plural = _("school network ranges")

    def __str__(self) -> str:
        return self.network

    def clean(self) -> None:
        import ipaddress

        try:
            network = ipaddress.ip_network((self.network or "").strip(), strict=False)
        except ValueError:
            raise ValidationError({"network": _("Write an address or a range, like 203.0.113.0/24.")}) from None
        if network.prefixlen < self.SHORTEST_PREFIX[network.version]:
            raise ValidationError(
                {"network": _("This range is too broad: it would cover far more than one district's network.")}
            )
        self.network = str(network)
        if self.district_id and self.district.kind != Agency.Kind.DISTRICT:
            raise ValidationError({"district": _("%(name)s is not a school district.") % {"name": self.district}})


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


MEMBERSHIPS_CACHE = "_partners_memberships"


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their agencies, read once and kept on the user object.

    A staff request asks this many times (may they use the dashboard? are they a
    coordinator? which agencies may act on this tip?); ``request.user`` is loaded afresh for
    each request, so the list lives as long as the request, as Django's permission cache
    does. Saving or deleting a membership through a user object forgets that object's list.
    """
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    cached = vars(user).get(MEMBERSHIPS_CACHE)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("agency"))
        vars(user)[MEMBERSHIPS_CACHE] = cached
    return cached
