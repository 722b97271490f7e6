"""Recognise page chrome (share bars, info lines, footers, breadcrumbs, stray file names) line by line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

ATTACHMENT_EXTENSIONS = ("doc", "docx", "wps", "pdf", "xls", "xlsx", "et", "zip", "rar", "ofd")
_EXT = "|".join(ATTACHMENT_EXTENSIONS)

# Matched against the NFKC form of a line, so full- and half-width punctuation need not both be listed.
# Footer and widget words anywhere in a short line, in two parts: none of the CJK characters or symbols
# has another case, so that part needs no IGNORECASE and the regex engine can skip ahead to the
# characters that start its words; each Latin word holds a "p", which a substring test looks for first.
_ANYWHERE = re.compile(
    r"大汉版通|网站标识码|公网安备|公安备案|版权所有|©"
    r"|字\s*[号体]\s*:?\s*[\[【(]?\s*大\s*中\s*小"
    r"|扫一扫.{0,12}(手机|二维码|打开|查看)"
)
_ANYWHERE_LATIN = re.compile(r"Produced\s*By|ICP\s*备|ICP\s*证|Copyright", re.IGNORECASE)
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
_DASHED_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_BARE_DATE = re.compile(r"^\[?\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\]?$")
_VIEW_COUNT = re.compile(r"(?:浏览|点击|阅读|访问)(?:次数|量)?\s*:?\s*\d*\s*(?:次)?\s*$")
# A line made of nothing but these. The atomic group takes, at each place, the first word that fits, as
# deleting the words left to right would, so the line is all buttons exactly when that deletion leaves
# nothing; unlike the deletion it gives up at the first other character.
_BUTTON_ROW = re.compile(
    r"(?>返回顶部|打印本页|打印此页|关闭窗口|关闭本页|收藏本页|加入收藏|打印|关闭|收藏|返回|分享|微信|微博|QQ空间|QQ好友"
    r"|新浪微博|腾讯微博|朋友圈|[\[\]【】|丨·/\s])*+",
    re.IGNORECASE,
)
_FILENAME = re.compile(
    rf"^(?:(?:相关)?附件\s*\d*|附件下载)?\s*[:.、]?\s*\d*\s*[.、]?\s*\S.*\.(?:{_EXT})"
    r"(?:\s*\(\s*\d+(?:\.\d+)?\s*[KMG]?B?\s*\))?$",
    re.IGNORECASE,
)
# Blocks of compatibility characters that Chinese pages use (Latin-1 symbols, general punctuation,
# letterlike and number forms, circled numbers, CJK symbols, enclosed and compatibility ideographs,
# vertical and small forms, half- and full-width forms), each mapped to its own NFKC form.
_COMPAT_BLOCKS = (
    (0x00A0, 0x00FF),
    (0x2000, 0x206F),
    (0x2100, 0x218F),
    (0x2460, 0x24FF),
    (0x3000, 0x303F),
    (0x3200, 0x33FF),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE6F),
    (0xFF00, 0xFFEF),
)
_COMPAT_FORMS = {
    ch: form
    for first, last in _COMPAT_BLOCKS
    for ch in map(chr, range(first, last + 1))
    if (form := unicodedata.normalize("NFKC", ch)) != ch
}
_COMPAT_CHARS = re.compile("[" + "".join(map(re.escape, _COMPAT_FORMS)) + "]")
_ATTACHMENT_LABEL = re.compile(r"^(?:(?:相关)?附件\s*\d*|附件下载|下载附件)\s*:?$")


def fold(line: str) -> str:
    """The comparison form of a line: NFKC, stripped."""
    # NFKC decomposes character by character before it reorders marks and composes, so putting each
    # character's own NFKC form in its place first leaves the result as it is. It spares the slow path
    # on a paragraph whose only non-NFKC characters are full-width punctuation, the usual Chinese text.
    if unicodedata.is_normalized("NFKC", line):
        return line.strip()
    return unicodedata.normalize("NFKC", _COMPAT_CHARS.sub(_compat_form, line)).strip()


def _compat_form(match: re.Match[str]) -> str:
    return _COMPAT_FORMS[match.group()]


def is_chrome(line: str) -> bool:
    """True when a line is page furniture, never report text."""
    return _is_chrome_folded(fold(line))


def is_filename_line(line: str) -> bool:
    """A line that only names an attached file (or only says 附件:), shown next to a download link."""
    return _is_filename_folded(fold(line))


class LineJudge:
    """is_chrome and is_filename_line for the lines of one page: a body line is judged while scoring and
    again when the text is cut, and NFKC of a long paragraph is the costly part, so each text is folded
    and judged once. Meant to live as long as one page's extraction."""

    __slots__ = ("_chrome", "_filename", "_folded")

    def __init__(self) -> None:
        self._folded: dict[str, str] = {}
        self._chrome: dict[str, bool] = {}
        self._filename: dict[str, bool] = {}

    def fold(self, line: str) -> str:
        folded = self._folded.get(line)
        if folded is None:
            folded = self._folded[line] = fold(line)
        return folded

    def is_chrome(self, line: str) -> bool:
        verdict = self._chrome.get(line)
        if verdict is None:
            verdict = self._chrome[line] = _is_chrome_folded(self.fold(line))
        return verdict

    def is_filename_line(self, line: str) -> bool:
        verdict = self._filename.get(line)
        if verdict is None:
            verdict = self._filename[line] = _is_filename_folded(self.fold(line))
        return verdict


def _is_chrome_folded(text: str) -> bool:
    if not text:
        return True
    short = len(text) <= _SHORT_LIMIT
    # Length tests come first: they are free, while the patterns would scan a long paragraph for nothing.
    if short and (_has_footer_words(text) or _SHORT_START.match(text)):
        return True
    if _RELATED_HEADER.match(text) or _BARE_DATE.match(text) or _DATE_ONLY_INFO.match(text):
        return True
    if len(text) <= 40 and _VIEW_COUNT.search(text) and _DASHED_DATE.search(text):
        return True
    if len(text) <= 120 and _INFO_WORDS.search(text) and _ANY_DATE.search(text):
        return True  # 时间：2024-03-25 来源：… — an info line however it starts
    # A row of buttons such as 【返回顶部】 【打印本页】 【关闭窗口】 leaves nothing once its words go.
    return len(text) <= 60 and _BUTTON_ROW.fullmatch(text) is not None


def _has_footer_words(text: str) -> bool:
    if _ANYWHERE.search(text):
        return True
    return ("p" in text or "P" in text) and _ANYWHERE_LATIN.search(text) is not None


def _is_filename_folded(text: str) -> bool:
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
