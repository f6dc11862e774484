"""The text a ballot-log entry's hash covers depends on what was decided, never on the time zone a moment
was built in or on how a value was read back."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from core.votes.log import canonical_time, chain_hash, entry_payload
from core.votes.models import BallotEntry

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))  # naive = UTC
texts = st.text(max_size=40)


def spellings(naive_utc: datetime) -> list[datetime]:
    aware = naive_utc.replace(tzinfo=timezone.utc)
    return [naive_utc, aware, aware.astimezone(ZoneInfo("Asia/Shanghai")), aware.astimezone(timezone(timedelta(hours=8))),
            aware.astimezone(timezone(timedelta(hours=-11, minutes=-30)))]


def entry(effective, recorded, **fields) -> BallotEntry:
    values = dict(vote_id=7, seq=3, flat_id=12, choice="agree", channel="paper", owner_id=None, recorded_by_id=2,
                  collected_by="李社工", paper_ref="纸票-001", idempotency_key="k", prev_hash="0" * 64)
    values.update(fields)
    return BallotEntry(effective_at=effective, recorded_at=recorded, **values)


@given(moments, moments, texts, texts, st.integers(1, 2**31 - 1))
def test_the_same_entry_hashes_alike_from_plus_eight_utc_and_naive_utc(effective, recorded, collector, ref, flat):
    hashes = {chain_hash("0" * 64, entry(e, r, collected_by=collector, paper_ref=ref, flat_id=flat))
              for e in spellings(effective) for r in spellings(recorded)}
    assert len(hashes) == 1


@given(moments, st.integers(1, 2**31 - 1))
def test_numbers_read_back_as_other_types_hash_alike(moment, flat):
    plain = entry(moment, moment, flat_id=flat, vote_id=7, seq=3)
    assert entry_payload(plain) == entry_payload(entry(moment, moment, flat_id=str(flat), vote_id="7", seq=3.0))


@given(moments)
def test_canonical_time_is_the_utc_isoformat_the_database_reads_back(moment):
    # Entries hashed before canonical_time from UTC values (every web and chat ballot) keep their hashes.
    aware = moment.replace(tzinfo=timezone.utc)
    assert canonical_time(aware) == aware.isoformat()
    assert canonical_time(aware.astimezone(ZoneInfo("Asia/Shanghai"))) == aware.isoformat()


@given(moments, st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=1)))
def test_different_instants_hash_differently(moment, shift):
    assert chain_hash("0" * 64, entry(moment, moment)) != chain_hash("0" * 64, entry(moment + shift, moment))


def test_the_proxy_a_ballot_was_cast_under_is_covered_and_older_entries_keep_their_text():
    moment = datetime(2026, 11, 26, 8, 0)
    without = entry(moment, moment, channel="wechat", recorded_by_id=None, collected_by="", paper_ref="")
    assert '"proxy"' not in entry_payload(without)  # as every entry was hashed before proxies were named
    under = entry(moment, moment, channel="wechat", recorded_by_id=None, collected_by="", paper_ref="", proxy_id=5)
    other = entry(moment, moment, channel="wechat", recorded_by_id=None, collected_by="", paper_ref="", proxy_id=6)
    assert len({chain_hash("0" * 64, e) for e in (without, under, other)}) == 3
