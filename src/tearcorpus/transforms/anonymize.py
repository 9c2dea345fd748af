"""Pseudonymous authors: keyed hashes instead of ids, names, profile links and mentions.

An author becomes ``anon-`` and 16 hex digits of HMAC-SHA256(key, platform + id), where
*id* is the platform id (or, when a dump holds only a display name, ``name:`` + that
name). Same key → same pseudonyms, byte for byte; another key → unrelated ones; without
the key they cannot be reversed or recomputed, even by someone who can guess usernames.
The key is never written anywhere.

What changes on each record:

- ``author.id`` and ``author.name`` both become the pseudonym (``name`` stays ``None``
  when the source had none); ``author.url`` goes. ``[deleted]``/``[removed]`` authors
  become an author with neither id nor name: they are not one person.
- keys of ``extra`` that identify a person go, at any depth: author ids, names, channel
  ids and URLs, profile images and thumbnails, flair, uploader fields, moderator names
  (see :func:`is_identifying_key`); ``subreddit``, ``permalink`` and ``url`` values
  that name a user's profile (``r/u_name``, ``/user/name``), and a post's ``url`` when it
  does.
- mentions of a known author in any text (title, text, strings in ``extra``) become that
  author's pseudonym: ``@Name`` → ``@anon-…``, ``u/Name`` → ``u/anon-…``, and a bare
  display name that is distinctive enough (two words or more, or holding a digit, an
  underscore or a hyphen, at least 4 characters) → ``anon-…``.
- ``anonymize`` is appended to ``provenance.transforms``.

Mentions need the set of known authors, so full coverage is a **two-pass** operation:
:func:`collect_names` reads the records once, then :class:`Anonymizer` rewrites them. In
one pass (``names=None`` on an iterator), only authors already seen are known, so a
mention of someone who writes later in the input is left to the scrubber (which turns
``@Name`` into ``[HANDLE]`` and ``u/Name`` into ``[USER]``). Either way memory grows with
the number of distinct authors (one name → pseudonym entry each), never with the records.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar, Final

from ..errors import TearcorpusError
from ..model import Author, JsonValue, Platform, Post, Record
from ..report import Report
from ._base import Drop, with_step

__all__ = [
    "KEY_ENV",
    "MIN_DISTINCT_BYTES",
    "MIN_KEY_BYTES",
    "PREFIX",
    "AnonymizationKeyError",
    "Anonymizer",
    "anonymize",
    "collect_names",
    "is_identifying_key",
    "load_key",
    "pseudonym",
]

#: Environment variable the key is read from.
KEY_ENV: Final = "TEARCORPUS_KEY"
#: Shortest key accepted: a short key lets anyone who guesses it recompute pseudonyms.
MIN_KEY_BYTES: Final = 16
#: Fewest distinct bytes a key must hold: ``aaaaaaaaaaaaaaaa`` is long enough but is no secret.
MIN_DISTINCT_BYTES: Final = 6
#: How to make a good key, for the errors.
KEY_HINT: Final = (
    "make one with: python -c 'import secrets; print(secrets.token_hex(32))' "
    f"and pass it in ${KEY_ENV} or --key-file"
)
#: Prefix of every pseudonym.
PREFIX: Final = "anon-"
_HEX_DIGITS: Final = 16

_GONE: Final = frozenset({"[deleted]", "[removed]", "deleted", "removed", "[unknown]"})


class AnonymizationKeyError(TearcorpusError, ValueError):
    """No usable anonymisation key: missing, unreadable, too short or too plain."""


def _weakness(key: bytes) -> str | None:
    """Why *key* is too easy to guess, or ``None``: too short, too few distinct bytes,
    or one short piece repeated (``abcdefghabcdefgh``)."""
    if len(key) < MIN_KEY_BYTES:
        return f"is {len(key)} bytes; at least {MIN_KEY_BYTES} are needed"
    distinct = len(set(key))
    if distinct < MIN_DISTINCT_BYTES:
        return (
            f"holds only {distinct} distinct byte{'s' if distinct != 1 else ''}; "
            f"a key needs at least {MIN_DISTINCT_BYTES} and should be random"
        )
    for period in range(1, len(key) // 2 + 1):
        if key[period:] == key[:-period]:
            return f"is one {period}-byte piece repeated; a key should be random"
    return None


def load_key(key_file: str | None = None, *, env: Mapping[str, str] | None = None) -> bytes:
    """The anonymisation key from *key_file*, else from ``$TEARCORPUS_KEY``.

    A key file is read as bytes with one trailing newline removed. Raises
    :class:`AnonymizationKeyError` with a message saying how to make a key when there is none,
    or it is shorter than :data:`MIN_KEY_BYTES` bytes, holds fewer than
    :data:`MIN_DISTINCT_BYTES` distinct bytes, or is one short piece repeated.
    """
    if key_file is not None:
        try:
            with open(key_file, "rb") as fh:
                key = fh.read()
        except OSError as exc:
            raise AnonymizationKeyError(
                f"cannot read key file {key_file}: {exc.strerror or exc}"
            ) from None
        key = key.removesuffix(b"\n").removesuffix(b"\r")
        where = f"key file {key_file}"
    else:
        value = (os.environ if env is None else env).get(KEY_ENV, "")
        key = value.encode("utf-8")
        where = f"${KEY_ENV}"
        if not key:
            raise AnonymizationKeyError(
                f"anonymising needs a key and ${KEY_ENV} is not set; {KEY_HINT}"
            )
    weakness = _weakness(key)
    if weakness is not None:
        raise AnonymizationKeyError(f"the key in {where} {weakness}; {KEY_HINT}")
    return key


def _as_key(key: bytes | str) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    weakness = _weakness(raw)
    if weakness is not None:
        raise AnonymizationKeyError(f"the anonymisation key {weakness}; {KEY_HINT}")
    return raw


def pseudonym(key: bytes | str, platform: Platform | str, author_id: str) -> str:
    """``anon-`` + 16 hex digits of HMAC-SHA256(*key*, platform, id): stable per key.

    >>> pseudonym("a key of sixteen bytes", "reddit", "someone")
    'anon-...'
    """
    message = f"{Platform(platform).value}\x1f{author_id}".encode("utf-8", "surrogatepass")
    digest = hmac.new(_as_key(key), message, hashlib.sha256).hexdigest()
    return PREFIX + digest[:_HEX_DIGITS]


_KEY_PARTS: Final = re.compile(r"[^a-z0-9]")
# Normalised (lowercase, alphanumerics only) extra keys that identify a person.
_IDENTIFYING_EXACT: Final = frozenset(
    {
        "user",
        "username",
        "userid",
        "user_name",
        "photo",
        "avatar",
        "avatarurl",
        "profileimage",
        "profileimageurl",
        "profileurl",
        "profilepicture",
        "approvedby",
        "bannedby",
        "removedby",
        "modnote",
        "modreasonby",
        "modreports",
        "userreports",
        "modreportsdismissed",
        "userreportsdismissed",
        "isreplytoname",
        "repliesuser",
        "owner",
        "ownerchannelname",
        "creator",
        "screenname",
        "handle",
        "awarders",
    }
)
# Keys whose value names a user's profile (``r/u_name``, ``/user/name``) on profile posts.
_PROFILE_KEYS: Final = frozenset({"subreddit", "subreddit_name_prefixed", "permalink", "url"})
_PROFILE: Final = re.compile(r"(?:^|/)(?:r/)?u_[\w-]+|/user/[\w-]+", re.IGNORECASE)
_IDENTIFYING_PREFIXES: Final = ("author", "uploader", "channel", "commenter", "poster", "owner")


def is_identifying_key(key: str) -> bool:
    """Whether an ``extra`` key holds something that points to a person.

    Matches, ignoring case and punctuation, keys starting with ``author``, ``uploader``,
    ``channel``, ``commenter``, ``poster`` or ``owner`` (``author_thumbnail``,
    ``authorChannelUrl``, ``channel_id``, ``uploader_url`` ...), keys holding ``author``
    anywhere (``link_author``), and a list of others (``photo``, ``user``,
    ``approved_by``, ``mod_reports``, ``isReplyToName`` ...).
    """
    norm = _KEY_PARTS.sub("", key.lower())
    return (
        norm in _IDENTIFYING_EXACT
        or norm.startswith(_IDENTIFYING_PREFIXES)
        or "author" in norm
        or norm.endswith(("username", "userid", "profileimageurl", "avatar"))
    )


def _name_key(name: str) -> str:
    """How a name is looked up: NFKC, casefolded, inner whitespace collapsed, no @ or u/."""
    norm = unicodedata.normalize("NFKC", name).strip()
    for prefix in ("/u/", "u/", "@"):
        if norm.lower().startswith(prefix):
            norm = norm[len(prefix) :]
            break
    return " ".join(norm.split()).casefold()


def _distinctive(name_key: str) -> bool:
    """Bare (un-prefixed) mentions are rewritten only for names unlikely to be words."""
    if len(name_key) < 4:
        return False
    return " " in name_key or any(c.isdigit() or c in "_-." for c in name_key)


def _author_handles(author: Author) -> list[str]:
    return [n for n in (author.name, author.id) if n and n.strip() and n.strip() not in _GONE]


def _identity(author: Author) -> str | None:
    if author.id and author.id.strip() not in _GONE:
        return author.id
    if author.name and author.name.strip() not in _GONE:
        return "name:" + author.name
    return None


def collect_names(
    records: Iterable[Record], names: dict[str, tuple[str, str]] | None = None
) -> dict[str, tuple[str, str]]:
    """Pass one of two: every author's name and id → ``(platform, identity)``.

    Keys are normalised names (see :class:`Anonymizer`); the first author seen with a
    name keeps it when two share one. Give the result to :class:`Anonymizer` as *names*.
    """
    names = {} if names is None else names
    for record in records:
        _learn(names, record)
    return names


def _learn(names: dict[str, tuple[str, str]], record: Record) -> None:
    author = record.author
    if author is None:
        return
    identity = _identity(author)
    if identity is None:
        return
    for handle in _author_handles(author):
        key = _name_key(handle)
        if key and key not in names:
            names[key] = (record.platform.value, identity)


_WORD: Final = re.compile(r"[\w][\w'.\-]*\w|\w")
_MAX_NAME_WORDS: Final = 4


class Anonymizer:
    """Replace authors with keyed pseudonyms and rewrite mentions of known authors.

    *names* is the result of :func:`collect_names` (two-pass); without it the anonymiser
    learns names as records stream past (one pass: only earlier authors are known).
    """

    name: ClassVar[str] = "anonymize"
    drops: ClassVar[bool] = False

    def __init__(self, key: bytes | str, names: dict[str, tuple[str, str]] | None = None) -> None:
        self._key = _as_key(key)
        self._names: dict[str, tuple[str, str]] = {} if names is None else dict(names)
        self._learning = names is None
        self._cache: dict[tuple[str, str], str] = {}
        self._max_words = _MAX_NAME_WORDS

    def __repr__(self) -> str:  # never show the key
        return f"Anonymizer(<key>, names={len(self._names)})"

    def pseudonym(self, platform: str, identity: str) -> str:
        """The pseudonym of *identity* on *platform* under this key (see
        :func:`tearcorpus.transforms.anonymize.pseudonym`)."""
        cached = self._cache.get((platform, identity))
        if cached is None:
            cached = pseudonym(self._key, platform, identity)
            if len(self._cache) < 1_000_000:
                self._cache[(platform, identity)] = cached
        return cached

    def _lookup(self, name: str) -> str | None:
        found = self._names.get(_name_key(name))
        return None if found is None else self.pseudonym(*found)

    def rewrite_text(self, text: str) -> str:
        """Replace mentions of known authors in *text* by their pseudonyms.

        ``@Name`` and ``u/Name`` keep their prefix; a bare name is replaced only when it
        is distinctive (see the module docs). Longer names win over shorter ones.
        """
        if not text or not self._names:
            return text
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        out: list[str] = []
        pos = 0
        i = 0
        while i < len(words):
            start = words[i][0]
            prefixed = text[start - 1 : start] == "@" or (
                text[max(0, start - 2) : start].lower() == "u/"
                and not text[start - 3 : start - 2].isalnum()
            )
            for n in range(min(self._max_words, len(words) - i), 0, -1):
                end = words[i + n - 1][1]
                raw = text[start:end]
                if raw[:2].lower() == "u/":
                    continue  # the name after "u/" is its own token
                candidate = _name_key(raw)
                if candidate.startswith(PREFIX) or not (prefixed or _distinctive(candidate)):
                    continue
                found = self._names.get(candidate)
                if found is not None:  # the longest known name from here
                    out += (text[pos:start], self.pseudonym(*found))
                    pos, i = end, i + n
                    break
            else:
                i += 1
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    def _json(self, value: JsonValue) -> JsonValue:
        if isinstance(value, str):
            return self.rewrite_text(value)
        if isinstance(value, list):
            return [self._json(v) for v in value]
        if isinstance(value, dict):
            return {
                k: self._json(v)
                for k, v in value.items()
                if not is_identifying_key(k)
                and not (k in _PROFILE_KEYS and isinstance(v, str) and _PROFILE.search(v))
            }
        return value

    def _author(self, record: Record) -> Author | None:
        author = record.author
        if author is None:
            return None
        identity = _identity(author)
        if identity is None:
            return Author(is_uploader=author.is_uploader, is_verified=author.is_verified)
        alias = self.pseudonym(record.platform.value, identity)
        return Author(
            id=alias,
            name=None if author.name is None else alias,
            url=None,
            is_uploader=author.is_uploader,
            is_verified=author.is_verified,
        )

    def apply(self, record: Record, report: Report) -> Record | Drop:
        if self._learning:
            _learn(self._names, record)
        author = self._author(record)
        text = self.rewrite_text(record.text)
        extra = self._json(record.extra)
        assert isinstance(extra, dict)
        if isinstance(record, Post):
            title = None if record.title is None else self.rewrite_text(record.title)
            url = None if record.url and _PROFILE.search(record.url) else record.url
            return with_step(
                record, self.name, author=author, text=text, title=title, extra=extra, url=url
            )
        return with_step(record, self.name, author=author, text=text, extra=extra)


def anonymize(
    records: Iterable[Record],
    *,
    key: bytes | str,
    names: dict[str, tuple[str, str]] | None = None,
    report: Report | None = None,
) -> Iterator[Record]:
    """Stream *records* with pseudonymous authors (see the module docs).

    When *records* can be iterated twice (a list, a :class:`~tearcorpus.Corpus`) and no
    *names* are given, the names are collected first (two passes, every mention found).
    A one-shot iterator is anonymised in one pass unless *names* come from
    :func:`collect_names` on an earlier read of the same input.
    """
    if names is None and not isinstance(records, Iterator):
        names = collect_names(records)
    anonymizer = Anonymizer(key, names)
    report = Report() if report is None else report
    for record in records:
        out = anonymizer.apply(record, report)
        assert not isinstance(out, Drop)
        yield out
