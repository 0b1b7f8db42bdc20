"""Planning a turn: the rows it writes before anything is sent, and the request it will send.

Each function checks what it can first and writes nothing when the turn cannot be sent. Then it
saves the chat's options on the conversation, adds the rows (the user's message for a send, and
always an empty ``streaming`` reply) and builds the request from the saved message path, never
from what a window happens to show. A user message's attached files are read back from the
database too, so Send, Retry, Regenerate, Continue and an edit all send the same parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop_chat.core.attachments.parts import file_part, image_part, text_part
from desktop_chat.core.attachments.prepare import check_message
from desktop_chat.core.chat.options import ChatOptions, UnsendableError
from desktop_chat.core.chat.titles import first_line_title
from desktop_chat.core.history.models import Message, ToolCall
from desktop_chat.core.history.storage import NewAttachment, Storage

__all__ = [
    "CANCELLED_REASON",
    "CONTINUE_PROMPT",
    "LATEST",
    "TOOL_LIMIT_REASON",
    "Turn",
    "can_continue",
    "content_of",
    "continue_turn",
    "regenerate_turn",
    "request_messages",
    "send_turn",
    "step_messages",
    "tool_turn_messages",
]

#: Sent to the model (not shown, not saved) after the kept part of a reply it should continue.
CONTINUE_PROMPT = "Continue exactly where your previous reply stopped, without repeating it."
#: ``parent_id`` meaning "after the last message of the branch on screen".
LATEST = -1
#: The finish reason of a reply the user stopped.
CANCELLED_REASON = "cancelled"
#: The finish reason of a reply that asked for tools after its last allowed step.
TOOL_LIMIT_REASON = "tool_limit"


@dataclass(frozen=True, slots=True)
class Turn:
    """One request and the reply row it fills.

    Attributes:
        conversation_id: the conversation.
        user: the user message answered.
        reply: the ``streaming`` assistant row, holding ``prefix`` so far.
        messages: the chat-completions messages to send.
        model: the model asked.
        params: further body fields (temperature, max_tokens).
        prefix: the text the reply continues ("" for a fresh reply).
        created_conversation: whether this turn created the conversation.
    """

    conversation_id: int
    user: Message
    reply: Message
    messages: list[dict[str, Any]]
    model: str
    params: dict[str, Any]
    prefix: str = ""
    created_conversation: bool = False


def content_of(storage: Storage, message: Message) -> str | list[dict[str, Any]]:
    """What a message sends: its text, or with attached files, its text part and theirs.

    Files an import could not find have nothing to send and are left out.
    """
    files = [item for item in message.attachments if item.sha256 is not None]
    if message.role != "user" or not files:
        return message.content
    parts = [text_part(message.content)] if message.content else []
    for item in files:
        assert item.sha256 is not None
        if item.kind == "image":
            parts.append(image_part(item.mime, storage.attachment_data(item.sha256)))
        else:
            text = storage.attachment_text(item.sha256)
            parts.append(file_part(item.name, item.kind, text, item.pages))
    return parts


def request_messages(storage: Storage, user: Message, system_prompt: str) -> list[dict[str, Any]]:
    """The request's messages: the system prompt, then the saved path ending at ``user``."""
    messages: list[dict[str, Any]] = []
    if system_prompt.strip():
        messages.append({"role": "system", "content": system_prompt})
    for message in storage.path_to(user.id):
        if message.role == "assistant" and message.tool_calls:
            messages += tool_turn_messages(message.content, message.tool_calls)
            continue
        if message.role == "system" or (message.role == "assistant" and not message.content):
            continue
        messages.append({"role": message.role, "content": content_of(storage, message)})
    return messages


def tool_turn_messages(content: str, calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    """A reply that called tools, as the API's messages: each step (see :func:`step_messages`)
    with the text that came before it, then the text after the last step."""
    messages: list[dict[str, Any]] = []
    steps: dict[int, list[ToolCall]] = {}
    for call in calls:
        steps.setdefault(call.step, []).append(call)
    done = 0
    for step_calls in steps.values():
        at = max(done, min(step_calls[0].text_at, len(content)))
        messages += step_messages(content[done:at], step_calls)
        done = at
    if content[done:]:
        messages.append({"role": "assistant", "content": content[done:]})
    return messages


def step_messages(text: str, calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    """One step of tool calls: the assistant's message asking for them (with the text that came
    with it), then one ``tool`` message with each call's result."""
    asked = {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [
            {
                "id": call.call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments or "{}"},
            }
            for call in calls
        ],
    }
    results = [
        {"role": "tool", "tool_call_id": call.call_id, "content": call.model_result()}
        for call in calls
    ]
    return [asked, *results]


def can_continue(message: Message) -> bool:
    """Whether ``message`` is a reply with text that stopped early (stopped, cut off, too long)."""
    if message.role != "assistant" or not message.content or message.status == "streaming":
        return False
    if message.tool_calls:
        return False  # its calls are part of what it continues: Regenerate asks again instead
    return message.status in ("interrupted", "error") or message.finish_reason == "length"


def _check(options: ChatOptions) -> None:
    if not options.provider_id:
        raise UnsendableError("No provider is set up. Open Settings to add one.")
    if not options.model.strip():
        raise UnsendableError("Choose a model in the chat's settings before sending.")


def _reply_turn(
    storage: Storage,
    user: Message,
    options: ChatOptions,
    provider_name: str,
    prefix: str = "",
    *,
    created: bool = False,
) -> Turn:
    messages = request_messages(storage, user, options.system_prompt)
    if prefix:
        messages += [
            {"role": "assistant", "content": prefix},
            {"role": "user", "content": CONTINUE_PROMPT},
        ]
    reply = storage.add_message(
        user.conversation_id,
        user.id,
        "assistant",
        prefix,
        status="streaming",
        model=options.model,
        provider=provider_name,
    )
    return Turn(
        user.conversation_id,
        user,
        reply,
        messages,
        options.model,
        options.request_params(),
        prefix,
        created,
    )


def send_turn(
    storage: Storage,
    conversation_id: int | None,
    text: str,
    options: ChatOptions,
    *,
    provider_name: str = "",
    parent_id: int | None = LATEST,
    attachments: Sequence[NewAttachment] = (),
) -> Turn:
    """Add ``text`` as a user message and plan its reply.

    Args:
        storage: the conversation database.
        conversation_id: the conversation, or None to create one titled from ``text`` (or the
            first file's name).
        text: the message (stripped; may be empty only when files are attached).
        options: the chat's options, saved on the conversation.
        provider_name: the provider's name, recorded on the reply.
        parent_id: the message it follows: :data:`LATEST` for the end of the branch on screen,
            or another message's parent to replace it with an edited version.
        attachments: files to store with the message (prepared, or stored already).

    Raises:
        UnsendableError: nothing to send, or no model chosen (nothing is written).
        AttachmentError: the files are more than one message can carry (nothing is written).
        StorageError, KeyError, ValueError: the database refused a write.
    """
    text = text.strip()
    if not text and not attachments:
        raise UnsendableError("There is nothing to send: the message is empty.")
    _check(options)
    check_message(attachments)
    created = conversation_id is None
    if conversation_id is None:
        title = first_line_title(text) or attachments[0].name
        conversation_id = storage.create_conversation(title=title, **options.stored_fields()).id
    else:
        storage.update_conversation(conversation_id, **options.stored_fields())
    if parent_id == LATEST:
        parent_id = storage.current_leaf_id(conversation_id)
    user = storage.add_message(
        conversation_id,
        parent_id,
        "user",
        text,
        model=options.model,
        provider=provider_name,
        attachments=attachments,
    )
    return _reply_turn(storage, user, options, provider_name, created=created)


def _user_before(storage: Storage, reply_id: int) -> tuple[Message, Message]:
    reply = storage.get_message(reply_id)
    if reply is None or reply.role != "assistant" or reply.parent_id is None:
        raise UnsendableError("That reply cannot be asked again: it is not a model's reply.")
    user = storage.get_message(reply.parent_id)
    if user is None or user.role != "user":
        raise UnsendableError("That reply cannot be asked again: it answers no message.")
    return user, reply


def regenerate_turn(
    storage: Storage, reply_id: int, options: ChatOptions, *, provider_name: str = ""
) -> Turn:
    """Plan a new version of reply ``reply_id`` (a sibling; the old one is kept).

    A failed attempt that holds no text is replaced instead: Retry after Retry after an error
    would otherwise stack versions that all say the same failure.

    Raises:
        UnsendableError: it is not a reply to a user message, or no model is chosen.
        StorageError, KeyError, ValueError: the database refused a write.
    """
    _check(options)
    user, reply = _user_before(storage, reply_id)
    storage.update_conversation(user.conversation_id, **options.stored_fields())
    turn = _reply_turn(storage, user, options, provider_name)
    if reply.status in ("error", "interrupted") and not reply.content and not reply.reasoning:
        storage.delete_message(reply.id)
    return turn


def continue_turn(
    storage: Storage, reply_id: int, options: ChatOptions, *, provider_name: str = ""
) -> Turn:
    """Plan the rest of reply ``reply_id``: a new version that starts with its text.

    Raises:
        UnsendableError: it is not a reply with text, or no model is chosen.
        StorageError, KeyError, ValueError: the database refused a write.
    """
    _check(options)
    user, reply = _user_before(storage, reply_id)
    if not reply.content:
        raise UnsendableError("That reply has no text to continue; regenerate it instead.")
    if reply.tool_calls:
        raise UnsendableError("A reply that used tools cannot be continued; regenerate it instead.")
    storage.update_conversation(user.conversation_id, **options.stored_fields())
    return _reply_turn(storage, user, options, provider_name, reply.content)
