"""Names from results in markdown and Slack text: shown as they are, never markup.

The markdown side is read back by a CommonMark parser with GitHub's tables (markdown-it-py):
for any text, a table row keeps its cells, a list item stays one item, and what they show
is the text itself — no link, image, code span, emphasis or HTML came out of it."""

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from benchmon_pipeline.regressions.escaping import (
    WORD_JOINER,
    markdown_cell,
    slack_text,
    visible,
)
from benchmon_pipeline.snapshots.changes import markdown_table
from benchmon_pipeline_tests.regressions.rendered import INJECTED_COMMIT, PARSER, markup, table_rows

INJECTIONS = (
    "m\n\n✅ all fine",
    "f1` [click](http://evil)",
    "![x](http://evil/i.png)",
    "@channel",
    "<!here>",
)
# Text with markdown's and Slack's syntax in it more often than random text would have.
SYNTAX = st.lists(
    st.sampled_from(
        list("`|[]()!<>@&*_~$#+-=.:\\ \n\r\t\x1b\u2028\u202eaZ1")
        + ["@channel", "@here", "@everyone", "<!channel>", "<@U123>", "&amp;", "&#96;", "\u2060"]
    ),
    max_size=30,
).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=40), SYNTAX)

MENTION = re.compile(r"@[\w.-]|<[!@#]")
# One of markdown's special characters after an even number of backslashes (0, 2, …); an
# underscore inside a word is not special (and the parser below would see emphasis).
UNESCAPED = re.compile(r"(?<!\\)(\\\\)*[|`<>\[\]()!*~&$]")


def shown(text: str) -> str:
    """What a reader should see: the text on one line, '@' joined to nothing (whitespace at
    either end aside: a table cell and a paragraph trim it)."""
    return visible(text).replace("@", "@" + WORD_JOINER).strip()


def inline_tokens(markdown: str) -> list:
    return [t for t in PARSER.parse(markdown) if t.type == "inline"]


def rendered(token) -> str:
    assert {c.type for c in token.children} <= {"text"}, [c.type for c in token.children]
    return "".join(c.content for c in token.children).strip()


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
@example("m\n\n✅ all fine")
@example("f1` [click](http://evil)")
@example("![x](http://evil/i.png)")
@example("    indented")
@example("1. first")
def test_any_text_is_one_table_cell_showing_itself(text):
    cell = markdown_cell(text)
    assert "\n" not in cell and "\r" not in cell
    # (a leading space is written "&#32;": a space, never an indentation)
    assert not UNESCAPED.search(cell.removeprefix("&#32;")), "a special character not escaped"
    assert not re.search(r"@[\w.-]", cell), "a mention"
    cells = inline_tokens(f"| a | b |\n|---|---|\n| {cell} | z |\n")
    assert [rendered(c) for c in cells] == ["a", "b", shown(text), "z"]


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
@example("# heading")
@example("- nested")
@example("    code")
@example("1. ordered")
def test_any_text_is_one_list_item_showing_itself(text):
    tokens = PARSER.parse(f"- {markdown_cell(text)}\n- next\n")
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) == 2
    assert not any(t.type in ("heading_open", "code_block", "fence", "hr") for t in tokens)
    shown_items = [rendered(t) for t in tokens if t.type == "inline"]
    assert len(shown_items) <= 2 and shown_items[-1] == "next"
    assert "".join(shown_items[:-1]) == shown(text)


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_any_text_is_slack_text_without_markup(text):
    escaped = slack_text(text)
    assert "\n" not in escaped and "\r" not in escaped and "`" not in escaped
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"&(?!amp;|lt;|gt;)", escaped), "a bare '&'"
    assert not MENTION.search(escaped)
    assert "](" not in escaped and "![" not in escaped
    # Nothing dropped: undo the escapes and the text is back (control characters shown).
    back = (
        escaped.replace(WORD_JOINER, "")
        .replace("\u02cb", "`")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    assert back == visible(text.replace(WORD_JOINER, "")).replace("\u02cb", "`")


def test_the_issue_injections_read_as_text():
    assert [markdown_cell(text) for text in INJECTIONS] == [
        "m\\n\\n✅ all fine",
        "f1\\` \\[click\\]\\(http://evil\\)",
        "\\!\\[x\\]\\(http://evil/i.png\\)",
        "@\u2060channel",
        "\\<\\!here\\>",
    ]
    assert [slack_text(text) for text in INJECTIONS] == [
        "m\\n\\n✅ all fine",
        "f1\u02cb [click]\u2060(http://evil)",
        "!\u2060[x]\u2060(http://evil/i.png)",
        "@\u2060channel",
        "&lt;!\u2060here&gt;",
    ]
    assert visible("a\x1b[31mb\u202ec") == "a\\x1b[31mb\\u202ec"


def test_the_snapshot_changes_table_shows_names_as_text():
    """The `benchmark_snapshots` asset's `changes` metadata (markdown in the Dagster UI)."""
    change = {
        "event_type": "new_version",
        "model_version": INJECTIONS[0],
        "dataset_version": INJECTIONS[2],
        "prompt_version": INJECTIONS[1],
        "environment": INJECTIONS[4],
        "snapshot_version": 2,
        "metrics": {INJECTIONS[3]: 12.5, "f1": 0.9},
        "previous_metrics": {INJECTIONS[3]: 10, "f1": 0.9},
    }
    table = markdown_table([change])
    assert markup(table) == []
    assert table_rows(table) == [
        [
            "new_version",
            "m\\n\\n✅ all fine",
            "![x](http://evil/i.png)",
            "f1` [click](http://evil)",
            "<!here>",
            "v2",
            "@\u2060channel 12.5 (was 10, +25.0 %); f1 0.9 (=)",
        ]
    ]


def test_only_a_hash_becomes_a_commit_link():
    from benchmon_pipeline.regressions.markdown import commit_link

    repo = "https://github.com/org/repo"
    assert commit_link("abc1234", repo) == "[abc1234](https://github.com/org/repo/commit/abc1234)"
    assert commit_link("abc1234", None) == "abc1234"
    assert commit_link(INJECTED_COMMIT, repo) == markdown_cell(INJECTED_COMMIT[:12])
    assert markup(commit_link("main) [x](http://evil", repo)) == []
    assert commit_link("abc1234", "https://h/a b/{sha}") == "abc1234"  # no link with a space
