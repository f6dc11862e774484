"""The words shown behind a routing suggestion carry meaning: no "了", "的" or "我家"."""
from core.complaints import tickets
from core.complaints.tickets import Router
from nlp.stopwords import STOP_WORDS, topical
from tests import factories
from tests.conftest import login


def test_stop_words_are_left_out_of_the_words_behind_a_suggestion(app, client, routing):
    assert topical(["楼道灯", "了", "坏", "的", "我家"]) == ["楼道灯", "坏"]
    assert topical(["302", "30", "有个", "不用", "电梯"]) == ["电梯"]  # numbers and filler say nothing
    estate = factories.estate()
    factories.user("worker", estate.community, username="li")
    flat = factories.flats_of(estate)[0]
    ticket, _ = tickets.file_complaint("我家楼道灯坏了，晚上黑了，老人上楼摔了", "wechat", Router(routing, 0.99),
                                       flat=flat, owner=flat.owners[0])
    assert ticket.key_words and not set(ticket.key_words) & STOP_WORDS
    ticket.key_words = ["了", "楼道灯"]  # a ticket routed before this change
    ticket_id = ticket.id
    login(client, "li")
    page = client.get(f"/console/complaints/{ticket_id}").get_data(as_text=True)
    assert "依据的词：楼道灯<" in page
