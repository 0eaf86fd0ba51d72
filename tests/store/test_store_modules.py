"""The store package stays split by concept, with the same public face."""

from pathlib import Path

import app.store
from app.store import Store

STORE_DIR = Path(app.store.__file__).parent

PUBLIC_METHODS = {
    "close", "new_conversation", "get_conversation", "latest_conversation", "list_conversations",
    "find_conversation", "rename", "set_title_if_empty", "delete_conversation", "add_message", "set_failed",
    "save_settings", "edit_message", "get_message", "branch", "set_head", "branches", "search", "usage_totals",
}  # fmt: skip


def test_no_store_module_passes_300_lines():
    sizes = {path.name: len(path.read_text().splitlines()) for path in STORE_DIR.glob("*.py")}
    assert {name: size for name, size in sizes.items() if size > 300} == {}


def test_the_store_keeps_its_public_methods():
    public = {name for name in dir(Store) if not name.startswith("_")}
    assert PUBLIC_METHODS <= public and all(callable(getattr(Store, name)) for name in PUBLIC_METHODS)


def test_the_package_exports_what_it_did():
    assert set(app.store.__all__) == {
        "DB_NAME", "MATCH_END", "MATCH_START", "MIGRATIONS", "TITLE_WIDTH", "BranchInfo", "Conversation",
        "SearchHit", "Status", "Store", "StoredMessage", "UsageTotals", "fts_query", "migrate", "shorten",
        "StoreError", "disk_problem",  # added: why the store cannot be used
        "BatchMode", "BatchRow", "BatchRun", "BatchStore", "InputFingerprint",  # added: orch batch's runs
        "BatchStep",  # added: a chain's steps through provider batches
    }  # fmt: skip
