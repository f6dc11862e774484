"""The classifier inside the app: each process's model store, the router built from it, and `flask nlp`."""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.complaints import duplicates
from core.complaints.tickets import Router, corrections
from core.db import db
from nlp.corpus import Corpus, CorpusError, default, read_csv
from nlp.intents import TABLES
from nlp.model import Classifier, ModelFileError
from nlp.store import ModelStore
from nlp.training import evaluate, retrain, train

nlp = AppGroup("nlp", help="The complaint classifier: train, evaluate, retrain, promote.")


def init_app(app):
    models = app.extensions["yishi.models"] = ModelStore(Path(app.config["NLP_MODEL_DIR"]))
    # Load the promoted model now, not in the first complaint's 5-second reply.
    current = models.current()
    if current is not None:
        current.predict("预热")
    duplicates.similarity("预热", "预热")  # the same-problem check's vocabulary, fitted once per process
    app.cli.add_command(nlp)


def store() -> ModelStore:
    return current_app.extensions["yishi.models"]


def router() -> Router:
    """The classifiers promoted now, the default and each street's (picked up after a promotion by another
    process), the threshold, and the emergencies' deadline and duty staff."""
    config = current_app.config
    models = store()
    return Router(models.current(), config["ROUTING_THRESHOLD"], config.get("URGENT_DEADLINE_HOURS", 2),
                  tuple(config.get("URGENT_DUTY_OPENIDS", ())), by_street=models.current)


def _corpus(csv_path: Path, text_cols, label_col) -> Corpus:
    try:
        return read_csv(csv_path, list(text_cols), label_col)
    except CorpusError as error:
        raise click.ClickException(str(error)) from None


def _scores(scores: dict | None) -> dict | None:
    return scores and {k: v for k, v in scores.items() if k != "confusion"}


@nlp.command("train")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--text-col", "text_cols", multiple=True, required=True, help="May be given twice; joined.")
@click.option("--label-col", required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The model file.")
@click.option("--promote", is_flag=True, help="Also make it the model the app uses.")
@click.option("--refit/--no-refit", default=True, show_default=True,
              help="After scoring on the held-out quarter, fit again on all the messages (the scores, of the "
                   "three-quarter model, are then the estimate); --no-refit keeps the scored model itself.")
def nlp_train(csv_path, text_cols, label_col, out, promote, refit):
    """Train on a labelled CSV (UTF-8, header row); scores on a held-out quarter go into the model file, and
    the saved model is then fitted on all of it (unless --no-refit)."""
    try:
        model = train(_corpus(csv_path, text_cols, label_col), source=csv_path.name,
                      threshold=current_app.config["ROUTING_THRESHOLD"], refit=refit)
    except CorpusError as error:
        raise click.ClickException(str(error)) from None
    model.save(out)
    if promote:
        store().promote_file(out)
    click.echo(json.dumps({"model": str(out), "version": model.version, "promoted": promote,
                           "fitted_on": model.meta["fitted_on"], "training_examples": model.meta["training_examples"],
                           "held_out": _scores(model.meta["held_out"])}, ensure_ascii=False))


@nlp.command("evaluate")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--text-col", "text_cols", multiple=True, required=True)
@click.option("--label-col", required=True)
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Routing threshold to report coverage and precision at (default: ROUTING_THRESHOLD).")
def nlp_evaluate(model_path, csv_path, text_cols, label_col, threshold):
    """Print one JSON object: accuracy, macro_f1, per-label F1, the confusion matrix, and `routing`: the share
    of messages the threshold sends straight to a department (coverage) and how many of those are right."""
    if threshold is None:
        threshold = current_app.config["ROUTING_THRESHOLD"]
    try:
        model = Classifier.load(model_path)
        corpus = _corpus(csv_path, text_cols, label_col)
        scores = evaluate(model, corpus, threshold=threshold)
    except (ModelFileError, CorpusError) as error:
        raise click.ClickException(str(error)) from None
    if corpus.digest in (model.meta.get("data_digest"), model.meta.get("training_digest")):
        scores["warning"] = ("the model was trained on these very messages: its scores here say nothing about "
                             "messages it has not seen (see held_out in `flask nlp status` or the model's meta)")
    click.echo(json.dumps(scores, ensure_ascii=False))


@nlp.command("retrain")
def nlp_retrain():
    """Train a candidate on the default corpus plus workers' re-routings; promote it if no worse."""
    texts, labels = corrections()
    db.session.rollback()  # nothing to write; release the read before the long training
    try:
        result = retrain(default(), Corpus(texts, labels), store().current(),
                         threshold=current_app.config["ROUTING_THRESHOLD"])
    except CorpusError as error:
        raise click.ClickException(str(error)) from None
    if result.promote:
        path = store().promote(result.candidate)
    else:
        path = store().directory / f"candidate-{result.candidate.version}.joblib"
        result.candidate.save(path)
    summary = {**result.summary(), "corrections": len(texts), "file": path.name,
               "candidate_scores": _scores(result.candidate_scores),
               "current_scores": _scores(result.current_scores)}
    store().record_retraining(summary)
    click.echo(json.dumps(summary, ensure_ascii=False))


@nlp.command("promote")
@click.argument("model_path", type=click.Path(dir_okay=False, path_type=Path))
def nlp_promote(model_path):
    """Make MODEL_PATH the model every process uses (they pick it up on their next prediction)."""
    try:
        model = store().promote_file(model_path)
    except ModelFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Promoted {model.version}.")


@nlp.command("install-default")
def nlp_install_default():
    """Build the chat's intent tables if they are missing or outdated (nlp/corpus/utterances.csv), and
    train the default complaint model (real citizen messages and the team's corpus, nlp/corpus/) and
    promote it, unless a model is promoted already."""
    from nlp.intent_training import ensure

    if ensure():
        click.echo(f"Built the chat's intent tables ({TABLES.name}).")
    current = store().current()
    if current is not None:
        click.echo(f"Model {current.version} is in use already.")
        return
    model = train(default(), source="默认语料：真实市民留言加团队编写的社区诉求",
                  threshold=current_app.config["ROUTING_THRESHOLD"])
    store().promote(model)
    click.echo(f"Trained and promoted {model.version} "
               f"(held-out macro-F1 {model.meta['held_out']['macro_f1']:.3f}).")


@nlp.command("status")
def nlp_status():
    """Print the default model's metadata, the streets that route with a model of their own (street id → its name
    and the model's version), and the last retraining, as JSON."""
    from core.register.models import Street

    current = store().current()
    meta = {**current.meta, "held_out": _scores(current.meta.get("held_out"))} if current else None
    streets = {str(sid): {"street": getattr(db.session.get(Street, sid), "name", None), "version": version}
               for sid, version in store().streets().items()}
    click.echo(json.dumps({"current": meta, "streets": streets, "last_retraining": store().last_retraining()},
                          ensure_ascii=False))
    if current is None:
        sys.exit(1)
