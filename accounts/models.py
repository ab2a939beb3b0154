"""People and places: trusts, schools, users, role memberships, pupils and their parents, and the
MIS imports that bring pupils and parents in from each school."""

import uuid
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device, DeviceManager

from accounts.roles import SCHOOL_ROLES, TRUST_ROLES, Action, Role
from core.calendar import age_on


class Trust(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    companies_house_number = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Phase(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=8, unique=True)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [(action.value, action.label) for action in Action]
        constraints = [models.UniqueConstraint(fields=["trust", "name"], name="school_unique_name_in_trust")]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One login per person; the email address is the username."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "may use the Django admin", default=False, help_text="Only for trust technical staff."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Membership(models.Model):
    """A role held by a user, in one school or across the whole trust."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=40, choices=Role.choices)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="memberships")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=sorted(SCHOOL_ROLES)) & Q(school__isnull=False))
                | (Q(role__in=sorted(TRUST_ROLES)) & Q(school__isnull=True)),
                name="membership_school_matches_role_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=Q(school__isnull=False),
                name="membership_unique_school_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "trust"],
                condition=Q(school__isnull=True),
                name="membership_unique_trust_role",
            ),
        ]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.school or self.trust})"

    @property
    def is_trust_wide(self) -> bool:
        return self.role in TRUST_ROLES

    def clean(self) -> None:
        super().clean()
        if self.role in SCHOOL_ROLES and not self.school_id:
            raise ValidationError({"school": "Choose the school where this role is held."})
        if self.role in TRUST_ROLES and self.school_id:
            raise ValidationError({"school": "A trust-wide role is not held in one school."})
        if self.school_id and self.trust_id and self.school.trust_id != self.trust_id:
            raise ValidationError({"school": "This school belongs to another trust."})


class YearGroup(models.IntegerChoices):
    NURSERY = -1, "Nursery"
    RECEPTION = 0, "Reception"
    Y1 = 1, "Year 1"
    Y2 = 2, "Year 2"
    Y3 = 3, "Year 3"
    Y4 = 4, "Year 4"
    Y5 = 5, "Year 5"
    Y6 = 6, "Year 6"
    Y7 = 7, "Year 7"
    Y8 = 8, "Year 8"
    Y9 = 9, "Year 9"
    Y10 = 10, "Year 10"
    Y11 = 11, "Year 11"
    Y12 = 12, "Year 12"
    Y13 = 13, "Year 13"


class PupilQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.VIEW_PUPIL_DIRECTORY) -> "PupilQuerySet":
        """Pupils in the schools where the user may take this action."""
        # Here, not at the top: the access layer reads these models, so it loads after them.
        from accounts import access

        return access.scope(self, user, action)


class Pupil(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    year_group = models.IntegerField(choices=YearGroup.choices)
    class_name = models.CharField("class or form", max_length=40, blank=True)
    mis_id = models.CharField("MIS id", max_length=40)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="pupil_record"
    )
    is_active = models.BooleanField("on roll", default=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "mis_id"], name="pupil_unique_mis_id"),
        ]
        indexes = [
            models.Index(fields=["school", "year_group"]),
            models.Index(fields=["school", "last_name", "first_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        super().clean()
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": "Date of birth must be in the past."})

    def age_on(self, day: date) -> int:
        """The pupil's age in whole years on a day."""
        return age_on(self.date_of_birth, day)


class ParentLink(models.Model):
    """A parent or carer linked to a pupil; only those with parental responsibility give consent."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        CARER = "carer", "Carer"
        GUARDIAN = "guardian", "Legal guardian"
        GRANDPARENT = "grandparent", "Grandparent"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="children_links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="parent_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "pupil"], name="parentlink_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.parent} — {self.get_relationship_display()} of {self.pupil}"


class PasswordResetThrottle(models.Model):
    """The recent password reset requests of one address or one client (accounts.services)."""

    # "address:" or "client:" and a keyed digest: the table never holds what was typed, nor an IP.
    key = models.CharField(max_length=80, unique=True)
    # The times (ISO 8601, UTC) of the requests counted in the last hour; never more than the limit.
    recent = models.JSONField(default=list)
    # Rows last used more than an hour ago count nothing and are deleted.
    last_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key.partition(':')[0]} ({len(self.recent)} in the last hour)"


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.ADMINISTER_SCHOOL) -> "ImportRunQuerySet":
        """Imports into the schools the user administers."""
        # Here, not at the top: the access layer reads these models, so it loads after them.
        from accounts import access

        return access.scope(self, user, action)


def import_upload_path(instance: "ImportRun", filename: str) -> str:
    # The folder keeps the name it had when the import was part of consent, so the exports
    # uploaded before the move and after it are kept in one place.
    return f"consent/imports/{instance.school_id}/{instance.pk}.csv"


class ImportRun(models.Model):
    """One MIS export uploaded for a school: previewed (a dry run), then applied in the background."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", "Checking the file"
        PREVIEWED = "previewed", "Ready to import"
        APPLYING = "applying", "Importing"
        APPLIED = "applied", "Imported"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=import_upload_path, max_length=300)
    original_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWING)
    stage = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The dry run's report, then the import's: counts, rejected rows with reasons, changes.
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    applied_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved on by every batch: a working run whose heartbeat stops was lost and is started again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        # The table was made when the import was part of consent (accounts/migrations/0006).
        db_table = "consent_importrun"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"Import of {self.original_name} into {self.school}"

    @property
    def is_working(self) -> bool:
        return self.status in {self.Status.PREVIEWING, self.Status.APPLYING}

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class TrustSignOn(models.Model):
    """How one trust's staff sign in with its Microsoft 365 or Google Workspace accounts (accounts.sso).

    The client secret is never stored here: ``client_secret_variable`` names the environment
    variable that holds it (or, with ``_FILE`` added to the name, a file that does)."""

    class Provider(models.TextChoices):
        ENTRA = "entra", "Microsoft Entra ID (Microsoft 365)"
        GOOGLE = "google", "Google Workspace"
        OTHER = "oidc", "Another OpenID Connect provider"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.OneToOneField(Trust, on_delete=models.CASCADE, related_name="sign_on")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    issuer = models.URLField(
        help_text="Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0; Google: "
        "https://accounts.google.com",
    )
    client_id = models.CharField("client id", max_length=200)
    client_secret_variable = models.CharField(
        max_length=100,
        help_text="The environment variable that holds the client secret (or NAME_FILE: a file that does).",
    )
    allowed_domains = models.CharField(
        max_length=500,
        help_text="The trust's email domains, separated by commas: school.org.uk, trust.org.uk",
    )
    enabled = models.BooleanField(default=True)
    staff_password_sign_in = models.BooleanField(
        "staff may also sign in with a password",
        default=True,
        help_text="Pupils and parents always sign in with a password.",
    )

    class Meta:
        verbose_name = "single sign-on"
        verbose_name_plural = "single sign-on"

    def __str__(self) -> str:
        return f"{self.trust}: {self.get_provider_display()}"

    def clean(self) -> None:
        super().clean()
        self.issuer = self.issuer.rstrip("/")
        self.allowed_domains = ", ".join(self.domains())
        if not self.domains():
            raise ValidationError({"allowed_domains": "Enter at least one email domain."})

    def sign_in_label(self) -> str:
        """The words on the sign-in button."""
        if self.provider == self.Provider.ENTRA:
            return "Sign in with Microsoft 365"
        if self.provider == self.Provider.GOOGLE:
            return "Sign in with Google"
        return "Sign in with your school account"

    def domains(self) -> list[str]:
        """The allowed email domains, lower case, without a leading @."""
        parts = (part.strip().lower().lstrip("@") for part in self.allowed_domains.split(","))
        return [part for part in parts if part]


class SignOnDeviceManager(DeviceManager):
    def devices_for_user(self, user, confirmed=None):
        # Not a device anyone enters a code on: the two-factor pages must never pick it.
        return self.none()


class SignOnDevice(Device):
    """The identity provider's own multi-factor check, standing in for the portal's code when the
    ID token's ``amr`` says one was made. It is never offered for a code: ``verify_token`` refuses
    every code, and devices_for_user() (which the two-factor pages list) never returns it."""

    objects = SignOnDeviceManager()

    class Meta(Device.Meta):
        verbose_name = "identity provider's multi-factor check"

    def verify_token(self, token) -> bool:
        return False
