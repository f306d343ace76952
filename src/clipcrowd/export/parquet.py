"""Pool results as Parquet, one row group per `ROW_GROUP` answers, streamed as the file is written.

Columns are the CSV download's (`export.text.header`), all strings except `ASSIGNMENT:golden`
(boolean) and `ASSIGNMENT:submitted` (timestamp); the writer's output is handed on after every row
group, so the server holds one row group, never the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from clipcrowd.export.pool_answers import Answer, Shape
from clipcrowd.export.text import flat, header

ROW_GROUP = 20_000


class _Sink:
    """A write-only file that keeps what was written since the last `take`."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> list[bytes]:
        """What was written since the last call, as written (not joined: the footer, written last,
        grows with the number of row groups, and a joined copy would double it)."""
        data, self.parts = self.parts, []
        return data


def results_parquet(shape: Shape, chunks: Iterable[list[Answer]], row_group: int = ROW_GROUP) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    names = header(shape)
    types = {"ASSIGNMENT:golden": pa.bool_(), "ASSIGNMENT:submitted": pa.timestamp("ms")}
    schema = pa.schema([(n, types.get(n, pa.string())) for n in names])
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)

    def write(columns: list[list[str]]) -> None:
        arrays = [pa.array(c, pa.string()) for c in columns]
        arrays[4] = pc.equal(arrays[4], "true")
        # ISO text to a timestamp; an empty cell is a missing value
        arrays[5:] = [pc.if_else(pc.equal(a, ""), None, a) for a in arrays[5:]]
        arrays[5] = arrays[5].cast(pa.timestamp("ms"))
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

    # a row group gathers column by column: lists of text, not a list per row (twenty thousand
    # lists that outlive the collector's young generations, and set off full collections)
    columns: list[list[str]] = [[] for _ in names]
    rows = 0
    for chunk in chunks:
        lines = [flat(shape, a) for a in chunk]
        while lines:
            taken = lines[:row_group - rows]
            del lines[:len(taken)]
            for column, cells in zip(columns, zip(*taken, strict=True), strict=True):
                column += cells
            rows += len(taken)
            if rows == row_group:
                write(columns)
                columns, rows = [[] for _ in names], 0
                yield b"".join(sink.take())
    if rows:
        write(columns)
    writer.close()
    yield from sink.take()
