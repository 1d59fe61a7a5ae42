"""The portal registry: packaged entries load; every mistake names the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.registry import PACKAGED_DIR, RegistryError, load_registry, portal_to_yaml, url_allowed

GOOD = """portals:
  - id: nx-test
    name: 测试县人民政府
    family: trs
    region_code: "640521"
    units:
      - {name: 测试县人民政府}
      - {name: 测试县教育局, kind: department}
    start_urls: [http://www.test.gov.cn/zwgk/ndbg/]
"""


def write(tmp_path: Path, text: str, name: str = "nx.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_packaged_registry_loads() -> None:
    reg = load_registry(PACKAGED_DIR)
    assert len(reg) >= 3
    for portal in reg:
        assert portal.units and portal.domains and portal.start_urls
        assert all(portal.allows(u) for u in portal.start_urls)


def test_defaults_filled(tmp_path: Path) -> None:
    p = load_registry(write(tmp_path, GOOD)).get("nx-test")
    assert p.domains == ["www.test.gov.cn"]
    assert [u.region_code for u in p.units] == ["640521", "640521"]
    assert p.effective_selectors["body"].startswith("div.TRS_Editor")
    # the entry written back is a valid entry again
    (tmp_path / "again").mkdir()
    again = load_registry(write(tmp_path / "again", portal_to_yaml(p)))
    assert again.get("nx-test") == p


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (("    name: 测试县人民政府\n", "    name: 测试县人民政府\n    colour: red\n"), 4, "colour: unknown key"),
        (("http://www.test.gov.cn/zwgk/ndbg/", "ftp://www.test.gov.cn/"), 9, "not an http(s) URL"),
        (('    region_code: "640521"\n', ""), 2, "region_code: Field required"),
        (("family: trs", "family: dede"), 4, "family"),
        (("    units:\n", '    selectors: {nope: "div"}\n    units:\n'), 6, "unknown selector(s) nope"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, edit: tuple[str, str], line: int, words: str) -> None:
    write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(RegistryError) as exc:
        load_registry(tmp_path)
    message = exc.value.format_message()
    assert message.startswith(f"{tmp_path / 'nx.yaml'}:{line}: portal nx-test: "), message
    assert words in message


def test_duplicate_id_and_bad_yaml(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RegistryError, match="duplicate id"):
        load_registry(tmp_path)
    (tmp_path / "b.yaml").write_text("portals:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"b\.yaml:\d+: not valid YAML"):
        load_registry(tmp_path)


def test_env_expansion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, GOOD.replace("[http://www.test.gov.cn/zwgk/ndbg/]", '["${TEST_PORTAL_ORIGIN}/zwgk/ndbg/"]'))
    with pytest.raises(RegistryError, match="TEST_PORTAL_ORIGIN is not set"):
        load_registry(tmp_path)
    monkeypatch.setenv("TEST_PORTAL_ORIGIN", "http://127.0.0.1:8123")
    assert load_registry(tmp_path).get("nx-test").domains == ["127.0.0.1:8123"]


def test_unknown_portal_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError.__mro__[1], match="unknown portal 'nope'"):
        load_registry(write(tmp_path, GOOD)).get("nope")


def test_url_allowed() -> None:
    assert url_allowed("http://www.nxzw.gov.cn/a.pdf", ["nxzw.gov.cn"])
    assert url_allowed("https://nxzw.gov.cn/a.pdf", ["nxzw.gov.cn"])
    assert not url_allowed("http://evil-nxzw.gov.cn/a.pdf", ["nxzw.gov.cn"])
    assert url_allowed("http://127.0.0.1:8000/x", ["127.0.0.1:8000"])
    assert not url_allowed("http://127.0.0.1:8001/x", ["127.0.0.1:8000"])
    assert not url_allowed("http://localhost:8000/x", ["127.0.0.1:8000"])
    assert not url_allowed("javascript:void(0)", ["127.0.0.1:8000"])
