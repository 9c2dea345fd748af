"""Build a Hub folder from the bundled sample and load it back offline with datasets."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets

import tearcorpus


def main() -> None:
    corpus = tearcorpus.read(tearcorpus.sample_path())
    with tempfile.TemporaryDirectory() as root:
        folder = os.path.join(root, "hub")
        result = tearcorpus.write_hub_folder(corpus, folder, languages=("en",))
        print(f"wrote {result.posts} post(s) and {result.replies} replies to {folder}")
        for config in ("posts", "replies", "replies_in_context"):
            loaded = datasets.load_dataset(folder, config, cache_dir=os.path.join(root, "cache"))
            splits = ", ".join(f"{name}: {len(ds)} rows" for name, ds in loaded.items())
            print(f"  {config}: {splits}")


if __name__ == "__main__":
    main()
