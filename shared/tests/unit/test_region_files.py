"""A region pack is a folder of TOML files merged into one document."""
from __future__ import annotations

from pathlib import Path

import pytest
from relief_shared.regions import RegionPacks, merged_toml


def test_every_shipped_pack_loads_from_its_folder() -> None:
    packs = RegionPacks.load()
    assert {"fuxin-haizhou", "chongqing-yubei", "wenzhou-dongtou"} <= set(packs.codes())


def test_files_merge_and_a_table_defined_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text('code = "x"\n[parameters.a]\nunit = "u"\n', "utf-8")
    (tmp_path / "more.toml").write_text('[parameters.b]\nunit = "v"\n', "utf-8")
    assert merged_toml(tmp_path) == {"code": "x", "parameters": {"a": {"unit": "u"}, "b": {"unit": "v"}}}
    (tmp_path / "twice.toml").write_text('[parameters.a]\nunit = "w"\n', "utf-8")
    with pytest.raises(ValueError, match="parameters.a.unit is defined twice"):
        merged_toml(tmp_path)
