"""A street office's own history of tickets (an export of its 12345 or work-order system) trains a candidate
classifier: uploaded and checked here in the web request, trained by the scheduler process (`run_next`),
compared with the model in use on the same held-out messages, and promoted only when a person says so.

Operations flush and never commit, except `run_next`, which commits its progress as it goes so that the
console can show it (training takes minutes).
"""
from pathlib import Path

from sqlalchemy import select

from core import audit
from core.accounts import Role
from core.complaints.models import (
    Complaint,
    Department,
    LabelMapping,
    RoutingCorrection,
    TrainingRun,
)
from core.db import db, db_now
from core.register.models import Community, Estate
from core.workbook import TooManyRows, UnreadableUpload, csv_rows, xlsx_rows
from nlp.corpus import Corpus, CorpusError
from nlp.model import ModelFileError
from nlp.store import ModelStore
from nlp.training import check_trainable, retrain, split

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_UNZIPPED = 100 * 1024 * 1024  # an .xlsx's members, unpacked, together (a bomb is refused unopened)
MAX_COLUMNS = 60


class HistoryRefused(ValueError):
    """An upload, a choice of columns or a promotion that cannot go ahead; the message is for the officer."""


def _rows(filename: str, data: bytes) -> list[list[str]]:
    """The first sheet (or the CSV) as rows of text, header first; bounded in size, rows and columns
    (core.workbook reads within bounds, as for the register)."""
    if len(data) > MAX_BYTES:
        raise HistoryRefused(f"文件超过 {MAX_BYTES // 1048576} MB，请分批上传。")
    name = filename.lower()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):  # 12345 exports are often in Excel's GBK
            try:
                reader = csv_rows(data.decode(encoding), max_columns=MAX_COLUMNS)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise HistoryRefused("无法识别文件编码，请另存为 UTF-8 的 CSV。")
    elif name.endswith(".xlsx"):
        reader = xlsx_rows(data, max_rows=MAX_ROWS + 1, max_columns=MAX_COLUMNS, max_unpacked=MAX_UNZIPPED)
    else:
        raise HistoryRefused("只接受 .xlsx 或 .csv 文件。")
    rows = []
    try:
        for row in reader:
            rows.append(["" if cell is None else str(cell).strip() for cell in row])
            if len(rows) > MAX_ROWS + 1:
                raise TooManyRows
    except TooManyRows:
        raise HistoryRefused(f"超过 {MAX_ROWS} 行，请分批上传。") from None
    except UnreadableUpload as refused:
        raise HistoryRefused(str(refused)) from None
    return rows


# Exports often open with a title line ("2025年工单明细") or blank lines before the header.
HEADER_SEARCH = 10


def _header_at(rows: list[list[str]]) -> int:
    """Where the header is: the first of the opening rows with two or more filled cells."""
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        if sum(1 for cell in row if cell) >= 2:
            return i
    filled = [cell for row in rows[:HEADER_SEARCH] for cell in row if cell]
    if not filled:
        raise HistoryRefused("文件是空的（.xlsx 只读第一个工作表）。")
    raise HistoryRefused(f"文件只有一列（{filled[0][:20]}）：需要内容列和部门列两列，请另存为带这两列的表格"
                         "（.xlsx 只读第一个工作表）。")


def upload(actor, filename: str, data: bytes) -> TrainingRun:
    """Keep an uploaded export and its header; the officer then says which columns hold text and label."""
    rows = _rows(filename or "", data)
    at = _header_at(rows)
    header = [h for h in rows[at] if h]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise HistoryRefused(f"表头有重名的列：{'、'.join(repeated)}。请改成不同的名字再上传。")
    if not any(any(cell for cell in row) for row in rows[at + 1:]):
        raise HistoryRefused("表头下面没有数据。")
    run = TrainingRun(street_id=actor.street_id, created_by_id=actor.id, filename=(filename or "")[-200:],
                      data=data, columns=header)
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "classifier.upload", f"training:{run.id}", f"{filename}: {len(rows) - 1} rows")
    return run


def start(run: TrainingRun, actor, text_columns: list[str], label_column: str, with_corrections: bool) -> None:
    """Queue the training with the chosen columns (text columns are joined); the scheduler takes it up."""
    if run.status != "uploaded":
        raise HistoryRefused("这份数据已经开始训练了。")
    text_columns = [c for c in dict.fromkeys(text_columns) if c]
    if not text_columns or not label_column:
        raise HistoryRefused("请选择内容列和部门列。")
    unknown = [c for c in [*text_columns, label_column] if c not in run.columns]
    if unknown:
        raise HistoryRefused(f"文件里没有这一列：{'、'.join(unknown)}。")
    if label_column in text_columns:
        raise HistoryRefused("部门列不能同时作为内容列。")
    run.text_columns, run.label_column, run.with_corrections = text_columns, label_column, with_corrections
    try:  # say now, not after the scheduler has tried, that these columns cannot train a model
        check_trainable(split(corpus_of(run))[0])  # what the candidate is fitted on: the training part
    except CorpusError as error:
        raise HistoryRefused(f"这两列训练不了模型：{error}") from None
    run.status = "queued"
    db.session.flush()
    audit.record(actor, "classifier.train", f"training:{run.id}", f"{text_columns} → {label_column}")


def corpus_of(run: TrainingRun) -> Corpus:
    """The labelled messages of the upload, with the chosen columns; rows without text or label are skipped."""
    rows = _rows(run.filename, run.data)
    start = _header_at(rows)
    at = {name: i for i, name in enumerate(rows[start]) if name}
    texts, labels = [], []
    for row in rows[start + 1:]:
        def cell(name):
            i = at[name]
            return row[i].strip() if i < len(row) else ""
        text = "。".join(part for part in (cell(c) for c in run.text_columns) if part)
        label = cell(run.label_column)
        if text and label:
            texts.append(text)
            labels.append(label[:60])
    if not texts:
        raise HistoryRefused("选中的列里没有可用的数据。")
    return Corpus(tuple(texts), tuple(labels))


def _corrections(street_id: int | None, labels: set[str]) -> Corpus:
    """The street's workers' re-routings, in the upload's labels: a department is written as the label the
    street maps to it, or as its code where the code is one of the labels. A re-routing to a department no
    label of the upload names, or several do, is left out (it would teach a label the upload does not have,
    or a guess), and so are mappings of labels the upload does not have (kept from an earlier model) and
    other streets' tickets."""
    mapped = {m.label: m.department.code for m in db.session.scalars(
        select(LabelMapping).where(LabelMapping.street_id == street_id, LabelMapping.label.in_(labels)))} \
        if street_id is not None else {}
    names: dict[str, set[str]] = {}  # department code → the upload's labels that send tickets there (as routing does)
    for label in labels:
        names.setdefault(mapped.get(label, label), set()).add(label)
    # A department several labels go to (交通运输 and 环境保护 both to 城管执法) says nothing about which label
    # the worker meant: such re-routings are left out.
    label_of = {code: next(iter(found)) for code, found in names.items() if len(found) == 1}
    query = (select(RoutingCorrection.text, RoutingCorrection.department_code)
             .join(Complaint, Complaint.id == RoutingCorrection.complaint_id)
             .join(Estate, Estate.id == Complaint.estate_id).join(Community, Community.id == Estate.community_id)
             .order_by(RoutingCorrection.id))
    if street_id is not None:
        query = query.where(Community.street_id == street_id)
    rows = [row for row in db.session.execute(query) if row.department_code in label_of]
    return Corpus(tuple(r.text for r in rows), tuple(label_of[r.department_code] for r in rows))


def claim_next() -> TrainingRun | None:
    """The oldest queued run, marked running (the caller commits), or None; two schedulers never take one twice."""
    run = db.session.scalar(select(TrainingRun).where(TrainingRun.status == "queued").order_by(TrainingRun.id)
                            .limit(1).with_for_update(skip_locked=True))
    if run is not None:
        run.status, run.progress, run.started_at = "running", 5, db_now(db.session)
        db.session.flush()
    return run


def run_next(model_dir: Path, threshold: float) -> int | None:
    """Train the oldest queued upload to the end (in the scheduler process); returns its id, or None."""
    run = claim_next()
    db.session.commit()
    if run is None:
        return None

    def progress(percent: int, message: str) -> None:
        run.progress, run.message = percent, message
        db.session.commit()

    store = ModelStore(model_dir)
    try:
        base = corpus_of(run)
        corrections = (_corrections(run.street_id, set(base.labels)) if run.with_corrections
                       else Corpus((), ()))
        progress(20, f"读取了 {len(base)} 条，正在训练……")
        current = store.current(run.street_id)  # the street's model, one throughout, even if another is promoted meanwhile
        result = retrain(base, corrections, current, threshold=threshold)
        progress(80, "训练完成，正在比较……")
        path = store.directory / f"candidate-{result.candidate.version}.joblib"
        result.candidate.save(path)
        current_scores = result.current_scores
        run.result = {
            "candidate": result.candidate.version, "file": path.name, "examples": len(base),
            "corrections": len(corrections), "labels": result.candidate.labels,
            "candidate_scores": result.candidate_scores, "current_scores": current_scores,
            "current": current.version if current else None,
            # A model trained on other labels (the shipped one names departments, a 12345 export names
            # bureaus) cannot score on these messages: say how many labels the two share.
            "shared_labels": len(set(result.candidate.labels) & set(current.labels)) if current else None,
            # Both scored by nlp.training on the same held-out messages, at the threshold in use.
            "routing": {"candidate": result.candidate_scores.get("routing"),
                        "current": current_scores.get("routing") if current_scores else None},
        }
        run.status, run.progress, run.message = "done", 100, "训练完成。"
    except (HistoryRefused, CorpusError, ModelFileError, ValueError) as error:
        db.session.rollback()
        run.status, run.message = "failed", str(error)[:300]
    run.finished_at = db_now(db.session)
    run_id = run.id
    db.session.commit()
    return run_id


def promote(run: TrainingRun, actor, store: ModelStore) -> str:
    """Make the run's candidate the model the run's street routes with (an admin's run without a street: the
    default, for every street without a model of its own); returns its version."""
    if run.status != "done" or not run.result:
        raise HistoryRefused("训练还没有完成。")
    try:
        model = store.promote_file(store.directory / run.result["file"], run.street_id)
    except ModelFileError as error:
        raise HistoryRefused(f"模型文件不能用：{error}") from None
    run.promoted_at = db_now(db.session)
    db.session.flush()
    audit.record(actor, "classifier.promote", f"training:{run.id}", model.version)
    return model.version


def in_use(run: TrainingRun, store: ModelStore) -> bool:
    """Whether the run's model is the one its street (or, for an admin's run, every street) routes with now."""
    current = store.current(run.street_id)
    return bool(run.result) and current is not None and current.version == run.result.get("candidate")


def delete(run: TrainingRun, actor, store: ModelStore) -> None:
    """Delete an upload's data (residents' words are in it) and its candidate model; the row stays, marked
    deleted, as the record the audit log points to. Not while it trains, nor while its model is in use."""
    if run.status in ("queued", "running"):
        raise HistoryRefused("正在训练，完成后才能删除。")
    if in_use(run, store):
        raise HistoryRefused("这份数据训练的模型正在使用，先改回默认模型或启用别的模型，才能删除。")
    if run.result and run.result.get("file"):
        (store.directory / Path(run.result["file"]).name).unlink(missing_ok=True)
    run.data, run.status = b"", "deleted"
    audit.record(actor, "classifier.delete_upload", f"training:{run.id}", run.filename)
    db.session.flush()


def back_to_default(actor, street_id: int, store: ModelStore) -> None:
    """The street routes with the default model again; its own model's file stays (a run can promote it again)."""
    store.back_to_default(street_id)
    audit.record(actor, "classifier.default", f"street:{street_id}", "")


def runs_for(user) -> list[TrainingRun]:
    """The uploads a street officer (their street's) or an admin (all) may see, newest first."""
    query = select(TrainingRun).where(TrainingRun.status != "deleted").order_by(TrainingRun.id.desc()).limit(20)
    if user.role != Role.ADMIN:
        query = query.where(TrainingRun.street_id == user.street_id)
    return db.session.scalars(query).all()


def run_for(user, run_id: int) -> TrainingRun | None:
    run = db.session.get(TrainingRun, run_id)
    if run is None or run.status == "deleted" or (user.role != Role.ADMIN and run.street_id != user.street_id):
        return None
    return run


def mapping_for(street_id: int) -> dict[str, Department]:
    """The street's label → department table."""
    return {m.label: m.department for m in db.session.scalars(
        select(LabelMapping).where(LabelMapping.street_id == street_id))}


def set_mapping(actor, street_id: int, label: str, department: Department | None) -> None:
    """Map a label to a department for the street (None: back to the department whose code is the label)."""
    mapping = db.session.scalar(select(LabelMapping).where(LabelMapping.street_id == street_id,
                                                           LabelMapping.label == label))
    if (mapping.department if mapping is not None else None) == department:
        return  # unchanged: nothing to store or audit
    if department is None:
        if mapping is not None:
            db.session.delete(mapping)
    elif mapping is None:
        db.session.add(LabelMapping(street_id=street_id, label=label[:60], department=department))
    else:
        mapping.department = department
    db.session.flush()
    audit.record(actor, "classifier.mapping", f"street:{street_id}", f"{label} → {department.name if department else '-'}")
