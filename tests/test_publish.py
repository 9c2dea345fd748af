"""Publishing a Hub folder: everything up to the network, against a fake Hub endpoint."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tearcorpus import ExportError, publish, read, sample_path, write_hub_folder
from tearcorpus.cli import main
from tearcorpus.transforms import anonymize

hub = pytest.importorskip("huggingface_hub")
httpx = pytest.importorskip("httpx2")
from huggingface_hub.utils import _http  # noqa: E402

ENDPOINT = "https://hub.test"


class FakeHub:
    """Answers create-repo, validate-yaml, preupload and commit; records the commit."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.created: dict[str, Any] = {}
        self.files: dict[str, bytes] = {}
        self.auth: set[str] = set()

    def __call__(self, request: Any) -> Any:
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        self.auth.add(request.headers.get("authorization", ""))
        if path == "/api/repos/create":
            self.created = json.loads(request.content)
            name = f"{self.created.get('organization') or 'me'}/{self.created['name']}"
            return httpx.Response(200, json={"url": f"{ENDPOINT}/datasets/{name}", "name": name})
        if path == "/api/validate-yaml":
            return httpx.Response(200, json={"errors": [], "warnings": []})
        if "/preupload/" in path:
            files = json.loads(request.content)["files"]
            modes = [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
            ]
            return httpx.Response(200, json={"files": modes, "commitOid": "0" * 40})
        if "/commit/" in path:
            for line in request.content.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    self.files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            return httpx.Response(200, json={"commitUrl": f"{ENDPOINT}/c/1", "commitOid": "1" * 40})
        return httpx.Response(404, json={"error": f"not faked: {path}"})


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    """huggingface_hub's HTTP client, pointed at a FakeHub transport."""
    fake = FakeHub()
    _http.set_client_factory(lambda: httpx.Client(transport=httpx.MockTransport(fake)))
    yield fake
    _http.set_client_factory(_http.default_client_factory)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A Hub folder of the bundled sample."""
    out = tmp_path / "hub"
    write_hub_folder(read(sample_path()), str(out))
    return out


def test_uploads_the_folder_in_one_commit(fake_hub: FakeHub, folder: Path) -> None:
    """The repo is created as a dataset, then every file goes up byte for byte in one commit."""
    result = publish(
        folder,
        "me/tears",
        private=True,
        token="hf_test",
        endpoint=ENDPOINT,
        allow_identifiable=True,
    )
    assert fake_hub.created["type"] == "dataset"
    assert fake_hub.created["visibility"] == "private"
    assert [c for c in fake_hub.calls if "/commit/" in c] == [
        "POST /api/datasets/me/tears/commit/main"
    ]
    expected = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert fake_hub.files == expected
    assert "Bearer hf_test" in fake_hub.auth
    assert result.commit_url == f"{ENDPOINT}/c/1"
    assert result.warnings
    assert "not anonymised" in result.warnings[0]


def test_refuses_identifiable_data_by_default(fake_hub: FakeHub, folder: Path) -> None:
    """A folder built without --anonymize is refused before any request, unless allowed."""
    with pytest.raises(ExportError, match=r"not anonymised.*--allow-identifiable"):
        publish(folder, "me/tears", token="t", endpoint=ENDPOINT)
    assert fake_hub.calls == []


def test_anonymised_folder_publishes_without_warning(fake_hub: FakeHub, tmp_path: Path) -> None:
    """A Hub folder of anonymised records publishes with no privacy warning."""
    key = "a-test-key-of-at-least-16-bytes"
    records = list(anonymize(read(sample_path()), key=key))
    out = tmp_path / "anon-hub"
    write_hub_folder(records, str(out))
    result = publish(out, "me/tears", token="t", endpoint=ENDPOINT)
    assert result.warnings == []
    assert key.encode() not in b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_cli_publish_refuses_identifiable(
    fake_hub: FakeHub, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI refuses identifiable data with one line and exit 1."""
    assert main(["publish", str(folder), "me/x", "--token", "t"]) == 1
    err = capsys.readouterr().err
    assert "--allow-identifiable" in err
    assert len(err.strip().splitlines()) == 1


def test_refuses_a_folder_that_is_not_ours(fake_hub: FakeHub, tmp_path: Path) -> None:
    """No README with configs: refused before any request."""
    (tmp_path / "README.md").write_text("# just a readme\n")
    with pytest.raises(ExportError, match="configs"):
        publish(tmp_path, "me/x", token="t", endpoint=ENDPOINT)
    with pytest.raises(ExportError, match="not a folder"):
        publish(tmp_path / "missing", "me/x", token="t", endpoint=ENDPOINT)
    (tmp_path / "README.md").unlink()
    with pytest.raises(ExportError, match="no README"):
        publish(tmp_path, "me/x", token="t", endpoint=ENDPOINT)
    assert fake_hub.calls == []


def test_refuses_missing_data_files(fake_hub: FakeHub, folder: Path) -> None:
    """A card naming data files that are gone is refused."""
    for shard in (folder / "posts").iterdir():
        shard.unlink()
    with pytest.raises(ExportError, match="not there"):
        publish(folder, "me/x", token="t", endpoint=ENDPOINT)


def test_hub_errors_are_export_errors(folder: Path) -> None:
    """An HTTP error from the Hub is one clear ExportError."""
    _http.set_client_factory(
        lambda: httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(403, json={"error": "no"}))
        )
    )
    try:
        with pytest.raises(ExportError, match="publishing to me/x"):
            publish(folder, "me/x", token="t", endpoint=ENDPOINT, allow_identifiable=True)
    finally:
        _http.set_client_factory(_http.default_client_factory)


def test_cli_refuses_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """tearcorpus publish on a non-Hub folder exits 1 with one line."""
    assert main(["publish", str(tmp_path), "me/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tearcorpus: error:")
    assert "Traceback" not in err


@pytest.mark.hub
@pytest.mark.skipif(
    os.environ.get("TEARCORPUS_HUB_TESTS") != "1" or not os.environ.get("HF_TOKEN"),
    reason="set TEARCORPUS_HUB_TESTS=1 and HF_TOKEN to publish to the real Hub",
)
def test_real_hub(folder: Path) -> None:
    """Publishes the sample to a private repo on the real Hub (opt-in)."""
    user = hub.HfApi().whoami()["name"]
    result = publish(folder, f"{user}/tearcorpus-test", private=True, allow_identifiable=True)
    assert result.commit_url


def test_only_the_card_and_data_files_go_up(fake_hub: FakeHub, folder: Path) -> None:
    """Files the card does not name and that are no data (notes, temporary files) stay
    local; the card, the data files and the chart images the card shows go up."""
    (folder / "notes.txt").write_text("private notes\n")
    (folder / ".posts.parquet.tmp").write_bytes(b"half-written")
    result = publish(folder, "me/tears", token="t", endpoint=ENDPOINT, allow_identifiable=True)
    assert "notes.txt" not in fake_hub.files
    assert ".posts.parquet.tmp" not in fake_hub.files
    assert "README.md" in fake_hub.files
    assert set(result.files) == set(fake_hub.files)
    assert all(
        name == "README.md"
        or name.endswith(".parquet")
        or (name.startswith("images/") and name.endswith(".png"))
        for name in result.files
    )


@pytest.mark.parametrize(
    "stray",
    ["replies.csv", "manifest.json", "posts/train-00001-of-00002.parquet", "replies/extra.bin"],
)
def test_refuses_a_data_file_the_card_does_not_list(
    fake_hub: FakeHub, folder: Path, stray: str
) -> None:
    """A data file the card does not record (an earlier export's) is refused by name."""
    (folder / stray).write_bytes(b"author,text\r\nRealName,hello\r\n")
    with pytest.raises(ExportError, match=re.escape(stray) + " is not a data file of this export"):
        publish(folder, "me/tears", token="t", endpoint=ENDPOINT, allow_identifiable=True)
    assert fake_hub.calls == []


def test_card_without_file_record_needs_complete_shard_sets(
    fake_hub: FakeHub, folder: Path
) -> None:
    """A card of an older export (no file record) is checked by complete -of-N shard sets."""
    readme = folder / "README.md"
    text = readme.read_text()
    readme.write_text(re.sub(r"<!-- tearcorpus:files=.*? -->\n", "", text))
    assert "tearcorpus:files" not in readme.read_text()
    publish(folder, "me/tears", token="t", endpoint=ENDPOINT, allow_identifiable=True)
    (folder / "posts" / "train-00001-of-00003.parquet").write_bytes(b"stale")
    with pytest.raises(ExportError, match=r"train-00001-of-00003\.parquet is not a data file"):
        publish(folder, "me/tears", token="t", endpoint=ENDPOINT, allow_identifiable=True)


UNREACHABLE = "http://127.0.0.1:9"  # the discard port on this machine: nothing listens


def test_no_network_is_one_export_error(folder: Path) -> None:
    """An unreachable Hub is one ExportError line naming the endpoint, not a traceback."""
    with pytest.raises(ExportError) as info:
        publish(folder, "me/x", token="hf_t", endpoint=UNREACHABLE, allow_identifiable=True)
    message = str(info.value)
    assert message.startswith(f"publishing to me/x: cannot reach the Hub at {UNREACHABLE}")
    assert "\n" not in message


@pytest.mark.parametrize("repo_id", ["not a repo", "me//x", "a/b/c", "-bad-/name"])
def test_bad_repo_id_is_refused_before_any_request(
    fake_hub: FakeHub, folder: Path, repo_id: str
) -> None:
    """An invalid repo id is an ExportError naming it, before any request is made."""
    with pytest.raises(ExportError, match="is not a valid repo id") as info:
        publish(folder, repo_id, token="t", endpoint=ENDPOINT, allow_identifiable=True)
    assert repr(repo_id) in str(info.value)
    assert fake_hub.calls == []


@pytest.mark.parametrize(
    ("repo_id", "expected"),
    [("me/x", "cannot reach the Hub at http://127.0.0.1:9"), ("me//x", "not a valid repo id")],
)
def test_cli_publish_offline_prints_one_line(folder: Path, repo_id: str, expected: str) -> None:
    """`tearcorpus publish` with HF_ENDPOINT unreachable or a bad repo id: exit 1, one line."""
    import subprocess
    import sys

    env = dict(os.environ, HF_ENDPOINT=UNREACHABLE, HF_TOKEN="hf_t")
    env["PYTHONPATH"] = str(Path(__file__).parents[1] / "src")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tearcorpus",
            "publish",
            str(folder),
            repo_id,
            "--allow-identifiable",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line for line in lines if "warning" not in line] == [lines[-1]]
    assert lines[-1].startswith("tearcorpus: error: ")
    assert expected in lines[-1]
