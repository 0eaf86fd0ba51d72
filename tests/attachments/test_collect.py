"""Each kind of attachment, as the parts a message gets."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.attachments import Limits, collect, describe
from app.errors import UsageError
from tests.support.attachment_files import GIF, JPEG, PNG, WEBP, make_pdf
from tests.support.llm_server import LLMServer, Reply


async def test_a_text_file_is_a_file_part_with_its_path_and_type(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes\nsome text\n")
    [part] = await collect(["notes.md"], base_dir=tmp_path)
    assert (part.kind, part.name, part.text, part.media_type) == ("file", "notes.md", "# Notes\nsome text\n",
                                                                   "text/markdown")  # fmt: skip


async def test_a_glob_takes_every_match_in_name_order(tmp_path: Path) -> None:
    for name in ("b.py", "a.py", "c.txt"):
        (tmp_path / name).write_text(name)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.py").write_text("d")
    parts = await collect(["**/*.py"], base_dir=tmp_path)
    assert [p.name for p in parts] == ["a.py", "b.py", "sub/d.py"]
    with pytest.raises(UsageError, match=r"no file matches \*\.rs"):
        await collect(["*.rs"], base_dir=tmp_path)


async def test_a_folder_is_its_text_files_with_gitignore_respected(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "src" / "build").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref")
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    (root / "src" / ".gitignore").write_text("secret.txt\n")
    (root / "README").write_text("read me")
    (root / "debug.log").write_text("noise")
    (root / "src" / "main.py").write_text("print(1)")
    (root / "src" / "secret.txt").write_text("hidden")
    (root / "src" / "build" / "out.py").write_text("built")
    (root / "src" / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    (root / "logo.png").write_bytes(PNG)
    parts = await collect(["proj"], base_dir=tmp_path)
    assert [p.name for p in parts] == ["proj/.gitignore", "proj/README", "proj/src/.gitignore", "proj/src/main.py"]
    assert all(p.kind == "file" for p in parts)


async def test_a_folder_past_a_limit_is_refused_with_the_option_that_raises_it(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"f{i}.txt").write_text("x" * 100)
    with pytest.raises(UsageError, match="more than 3 files") as caught:
        await collect(["."], base_dir=tmp_path, limits=Limits(max_files=3))
    assert "--max-files" in (caught.value.hint or "")
    with pytest.raises(UsageError, match="more than 200 B"):
        await collect(["."], base_dir=tmp_path, limits=Limits(max_bytes=200))
    assert len(await collect(["."], base_dir=tmp_path, limits=Limits(max_files=5))) == 5


async def test_a_pdf_is_its_text_with_page_markers(tmp_path: Path) -> None:
    (tmp_path / "paper.pdf").write_bytes(make_pdf(["first page words", "second page words"]))
    [part] = await collect(["paper.pdf"], base_dir=tmp_path)
    assert part.kind == "file" and part.media_type == "application/pdf"
    assert part.text == "[page 1]\nfirst page words\n\n[page 2]\nsecond page words"


@pytest.mark.parametrize(("data", "media_type"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"),
                                                  (WEBP, "image/webp")])  # fmt: skip
async def test_an_image_is_its_bytes_and_type_judged_by_its_magic_bytes(
    tmp_path: Path, data: bytes, media_type: str
) -> None:
    (tmp_path / "picture.dat").write_bytes(data)  # the suffix says nothing
    [part] = await collect(["picture.dat"], base_dir=tmp_path)
    assert (part.kind, part.media_type, part.data, part.name) == ("image", media_type, data, "picture.dat")


async def test_a_binary_file_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x7fELF\x00\x00\x00")
    (tmp_path / "fake.png").write_bytes(b"not a png at all \x00")
    with pytest.raises(UsageError) as caught:
        await collect(["x.bin"], base_dir=tmp_path)
    assert caught.value.message == "x.bin is binary: not attached"
    with pytest.raises(UsageError, match=r"fake\.png is binary"):
        await collect(["fake.png"], base_dir=tmp_path)
    with pytest.raises(UsageError, match="no such file: gone.txt"):
        await collect(["gone.txt"], base_dir=tmp_path)


async def test_a_web_page_served_on_loopback_is_its_readable_text() -> None:
    article = "Attachments let a model read what the user points at. " * 6
    page = (f"<html><head><title>T</title></head><body><nav>Home | About | Login</nav>"
            f"<article><h1>On attaching</h1><p>{article}</p></article><footer>© footer</footer></body></html>")
    with LLMServer() as server:
        server.script(
            Reply(200, {"content-type": "text/html; charset=utf-8"}, page.encode()),
            Reply(200, {"content-type": "text/plain"}, b"plain words"),
            Reply(200, {"content-type": "image/png"}, PNG),
            Reply(200, {"content-type": "application/zip"}, b"PK\x03\x04"),
            Reply(404, {"content-type": "text/plain"}, b"gone"),
        )
        async with httpx.AsyncClient() as client:
            url = server.url + "/page"
            html, text, image = await collect([url, url, url], base_dir=Path("."), fetch=client)
            with pytest.raises(UsageError, match="is application/zip: not attached"):
                await collect([url], base_dir=Path("."), fetch=client)
            with pytest.raises(UsageError, match="HTTP 404"):
                await collect([url], base_dir=Path("."), fetch=client)
    assert html.kind == "file" and html.name == url and html.media_type == "text/html"
    assert "Attachments let a model read" in html.text and "Login" not in html.text
    assert (text.text, text.media_type) == ("plain words", "text/plain")
    assert (image.kind, image.media_type, image.data) == ("image", "image/png", PNG)


async def test_an_mcp_resource_needs_the_sessions_servers_and_a_url_needs_a_client() -> None:
    with pytest.raises(UsageError, match="no MCP servers in this session"):
        await collect(["mcp://files/readme"], base_dir=Path("."))
    with pytest.raises(UsageError, match="no network client"):
        await collect(["https://example.org/"], base_dir=Path("."))


async def test_describe_names_each_attachment_with_its_size_and_the_estimate(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x" * 2048)
    (tmp_path / "p.png").write_bytes(PNG)
    parts = await collect(["a.txt", "p.png"], base_dir=tmp_path)
    assert describe(parts) == f"a.txt 2.0 KB · p.png {len(PNG)} B · ~{512 + 2 + 1600:,} tokens"
