"""Text that came with a result (model, dataset, prompt and environment names, metric names,
commit, branch, notes, tags) as our markdown and chat messages show it: readable, never
markup.

Anyone who can drop a file or run `benchmon push` names things, and those names end up in a
PR comment, `$GITHUB_STEP_SUMMARY`, the Dagster UI and a team's chat channel. A model called
"m\\n\\n✅ all fine" must not add a line of its own, a metric called "f1 [click](http://…)"
must not become a link, "@channel" must not wake a channel. So every such value goes through
one of the two functions below, where it is shown (escaped), never dropped:

- `markdown_cell`: GitHub-flavoured markdown, inline or in a table cell;
- `slack_text`: Slack mrkdwn, which Mattermost and Rocket.Chat read as markdown.

Both show control characters and line breaks as escapes (`visible`), so a value stays on
its line, and put a WORD JOINER (U+2060, invisible) after every "@", so that no "@channel",
"@here", "@everyone" or "@user" is a mention anywhere (GitHub, Mattermost, Rocket.Chat, and
Slack with `link_names`).
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

# C0 and C1 controls (newline, carriage return, tab, escape, NEL …), the line and paragraph
# separators, and the bidirectional controls that can make a line read in another order.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Markdown's inline syntax: code spans, emphasis, strikethrough, links and images, raw HTML
# and autolinks, entities, table cells, GitHub's math; and the backslash that escapes them.
# CommonMark lets any ASCII punctuation be backslash-escaped, and shows it as itself.
# An underscore between two letters or digits is left alone (`latency_ms`: it cannot open
# or close emphasis there), so that common metric names stay as they are.
_MARKDOWN = re.compile(r"([\\`*~\[\]()!<>|&$]|(?<![^\W_])_|_(?![^\W_]))")
# At the start of a line (a list item's text) these open a heading, a list or a rule ("*",
# ">" and "1)" are escaped anywhere), and a leading space may be an indented code block.
_BLOCK_MARKERS = ("#", "+", "-", "=")
_ORDERED_LIST = re.compile(r"\d{1,9}(?=\.)")

# Slack has no escapes: '&', '<' and '>' are its control characters (entity-escaped, as its
# documentation asks); a backtick is shown as a look-alike that opens no code span; and, for
# receivers that read the text as markdown, a word joiner after '!' and ']' keeps
# "![…](…)" and "[…](…)" from being an image or a link.
_SLACK = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "`": "\u02cb",  # MODIFIER LETTER GRAVE ACCENT
        "@": "@" + WORD_JOINER,
        "!": "!" + WORD_JOINER,
        "]": "]" + WORD_JOINER,
    }
)


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    named = _NAMED.get(character)
    if named:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object) -> str:
    """`value` on one line: control characters, line breaks and bidirectional controls as
    escapes (a newline as the two characters \\n, ESC as \\x1b, U+2028 as \\u2028)."""
    return _INVISIBLE.sub(_escape, str(value))


def markdown_cell(value: object) -> str:
    """`value` as GitHub-flavoured markdown text that shows it as it is: for a table cell
    (pipes escaped, one line) or anywhere inline, including the start of a list item."""
    text = _MARKDOWN.sub(r"\\\1", str(value))
    text = visible(text)  # after: its escapes are a backslash and a letter, shown as they are
    text = text.replace("@", "@" + WORD_JOINER)
    number = _ORDERED_LIST.match(text)
    if text.startswith(_BLOCK_MARKERS):
        text = "\\" + text
    elif number:
        text = f"{text[: number.end()]}\\{text[number.end() :]}"
    elif text.startswith(" "):
        text = "&#32;" + text[1:]  # a space, but not indentation
    return text


def slack_text(value: object) -> str:
    """`value` as Slack mrkdwn text that shows it as it is, on one line, without a mention,
    a link or a code span of its own."""
    return visible(value).translate(_SLACK)
