"""Pool results as Parquet, one row group per chunk of answers, streamed as the file is written.

Columns are the CSV download's (`export.text.header`), all strings except `ASSIGNMENT:golden`
(boolean) and `ASSIGNMENT:submitted` (timestamp); the writer's output is handed on after every row
group, so the server holds one row group, never the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
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

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def results_parquet(shape: Shape, answers: Iterable[Answer], row_group: int = ROW_GROUP) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = header(shape)
    types = {"ASSIGNMENT:golden": pa.bool_(), "ASSIGNMENT:submitted": pa.timestamp("ms")}
    schema = pa.schema([(n, types.get(n, pa.string())) for n in names])
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
    source = iter(answers)
    while True:
        lines = [flat(shape, a) for a in islice(source, row_group)]
        if not lines:
            break
        columns: list[list[Any]] = [list(c) for c in zip(*lines, strict=True)]
        columns[4] = [v == "true" for v in columns[4]]
        columns[5] = [datetime.fromisoformat(v) if v else None for v in columns[5]]
        columns[6:] = [[v or None for v in c] for c in columns[6:]]  # an empty cell is a missing value
        writer.write_table(pa.Table.from_arrays([pa.array(c, type=schema.field(i).type)
                                                 for i, c in enumerate(columns)], schema=schema))
        yield sink.take()
    writer.close()
    yield sink.take()
