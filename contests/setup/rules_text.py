"""Contest rules text (thể lệ): Markdown rendered to sanitised HTML, and the
rules the site applies stated in words (`counting_in_words`).

Organizers write Markdown. Raw HTML in it does not survive: tags outside the
short list below are removed (script and style with their content), every
attribute except a link's href/title is dropped, links may only use http(s),
mailto and tel, and every link gets rel="noopener noreferrer".
"""

from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The page already has its <h1> (the contest title): a Markdown "# heading" becomes <h2>.
MARKDOWN_EXTENSIONS = ["sane_lists", "tables"]


@lru_cache(maxsize=128)
def _render(text):
    html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_rules(text):
    """Markdown `text` as HTML safe to insert in a page (a SafeString)."""
    if not text or not text.strip():
        return mark_safe("")
    return mark_safe(_render(text))  # sanitised by nh3 in _render


def counting_in_words(contest):
    """Whether the people of sub-agencies count for their parent agency
    (`Contest.count_subagencies`, contests.setup.counting), as one sentence
    for the rules, the participation report and the turnout board."""
    if contest.count_subagencies:
        return _(
            "Participation rates: the people of a sub-agency count for every agency above it, and an "
            "agency's headcount includes those of its active sub-agencies."
        )
    return _(
        "Participation rates: each agency counts only its own people against its own headcount; the "
        "people of sub-agencies are not counted for the agency above them."
    )
