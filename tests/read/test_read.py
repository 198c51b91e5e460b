import os

import pytest

from pipeline.read.reader import SUPPORTED_SUFFIXES, ReadError, Text, read


def test_utf8_bom_crlf_are_normalised(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes(b"\xef\xbb\xbfTitle\r\n\r\nStaff were kind.\r\n")
    t = read(p)
    assert t.text == "Title\n\nStaff were kind.\n"
    assert t.encoding == "utf-8-sig"


def test_cp1252_is_decoded(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes("Children\u2019s services \u2013 good".encode("cp1252"))
    assert read(p).text == "Children\u2019s services \u2013 good"


@pytest.mark.parametrize("content,status", [(b"", "empty"), (b"  \n\n", "empty"), (b"\x00\x01\x02abc", "binary"),
                                            (b"\x81\x8d\x8f\x90\x9d", "undecodable")])
def test_bad_content_gets_a_status(tmp_path, content, status):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(ReadError) as exc:
        read(p)
    assert exc.value.status == status
    assert str(p) in str(exc.value)


def test_missing_unsupported_and_too_large(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read(tmp_path / "nope.txt")
    odd = tmp_path / "x.xyz"
    odd.write_text("hello")
    with pytest.raises(ReadError, match="unsupported"):
        read(odd)
    big = tmp_path / "big.txt"
    big.write_text("word " * 100)
    with pytest.raises(ReadError) as exc:
        read(big, max_bytes=10)
    assert exc.value.status == "too large"


def test_utf16_with_bom_is_text(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes("\ufeffStaff were kind.\r\n".encode("utf-16-le"))
    t = read(p)
    assert t.text == "Staff were kind.\n" and t.encoding == "utf-16"


def test_text_without_pages_maps_no_page(tmp_path):
    p = tmp_path / "r.md"
    p.write_text("Title\n\nStaff were kind.\n")
    t = read(p)
    assert t.pages == () and t.page_at(5) is None


def test_page_at_maps_offsets_to_pages():
    t = Text("aaaa\n\nbbbb\n\ncccc\n", "x.pdf", "0" * 64, "pdf", pages=(0, 6, 6, 12))
    assert [t.page_at(o) for o in (0, 5, 6, 11, 12, 16)] == [1, 1, 3, 3, 4, 4]  # page 2 is empty


def test_every_supported_suffix_has_a_reader(tmp_path):
    assert {".txt", ".md", ".html", ".htm", ".docx", ".pdf"} <= set(SUPPORTED_SUFFIXES)
    page = tmp_path / "R.HTM"
    page.write_text("<p>Staff were kind.</p>")
    assert read(page).text == "Staff were kind.\n"


def test_a_folder_and_an_empty_page_get_a_status(tmp_path):
    with pytest.raises(ReadError) as exc:
        read(tmp_path)
    assert exc.value.status == "unsupported" and "folder" in str(exc.value)
    page = tmp_path / "blank.html"
    page.write_text("<html><head><script>x()</script></head><body> </body></html>")
    with pytest.raises(ReadError) as exc:
        read(page)
    assert exc.value.status == "empty" and str(page) in str(exc.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_permission_denied_is_unreadable(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("Staff were kind.")
    p.chmod(0)
    with pytest.raises(ReadError) as exc:
        read(p)
    assert exc.value.status == "unreadable" and "permission denied" in str(exc.value)


def test_permission_denied_is_unreadable_simulated(tmp_path, monkeypatch):
    # Tests run as root here, where chmod 000 does not stop a read: make open() refuse instead.
    import pipeline.read.reader as read_module
    p = tmp_path / "secret.txt"
    p.write_text("Staff were kind.")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(read_module, "open", refuse, raising=False)
    with pytest.raises(ReadError) as exc:
        read(p)
    assert exc.value.status == "unreadable" and str(exc.value) == f"{p}: permission denied"
