import pytest

from pipeline.read import ReadError, read


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
