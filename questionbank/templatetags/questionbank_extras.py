from django import template
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name, *args, **kwargs):
    """`{% url %}` that gives "" for a route that does not exist (yet), so a page
    can link to an optional feature: `{% optional_url 'app:name' as u %}{% if u %}…`."""
    try:
        return reverse(name, args=args, kwargs=kwargs)
    except NoReverseMatch:
        return ""


@register.simple_tag
def query_with(query, **changes):
    """A query string (`QueryDict.urlencode()` text) with some keys replaced, for
    pagination links that keep the filters: `?{% query_with filter_query page=2 %}`."""
    params = QueryDict(query, mutable=True)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()
