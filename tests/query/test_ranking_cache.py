"""Rankings are kept between calls, and never outlive a change to the archive."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from storage import queries as q
from storage.archive import Archive

SEEDS = sorted((Path(__file__).resolve().parents[3] / "shared" / "corpus" / "seeds").glob("*.truth.json"))


def test_ranking_follows_a_new_report_version(archive: Archive) -> None:
    record = json.loads(SEEDS[2].read_text(encoding="utf-8"))  # 中卫市审批服务管理局: 2 applications received
    unit = archive.ensure_unit(record["agency"])
    archive.archive_report(unit_id=unit, year=2023, data=b"v1", record=record, parser_version="1")
    first = q.ranking(archive, year=2023, metric="applications_received")
    again = q.ranking(archive, year=2023, metric="applications_received")
    assert first == again
    assert [i["value"] for i in first["ranking"]["items"]] == [2]
    first["ranking"]["items"].clear()  # a caller changing its answer does not change the kept one
    assert q.ranking(archive, year=2023, metric="applications_received")["ranking"]["items"]

    reissued = copy.deepcopy(record)
    reissued["tables"]["applications"]["new_received"]["total"] = 5
    archive.archive_report(unit_id=unit, year=2023, data=b"v2", record=reissued, parser_version="1")
    after = q.ranking(archive, year=2023, metric="applications_received")
    assert [i["value"] for i in after["ranking"]["items"]] == [5]
