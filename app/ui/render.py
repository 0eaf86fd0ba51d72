"""The answer views under their older names: `AnswerView` (app.ui.answer_view) and `Footer` (app.ui.footer)."""

from app.ui.answer_view import AnswerView
from app.ui.blocks import BlockSplitter, split_blocks
from app.ui.footer import Footer

__all__ = ["AnswerView", "BlockSplitter", "Footer", "split_blocks"]
