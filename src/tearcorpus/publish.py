"""Publish a Hub folder (``convert --to hub``) to a Hugging Face dataset repository.

:func:`publish` creates the repo if needed (``HfApi.create_repo(repo_type="dataset",
exist_ok=True)``) and uploads the folder in one commit (``HfApi.upload_folder``). The
token comes from the usual places unless given: ``HF_TOKEN``, then the login saved by
``hf auth login``.

Only a tearcorpus Hub folder is published: a ``README.md`` whose YAML lists ``configs``,
each with data files present in the folder. Only the card and those data files are
uploaded: other files in the folder (an earlier export's CSV, temporary files of an
interrupted export) stay local.
"""

from __future__ import annotations

import glob
import os
from typing import Any

from attrs import define, field

from .card import anonymization
from .errors import ExportError, MissingDependencyError

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


def _hub() -> Any:
    try:
        import huggingface_hub
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
    # Only the card and the data files its configs name go up: anything else left in the
    # folder (an earlier export's CSV, notes) stays local.
    files = sorted({"README.md", *(f for f in data if not _hidden(f))})
    return readme, files


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


def publish(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    message: str | None = None,
    endpoint: str | None = None,
    allow_identifiable: bool = False,
) -> PublishResult:
    """Upload the Hub folder *folder* to the dataset repo *repo_id* in one commit.

    Publishing anonymises by default: a folder whose dataset card does not record that
    every record went through ``anonymize`` is refused unless *allow_identifiable*.
    The repo is created if it does not exist (private if *private*). Raises
    :class:`ExportError` for a folder that is not a tearcorpus Hub folder and for Hub
    errors (no token, no permission, network), with the Hub's message.
    """
    hub = _hub()
    path = os.fspath(folder)
    readme, files = check_hub_folder(path)
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
    except (hub.errors.HfHubHTTPError, hub.errors.LocalTokenNotFoundError) as exc:
        raise ExportError(f"publishing to {repo_id}: {exc}") from None
    except OSError as exc:
        raise ExportError(f"publishing to {repo_id}: {exc}") from None
    return PublishResult(
        repo_id=repo.repo_id,
        url=str(repo),
        commit_url=getattr(commit, "commit_url", None),
        files=files,
        warnings=warnings,
    )
