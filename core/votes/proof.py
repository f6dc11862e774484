"""Proofs that leave the server: a receipt's inclusion proof against a signed head, and a vote's masked
proof bundle (`flask votes export-proof`). Both are checked offline by tools/verify_vote_proof.py.

The bundle names no one: flats by their ids, entries by their public fields (choice, channel, times) and
their chain hash, which covers the rest (owner, who entered and collected a paper sheet, its number, the
request key) without revealing it.
"""
from core.votes import merkle
from core.votes.checkpoints import checkpoints, fingerprint
from core.votes.log import person_ordinals, genesis_hash, log_entries
from core.votes.models import BallotEntry, Vote, VoteCheckpoint
from core.votes.tally import electorate_rows

FORMAT = "yishi-vote-proof/v1"


def checkpoint_json(cp: VoteCheckpoint) -> dict:
    return {"tree_size": cp.tree_size, "root": cp.root_hash, "chain_head": cp.chain_head,
            "signed_at": merkle.utc_text(cp.signed_at), "reason": cp.reason, "public_key": cp.public_key,
            "key_fingerprint": fingerprint(cp.public_key), "signature": cp.signature}


def receipt_proof(vote: Vote, entry: BallotEntry) -> dict | None:
    """The entry's leaf and its audit path up to the latest checkpoint that includes it; None if none yet."""
    covering = [cp for cp in checkpoints(vote.id) if cp.tree_size >= entry.seq]
    if not covering:
        return None
    cp = max(covering, key=lambda c: (c.tree_size, c.id))
    leaves = merkle.entry_leaves(log_entries(vote.id)[:cp.tree_size])
    return {"format": FORMAT + "/receipt", "vote": vote.id, "receipt": entry.receipt,
            "leaf_index": entry.seq - 1, "entry": merkle.leaf_fields(entry),
            "path": [h.hex() for h in merkle.inclusion_path(entry.seq - 1, leaves)],
            "checkpoint": checkpoint_json(cp)}


def bundle(vote: Vote) -> dict:
    """Everything needed to recheck a vote without the database, and without a name in it."""
    entries = log_entries(vote.id)
    rows = electorate_rows(vote)
    persons = person_ordinals((flat_id, area, person) for flat_id, area, *_, person in rows)
    flats = [{"flat": flat_id, "area": f"{area:.2f}", "building": str(building), "unit": str(unit),
              **({"person": persons[flat_id]} if flat_id in persons else {})}
             for flat_id, area, building, unit, _label, _person in rows]
    return {
        "format": FORMAT,
        "vote": {"id": vote.id, "matter": vote.matter, "scope": vote.scope_label, "rule": vote.rule,
                 "fractions": vote.fractions, "status": vote.status,
                 "opens_at": merkle.utc_text(vote.opens_at), "closes_at": merkle.utc_text(vote.closes_at),
                 "final_hash": vote.final_hash, "final_tally": vote.final_tally},
        "electorate": {"digest": vote.electorate_hash, "flats": flats},
        "genesis_hash": genesis_hash(vote),
        "entries": [{**merkle.leaf_fields(e), "prev_hash": e.prev_hash} for e in entries],
        "checkpoints": [checkpoint_json(cp) for cp in checkpoints(vote.id)],
        "public_keys": sorted({cp.public_key for cp in checkpoints(vote.id)}),
    }
