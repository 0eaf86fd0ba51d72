"""A conversation: its messages, the model it talks to, and how its answers are taken.

`Chat.reply()` takes the model's answer to the conversation so far through
`runtime.answer()`. However it ends — completed, failed, or cancelled by
Ctrl-C — the answer that arrived is kept in the conversation with its record,
and written to the store if there is one. `Chat.compare()` asks several
models at once and `Chat.pick()` continues with one of their answers;
`Chat.run_chain()` runs a chain whose input and output join the conversation.
"""

from app.chat._chat import Chat
from app.chat._compare import CompareEvent, CompareRecord
from app.chat._messages import ChatMessage, Totals

__all__ = [
    "Chat",
    "ChatMessage",
    "CompareEvent",
    "CompareRecord",
    "Totals",
]
