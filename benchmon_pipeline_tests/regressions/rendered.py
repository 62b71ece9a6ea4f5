"""Markdown as a reader sees it: parsed by markdown-it-py (CommonMark, with GitHub's tables
and strikethrough), so tests assert on what renders, not on how the source happens to look.

Also the names the injection tests give a configuration and a metric (the issue's words)."""

from __future__ import annotations

from markdown_it import MarkdownIt

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

INJECTED_CONFIG = ("m\n\n✅ all fine", "![x](http://evil/i.png)", "@channel", "<!here>")
INJECTED_METRIC = "f1` [click](http://evil)"
INJECTED_COMMIT = "<@U1>`|x"
# Markup a name could smuggle in: a link, an image, a code span, raw HTML.
SMUGGLED = ("link_open", "image", "code_inline", "html_inline", "html_block")


def markup(markdown: str) -> list[tuple[str, str]]:
    """(type, source) of every link, image, code span and piece of HTML in `markdown`."""
    found = []
    for token in PARSER.parse(markdown):
        for t in [token, *(token.children or [])]:
            if t.type in SMUGGLED:
                found.append((t.type, t.content or str(t.attrs)))
    return found


def text_of(token) -> str:
    """What an inline token shows (its text, emphasis markers aside)."""
    return "".join(c.content for c in token.children or [] if c.type in ("text", "softbreak"))


def table_rows(markdown: str) -> list[list[str]]:
    """Every body row of every table, as the texts its cells show."""
    rows, row, in_body = [], None, False
    for token in PARSER.parse(markdown):
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tbody_close":
            in_body = False
        elif in_body and token.type == "tr_open":
            row = []
        elif in_body and token.type == "tr_close":
            rows.append(row)
        elif in_body and token.type == "inline":
            row.append(text_of(token))
    return rows


def list_items(markdown: str) -> list[str]:
    """The text of every list item's first paragraph."""
    items, depth, want = [], 0, False
    for token in PARSER.parse(markdown):
        if token.type == "list_item_open":
            depth += 1
            want = True
        elif token.type == "list_item_close":
            depth -= 1
        elif want and token.type == "inline":
            items.append(text_of(token))
            want = False
    return items
