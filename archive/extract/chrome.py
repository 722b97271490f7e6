"""Recognise page chrome (share bars, info lines, footers, breadcrumbs, stray file names) line by line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

ATTACHMENT_EXTENSIONS = ("doc", "docx", "wps", "pdf", "xls", "xlsx", "et", "zip", "rar", "ofd")
_EXT = "|".join(ATTACHMENT_EXTENSIONS)

# Matched against the NFKC form of a line, so full- and half-width punctuation need not both be listed.
_ANYWHERE = re.compile(
    r"Produced\s*By|大汉版通|网站标识码|ICP\s*备|ICP\s*证|公网安备|公安备案|版权所有|Copyright|©"
    r"|字\s*[号体]\s*:?\s*[\[【(]?\s*大\s*中\s*小"
    r"|扫一扫.{0,12}(手机|二维码|打开|查看)",
    re.IGNORECASE,
)
_SHORT_START = re.compile(
    r"^\s*(?:分享到?|当前位置|您现在的位置|你现在的位置|您的位置|你的位置|所在位置|现在的位置"
    r"|主办单位|承办单位|网站主办|技术支持|维护单位|主\s*办|承\s*办"
    r"|上一篇|下一篇|上一条|下一条|上篇|下篇"
    r"|发布日期|发布时间|发表时间|更新时间|发布者|来\s*源|信息来源|文章来源|作\s*者|编\s*辑|责任编辑"
    r"|浏览次数|点击数|点击次数|访问次数|阅读次数|浏览量|阅读量|字\s*号"
    r"|索\s*引\s*号|发布机构|生成日期|成文日期|公开方式|公开范围|主题分类|发文字号|有\s*效\s*性)"
    r"\s*(?::|\t|$|\[)"
)
_SHORT_LIMIT = 160
_RELATED_HEADER = re.compile(r"^(?:相关链接|相关文章|相关新闻|相关阅读|相关信息|相关稿件|相关文件|推荐阅读)\s*:?$")
_DATE_ONLY_INFO = re.compile(r"^(?:日\s*期|时\s*间|更新日期)\s*:\s*[\d\-/.年月日:\s]+$")
_INFO_WORDS = re.compile(r"(?:来\s*源|浏览|点击|作\s*者|字\s*号|发布者)\s*(?:次数|量)?\s*:")
_ANY_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_BARE_DATE = re.compile(r"^\[?\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\]?$")
_VIEW_COUNT = re.compile(r"(?:浏览|点击|阅读|访问)(?:次数|量)?\s*:?\s*\d*\s*(?:次)?\s*$")
_BUTTON_WORDS = re.compile(
    r"返回顶部|打印本页|打印此页|关闭窗口|关闭本页|收藏本页|加入收藏|打印|关闭|收藏|返回|分享|微信|微博|QQ空间|QQ好友"
    r"|新浪微博|腾讯微博|朋友圈|[\[\]【】|丨·/\s]",
    re.IGNORECASE,
)
_FILENAME = re.compile(
    rf"^(?:(?:相关)?附件\s*\d*|附件下载)?\s*[:.、]?\s*\d*\s*[.、]?\s*\S.*\.(?:{_EXT})"
    r"(?:\s*\(\s*\d+(?:\.\d+)?\s*[KMG]?B?\s*\))?$",
    re.IGNORECASE,
)
_ATTACHMENT_LABEL = re.compile(r"^(?:(?:相关)?附件\s*\d*|附件下载|下载附件)\s*:?$")


def fold(line: str) -> str:
    """The comparison form of a line: NFKC, stripped."""
    return unicodedata.normalize("NFKC", line).strip()


def is_chrome(line: str) -> bool:
    """True when a line is page furniture, never report text."""
    text = fold(line)
    if not text:
        return True
    if _ANYWHERE.search(text) and len(text) <= _SHORT_LIMIT:
        return True
    if len(text) <= _SHORT_LIMIT and _SHORT_START.match(text):
        return True
    if _RELATED_HEADER.match(text) or _BARE_DATE.match(text) or _DATE_ONLY_INFO.match(text):
        return True
    if len(text) <= 40 and _VIEW_COUNT.search(text) and re.search(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return True
    if len(text) <= 120 and _INFO_WORDS.search(text) and _ANY_DATE.search(text):
        return True  # 时间：2024-03-25 来源：… — an info line however it starts
    # A row of buttons such as 【返回顶部】 【打印本页】 【关闭窗口】 leaves nothing once its words go.
    return len(text) <= 60 and not _BUTTON_WORDS.sub("", text)


def is_filename_line(line: str) -> bool:
    """A line that only names an attached file (or only says 附件:), shown next to a download link."""
    text = fold(line)
    return len(text) <= 150 and bool(_FILENAME.match(text) or _ATTACHMENT_LABEL.match(text))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


def drop_title_lines(lines: Sequence[str], title: str, window: int = 4) -> list[str]:
    """Drop the title where a page repeats it at the top of the body: in full, cut short, or split in two."""
    key = _squash(title)
    if len(key) < 4:
        return list(lines)
    out = list(lines)
    # Only the run of lines before the first kept one: a signature at the end of a short body often
    # equals the title's issuer part and must stay.
    for _ in range(window):
        if not out:
            break
        here = _squash(out[0])
        nxt = _squash(out[1]) if len(out) > 1 else ""
        if here == key or (len(here) >= 6 and (key.startswith(here) or key.endswith(here))):
            del out[0]
        elif nxt and here + nxt == key:
            del out[:2]
        else:
            break
    return out
