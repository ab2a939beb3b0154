"""Choices shared by the request forms and the accounts register."""

from django.db import models


class RequestType(models.TextChoices):
    """The kinds of request, each declared once in approvals.kinds (its steps, forms, PDF and hooks)."""

    SITE_CREATION = "site_creation", "Social media site creation approval"
    BRANDING = "branding", "Branding request"
    CONNECTION = "connection", "Connection request"
    BLOCKED_CONTENT = "blocked_content", "Blocked content access request"
    POST = "post", "Post approval"


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X (Twitter)"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    LINKEDIN = "linkedin", "LinkedIn"
    THREADS = "threads", "Threads"
    WHATSAPP = "whatsapp", "WhatsApp"
    BLOG = "blog", "Blog or website"
    OTHER = "other", "Other"


class Group(models.TextChoices):
    """The audience and contributor groups of 004 Appendix C."""

    PUPILS = "pupils", "Pupils of the school"
    STAFF = "staff", "School staff"
    FAMILIES = "families", "Pupils' family members"
    EXTERNAL = "external", "External organisations"
    OTHER_SCHOOLS = "other_schools", "Pupils from other schools"
    PUBLIC = "public", "Members of the public"
    OTHER = "other", "Other"


class PostPurpose(models.TextChoices):
    """The consent purposes a post on an official account needs (values of consent's Purpose)."""

    SCHOOL_SOCIAL_MEDIA = "school_social_media", "School social media"
    TRUST_SOCIAL_MEDIA = "trust_social_media", "Trust social media"


class Brand(models.TextChoices):
    TRUST = "trust", "The trust's name or logo"
    SCHOOL = "school", "The school's name or logo"
    BOTH = "both", "Both the trust's and the school's"
