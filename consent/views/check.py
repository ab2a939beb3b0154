"""The consent check, the register and its exports, and one pupil's consent record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.models import Pupil
from accounts.roles import Action
from consent import pdf, selectors, services
from consent.forms import CheckForm, PaperConsentForm, RegisterFilterForm
from consent.models import Method, Purpose
from core.audit import audit_record
from core.csv import write_csv
from core.dates import numeric_date
from core.models import AuditEntry

# The check shows at most this many pupils at once; more means the search should be narrower.
CHECK_LIMIT = 300


def _matches(pupil: Pupil, name: str) -> bool:
    """Does a pupil match every word of a name typed in the check?"""
    words = name.lower().split()[:4]
    return all(
        w in pupil.first_name.lower() or w in pupil.last_name.lower() or w == pupil.mis_id.lower()
        for w in words
    )


@login_required
@access.require(Action.CHECK_CONSENT)
@require_GET
def check(request):
    """The consent check: pupils picked by name, class or year group, for one use."""
    form = CheckForm(request.GET or None, user=request.user)
    context = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        pupils = list(
            selectors.pupils_for_check(
                user=request.user,
                names=data["names"],
                school=data.get("school"),
                year_group=data["year_group"],
                class_name=data["class_name"],
            )[: CHECK_LIMIT + 1]
        )
        truncated = len(pupils) > CHECK_LIMIT
        pupils = pupils[:CHECK_LIMIT]
        verdicts = selectors.consent_check(
            pupils=pupils, purpose=data["purpose"], academic_year=data["academic_year"]
        )
        groups = {"allowed": [], "restricted": [], "not_allowed": []}
        for pupil in pupils:
            verdict = verdicts[pupil.pk]
            groups[verdict.status].append((pupil, verdict))
        context.update(
            searched=True,
            groups=groups,
            total=len(pupils),
            truncated=truncated,
            purpose=Purpose(data["purpose"]),
            academic_year=data["academic_year"],
            unmatched=[n for n in data["names"] if not any(_matches(p, n) for p in pupils)],
            many_schools=len({p.school_id for p in pupils}) > 1,
        )
    return render(request, "consent/check.html", context)


def _register_filters(request, action: str) -> tuple[RegisterFilterForm, dict]:
    """The register's filter form and what it selects, within the schools of an action."""
    form = RegisterFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    schools = access.schools_queryset(request.user, action).order_by("name")
    if data.get("school"):
        schools = schools.filter(pk=data["school"].pk)
    filters = {
        "schools": list(schools),
        "academic_year": data.get("academic_year") or selectors.current_academic_year(),
        "year_group": data.get("year_group"),
        "purpose": data.get("purpose") or None,
    }
    return form, filters


@login_required
@access.require(Action.CHECK_CONSENT)
@require_GET
def register(request):
    """The register of refusals, withdrawals and restrictions, one row per pupil."""
    form, filters = _register_filters(request, Action.CHECK_CONSENT)
    pupils = selectors.register_pupils(user=request.user, **filters)
    page = Paginator(pupils, 50).get_page(request.GET.get("page"))
    states = selectors.register_states_for(
        pupils=list(page.object_list), academic_year=filters["academic_year"], purpose=filters["purpose"]
    )
    rows = [(pupil, states.get(pupil.pk, [])) for pupil in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filters": filters,
        "purpose_label": Purpose(filters["purpose"]).label if filters["purpose"] else "",
        "coverage": selectors.coverage(schools=filters["schools"], academic_year=filters["academic_year"]),
        "can_export": access.has_any(request.user, Action.MANAGE_CONSENT_REGISTER),
        "many_schools": len(filters["schools"]) > 1,
    }
    return render(request, "consent/register.html", context)


def _audit_export(request, kind: str, filters: dict, rows: int) -> None:
    """Record a register export in the audit log, once per school in it."""
    for school in filters["schools"]:
        audit_record(
            verb=AuditEntry.Verb.DOWNLOAD,
            object_type="consent.register",
            object_id=str(school.pk),
            object_repr=f"Consent register ({kind}) of {school.name}, {filters['academic_year']}",
            school_id=school.pk,
            changes={
                "format": [None, kind],
                "year_group": [None, filters["year_group"]],
                "purpose": [None, filters["purpose"]],
                "rows": [None, rows],
            },
            request=request,
        )


REGISTER_CSV_HEADER = (
    "School",
    "Surname",
    "First name",
    "Year group",
    "Class",
    "MIS id",
    "Use",
    "Answer",
    "Restrictions",
    "Given by",
    "Date",
    "How",
)


def _export_rows(request, filters):
    """The register's answers to export, as filtered."""
    return list(selectors.register_states(user=request.user, **filters).filter(school__in=filters["schools"]))


def _download(content, content_type: str, filename: str) -> HttpResponse:
    """A file response that is never cached."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@access.require(Action.MANAGE_CONSENT_REGISTER)
@require_GET
def register_csv(request):
    """The register as CSV, for those who manage it."""
    _form, filters = _register_filters(request, Action.MANAGE_CONSENT_REGISTER)
    states = _export_rows(request, filters)
    response = _download(
        b"", "text/csv; charset=utf-8", f"consent-register-{filters['academic_year'][:4]}.csv"
    )
    response.write("\ufeff")  # so spreadsheet programs read the names as UTF-8
    write_csv(
        response,
        REGISTER_CSV_HEADER,
        (
            (
                state.pupil.school.name,
                state.pupil.last_name,
                state.pupil.first_name,
                state.pupil.get_year_group_display(),
                state.pupil.class_name,
                state.pupil.mis_id,
                state.get_purpose_display(),
                state.get_decision_display(),
                "; ".join(state.get_restrictions_display()),
                state.parent.full_name or state.parent.email,
                numeric_date(state.answered_at),
                "Paper form" if state.method == Method.PAPER_FORM else "Online",
            )
            for state in states
        ),
    )
    _audit_export(request, "csv", filters, len(states))
    return response


@login_required
@access.require(Action.MANAGE_CONSENT_REGISTER)
@require_GET
def register_pdf(request):
    """The register as PDF, for those who manage it."""
    _form, filters = _register_filters(request, Action.MANAGE_CONSENT_REGISTER)
    states = _export_rows(request, filters)
    labels = {
        "academic_year": filters["academic_year"],
        "year_group": dict(Pupil._meta.get_field("year_group").choices).get(
            filters["year_group"], "All year groups"
        ),
        "purpose": Purpose(filters["purpose"]).label if filters["purpose"] else "Every use",
    }
    content = pdf.register_pdf(rows=states, schools=filters["schools"], filters=labels, by=request.user)
    _audit_export(request, "pdf", filters, len(states))
    return _download(content, "application/pdf", f"consent-register-{filters['academic_year'][:4]}.pdf")


def _paper_year(request) -> tuple[str, list[str]]:
    """The academic year a paper form is for (this year unless next is asked for)."""
    years = selectors.years_with_answers()[:2][::-1]  # this year, then next
    asked = request.POST.get("year") or request.GET.get("year")
    return (asked if asked in years else years[0]), years


@login_required
@require_GET
def pupil_consent(request, pupil_id):
    """One pupil's answers this year and the history of every answer."""
    pupil = access.get_object_for(
        request.user, Pupil.objects.select_related("school"), Action.CHECK_CONSENT, pk=pupil_id
    )
    year = selectors.current_academic_year()
    states = selectors.states_for_pupil(pupil=pupil, academic_year=year)
    context = {
        "pupil": pupil,
        "year": year,
        "current": [(purpose, states.get(purpose.value)) for purpose in Purpose],
        "history": selectors.pupil_history(pupil=pupil)[:200],
        "can_enter_paper_form": access.can(request.user, Action.MANAGE_CONSENT_REGISTER, pupil),
        "parents": selectors.parents_with_responsibility(pupil=pupil),
    }
    return render(request, "consent/pupil.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def paper_form(request, pupil_id):
    """Enter a paper consent form on a parent's behalf."""
    pupil = access.get_object_for(
        request.user,
        Pupil.objects.select_related("school"),
        Action.CHECK_CONSENT,
        act=Action.MANAGE_CONSENT_REGISTER,
        pk=pupil_id,
    )
    year, years = _paper_year(request)
    form = PaperConsentForm(request.POST or None, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.consent_record(
                by=request.user,
                pupil=pupil,
                academic_year=year,
                answers=form.answers(),
                parent=form.cleaned_data["parent"],
                method=Method.PAPER_FORM,
                paper_form_dated=form.cleaned_data["paper_form_dated"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{len(changed)} answer{'s' if len(changed) != 1 else ''} from the paper form recorded for "
                f"{pupil.full_name}.",
            )
            return redirect("consent:pupil", pupil_id=pupil.pk)
    context = {"pupil": pupil, "form": form, "year": year, "years": years}
    return render(request, "consent/paper_form.html", context)
