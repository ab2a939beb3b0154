"""Views of the policy register: the register, a policy and its versions, publishing, and a member
of staff reading and acknowledging a version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.models import User
from accounts.roles import Action
from governance import policies
from governance.forms import PolicyForm, PolicyVersionForm
from governance.models import Policy, PolicyVersion


def _policy_for(user, policy_id) -> Policy:
    """A policy the user may manage (404 when not in their schools or trust)."""
    try:
        return (
            Policy.objects.visible_to(user, Action.MANAGE_POLICIES)
            .select_related("owner", "school", "trust")
            .get(pk=policy_id)
        )
    except Policy.DoesNotExist:
        raise Http404 from None


def _require_manage(user, policy: Policy) -> None:
    if not policies.may_manage(user, trust_id=policy.trust_id, school_id=policy.school_id):
        raise PermissionDenied


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_http_methods(["GET"])
def policy_list(request):
    return render(
        request, "governance/policy_list.html", {"policies": policies.policy_register(request.user)}
    )


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_http_methods(["GET", "POST"])
def policy_create(request):
    schools = list(access.schools_queryset(request.user, Action.MANAGE_POLICIES).select_related("trust"))
    trusts = policies.trusts_managed(request.user)
    trust_ids = {s.trust_id for s in schools} | {t.pk for t in trusts}
    # Owners are the staff of the schools whose policies the user manages, and the trust's own
    # staff: never the staff of another school, whose names this user may not see.
    owners = (
        User.objects.filter(is_active=True)
        .filter(access.staff_q(school_ids=schools, trust_ids=trust_ids, prefix="memberships__"))
        .distinct()
        .order_by("full_name")
    )
    form = PolicyForm(request.POST or None, schools=schools, trusts=trusts, owners=owners)
    if request.method == "POST" and form.is_valid():
        trust, school = form.cleaned_data["scope"]
        policy = policies.policy_create(
            user=request.user,
            trust=trust,
            school=school,
            title=form.cleaned_data["title"],
            owner=form.cleaned_data["owner"],
        )
        messages.success(request, f"{policy.title} added to the register. Add its first version.")
        return redirect("governance:version_add", policy_id=policy.pk)
    return render(request, "governance/policy_form.html", {"form": form})


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_http_methods(["GET"])
def policy_detail(request, policy_id):
    policy = _policy_for(request.user, policy_id)
    versions = policy.versions.select_related("created_by").annotate(acknowledged=Count("acknowledgements"))
    context = {
        "policy": policy,
        "versions": versions,
        "staff_count": policies.staff_in_scope(policy).count(),
        "may_manage": policies.may_manage(request.user, trust_id=policy.trust_id, school_id=policy.school_id),
    }
    return render(request, "governance/policy_detail.html", context)


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_http_methods(["GET", "POST"])
def version_add(request, policy_id):
    policy = _policy_for(request.user, policy_id)
    _require_manage(request.user, policy)
    form = PolicyVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        version = policies.policy_version_add(user=request.user, policy=policy, **form.cleaned_data)
        messages.success(request, f"Version {version.number} saved. Publish it when staff should read it.")
        return redirect("governance:policy_detail", policy_id=policy.pk)
    return render(request, "governance/version_form.html", {"form": form, "policy": policy})


@login_required
@access.require(Action.MANAGE_POLICIES)
@require_POST
def version_publish(request, version_id):
    try:
        version = PolicyVersion.objects.select_related("policy").get(
            pk=version_id, policy__in=Policy.objects.visible_to(request.user, Action.MANAGE_POLICIES)
        )
    except PolicyVersion.DoesNotExist:
        raise Http404 from None
    _require_manage(request.user, version.policy)
    asked = policies.policy_version_publish(user=request.user, version=version)
    messages.success(
        request, f"Version {version.number} published. {asked} members of staff were asked to read it."
    )
    return redirect("governance:policy_detail", policy_id=version.policy_id)


@login_required
@require_http_methods(["GET", "POST"])
def policy_read(request, version_id):
    # Only the staff the version was published to may read and acknowledge it here.
    try:
        # Found by id alone, then refused below with the same 404 as a version that does not exist.
        # nosemgrep: portal-view-fetch-through-access
        version = PolicyVersion.objects.select_related("policy", "policy__school").get(
            pk=version_id, published_at__isnull=False
        )
    except PolicyVersion.DoesNotExist:
        raise Http404 from None
    if not policies.staff_in_scope(version.policy).filter(pk=request.user.pk).exists():
        raise Http404
    if request.method == "POST":
        policies.acknowledgement_record(user=request.user, version=version)
        messages.success(request, f"Thank you. You have acknowledged {version.policy.title}.")
        return redirect("home")
    acknowledged = version.acknowledgements.filter(user=request.user).first()
    return render(request, "governance/policy_read.html", {"version": version, "acknowledged": acknowledged})
