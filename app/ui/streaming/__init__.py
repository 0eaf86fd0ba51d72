"""An answer laid out live on a terminal, at a cost per token that does not grow with the block it is in.

`LiveAnswer` prints finished markdown blocks once into scrollback and keeps
only the unfinished tail block in a transient rich `Live`. The tail is shown
by what it is (`_tail`): a fenced code block goes out by finished lines,
highlighted with its lexer's state carried from line to line (`_code`,
`_lexer`); any other block is laid out whole once it ends, and while it
streams only its last screenful is rendered.
"""

from app.ui.streaming._live import LiveAnswer
from app.ui.streaming._markdown import AnswerMarkdown

__all__ = ["AnswerMarkdown", "LiveAnswer"]
