"""Go's text/tabwriter, as kubectl uses it.

kubectl's table printer uses github.com/liggitt/tabwriter (text/tabwriter
plus the RememberWidths flag) with minwidth 6, tabwidth 4, padding 3 and
padchar ' '; `kubectl describe` uses plain text/tabwriter with minwidth 0,
tabwidth 8, padding 2.  This is a port of the real algorithm: text is cut
into tab-terminated cells, a line with a single cell flushes the buffer, and
columns are formatted in blocks of consecutive lines that have a cell in that
column, so the edge cases (short lines breaking a column block, the last cell
of a line never padded) come out as Go prints them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALIGN_RIGHT = 4
DISCARD_EMPTY_COLUMNS = 8
REMEMBER_WIDTHS = 64


@dataclass
class _Cell:
    size: int = 0   # length of the cell text (characters; we work on str)
    width: int = 0  # width in runes
    htab: bool = False


@dataclass
class TabWriter:
    """A buffered writer; call write() any number of times, then flush()."""

    minwidth: int = 6
    tabwidth: int = 4
    padding: int = 3
    padchar: str = " "
    flags: int = REMEMBER_WIDTHS
    _out: list[str] = field(default_factory=list)
    _buf: list[str] = field(default_factory=list)
    _buflen: int = 0
    _lines: list[list[_Cell]] = field(default_factory=lambda: [[]])
    _cell: _Cell = field(default_factory=_Cell)
    _widths: list[int] = field(default_factory=list)
    _maxwidths: list[int] = field(default_factory=list)
    _text: str = ""

    # -- public -------------------------------------------------------------
    def write(self, text: str) -> None:
        n = 0
        for i, ch in enumerate(text):
            if ch in "\t\v\n\f":
                self._append(text[n:i])
                n = i + 1
                ncells = self._terminate_cell(ch == "\t")
                if ch in "\n\f":
                    self._lines.append([])
                    if ch == "\f" or ncells == 1:
                        self.flush()
        self._append(text[n:])

    def flush(self) -> None:
        if self._cell.size > 0:
            self._terminate_cell(False)
        self._text = "".join(self._buf)
        self._format(0, 0, len(self._lines))
        self._buf = []
        self._buflen = 0
        self._lines = [[]]
        self._cell = _Cell()
        self._widths = []

    def set_remembered_widths(self, widths: list[int] | None) -> None:
        self._maxwidths = list(widths or [])

    def getvalue(self) -> str:
        return "".join(self._out)

    # -- internals ----------------------------------------------------------
    def _append(self, s: str) -> None:
        if s:
            self._buf.append(s)
            self._buflen += len(s)
            self._cell.size += len(s)
            self._cell.width += len(s)

    def _terminate_cell(self, htab: bool) -> int:
        self._cell.htab = htab
        line = self._lines[-1]
        line.append(self._cell)
        self._cell = _Cell()
        return len(line)

    def _padding(self, textw: int, cellw: int) -> None:
        if self.padchar == "\t":
            if self.tabwidth == 0:
                return
            cellw = (cellw + self.tabwidth - 1) // self.tabwidth * self.tabwidth
            n = cellw - textw
            self._out.append("\t" * ((n + self.tabwidth - 1) // self.tabwidth))
            return
        self._out.append(self.padchar * (cellw - textw))

    def _write_lines(self, pos: int, line0: int, line1: int) -> int:
        text = self._text
        for i in range(line0, line1):
            line = self._lines[i]
            for j, c in enumerate(line):
                if c.size == 0:
                    if j < len(self._widths):
                        self._padding(c.width, self._widths[j])
                elif self.flags & ALIGN_RIGHT:
                    if j < len(self._widths):
                        self._padding(c.width, self._widths[j])
                    self._out.append(text[pos:pos + c.size])
                    pos += c.size
                else:
                    self._out.append(text[pos:pos + c.size])
                    pos += c.size
                    if j < len(self._widths):
                        self._padding(c.width, self._widths[j])
            if i + 1 == len(self._lines):
                self._out.append(text[pos:pos + self._cell.size])
                pos += self._cell.size
            else:
                self._out.append("\n")
        return pos

    def _format(self, pos: int, line0: int, line1: int) -> int:
        column = len(self._widths)
        this = line0
        while this < line1:
            line = self._lines[this]
            if column >= len(line) - 1:
                this += 1
                continue
            pos = self._write_lines(pos, line0, this)
            line0 = this
            width = self.minwidth
            discardable = True
            while this < line1:
                line = self._lines[this]
                if column >= len(line) - 1:
                    break
                c = line[column]
                w = c.width + self.padding
                if w > width:
                    width = w
                if c.width > 0 or c.htab:
                    discardable = False
                this += 1
            if discardable and self.flags & DISCARD_EMPTY_COLUMNS:
                width = 0
            if self.flags & REMEMBER_WIDTHS:
                if len(self._maxwidths) < len(self._widths):
                    self._maxwidths.extend(self._widths[len(self._maxwidths):])
                k = len(self._widths)
                if len(self._maxwidths) == k:
                    self._maxwidths.append(width)
                elif self._maxwidths[k] > width:
                    width = self._maxwidths[k]
                elif self._maxwidths[k] < width:
                    self._maxwidths[k] = width
            self._widths.append(width)
            pos = self._format(pos, line0, this)
            self._widths.pop()
            line0 = this
            this += 1  # Go's outer `this++`: that line has no cell here
        return self._write_lines(pos, line0, line1)


def kubectl_tabwriter() -> TabWriter:
    """The writer `kubectl get` prints tables with (printers.GetNewTabWriter)."""
    return TabWriter(6, 4, 3, " ", REMEMBER_WIDTHS)


def describe_tabwriter() -> TabWriter:
    """The writer `kubectl describe` uses (tabwriter.Init(out, 0, 8, 2, ' ', 0))."""
    return TabWriter(0, 8, 2, " ", 0)


def tabify(text: str, writer: TabWriter | None = None) -> str:
    """Run `text` through a fresh writer (kubectl's table writer by default)."""
    w = writer or kubectl_tabwriter()
    w.write(text)
    w.flush()
    return w.getvalue()
