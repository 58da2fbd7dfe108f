"""Forms of the results, prizes and reports pages (validation of shape only;
the rules live in contests.results.services)."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, User
from contests.models import Block, CollectivePrize, PrizeTable, ResultPolicy, Round
from contests.results.tables import DEFAULT_TIERS, TierData
from contests.rules import chain, chain_words

MAX_TIERS = 8


def _criterion_choices():
    labels = chain_words.criterion_labels()
    return [("", "—")] + [(c, labels[c]) for c in chain.CRITERIA]


class PolicyForm(forms.Form):
    """The ranking chain as numbered choices (no script needed), plus the
    definition of the prediction's actual value."""

    equal_error = forms.ChoiceField(
        label=_("Over- and under-prediction with the same error"), choices=ResultPolicy.EqualError.choices
    )
    prediction_counts = forms.ChoiceField(
        label=_("The prediction counts"), choices=ResultPolicy.Counts.choices
    )
    prediction_scope = forms.ChoiceField(
        label=_("The actual value is computed for"), choices=ResultPolicy.Scope.choices
    )
    prediction_valid_only = forms.BooleanField(
        label=_("Count valid entries only (finished, not previews, not disqualified)"),
        help_text=_(
            "Then a disqualification recomputes the actual value in the new version of the results; "
            "otherwise the value counts every finished entry and never changes."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _criterion_choices()
        for n in range(len(chain.CRITERIA)):
            self.fields[f"criterion_{n}"] = forms.ChoiceField(
                label=_("Criterion %(n)d") % {"n": n + 1}, choices=choices, required=False
            )

    @property
    def criterion_fields(self):
        return [self[f"criterion_{n}"] for n in range(len(chain.CRITERIA))]

    @classmethod
    def initial_for(cls, policy):
        initial = {
            "equal_error": policy.equal_error,
            "prediction_counts": policy.counts,
            "prediction_scope": policy.scope,
            "prediction_valid_only": policy.valid_only,
        }
        for n, criterion in enumerate(policy.chain):
            initial[f"criterion_{n}"] = criterion
        return initial

    def clean(self):
        data = super().clean()
        picked = [data.get(f"criterion_{n}") for n in range(len(chain.CRITERIA))]
        data["chain"] = [c for c in picked if c]
        try:
            chain.validate_chain(data["chain"])
        except chain.ChainError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class PrizeScopeForm(forms.Form):
    """Which prize table a page edits: one round or every round (empty), one
    block or every block (empty). Only the contest's own rounds and blocks."""

    round = forms.ModelChoiceField(
        queryset=Round.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("That round is not one of this contest's rounds; nothing was saved.")
        },
    )
    block = forms.ModelChoiceField(
        queryset=Block.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("That block is not one of this contest's blocks; nothing was saved.")
        },
    )

    def __init__(self, *args, contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = contest.rounds.all()
        self.fields["block"].queryset = contest.blocks.all()


class PrizeOptionsForm(forms.Form):
    one_per_contest = forms.BooleanField(
        label=_("One prize per person per contest (the highest)"), required=False
    )
    exclude_staff = forms.BooleanField(
        label=_("Exclude organiser staff and question authors"), required=False
    )
    require_complete_profile = forms.BooleanField(label=_("Winners need a complete profile"), required=False)
    boundary_ties = forms.ChoiceField(
        label=_("A full tie at a prize boundary"), choices=PrizeTable.BoundaryTies.choices
    )
    min_score = forms.DecimalField(
        label=_("Minimum score for a prize (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
        help_text=_(
            "An entry below it gets no prize, whatever its rank; its place goes to the next entry "
            "that reaches it, or stays empty. Leave empty for no minimum."
        ),
        error_messages={
            "min_value": _("The minimum score for a prize is a percentage from 0 to 100."),
            "max_value": _("The minimum score for a prize is a percentage from 0 to 100."),
        },
    )
    require_all_correct = forms.BooleanField(
        label=_("A prize needs every answer correct"),
        required=False,
        help_text=_("Entries with a wrong or blank answer get no prize, whatever their rank."),
    )


class TierForm(forms.Form):
    name = forms.CharField(label=_("Prize"), max_length=60, required=False)
    count = forms.IntegerField(label=_("Number"), min_value=1, max_value=1000, required=False)
    amount = forms.DecimalField(
        label=_("Amount (VND)"), min_value=0, max_digits=14, decimal_places=0, required=False
    )
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=1000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("count"):
            self.add_error("count", _("How many of this prize?"))
        return data


TierFormSet = formset_factory(TierForm, extra=0, max_num=MAX_TIERS, absolute_max=MAX_TIERS)


def tier_initial(tiers):
    rows = [{"name": t.name, "count": t.count, "amount": t.amount, "points": t.points} for t in tiers]
    return rows + [{}] * (MAX_TIERS - len(rows))


def default_tier_initial():
    return tier_initial(DEFAULT_TIERS)


class DisqualifyForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class TieDecisionForm(forms.Form):
    """The board's order: one position field per tied person."""

    note = forms.CharField(
        label=_("The board's decision (minutes, who decided, why)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.users = list(users)
        for n, user in enumerate(self.users, start=1):
            self.fields[f"place_{user.pk}"] = forms.IntegerField(
                label=str(user), min_value=1, max_value=len(self.users), initial=n
            )

    def clean(self):
        data = super().clean()
        places = [(data.get(f"place_{u.pk}"), u.pk) for u in self.users]
        if any(p is None for p, _u in places):
            return data
        if sorted(p for p, _u in places) != list(range(1, len(self.users) + 1)):
            raise forms.ValidationError(_("Give each tied person a different place, from 1 up."))
        data["order"] = [u for _p, u in sorted(places)]
        return data


class CollectivePrizeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    agencies = forms.ModelMultipleChoiceField(
        label=_("Agencies in this group"), queryset=Agency.objects.none(), required=False
    )
    agency_kind = forms.ChoiceField(
        label=_("Or every agency of this kind"),
        choices=[("", "—")] + list(Agency.Kind.choices),
        required=False,
    )
    formula = forms.ChoiceField(label=_("Formula"), choices=CollectivePrize.Formula.choices)
    rate_mode = forms.ChoiceField(label=_("Participation rate"), choices=CollectivePrize.RateMode.choices)
    rate_weight = forms.DecimalField(
        label=_("Weight of the rate"), min_value=0, max_digits=6, decimal_places=2, initial=Decimal(1)
    )
    other_weight = forms.DecimalField(
        label=_("Weight of the score or points"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=Decimal(1),
    )
    min_rate = forms.DecimalField(
        label=_("Minimum participation rate (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
    )
    require_mandatory = forms.BooleanField(
        label=_("Every mandatory person took part and the quotas are met"), required=False
    )
    require_prize = forms.BooleanField(label=_("At least one individual prize"), required=False)
    mandatory_emails = forms.CharField(
        label=_("Mandatory people (one e-mail address per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    quota_leader = forms.IntegerField(
        label=_("At least this many leaders took part"), min_value=0, required=False
    )
    quota_staff_percent = forms.DecimalField(
        label=_("At least this percentage of staff (not leaders) took part"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
    )
    tiers = forms.CharField(
        label=_("Prizes (one per line: name; number; amount)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("E.g. “Giải Nhất; 1; 5000000”."),
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agencies"].queryset = agencies

    def clean_mandatory_emails(self):
        emails = [
            line.strip().lower()
            for line in self.cleaned_data["mandatory_emails"].splitlines()
            if line.strip()
        ]
        people = list(User.objects.filter(email__in=emails))
        unknown = sorted(set(emails) - {p.email for p in people})
        if unknown:
            raise forms.ValidationError(_("No account with: %(emails)s.") % {"emails": ", ".join(unknown)})
        return people

    def clean_tiers(self):
        tiers = []
        for n, line in enumerate(self.cleaned_data["tiers"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            try:
                name, count = parts[0], int(parts[1])
                amount = Decimal(parts[2]) if len(parts) > 2 and parts[2] else Decimal(0)
            except (IndexError, ValueError, ArithmeticError):
                raise forms.ValidationError(
                    _("Line %(n)d: write “name; number; amount”.") % {"n": n}
                ) from None
            tiers.append(TierData(name, count, amount))
        return tiers
