"""A folder of model files and pointers to the promoted ones; processes pick up a promotion by themselves.

Every web worker and the scheduler hold a ModelStore on the same folder. The default model (`flask nlp
install-default`, `flask nlp retrain`, `flask nlp promote`) is named by one pointer file; a street office
that promotes a model trained on its own history gets a pointer of its own, and its tickets are routed by
that model while every other street keeps the default. `promote` rewrites a pointer file atomically;
`current` compares the pointer's content with what it loaded and reloads when another process has promoted
a new model. A model that fails to load leaves the old one in use.
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
        self._loaded: dict[str, tuple[str, Classifier]] = {}  # pointer file → (its content, the model)

    @staticmethod
    def _pointer_name(street: int | None) -> str:
        return POINTER if street is None else f"current-street-{int(street)}.json"

    def _pointer(self, name: str) -> str:
        try:
            return (self.directory / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def current(self, street: int | None = None) -> Classifier | None:
        """The model promoted for the street (its own, else the default), or the default without a street;
        loaded once, reloaded after a promotion. None if nothing was promoted."""
        if street is not None:
            own = self._load(self._pointer_name(street))
            if own is not None:
                return own
        return self._load(POINTER)

    def has_own(self, street: int) -> bool:
        """Whether the street routes with a model of its own (not the default)."""
        return bool(self._pointer(self._pointer_name(street)))

    def _load(self, name: str) -> Classifier | None:
        pointer = self._pointer(name)
        loaded = self._loaded.get(name)
        if loaded is not None and loaded[0] == pointer:
            return loaded[1]
        if not pointer:
            return None
        with self._lock:
            loaded = self._loaded.get(name)
            if loaded is not None and loaded[0] == pointer:
                return loaded[1]
            try:
                model = Classifier.load(self.directory / json.loads(pointer)["file"])
            except (ModelFileError, ValueError, KeyError) as error:
                log.error("cannot load the model %s names (%s); keeping the one in use", name, error)
                return loaded[1] if loaded else None
            self._loaded[name] = (pointer, model)
            log.info("loaded model %s (%s)", model.version, name)
            return model

    def promote(self, model: Classifier, street: int | None = None) -> Path:
        """Save the model in the store and make it the current one (of the street, or the default); returns its file."""
        path = self._file_for(model)
        model.save(path)
        self._point_at(path, model, street)
        return path

    def promote_file(self, source: Path, street: int | None = None) -> Classifier:
        """Copy a model file made elsewhere into the store and promote it (refused if unreadable)."""
        model = Classifier.load(source)
        target = self._file_for(model)
        if Path(source).resolve() != target.resolve():
            shutil.copyfile(source, target)
        self._point_at(target, model, street)
        return model

    def streets(self) -> dict[int, str]:
        """The streets that route with a model of their own: street id → the model's version."""
        own = {}
        for path in self.directory.glob("current-street-*.json"):
            try:
                own[int(path.stem.rsplit("-", 1)[1])] = json.loads(path.read_text(encoding="utf-8"))["version"]
            except (ValueError, KeyError, OSError):
                continue
        return dict(sorted(own.items()))

    def back_to_default(self, street: int) -> None:
        """The street routes with the default model again (its own stays on disk)."""
        try:
            (self.directory / self._pointer_name(street)).unlink()
        except FileNotFoundError:
            pass

    def _file_for(self, model: Classifier) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / f"model-{model.version}.joblib"

    def _point_at(self, path: Path, model: Classifier, street: int | None = None) -> None:
        _write_atomically(self.directory / self._pointer_name(street),
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
