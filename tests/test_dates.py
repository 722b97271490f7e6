"""One reader of dates for pages and lists, with one range of plausible years; one reading of encoding labels for
pages and text-like attachments."""

from __future__ import annotations

import datetime as dt

from archive.extract.dates import first_date, make_date
from archive.extract.textual import decode_text
from archive.lists._text import parse_date, strip_date


def test_the_forms_pages_and_lists_write() -> None:
    day = dt.date(2024, 3, 14)
    for text in ("2024-03-14", "2024/3/14", "2024.3.14", "2024年3月14日", "发布：２０２４－０３－１４", "[2024-3-14]"):
        assert first_date(text) == day == parse_date(text), text
    assert first_date("索引号 20240314") is None and first_date("索引号 20240314", compact=True) == day
    assert first_date("x 2024-03-14 y 20230101", compact=True) == day  # a written date before an eight-digit one


def test_only_plausible_dates() -> None:
    assert make_date("2024", "2", "30") is None
    assert first_date("编号 1234-05-06") is None and first_date("3024-01-01") is None
    assert first_date("12024-03-14") is None  # five digits are no year


def test_lists_strip_the_date_from_a_title() -> None:
    assert strip_date("关于2023年法治政府建设的报告 2024年3月14日") == "关于2023年法治政府建设的报告"


def test_attachments_read_labels_as_pages_do() -> None:
    text = "法治政府建设年度报告"
    assert decode_text(text.encode("gbk"), "x-gbk")[:2] == (text, "gb18030")  # an alias, widened
    assert decode_text(text.encode("utf-8"), "windows-1252")[:2] == (text, "utf-8")  # a Western mislabel passed over
