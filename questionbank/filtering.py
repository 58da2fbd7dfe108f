"""The bank list's filters, shared by the list page and the exports.

`filter_questions(queryset, params)` narrows an already permission-scoped
queryset (e.g. `selectors.readable_questions(user=...)`) by the query-string
keys below and returns it with the values it applied. Unknown or malformed
values are ignored, never errors: a stale bookmark still opens.

    topic       topic id; includes the topic's subtree
    status      draft | review | approved | retired
    difficulty  easy | medium | hard
    kind        single | multiple | truefalse
    owner       owner agency id (that agency only)
    tag         tag name (case-insensitive)
    q           words searched in `Question.search_text`, accent- and
                case-insensitive ("thu tuc" finds "Thủ tục"); every word must match
"""

from accounts.models import Agency
from questionbank.models import Question, Tag, Topic
from questionbank.text import clean_text, unaccent

FILTER_KEYS = ("topic", "status", "difficulty", "kind", "owner", "tag", "q")
MAX_QUERY_LENGTH = 100
MAX_WORDS = 8


def _int(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _choice(value, choices):
    value = str(value or "").strip()
    return value if value in {c[0] for c in choices} else ""


def search_words(q):
    """The folded words of a search box value ("Thủ  TỤC" → ["thu", "tuc"])."""
    return unaccent(clean_text(q)[:MAX_QUERY_LENGTH]).split()[:MAX_WORDS]


def filter_questions(queryset, params):
    """Apply the filters in `params` (a QueryDict or dict) to `queryset`.

    Returns `(queryset, filters)`; `filters` maps every key of FILTER_KEYS to
    the applied value: a Topic / Agency instance or None for topic and owner,
    a string ("" when not applied) for the others.
    """
    filters = dict.fromkeys(FILTER_KEYS, "")
    filters["topic"] = filters["owner"] = None

    topic_id = _int(params.get("topic"))
    if topic_id:
        topic = Topic.objects.filter(pk=topic_id).only("id", "name", "path").first()
        if topic is not None:
            filters["topic"] = topic
            subtree = Topic.objects.filter(path__startswith=topic.path).values("id")
            queryset = queryset.filter(topic_id__in=subtree)

    for key, choices in (
        ("status", Question.Status.choices),
        ("difficulty", Question.Difficulty.choices),
        ("kind", Question.Kind.choices),
    ):
        value = _choice(params.get(key), choices)
        if value:
            filters[key] = value
            queryset = queryset.filter(**{key: value})

    owner_id = _int(params.get("owner"))
    if owner_id:
        owner = Agency.objects.filter(pk=owner_id).only("id", "name", "path").first()
        if owner is not None:
            filters["owner"] = owner
            queryset = queryset.filter(owner_agency_id=owner.pk)

    tag_name = clean_text(params.get("tag") or "")[:60]
    if tag_name:
        filters["tag"] = tag_name
        tag = Tag.objects.filter(name__iexact=tag_name).first()
        # A subquery, not a join: counting the page stays a one-table count.
        through = Question.tags.through.objects.filter(tag=tag) if tag else None
        queryset = (
            queryset.filter(pk__in=through.values("question_id")) if through is not None else queryset.none()
        )

    words = search_words(params.get("q") or "")
    if words:
        filters["q"] = clean_text(params.get("q"))[:MAX_QUERY_LENGTH]
        # search_text is already lower-case and accent-free, so a plain (case-
        # sensitive) LIKE is enough; on PostgreSQL a trigram index serves it.
        for word in words:
            queryset = queryset.filter(search_text__contains=word)

    return queryset, filters


def active_filters(filters):
    """True when any filter was applied."""
    return any(filters.get(key) for key in FILTER_KEYS)
