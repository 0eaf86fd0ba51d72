"""An answer's status in the one vocabulary goes into the store and comes back out the same."""

from __future__ import annotations

import pytest

from app.store import Store


@pytest.mark.parametrize(("status", "reason"), [("complete", "stop"), ("truncated", "length"),
                                                ("refused", "content_filter"), ("interrupted", None),
                                                ("error", None)])  # fmt: skip
def test_every_status_is_kept_and_read_back(tmp_path, status, reason):
    with Store(tmp_path / "history.db") as store:
        chat = store.new_conversation("echo")
        question = store.add_message(chat.id, "user", "hi", parent_id=None)
        store.add_message(chat.id, "assistant", "an answer", question.id, model="echo", status=status,
                          finish_reason=reason)  # fmt: skip
        stored = store.branch(chat.id)[-1]
        assert stored.to_record().status == status
        assert stored.status == ("complete" if status in ("truncated", "refused") else status)


def test_an_unknown_status_is_refused(tmp_path):
    with Store(tmp_path / "history.db") as store:
        chat = store.new_conversation("echo")
        with pytest.raises(ValueError, match="bad role 'user' or status 'bogus'"):
            store.add_message(chat.id, "user", "hi", parent_id=None, status="bogus")
