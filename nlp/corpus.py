"""Labelled messages from a CSV file (UTF-8, a header row), checked before any training starts."""
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

SHIPPED = Path(__file__).parent / "corpus" / "complaints.csv"
# Real citizen messages taken for the street's departments (nlp/citizen.py; nlp/corpus/PROVENANCE.md).
REAL = Path(__file__).parent / "corpus" / "citizen-messages.csv"


class CorpusError(ValueError):
    """A corpus that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Corpus:
    texts: tuple[str, ...]
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def __add__(self, other: "Corpus") -> "Corpus":
        return Corpus(self.texts + other.texts, self.labels + other.labels)

    @property
    def digest(self) -> str:
        """A SHA-256 of the (label, text) pairs, independent of their order."""
        lines = sorted(f"{label}\t{text}" for text, label in zip(self.texts, self.labels))
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for label in self.labels:
            counts[label] = counts.get(label, 0) + 1
        return dict(sorted(counts.items()))


def _decode(data: bytes, name: str) -> str:
    if data[:4] == b"PK\x03\x04":  # a zip: an Excel workbook (.xlsx), whatever the file is called
        raise CorpusError(f"{name} is an Excel workbook, not a CSV: save it as “CSV UTF-8” (or upload the .xlsx "
                          "in the console: 分类模型 → 用本街道的历史工单训练新模型).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            data.decode("gb18030")
            guess = " It looks like GBK/GB18030 (Excel's default for Chinese): save it as “CSV UTF-8”."
        except UnicodeDecodeError:
            guess = ""
        raise CorpusError(f"{name} is not UTF-8 (byte {error.start} cannot be read).{guess}") from None


def read_csv(path: Path, text_cols: list[str], label_col: str) -> Corpus:
    """The labelled messages of a CSV; the text columns are joined with "。". Refuses the whole file
    when a column is missing, the file is not UTF-8, or a row has no label or no text."""
    path = Path(path)
    try:
        content = _decode(path.read_bytes(), path.name)
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror}") from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
    columns = reader.fieldnames or []
    missing = [c for c in [*text_cols, label_col] if c not in columns]
    if missing:
        raise CorpusError(f"{path.name} has no column {', '.join(missing)}; its columns are: "
                          f"{', '.join(columns) or '(none: the file is empty)'}")
    texts, labels, problems = [], [], []
    for line, row in enumerate(reader, start=2):
        text = "。".join(part.strip() for part in (row.get(c) or "" for c in text_cols) if part.strip())
        label = (row.get(label_col) or "").strip()
        if not label:
            problems.append(f"line {line}: no label")
        elif not text:
            problems.append(f"line {line}: no text")
        else:
            texts.append(text)
            labels.append(label)
    if problems:
        listed = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise CorpusError(f"{path.name}: {len(problems)} bad row(s): {listed}")
    if not texts:
        raise CorpusError(f"{path.name} has no rows")
    return Corpus(tuple(texts), tuple(labels))


def shipped() -> Corpus:
    """The team-written corpus of resident messages, labelled by department."""
    return read_csv(SHIPPED, ["text"], "department")


def real() -> Corpus:
    """Real citizen messages labelled with the street's departments (see nlp/corpus/PROVENANCE.md)."""
    return read_csv(REAL, ["text"], "department")


def default() -> Corpus:
    """What the default model learns from: the real messages, and the team's corpus for every department
    (the only examples of short, colloquial complaints, and of the departments real data barely cover)."""
    return real() + shipped()
