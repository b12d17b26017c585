"""Article bodies for display: HTML sanitised with nh3, plain text escaped."""

from __future__ import annotations

import nh3
from markupsafe import Markup, escape

__all__ = ["article_html"]

_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul",
}


def article_html(body: str, content_type: str) -> Markup:
    """Safe HTML for an article body.

    HTML articles keep harmless formatting only: no scripts, styles, event handlers, images
    or forms (images would load from outside and are refused by the CSP anyway); links get
    ``rel="noopener noreferrer"``. Plain text is escaped, line breaks kept by CSS.
    """
    if content_type.lower().startswith("text/html"):
        cleaned = nh3.clean(
            body,
            tags=_TAGS,
            attributes={"a": {"href", "title"}, "td": {"colspan", "rowspan"},
                        "th": {"colspan", "rowspan"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
        )
        return Markup(f'<div class="article-html">{cleaned}</div>')  # noqa: S704 - cleaned
    return Markup('<div class="article-text">') + escape(body) + Markup("</div>")
