"""A folder of model files and a pointer to the promoted one; processes pick up a promotion by themselves.

Every web worker and the scheduler hold a ModelStore on the same folder. `promote` rewrites the
pointer file atomically; `current` compares the pointer's content with what it loaded and reloads
when another process has promoted a new model. A model that fails to load leaves the old one in use.
"""
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from nlp.model import Classifier, ModelFileError

log = logging.getLogger("yishi.nlp")

POINTER = "current.json"
LAST_RETRAINING = "last-retraining.json"


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pointer-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


class ModelStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._loaded: tuple[str, Classifier] | None = None  # (pointer content, model)

    def _pointer(self) -> str:
        try:
            return (self.directory / POINTER).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def current(self) -> Classifier | None:
        """The promoted model (loaded once, reloaded after a promotion), or None if none was promoted."""
        pointer = self._pointer()
        loaded = self._loaded
        if loaded is not None and loaded[0] == pointer:
            return loaded[1]
        if not pointer:
            return None
        with self._lock:
            if self._loaded is not None and self._loaded[0] == pointer:
                return self._loaded[1]
            try:
                model = Classifier.load(self.directory / json.loads(pointer)["file"])
            except (ModelFileError, ValueError, KeyError) as error:
                log.error("cannot load the promoted model (%s); keeping the one in use", error)
                return self._loaded[1] if self._loaded else None
            self._loaded = (pointer, model)
            log.info("loaded model %s", model.version)
            return model

    def promote(self, model: Classifier) -> Path:
        """Save the model in the store and make it the current one; returns its file."""
        path = self._file_for(model)
        model.save(path)
        self._point_at(path, model)
        return path

    def promote_file(self, source: Path) -> Classifier:
        """Copy a model file made elsewhere into the store and promote it (refused if unreadable)."""
        model = Classifier.load(source)
        target = self._file_for(model)
        if Path(source).resolve() != target.resolve():
            shutil.copyfile(source, target)
        self._point_at(target, model)
        return model

    def _file_for(self, model: Classifier) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / f"model-{model.version}.joblib"

    def _point_at(self, path: Path, model: Classifier) -> None:
        _write_atomically(self.directory / POINTER,
                          json.dumps({"file": path.name, "version": model.version}, ensure_ascii=False))

    def record_retraining(self, summary: dict) -> None:
        """Keep the latest retraining's comparison, for the console."""
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.directory / LAST_RETRAINING, json.dumps(summary, ensure_ascii=False, indent=1))

    def last_retraining(self) -> dict | None:
        try:
            return json.loads((self.directory / LAST_RETRAINING).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
