"""Signed checkpoints: a log cut short or rewritten with a recomputed chain passes the chain check, but no
longer `flask votes verify` nor `flask backup verify`; receipts come with an inclusion proof."""
import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, text

from core.db import db, db_now
from core.jobs import checkpoint_votes, close_votes
from core.votes import merkle
from core.votes.ballots import cast
from core.votes.checkpoints import signer_from, write_checkpoint
from core.votes.log import chain_hash, log_entries, verify_vote
from core.votes.models import Ballot, BallotEntry, Vote, VoteCheckpoint
from tests import factories

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_vote_proof.py"


def voted(n=4, **vote_args):
    estate = factories.estate(buildings=("1",), units=1, floors=n // 2)
    vote = factories.vote(estate, **vote_args)
    for i, flat in enumerate(factories.flats_of(estate)[:n]):
        cast(vote.id, flat, "agree" if i % 3 else "disagree", channel="web", idempotency_key=f"k{i}",
             owner=flat.owners[0])
    db.session.commit()
    return vote


def close_now(vote):
    db.session.execute(text("UPDATE vote SET closes_at = :t WHERE id = :id"),
                       {"t": (db_now(db.session) - timedelta(seconds=1)).replace(tzinfo=None), "id": vote.id})
    db.session.commit()


def verify(runner, vote):
    result = runner.invoke(args=["votes", "verify", str(vote.id)])
    return result.exit_code, json.loads(result.output)


def test_rfc6962_tree_heads_and_inclusion_paths():
    # The Certificate Transparency reference vectors (RFC 6962 leaves; trillian's merkle tests).
    data = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57", b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"]
    leaves = [merkle.leaf_hash(d) for d in data]
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root(leaves[:1]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert merkle.root(leaves[:2]).hex() == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
    assert merkle.root(leaves).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    prefixes = merkle.Prefixes(leaves)
    for n in range(0, len(leaves) + 1):
        assert prefixes.root(n) == merkle.root(leaves[:n])
    for n in range(1, len(leaves) + 1):
        for i in range(n):
            path = merkle.inclusion_path(i, leaves[:n])
            assert merkle.root_from_path(i, n, leaves[i], path) == merkle.root(leaves[:n])


def test_the_job_signs_a_growing_log_each_minute_with_a_key_kept_outside_the_database(app, runner):
    vote = voted(4)
    assert checkpoint_votes(app.config) == {vote.id: 4}
    assert checkpoint_votes(app.config) == {}  # nothing new, nothing signed
    key_file = Path(app.config["LOG_SIGNING_KEY_FILE"])
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and b"PRIVATE KEY" in key_file.read_bytes()
    flat = factories.flats_of(vote.estate)[0]
    cast(vote.id, flat, "agree", channel="web", idempotency_key="again", owner=flat.owners[0])
    db.session.commit()
    assert checkpoint_votes(app.config) == {vote.id: 5}
    code, report = verify(runner, vote)
    assert code == 0 and report["ok"] and report["signed_size"] == 5, report
    # The close signs the final log; the public receipts page shows the signed head and the key's fingerprint.
    close_now(vote)
    assert close_votes(app.config) == [vote.id]
    close_cp = db.session.scalars(select(VoteCheckpoint).where(VoteCheckpoint.reason == "close")).one()
    assert close_cp.tree_size == 5 and close_cp.chain_head == db.session.get(Vote, vote.id).final_hash
    assert verify(runner, vote)[0] == 0
    page = app.test_client().get(f"/votes/{vote.id}/receipts").get_data(as_text=True)
    assert close_cp.root_hash in page and signer_from(app.config).fingerprint in page


def test_deleting_the_newest_entry_with_its_ballot_row_is_caught(app, runner):
    vote = voted(4)
    checkpoint_votes(app.config)
    newest = db.session.scalar(select(BallotEntry).where(BallotEntry.vote_id == vote.id, BallotEntry.seq == 4))
    db.session.execute(delete(Ballot).where(Ballot.entry_id == newest.id))
    db.session.execute(delete(BallotEntry).where(BallotEntry.id == newest.id))
    db.session.commit()
    assert verify_vote(db.session.get(Vote, vote.id)).ok  # the chain alone cannot tell
    code, report = verify(runner, vote)
    assert code == 1 and not report["ok"]
    assert any("log truncated" in p and "signed 4 entries, the log now has 3" in p for p in report["problems"]), report


def test_editing_an_entry_and_recomputing_the_chain_is_caught(app, runner):
    vote = voted(4)
    checkpoint_votes(app.config)
    entries = log_entries(vote.id)
    entries[1].choice = "disagree" if entries[1].choice == "agree" else "agree"
    prev = entries[0].hash
    for entry in entries[1:]:  # a forger who knows the hashing recomputes every hash after the edit
        entry.prev_hash = prev
        entry.hash = chain_hash(prev, entry)
        prev = entry.hash
    ballot = db.session.scalar(select(Ballot).where(Ballot.entry_id == entries[1].id))
    ballot.choice = entries[1].choice
    db.session.commit()
    assert verify_vote(db.session.get(Vote, vote.id)).ok  # the chain alone cannot tell
    code, report = verify(runner, vote)
    assert code == 1
    assert any("log rewritten" in p and "first 4 entries" in p for p in report["problems"]), report


def test_a_checkpoint_signed_by_another_key_or_altered_is_refused(app, runner):
    vote = voted(2)
    cp = write_checkpoint(vote, signer_from({"LOG_SIGNING_KEY": Ed25519PrivateKey.generate().private_bytes_raw().hex(),
                                             "LOG_SIGNING_KEY_FILE": "/nonexistent"}))
    signer_from(app.config)  # this installation's key exists
    db.session.commit()
    code, report = verify(runner, vote)
    assert code == 1 and any("unknown key" in p for p in report["problems"]), report
    cp.tree_size = 1  # altering what was signed breaks the signature
    db.session.commit()
    assert any("signature does not verify" in p for p in verify(runner, vote)[1]["problems"])


def test_a_key_from_the_environment_signs(app, runner, monkeypatch):
    key = Ed25519PrivateKey.generate()
    app.config["LOG_SIGNING_KEY"] = key.private_bytes_raw().hex()
    vote = voted(2)
    checkpoint_votes(app.config)
    cp = db.session.scalar(select(VoteCheckpoint))
    assert cp.public_key == key.public_key().public_bytes_raw().hex()
    assert not Path(app.config["LOG_SIGNING_KEY_FILE"]).exists()


def test_a_receipt_comes_with_an_inclusion_proof_checkable_offline(app, tmp_path):
    vote = voted(4)
    checkpoint_votes(app.config)
    entry = log_entries(vote.id)[2]
    client = app.test_client()
    page = client.get(f"/votes/{vote.id}/receipts?code={entry.receipt}").get_data(as_text=True)
    assert "包含证明" in page
    # The proof names the flat and its choice: not for anyone who has the public list of codes.
    assert client.get(f"/votes/{vote.id}/receipts/{entry.receipt}.json").status_code == 404
    from core.register.models import Flat
    from core.residents.links import issue_link
    from tests.conftest import csrf_token

    token = issue_link(db.session.get(Flat, entry.flat_id).owners[0])
    db.session.commit()
    client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})
    response = client.get(f"/votes/{vote.id}/receipts/{entry.receipt}.json")
    assert response.status_code == 200
    proof = response.get_json()
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(proof), encoding="utf-8")
    ok = subprocess.run([sys.executable, str(VERIFIER), "--receipt", str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert entry.receipt in ok.stdout
    proof["entry"]["choice"] = "agree" if proof["entry"]["choice"] != "agree" else "disagree"
    path.write_text(json.dumps(proof), encoding="utf-8")
    bad = subprocess.run([sys.executable, str(VERIFIER), "--receipt", str(path)], capture_output=True, text=True)
    assert bad.returncode == 1 and "not in the signed log" in bad.stdout + bad.stderr


def test_backup_verify_reports_a_cut_log(tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    live = make_app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    with live.app_context():
        upgrade()
        vote_id = voted(4).id
        checkpoint_votes(live.config)
        newest = db.session.scalar(select(BallotEntry).where(BallotEntry.seq == 4))
        db.session.execute(delete(Ballot).where(Ballot.entry_id == newest.id))
        db.session.execute(delete(BallotEntry).where(BallotEntry.id == newest.id))
        db.session.commit()
        result = live.test_cli_runner().invoke(args=["backup", "verify", str(tmp_path / "live.sqlite3")])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert any(p.startswith(f"vote {vote_id}: log truncated") for p in report["problems"]), report
    assert os.path.exists(tmp_path / "instance" / "log_signing_key")


def run_verifier(*args):
    result = subprocess.run([sys.executable, str(VERIFIER), *map(str, args)], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def test_export_proof_verifies_offline_and_tampering_fails(app, runner, tmp_path):
    from core.votes.ballots import Paper

    vote = voted(4)
    worker = factories.user("worker", community_=vote.estate.community)
    flats = factories.flats_of(vote.estate)
    checkpoint_votes(app.config)
    # A paper sheet: its collector's name and sheet number stay out of the bundle.
    cast(vote.id, flats[1], "agree", channel="paper", idempotency_key="paper-1", recorded_by=worker,
         paper=Paper("张收票", db_now(db.session) - timedelta(minutes=5), "A-017"))
    db.session.commit()
    close_now(vote)
    close_votes(app.config)
    out = tmp_path / "proof.json"
    result = runner.invoke(args=["votes", "export-proof", str(vote.id), str(out)])
    assert result.exit_code == 0, result.output
    text_ = out.read_text(encoding="utf-8")
    assert "张收票" not in text_ and "A-017" not in text_
    for flat in flats:
        assert flat.owners[0].name not in text_
    code, output = run_verifier(out)
    assert code == 0 and "VERIFIED" in output, output
    fingerprint = signer_from(app.config).fingerprint
    assert run_verifier(out, "--key", fingerprint)[0] == 0
    assert run_verifier(out, "--key", "0" * 16)[0] == 1

    bundle = json.loads(text_)
    dropped = dict(bundle, entries=bundle["entries"][:-1])
    (tmp_path / "dropped.json").write_text(json.dumps(dropped), encoding="utf-8")
    code, output = run_verifier(tmp_path / "dropped.json")
    assert code == 1 and "log truncated" in output and "signed 5 entries, the bundle has 4" in output, output

    changed = json.loads(text_)
    changed["entries"][0]["choice"] = "agree" if changed["entries"][0]["choice"] != "agree" else "disagree"
    (tmp_path / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
    code, output = run_verifier(tmp_path / "changed.json")
    assert code == 1 and "entries changed: the first 5 entries do not reproduce the head" in output, output

    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    assert run_verifier(tmp_path / "junk.json")[0] == 2


def test_the_signing_key_from_the_environment_is_checked_when_the_app_starts(database_url, tmp_path, monkeypatch):
    import base64

    import pytest

    from core.votes.checkpoints import SigningKeyError
    from tests.conftest import make_app

    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("YISHI_LOG_SIGNING_KEY", "not-a-key")
    with pytest.raises(SigningKeyError, match="YISHI_LOG_SIGNING_KEY"):
        make_app(database_url)
    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv("YISHI_LOG_SIGNING_KEY", base64.b64encode(key.private_bytes_raw()).decode())
    app = make_app(database_url)
    assert signer_from(app.config).public_hex == key.public_key().public_bytes_raw().hex()
    assert not (tmp_path / "instance" / "log_signing_key").exists()


def test_the_schedule_signs_every_minute_and_confirms_results():
    import importlib

    from core.jobs import SCHEDULE

    jobs = {job_id: (target, seconds) for job_id, target, seconds in SCHEDULE}
    assert jobs["votes.checkpoint"] == ("core.jobs:checkpoint_votes", 60)
    assert jobs["votes.confirm_results"][0] == "core.jobs:confirm_results"
    for target, _ in jobs.values():
        module, name = target.split(":")
        assert callable(getattr(importlib.import_module(module), name))


def test_a_proof_with_the_laws_headcount_verifies_and_names_persons_by_number_only(app, runner, tmp_path):
    """A developer's three unsold flats are one person (第九条): the bundle says so with a number, never with the
    register's key (which may be an ID number's hash), and the offline recount agrees with the frozen tally."""
    from core.register.lookup import flat_by_code

    estate = factories.estate(buildings=("1",), units=1, floors=3)
    unsold = [flat_by_code(estate, code) for code in ("1-1-101", "1-1-102", "1-1-201")]
    for flat in unsold:
        flat.holder_kind, flat.person_key = "developer", "id:0123456789abcdef0123456789abcdef"
    db.session.flush()
    vote = factories.vote(estate)
    cast(vote.id, unsold[0], "agree", channel="web", idempotency_key="dev", owner=unsold[0].owners[0])
    other = flat_by_code(estate, "1-1-301")
    cast(vote.id, other, "disagree", channel="web", idempotency_key="o", owner=other.owners[0])
    db.session.commit()
    close_now(vote)
    close_votes(app.config)
    db.session.expire_all()
    assert vote.final_tally["total_count"] == 4 and vote.final_tally["agree_count"] == 1
    out = tmp_path / "proof.json"
    assert runner.invoke(args=["votes", "export-proof", str(vote.id), str(out)]).exit_code == 0
    text_ = out.read_text(encoding="utf-8")
    assert "0123456789abcdef" not in text_
    assert sorted(f.get("person") for f in json.loads(text_)["electorate"]["flats"] if f.get("person")) == [1, 1, 1]
    code, output = run_verifier(out)
    assert code == 0 and "VERIFIED" in output, output
