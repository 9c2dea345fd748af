"""Publish a Hub folder (``convert --to hub``) to a Hugging Face dataset repository.

:func:`publish` creates the repo if needed (``HfApi.create_repo(repo_type="dataset",
exist_ok=True)``) and uploads the folder in one commit (``HfApi.upload_folder``). The
token comes from the usual places unless given: ``HF_TOKEN``, then the login saved by
``hf auth login``.

Only a tearcorpus Hub folder is published: a ``README.md`` whose YAML lists ``configs``,
each with data files present in the folder. Only the card and those data files are
uploaded: other files in the folder (notes, hidden temporary files of an interrupted
export) stay local. A data file that the card does not record as this export's (a stale
shard of an earlier, larger export, another export's tables) makes :func:`publish` refuse,
naming it. The images the card shows (``images/*.png``, its charts) go up with them.
"""

from __future__ import annotations

import glob
import os
import re
from types import ModuleType
from typing import Final

from attrs import define, field

from .errors import ExportError, MissingDependencyError
from .exporters.hub.card import anonymization, exported_files

__all__ = ["PublishResult", "check_hub_folder", "publish"]


@define
class PublishResult:
    """What :func:`publish` did."""

    repo_id: str
    url: str
    commit_url: str | None
    #: Paths uploaded, relative to the folder.
    files: list[str]
    warnings: list[str] = field(factory=list)


def _hub() -> ModuleType:
    try:
        import huggingface_hub
        import huggingface_hub.errors  # submodules are not attributes until imported
        import huggingface_hub.utils
    except ImportError:
        raise MissingDependencyError("publishing", "hf", "huggingface_hub") from None
    return huggingface_hub


def check_hub_folder(folder: str) -> tuple[str, list[str]]:
    """The README text and the files to upload of a tearcorpus Hub folder.

    Raises :class:`ExportError` for a folder that is not one: missing, no ``README.md``,
    no ``configs`` in its YAML, or a config whose data files are absent.
    """
    hub = _hub()
    readme_path = os.path.join(folder, "README.md")
    if not os.path.isdir(folder):
        raise ExportError(f"{folder}: not a folder")
    if not os.path.isfile(readme_path):
        raise ExportError(
            f"{folder}: no README.md; publish a folder written by `tearcorpus convert --to hub`"
        )
    with open(readme_path, encoding="utf-8") as handle:
        readme = handle.read()
    try:
        card = hub.DatasetCard(readme)
    except Exception as exc:  # the Hub's parser raises ValueError or yaml errors
        raise ExportError(f"{readme_path}: the YAML front matter cannot be read: {exc}") from None
    configs = card.data.to_dict().get("configs")
    if not isinstance(configs, list) or not configs:
        raise ExportError(
            f"{readme_path}: its YAML lists no `configs`; not a tearcorpus Hub folder "
            "(write one with `tearcorpus convert --to hub`)"
        )
    data: set[str] = set()
    for config in configs:
        name = config.get("config_name") if isinstance(config, dict) else None
        data_files = config.get("data_files") if isinstance(config, dict) else None
        if not name or not isinstance(data_files, list) or not data_files:
            raise ExportError(f"{readme_path}: config {config!r} has no data_files")
        for entry in data_files:
            pattern = entry.get("path") if isinstance(entry, dict) else None
            matches = glob.glob(os.path.join(folder, pattern)) if isinstance(pattern, str) else []
            if not matches:
                raise ExportError(
                    f"{folder}: config {name!r} names data files {pattern!r} that are not there"
                )
            data.update(os.path.relpath(m, folder).replace(os.sep, "/") for m in matches)
    _check_strays(folder, readme, data)
    # Only the card, the data files its configs name and the images it shows go up:
    # anything else left in the folder (notes) stays local.
    from .overview import card_images

    files = sorted(
        {"README.md", *(f for f in data if not _hidden(f)), *card_images(readme, folder)}
    )
    return readme, files


#: Files with these endings are data: ``load_dataset`` or a reader would take them.
DATA_SUFFIXES: Final = (".parquet", ".arrow", ".jsonl", ".ndjson", ".json", ".csv", ".tsv")


def _check_strays(folder: str, readme: str, globbed: set[str]) -> None:
    """Refuse a folder holding a data file that is not this export's: every data file
    (by its ending, or anywhere in a config's folder) must be one the card records
    (:func:`exported_files`; a card without that record: a complete set
    of ``-of-N`` shards per split). An earlier, larger export's shards, another export's
    tables or a hand-copied file would go up, or be loaded, with this card's claims."""
    recorded = exported_files(readme)
    config_dirs = {f.split("/")[0] for f in globbed if "/" in f}
    present = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            relative = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            if _hidden(relative) or relative == "README.md":
                continue
            if relative.split("/")[0] in config_dirs or name.endswith(DATA_SUFFIXES):
                present.append(relative)
    if recorded is not None:
        listed = set(recorded)
        missing = sorted(listed - set(present))
        if missing:
            raise ExportError(f"{folder}: {missing[0]} is named in README.md but not there")
    else:
        listed = {f for f in globbed if _complete(f, globbed)}
    for relative in present:
        if relative not in listed:
            raise ExportError(
                f"{folder}: {relative} is not a data file of this export (its README.md does "
                "not list it): it may be left from an earlier export, with other authors or "
                "anonymisation. Remove it, or export again with `tearcorpus convert --to hub "
                "--overwrite`"
            )


def _complete(relative: str, files: set[str]) -> bool:
    """Whether the shard *relative* is one of a complete ``-00000-of-N`` set in *files*."""
    match = re.fullmatch(r"(.+-)(\d{5})-of-(\d{5})\.parquet", relative)
    if match is None:
        return False
    prefix, count = match.group(1), int(match.group(3))
    return all(f"{prefix}{i:05d}-of-{count:05d}.parquet" in files for i in range(count))


def _one_line(exc: BaseException) -> str:
    """The message of *exc* on one line (the Hub's messages can span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The network errors of the HTTP client ``huggingface_hub`` uses (``httpx2``,
    ``httpx`` or ``requests``, by version): no connection, a timeout, a bad URL."""
    import importlib

    errors: list[type[BaseException]] = []
    for module, name in (
        ("httpx2", "HTTPError"),
        ("httpx", "HTTPError"),
        ("requests", "RequestException"),
    ):
        try:
            errors.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def _hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split("/"))


def _privacy_check(readme: str, folder: str, *, allow_identifiable: bool) -> list[str]:
    """Refuse a corpus whose card does not say every record was anonymised, unless the
    user explicitly allows identifiable data; then the refusal becomes a warning."""
    status = anonymization(readme)
    if status == "all":
        return []
    what = (
        "only part of this corpus is anonymised"
        if status == "partial"
        else "this corpus is not anonymised: author names and ids would be published as they are"
    )
    if not allow_identifiable:
        raise ExportError(
            f"{folder}: {what}. Rebuild it with `tearcorpus convert ... --to hub --anonymize` "
            "(key in TEARCORPUS_KEY or --key-file), or publish it as it is with "
            "--allow-identifiable (allow_identifiable=True)"
        )
    return [f"{what} (published anyway: --allow-identifiable)"]


def _check_exclusion(readme: str, folder: str, exclude: str | os.PathLike[str] | None) -> None:
    """Refuse a folder built without the opt-out list *exclude* (else
    ``$TEARCORPUS_EXCLUDE``), or with another version of it."""
    from .exporters.hub.card import exclusion
    from .transforms.exclude import digest

    listed = os.fspath(exclude) if exclude is not None else os.environ.get("TEARCORPUS_EXCLUDE")
    if not listed:
        return
    recorded = exclusion(readme)
    if recorded is None or recorded == "none":
        raise ExportError(
            f"{folder}: was built without the opt-out list {listed}; rebuild it with "
            f"`tearcorpus convert ... --exclude {listed}`"
        )
    if recorded != digest(listed):
        raise ExportError(
            f"{folder}: was built with another version of the opt-out list {listed} "
            "(entries were added or removed since); rebuild it with the current list"
        )


def publish(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    message: str | None = None,
    endpoint: str | None = None,
    allow_identifiable: bool = False,
    exclude: str | os.PathLike[str] | None = None,
) -> PublishResult:
    """Upload the Hub folder *folder* to the dataset repo *repo_id* in one commit.

    Publishing anonymises by default: a folder whose dataset card does not record that
    every record went through ``anonymize`` is refused unless *allow_identifiable*.
    The repo is created if it does not exist (private if *private*). Raises
    :class:`ExportError`, with one line, for an invalid *repo_id* (before any request),
    a folder that is not a tearcorpus Hub folder or holds a data file its card does not
    list, a folder built without the opt-out list *exclude* (default
    ``$TEARCORPUS_EXCLUDE``) or with another version of it, and for Hub errors (no token, no permission, no network), with the Hub's
    message.
    """
    hub = _hub()
    try:
        hub.utils.validate_repo_id(repo_id)
    except hub.errors.HFValidationError as exc:
        raise ExportError(f"{repo_id!r} is not a valid repo id: {_one_line(exc)}") from None
    path = os.fspath(folder)
    readme, files = check_hub_folder(path)
    _check_exclusion(readme, path, exclude)
    warnings = _privacy_check(readme, path, allow_identifiable=allow_identifiable)
    api = hub.HfApi(endpoint=endpoint, token=token, library_name="tearcorpus")
    try:
        repo = api.create_repo(
            repo_id, repo_type="dataset", private=True if private else None, exist_ok=True
        )
        commit = api.upload_folder(
            folder_path=path,
            repo_id=repo.repo_id,
            repo_type="dataset",
            commit_message=message or "Upload corpus exported with tearcorpus",
            allow_patterns=files,
        )
    except (
        hub.errors.HfHubHTTPError,
        hub.errors.LocalTokenNotFoundError,
        hub.errors.HFValidationError,
        OSError,
    ) as exc:
        raise ExportError(f"publishing to {repo_id}: {_one_line(exc)}") from None
    except _transport_errors() as exc:
        where = endpoint or hub.constants.ENDPOINT
        raise ExportError(
            f"publishing to {repo_id}: cannot reach the Hub at {where}: {_one_line(exc)}"
        ) from None
    return PublishResult(
        repo_id=repo.repo_id,
        url=str(repo),
        commit_url=getattr(commit, "commit_url", None),
        files=files,
        warnings=warnings,
    )
