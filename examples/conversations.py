"""Threads as conversations: the bundled sample in the chat format and as a ConvoKit corpus.

The chat rows are loaded with datasets and rendered through a ChatML template with jinja2
(the way a tokenizer's ``apply_chat_template`` renders them, without a model).
"""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets
from jinja2.sandbox import ImmutableSandboxedEnvironment

import tearcorpus

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def main() -> None:
    corpus = tearcorpus.read(tearcorpus.sample_path())
    with tempfile.TemporaryDirectory() as root:
        # One conversation per reply: the post (system), then the reply (user).
        chat = os.path.join(root, "messages")
        result = tearcorpus.write_messages(corpus, chat)
        path = os.path.join(chat, "messages.jsonl")
        rows = datasets.load_dataset(
            "json", data_files=path, split="train", cache_dir=os.path.join(root, "cache")
        )
        print(f"messages: {len(rows)} conversations from {result.replies} replies")
        roles = [message["role"] for message in rows[0]["messages"]]
        print(f"  roles of the first: {roles}")
        template = ImmutableSandboxedEnvironment(trim_blocks=True).from_string(CHATML)
        text = template.render(messages=rows[0]["messages"], add_generation_prompt=False)
        print("  rendered (ChatML), first 3 lines:")
        for line in text.splitlines()[:3]:
            print(f"    {line[:72]}")

        # The same thread as a ConvoKit corpus: the post is the root utterance.
        folder = os.path.join(root, "convokit")
        tearcorpus.write_convokit(corpus, folder)
        with open(os.path.join(folder, "utterances.jsonl"), encoding="utf-8") as handle:
            utterances = [json.loads(line) for line in handle]
        ids = {u["id"] for u in utterances}
        resolved = all(u["reply_to"] is None or u["reply_to"] in ids for u in utterances)
        print(f"convokit: {len(utterances)} utterances, every reply_to resolves: {resolved}")
        print(f"  files: {', '.join(sorted(os.listdir(folder)))}")


if __name__ == "__main__":
    main()
