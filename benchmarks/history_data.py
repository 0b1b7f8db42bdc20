"""Generate a large conversation database for the history benchmarks.

The default is 10,000 conversations and 1,000,000 messages, one conversation holding 10,000 of them:
short user questions, longer Markdown answers with lists and code blocks, a few regenerated replies
as branches. The schema comes from ``Storage.open``; rows go in with ``executemany`` in large
transactions while the search triggers and secondary indexes are set aside, then the indexes and
the full-text index are built once at the end.

Run ``python -m benchmarks.history_data OUT.sqlite3 [--messages N --conversations N]``.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.config.settings import DEMO_PROVIDER_ID, Settings, save_settings
from desktop_chat.core.history.storage import Storage

#: Change when the generated content changes, so cached files are rebuilt.
DATA_VERSION = 1


def _words(text: str) -> list[str]:
    return text.split()


_COMMON = _words(
    "the of and to a in is it you that for this with on are be as can use your if not or "
    "by from an will have which at one when more all so but do how what there each we need "
    "then also into only new first data value file function code example list set time way"
)
_TECH = _words(
    "python rust sqlite query index thread signal widget window stream token model server "
    "client request response header cache memory buffer parser decoder encoder branch commit "
    "merge config setting provider endpoint latency throughput benchmark median layout render "
    "markdown table column row vector matrix tensor gradient layer network socket proxy timeout "
    "retry backoff error exception handler callback closure iterator generator coroutine async "
    "await future promise lock mutex queue channel worker pool process schedule compile build "
    "package module import export format string integer float boolean array dictionary tuple"
)
_NAMES = _words(
    "alice bob carol dave paris berlin lisbon tokyo garden recipe bread tomato bicycle guitar "
    "piano novel poem essay travel budget invoice meeting summary report chapter history physics"
)
_CODE = [
    "def {a}({b}):\n    result = []\n    for item in {b}:\n        result.append(item * 2)\n"
    "    return result\n",
    "fn {a}({b}: &[u8]) -> usize {{\n    {b}.iter().filter(|c| **c == b'\\n').count()\n}}\n",
    "SELECT {a}, count(*) FROM {b}\nWHERE created_at > ?\nGROUP BY {a}\nORDER BY 2 DESC;\n",
    "const {a} = async ({b}) => {{\n  const response = await fetch({b});\n"
    "  return response.json();\n}};\n",
    'for f in *.{a}; do\n  echo "$f"\n  wc -l "$f"\ndone\n',
]


@dataclass(frozen=True)
class BuildInfo:
    """What :func:`build` produced.

    Attributes:
        path: the database file.
        conversations: how many conversations.
        messages: how many messages.
        big_conversation_id: the id of the conversation with the most messages.
        seconds: how long the build took.
    """

    path: Path
    conversations: int
    messages: int
    big_conversation_id: int
    seconds: float


class _Text:
    """Fast pseudo-text: words drawn with a Zipf-like skew, assembled into pools of messages."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        words = _COMMON + _TECH + _NAMES
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(words))]
        self._sentences = [self._sentence(words, weights) for _ in range(4000)]
        self.questions = [self._question() for _ in range(6000)]
        self.answers = [self._answer() for _ in range(6000)]
        self.titles = [
            " ".join(rng.choices(_TECH + _NAMES, k=rng.randint(2, 6))).capitalize()
            for _ in range(3000)
        ]

    def _sentence(self, words: list[str], weights: list[float]) -> str:
        chosen = self._rng.choices(words, weights, k=self._rng.randint(6, 22))
        return " ".join(chosen).capitalize() + self._rng.choice([".", ".", ".", "!", ","])

    def _question(self) -> str:
        count = self._rng.choices([1, 2, 3], [6, 3, 1])[0]
        text = " ".join(self._rng.choices(self._sentences, k=count))
        return text.rstrip(".,!") + "?"

    def _answer(self) -> str:
        rng = self._rng
        blocks: list[str] = []
        for _ in range(rng.choices([1, 2, 3, 4, 6, 9], [1, 3, 4, 3, 2, 1])[0]):
            kind = rng.random()
            if kind < 0.55:
                blocks.append(" ".join(rng.choices(self._sentences, k=rng.randint(2, 6))))
            elif kind < 0.75:
                items = rng.choices(self._sentences, k=rng.randint(2, 5))
                blocks.append("\n".join(f"- {item}" for item in items))
            elif kind < 0.85:
                blocks.append("## " + rng.choice(self._sentences).rstrip(".,!"))
            else:
                code = rng.choice(_CODE).format(a=rng.choice(_TECH), b=rng.choice(_TECH))
                blocks.append(f"```{rng.choice(['python', 'rust', 'sql', 'js', 'sh'])}\n{code}```")
        return "\n\n".join(blocks)


def _sizes(rng: random.Random, conversations: int, messages: int, big: int) -> list[int]:
    """Messages per conversation: the first gets ``big``, the rest share the remainder unevenly."""
    rest = messages - big
    others = conversations - 1
    raw = [rng.expovariate(1.0) + 0.05 for _ in range(others)]
    scale = rest / sum(raw)
    sizes = [max(2, int(value * scale)) for value in raw]
    # Round-off goes to the last conversations so the total is exact.
    shortfall = rest - sum(sizes)
    index = 0
    while shortfall != 0 and others:
        step = 1 if shortfall > 0 else -1
        if sizes[index % others] + step >= 2:
            sizes[index % others] += step
            shortfall -= step
        index += 1
    return [big, *sizes]


def _message_rows(
    rng: random.Random, text: _Text, sizes: list[int], start: float, span: float
) -> Iterator[tuple[object, ...]]:
    """Yield message rows in id order, and so in time order, conversation after conversation.

    Turns alternate user, assistant; now and then a reply is regenerated, which leaves an
    older sibling reply on a branch that is no longer shown.
    """
    message_id = 0
    step = span / sum(sizes)
    now = start
    for conversation_index, size in enumerate(sizes):
        conversation_id = conversation_index + 1
        leaf: int | None = None
        question: int | None = None
        for position in range(size):
            message_id += 1
            now += step
            left = size - position
            if question is None:
                role, parent = "user", leaf
                question = message_id
                content = rng.choice(text.questions)
            else:
                role, parent = "assistant", question
                content = rng.choice(text.answers)
                # Regenerated: this reply is abandoned and a newer sibling follows it.
                if not (left > 1 and rng.random() < 0.03):
                    question = None
            leaf = message_id
            is_answer = role == "assistant"
            yield (
                message_id,
                conversation_id,
                parent,
                role,
                content,
                "",
                "bench-model" if is_answer else "",
                "bench",
                now,
                "stop" if is_answer else None,
                '{"prompt_tokens": 100, "completion_tokens": 200, "total_tokens": 300}'
                if is_answer
                else None,
                float(rng.randint(150, 900)) if is_answer else None,
                float(rng.randint(1000, 9000)) if is_answer else None,
                "complete",
            )


def build(
    path: Path,
    *,
    conversations: int = 10_000,
    messages: int = 1_000_000,
    big: int = 10_000,
    seed: int = 7,
    progress: bool = False,
) -> BuildInfo:
    """Write a new database at ``path`` (replacing one there) and describe it."""
    if conversations < 1 or messages < big + 2 * (conversations - 1):
        raise ValueError("Too few messages for that many conversations.")
    started = time.monotonic()
    rng = random.Random(seed)
    building = path.with_name(path.name + ".building")
    for leftover in (building, *(Path(f"{building}{s}") for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    Storage.open(building).close()

    def say(message: str) -> None:
        if progress:
            print(f"  {time.monotonic() - started:6.1f} s  {message}", file=sys.stderr)

    db = sqlite3.connect(building, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -200000")
    saved = db.execute(
        "SELECT type, name, sql FROM sqlite_master"
        " WHERE type IN ('trigger', 'index') AND sql IS NOT NULL"
        " AND tbl_name IN ('messages', 'conversations')"
    ).fetchall()
    for kind, name, _sql in saved:
        db.execute(f"DROP {kind.upper()} {name}")

    text = _Text(rng)
    sizes = _sizes(rng, conversations, messages, big)
    say("text pools ready")
    end = time.time() - 3600
    start = end - 2 * 365 * 86400
    db.execute("BEGIN")
    rows = _message_rows(rng, text, sizes, start, end - start)
    db.executemany(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning, model,"
        " provider, created_at, finish_reason, usage, ttft_ms, duration_ms, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    say("messages inserted")
    db.execute("CREATE TEMP TABLE bounds (id INTEGER PRIMARY KEY, first, last, leaf)")
    db.execute(
        "INSERT INTO bounds SELECT conversation_id, min(created_at), max(created_at), max(id)"
        " FROM messages GROUP BY conversation_id"
    )
    titles = [rng.choice(text.titles) for _ in range(conversations)]
    pinned = set(rng.sample(range(1, conversations + 1), k=min(5, conversations)))
    db.executemany(
        "INSERT INTO conversations (id, title, created_at, updated_at, pinned, provider, model,"
        " current_leaf_id) SELECT id, ?, first, last, ?, 'bench', 'bench-model', leaf"
        " FROM bounds WHERE id = ?",
        ((titles[i - 1], int(i in pinned), i) for i in range(1, conversations + 1)),
    )
    db.execute("COMMIT")
    say("conversations inserted")
    for kind, _name, sql in saved:
        if kind == "index":
            db.execute(sql)
    say("indexes built")
    db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
    say("search index built")
    for kind, _name, sql in saved:
        if kind == "trigger":
            db.execute(sql)
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    # A stale -wal beside the old file would be replayed into the new one.
    for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        companion.unlink(missing_ok=True)
    building.replace(path)
    say("done")
    return BuildInfo(path, conversations, messages, 1, time.monotonic() - started)


def make_home(database: Path, folder: Path) -> Path:
    """Make ``folder`` a ``DESKTOP_CHAT_HOME`` whose database is ``database`` (linked, not copied)
    and whose settings use the built-in demo provider, so the window opens straight to the list.

    Returns:
        ``folder``.
    """
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    link = data / "conversations.sqlite3"
    if not link.exists():
        link.symlink_to(database.resolve())
    demo = config_from_preset("demo", provider_id=DEMO_PROVIDER_ID, name="Demo")
    save_settings(
        Settings(providers=[demo], active_provider_id=DEMO_PROVIDER_ID),
        folder / "config" / "settings.json",
    )
    return folder


def main(argv: list[str] | None = None) -> int:
    """Build a database from the command line and print what was built."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000, help="messages in the largest one")
    options = parser.parse_args(argv)
    info = build(
        options.output,
        conversations=options.conversations,
        messages=options.messages,
        big=options.big,
        progress=True,
    )
    size = info.path.stat().st_size / 1e6
    print(f"{info.messages} messages in {info.conversations} conversations: {size:.0f} MB,")
    print(f"built in {info.seconds:.1f} s at {info.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
