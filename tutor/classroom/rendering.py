"""Problem statements and instructions: Markdown to sanitized HTML, with the LaTeX left intact for KaTeX's
auto-render.

Bounded work: the parser is markdown-it-py (CommonMark, built to stay linear on pathological input; Python-Markdown
took 20 s on 60,000 characters of "a\\n===\\n"), every pre-pass below is linear, text longer than
`settings.MARKDOWN_RENDER_MAX_CHARS` is shown as plain text instead, and `render_markdown_cached` renders each
distinct text once: the sanitized HTML is cached under a hash of the text (and of this module's version).
"""

from __future__ import annotations

import hashlib
import html
import logging
import re

import nh3
from django.conf import settings
from django.core.cache import cache
from markdown_it import MarkdownIt

logger = logging.getLogger(__name__)

# $$...$$, \[...\], \(...\), and $...$ (not across blank lines, not "$5 and $6" with spaces inside the dollars,
# not "$4+$6" where the closing dollar is a price's).
MATH = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?=\S)(?:[^$\n]|\n(?!\n))+?(?<=\S)\$(?!\d)",
    re.DOTALL,
)
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "a", "span", "sub", "sup",
}  # fmt: skip
# Code is left exactly as written: fenced blocks and inline spans are set aside before looking for math.
# (An unbounded backtick run, (`+), backtracks cubically: 20,000 backticks took seven minutes.)
CODE = re.compile(r"^(```|~~~).*?^\1[ \t]*$|(`{1,16}).+?\2", re.DOTALL | re.MULTILINE)
# Python-Markdown scans the rest of the text from every "[" that does not close: 10,000 of them take a minute.
# A "[" that does not start a plain one-line link or reference ([text](url), [text][ref], [text]) is shown as
# itself instead (&#91;), which keeps the work linear.
UNLINKABLE_BRACKET = re.compile(r"\[(?![^\[\]\n]{0,1000}\](?:\([^()\n]{0,2000}\)|(?!\()))")
# Likewise a math opener with no closer after it would make MATH scan to the end from each one; past the last
# closer an opener is plain text, which Markdown would render without its backslash anyway.
UNCLOSABLE = ((r"\(", r"\)", "("), (r"\[", r"\]", "["))
# The same for "<" that cannot start a tag or an autolink on its line ("<a " 6,000 times took half a minute).
UNTAGGABLE_ANGLE = re.compile(r"<(?![a-zA-Z/!?][^<>\n]{0,500}>)")
# Placeholders use private-use characters (CommonMark turns NUL into U+FFFD); the same characters are removed
# from the text first, so a text can never forge one.
PLACEHOLDER = "\ue000MATH{}\ue001"
CODE_PLACEHOLDER = "\ue000CODE{}\ue001"
DOLLAR = "\ue000DOLLAR\ue001"
PRIVATE_MARKERS = re.compile("[\ue000\ue001]")
# Raw HTML passes through the parser and is then sanitized by nh3 (teachers write H<sub>2</sub>O).
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
# Every link becomes a link and nh3 alone decides which schemes survive (markdown-it would leave a refused
# "[c](data:...)" as its literal text).
MARKDOWN.validateLink = lambda url: True  # type: ignore[method-assign]
# Bumped whenever the output for the same text changes, so cached renderings are never stale.
RENDERER_VERSION = "2"
CACHE_SECONDS = 7 * 24 * 3600


def render_markdown_cached(text: str) -> str:
    """`render_markdown`, once per distinct text: the sanitized HTML is kept in the cache under the text's hash."""
    key = "md:{}:{}".format(RENDERER_VERSION, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    try:
        rendered = cache.get(key)
    except Exception:  # an unreachable cache costs a render, never the page
        logger.warning("Markdown cache unreachable; rendering without it", exc_info=True)
        return render_markdown(text)
    if not isinstance(rendered, str):
        rendered = render_markdown(text)
        try:
            cache.set(key, rendered, CACHE_SECONDS)
        except Exception:
            logger.warning("Markdown cache unreachable; not storing the rendering", exc_info=True)
    return rendered


def render_markdown(text: str) -> str:
    """Markdown would eat LaTeX's backslashes and underscores, so math spans are set aside and put back.

    A text past the rendering cap (only possible for rows stored before the input caps) is shown as plain text.
    """
    limit = settings.MARKDOWN_RENDER_MAX_CHARS
    if len(text) > limit:
        shown = html.escape(text[:limit], quote=False).replace("\n", "<br>")
        return f"<p>{shown}</p><p><em>(Shown as plain text and cut at {limit:,} characters: it is too long.)</em></p>"
    text = PRIVATE_MARKERS.sub("", text)
    spans: list[str] = []

    def stash(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return PLACEHOLDER.format(len(spans) - 1)

    code: list[str] = []

    def stash_code(match: re.Match[str]) -> str:
        code.append(match.group(0))
        return CODE_PLACEHOLDER.format(len(code) - 1)

    protected = _drop_unclosable_openers(CODE.sub(stash_code, text))
    # "\$5" is a literal dollar; alone in its own element, KaTeX's auto-render cannot pair it with another.
    protected = MATH.sub(stash, protected.replace("\\$", DOLLAR))
    protected = UNTAGGABLE_ANGLE.sub("&lt;", UNLINKABLE_BRACKET.sub("&#91;", protected))
    for index, block in enumerate(code):
        protected = protected.replace(CODE_PLACEHOLDER.format(index), block)
    rendered = MARKDOWN.render(protected)
    for index, span in enumerate(spans):
        rendered = rendered.replace(PLACEHOLDER.format(index), html.escape(span, quote=False))
    rendered = rendered.replace(DOLLAR, "<span>$</span>")
    return nh3.clean(rendered, tags=ALLOWED_TAGS, link_rel="noopener noreferrer nofollow")


def render_text_with_math(text: str) -> str:
    """Plain text a student typed, escaped, with its math spans left for KaTeX and every other dollar a price.

    "27 students times $4 is $108" must not become math: a dollar outside a math span goes in its own element,
    where KaTeX's auto-render cannot pair it with another one.
    """
    parts: list[str] = []
    position = 0
    for match in MATH.finditer(text):
        parts.append(_escape_prices(text[position : match.start()]))
        parts.append(html.escape(match.group(0), quote=False))
        position = match.end()
    parts.append(_escape_prices(text[position:]))
    return "".join(parts)


def _escape_prices(text: str) -> str:
    return html.escape(text, quote=False).replace("$", "<span>$</span>")


def _drop_unclosable_openers(text: str) -> str:
    for opener, closer, plain in UNCLOSABLE:
        end = text.rfind(closer)
        end = 0 if end < 0 else end + len(closer)
        text = text[:end] + text[end:].replace(opener, plain)
    return text
