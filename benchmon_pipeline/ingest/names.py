"""Which file names a run may be given: names inside the inbox, nothing else.

An ingest run moves every file it is given (to the archive, or to the quarantine with an
error report beside it), so a name is a promise that the file lies in the inbox. The
sensors only ever list files there, but anyone who can reach the Dagster UI can launch
`ingest_inbox` with a run config of their own: `../../etc/x.json` or `/home/me/x.json`
would have the run rename a file outside the inbox and write a report beside it. A name
is therefore checked before any file is touched — by its text, and for the folder inbox
also by the folders it passes through on disk. Every name a sensor lists passes: a
refused name fails its whole run, so a listable one would block its batch-mates.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

ALLOWED = (
    "names are relative to the inbox, as the sensors list them: a plain name such as "
    "'results.json' or a sub-path such as 'ci/results.json' of a file — no '..' "
    "component, no empty name, no NUL character, and in the folder inbox no leading '/' "
    "and no folder that is a link leading out of the inbox"
)


def name_problem(name: str) -> str | None:
    """Why `name` may not name a file of either inbox, or None when it may (text only).

    A bucket key is not a path: `inbox//x.json` is a key of its own, inside the prefix, and
    the S3 sensor lists it as `/x.json`. Only a `..` component could lead out there (a
    server or proxy that normalizes URL paths), and the S3 sensor never lists one."""
    if not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL character"
    if ".." in name.split("/"):
        return "it has a '..' component, which leads out of its folder"
    return None


def path_problem(name: str) -> str | None:
    """Why `name` may not name a file of the folder inbox, or None when it may (text only)."""
    problem = name_problem(name)
    if problem is not None:
        return problem
    if name.startswith("/"):
        return "it is an absolute path"
    if name.split("/")[-1] in ("", "."):
        return "it names a folder, not a file"
    return None


def folder_problem(name: str, inbox_dir: str, resolved: dict[str, str] | None = None) -> str | None:
    """Why the folders of `name` lead out of `inbox_dir` on disk, or None when they do not.

    Only the folders are resolved: the run moves the file itself as what it is, and a file
    that is a link is moved as a link (its target is never read or moved — reading refuses
    a link leading out, and the file is quarantined with that reason, inside the inbox's
    own tree). A folder that is a link, though, would carry the move out of the inbox.
    `resolved`: a dict the caller keeps for one batch, of folders already resolved.
    """
    resolved = {} if resolved is None else resolved
    if inbox_dir not in resolved:
        resolved[inbox_dir] = os.path.realpath(inbox_dir)
    real_inbox = resolved[inbox_dir]
    folder = os.path.dirname(os.path.join(inbox_dir, name))
    if folder not in resolved:
        resolved[folder] = os.path.realpath(folder)
    real_folder = resolved[folder]
    if real_folder != real_inbox and not real_folder.startswith(real_inbox + os.sep):
        return f"its folder resolves to {real_folder}, outside the inbox {real_inbox}"
    return None


def refused_names(names: Iterable[str], inbox_dir: str | None = None) -> list[str]:
    """One line per name that may not be used (empty when all may). With `inbox_dir` (the
    folder inbox) a name must be a relative path whose folders stay inside it on disk;
    without (the S3 inbox), the text rules of `name_problem` apply."""
    refused = []
    resolved: dict[str, str] = {}
    for position, name in enumerate(names):
        if inbox_dir is None:
            problem = name_problem(name)
        else:
            problem = path_problem(name) or folder_problem(name, inbox_dir, resolved)
        if problem is not None:
            refused.append(f"files[{position}] = {name!r}: {problem}")
    return refused
