"""``send``: one turn of a conversation from the command line, through the window's engine.

The reply's text goes to stdout as it arrives, flushed per delta; the conversation's id is the
first line on stderr, then any error, worded as the window words it. The turn is saved exactly as
the window saves it (the partial text too), so the conversation opens in the window. Ctrl+C
stops the reply and keeps what arrived. With ``--tools`` the model may call those servers' tools;
each finished call is a line on stderr, and a call that needs approval is refused unless
``--approve-all`` is given (there is no one to ask). Files given with ``--attach`` go through the
window's rules (kinds, limits, image scaling); a file that cannot be attached stops the command
before anything is written or sent.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

from desktop_chat.cli.providers import CommandError, find_provider
from desktop_chat.cli.tools import tool_servers_named
from desktop_chat.core.attachments.prepare import check_message, prepare_file
from desktop_chat.core.chat.advice import describe_error, ending_note
from desktop_chat.core.chat.connection import open_client
from desktop_chat.core.chat.options import ChatOptions, options_for
from desktop_chat.core.chat.runner import CANCELLED_REASON, run_turn
from desktop_chat.core.chat.tool_links import ToolLinks
from desktop_chat.core.chat.toolbox import OfferedTool, Toolbox
from desktop_chat.core.chat.turns import send_turn
from desktop_chat.core.client.demo_server import DemoServer
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, load_settings
from desktop_chat.core.config.settings_file import SettingsFile
from desktop_chat.core.errors import ImagesNotSupportedError, SettingsError
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage

__all__ = ["EXIT_STOPPED", "MAX_MESSAGE_CHARS", "read_message", "send"]

#: The exit code after Ctrl+C stopped the reply (the shell's code for SIGINT).
EXIT_STOPPED = 130
#: The longest message read from standard input.
MAX_MESSAGE_CHARS = 1_000_000


def read_message(text: str, stdin: TextIO) -> str:
    """The message: ``text``, or standard input when it is ``-`` (at most a million characters).

    Raises:
        CommandError: the message is longer than that.
    """
    if text != "-":
        return text
    read = stdin.read(MAX_MESSAGE_CHARS + 1)
    if len(read) > MAX_MESSAGE_CHARS:
        raise CommandError(
            f"the message on standard input is longer than {MAX_MESSAGE_CHARS} characters."
        )
    return read


class _Printer:
    """Writes the reply to stdout as it arrives."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self._stdout = stdout
        self._stderr = stderr
        self.wrote = False
        self.ends_with_newline = True

    def on_content(self, text: str) -> None:
        self._stdout.write(text)
        self._stdout.flush()
        self.wrote = True
        self.ends_with_newline = text.endswith("\n")

    def on_reasoning(self, text: str) -> None:
        del text  # the reasoning is saved with the reply, not printed

    def on_record_failed(self, message: str) -> None:
        print(f"desktop-chat: {message}", file=self._stderr, flush=True)

    def on_tool_call(self, call: ToolCall) -> None:
        if call.finished:
            print(f"desktop-chat: {tool_call_line(call)}", file=self._stderr, flush=True)


def tool_call_line(call: ToolCall) -> str:
    """One line on a finished tool call (the tool's output is untrusted: one line, cut)."""
    where = f" on {call.server}" if call.server else ""
    took = f" ({call.duration_ms} ms)" if call.duration_ms is not None else ""
    result = " ".join(call.result.split())
    if len(result) > _RESULT_CHARS:
        result = result[:_RESULT_CHARS] + "…"
    return f"tool {call.name}{where}: {call.status}{took}: {result}"


_RESULT_CHARS = 200


def _refuse(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
    """Declines a call that needs approval: the command line has no one to ask."""
    del call, tool, cancel
    return False


def _toolbox(
    chat: ChatOptions, settings: Settings, links: ToolLinks, approve_all: bool, stderr: TextIO
) -> Toolbox | None:
    if not chat.tool_servers:
        return None
    found, problems = links.links(settings, chat.tool_servers)
    for problem in problems:
        print(f"desktop-chat: {problem}", file=stderr, flush=True)

    def allowed(server: str, tool: str) -> bool:
        config = settings.tool_server(server)
        if approve_all or (config is not None and tool in config.always_allowed):
            return True
        print(
            f"desktop-chat: the model asked to run {tool} ({server}); it was refused because it "
            "needs approval. Send with --approve-all to run tools without asking.",
            file=stderr,
            flush=True,
        )
        return False

    return Toolbox(
        found,
        _refuse,
        always_allowed=allowed,
        timeout=settings.tool_timeout,
        step_limit=settings.tool_step_limit,
    )


def _options(
    options: argparse.Namespace, storage: Storage, settings: Settings
) -> tuple[int | None, ChatOptions]:
    conversation_id: int | None = options.conversation
    conversation = None
    if conversation_id is not None:
        conversation = storage.get_conversation(conversation_id)
        if conversation is None or conversation.deleted_at is not None:
            raise CommandError(f"no conversation has id {conversation_id}.")
    chosen = options_for(conversation, settings)
    if options.provider is not None:
        provider = find_provider(settings, options.provider)
        if chosen is None:
            chosen = ChatOptions.from_provider(provider)
        elif chosen.provider_id != provider.id:
            chosen = chosen.with_changes(provider_id=provider.id, model=provider.model)
    if chosen is None:
        raise CommandError(
            "no provider is set up. Add one with: desktop-chat provider add NAME --base-url URL"
        )
    changes: dict[str, object] = {}
    if options.model is not None:
        changes["model"] = options.model.strip()
    if options.system is not None:
        changes["system_prompt"] = options.system
    if options.temperature is not None:
        changes["temperature"] = options.temperature
    if options.max_tokens is not None:
        changes["max_tokens"] = options.max_tokens
    if options.tools is not None:
        changes["tool_servers"] = tool_servers_named(settings, options.tools)
    elif conversation is None:
        # A new chat from the command line uses tools only when --tools names them.
        changes["tool_servers"] = ()
    return conversation_id, chosen.with_changes(**changes)


@contextlib.contextmanager
def _ctrl_c_sets(cancel: threading.Event) -> Iterator[None]:
    """While inside, Ctrl+C sets ``cancel`` instead of raising KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set on the main thread
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        cancel.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def send(options: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Send ``options.message`` and stream the reply; returns the exit code.

    Raises:
        CommandError, DesktopChatError: the turn could not start (nothing was written).
    """
    message = read_message(options.message, stdin)
    settings = load_settings().settings
    settings_file = SettingsFile(settings)
    attachments = [
        prepare_file(Path(name), max_side=settings.max_image_side) for name in options.attach
    ]
    check_message(attachments)
    secrets = SecretStore()
    demo = DemoServer()
    links = ToolLinks(secrets)
    try:
        with Storage.open(database_path()) as storage:
            conversation_id, chat = _options(options, storage, settings)
            provider, client = open_client(
                chat,
                settings,
                secrets.get,
                demo_base_url=demo.start,
            )
            try:
                turn = send_turn(
                    storage,
                    conversation_id,
                    message,
                    chat,
                    provider_name=provider.name,
                    attachments=attachments,
                )
            except BaseException:
                client.close()
                raise
            print(turn.conversation_id, file=stderr, flush=True)
            cancel = threading.Event()
            printer = _Printer(stdout, stderr)
            with _ctrl_c_sets(cancel):
                tools = _toolbox(chat, settings, links, options.approve_all, stderr)
                outcome = run_turn(
                    turn, client, printer, database=database_path(), cancel=cancel, tools=tools
                )
                if tools is not None:
                    for problem in tools.problems:
                        print(f"desktop-chat: {problem}", file=stderr, flush=True)
    finally:
        links.close()
        demo.stop()
    if printer.wrote and not printer.ends_with_newline:
        stdout.write("\n")
        stdout.flush()
    if isinstance(outcome.error, ImagesNotSupportedError):
        # The window warns before sending images to this model again.
        settings.set_sees_images(chat.provider_id, chat.model, False)
        with contextlib.suppress(SettingsError):
            settings_file.save(settings)
    if outcome.error is not None:
        text = describe_error(outcome.error).text.replace("\n", ": ", 1)
        kept = (
            " The text received so far was saved." if outcome.text and "so far" not in text else ""
        )
        print(f"desktop-chat: {text}{kept}", file=stderr)
        return 1
    if outcome.reason == CANCELLED_REASON:
        print("desktop-chat: Stopped. The text received so far was saved.", file=stderr)
        return EXIT_STOPPED
    note = ending_note(outcome.reason, outcome.text, outcome.reasoning)
    if note:
        print(f"desktop-chat: {note}", file=stderr)
    return 0
