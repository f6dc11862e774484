"""A believable demo street: two communities, three estates, about 300 flats, two staff logins."""
import random
from decimal import Decimal

from sqlalchemy import select

from core.accounts import create_user
from core.db import db
from core.register.lookup import community_named, street_named
from core.register.models import Community, Flat, Owner, Street, Unit
from core.register.operations import create_estate

STREET = "雁江街道"
LOGINS = (
    # username, password, role, display name, community, street
    ("worker", "demo-worker-2026", "worker", "李社工", "建设路社区", None),
    ("street", "demo-street-2026", "street", "王科长", None, STREET),
)
# name, community, year, address, buildings, units per building, floors
ESTATES = (
    ("纺织厂宿舍", "建设路社区", 1983, "建设路 12 号", 4, 2, 6),
    ("粮食局家属院", "建设路社区", 1991, "建设路 48 号", 3, 3, 6),
    ("和平小区", "和平社区", 1999, "和平街 7 号", 4, 2, 6),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "秀英桂兰玉兰淑珍凤英建华建国志强明华德明光明春梅海燕丽娟红霞国强文华永红金凤宝珍秀珍福生长林"


def fake_name(rng: random.Random) -> str:
    length = rng.choice((1, 2, 2, 2))
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(length))


def is_seeded() -> bool:
    return db.session.scalar(select(Street).where(Street.name == STREET)) is not None


def seed(router=None, rng_seed: int = 2026) -> dict:
    """Build the demo street once; returns what was made, or {} if it was already there.

    `router` (core.complaints.tickets.Router) routes the demo complaints; without one they wait in triage."""
    from core.complaints.departments import seed_defaults
    from core.complaints.tickets import Router

    seed_defaults()
    if is_seeded():
        return {}
    rng = random.Random(rng_seed)
    street = Street(name=STREET)
    communities = {name: Community(street=street, name=name) for name in ("建设路社区", "和平社区")}
    db.session.add(street)
    db.session.flush()
    seed_defaults(street)  # the demo street's own department list
    flats = 0
    for name, community, year, address, n_buildings, n_units, floors in ESTATES:
        estate = create_estate(
            communities[community], name, year, [str(b) for b in range(1, n_buildings + 1)], address,
            preconditions_met=(year != 1999),  # 和平小区 still lacks a residents' convention
        )
        for building in estate.buildings:
            for u in range(1, n_units + 1):
                unit = Unit(building=building, number=str(u))
                for floor in range(1, floors + 1):
                    for door in (1, 2):
                        area = Decimal(rng.randint(4500, 12000)) / 100
                        flat = Flat(unit=unit, number=f"{floor}0{door}", floor=floor, area=area)
                        rep = Owner(name=fake_name(rng), phone=f"13{rng.randint(0, 999999999):09d}",
                                    id_last4=f"{rng.randint(0, 9999):04d}", is_representative=True)
                        flat.owners.append(rep)
                        if rng.random() < 0.3:  # about a third are co-owned by a spouse
                            flat.owners.append(Owner(name=fake_name(rng)))
                        db.session.add(flat)
                        flats += 1
    db.session.flush()
    users = [create_user(username, password, role, display, community=community_named(community),
                         street=street_named(street_name))
             for username, password, role, display, community, street_name in LOGINS]
    _seed_votes(rng, users[0])
    _seed_complaints(users[0], router or Router())
    _bind_a_simulator_resident()
    _seed_renovation(rng, users[0])
    return {"street": STREET, "estates": len(ESTATES), "flats": flats}


def _beijing(now, days: int, hour: int):
    """`days` from today at `hour` o'clock Beijing time, as UTC: the demo's votes open at 9 and close at 18
    as a community would set them, whatever the hour `make run` is started."""
    from datetime import datetime, time, timedelta

    from core.db import SHANGHAI

    day = now.astimezone(SHANGHAI).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(now.tzinfo)


def _seed_votes(rng: random.Random, worker) -> None:
    """An open estate-wide renovation vote and an open elevator vote for one unit, with paper ballots so far."""
    from datetime import timedelta

    from core.db import db_now
    from core.register.lookup import scope_flats_query
    from core.register.models import Estate
    from core.votes.ballots import Paper, cast
    from core.votes.operations import create_vote, open_vote

    now = db_now(db.session)
    textile = db.session.scalar(select(Estate).where(Estate.name == "纺织厂宿舍"))
    grain = db.session.scalar(select(Estate).where(Estate.name == "粮食局家属院"))
    renovation = create_vote(worker, textile, "纺织厂宿舍纳入老旧小区改造", "headcount_2_3",
                             _beijing(now, -7, 9), _beijing(now, 14, 18),
                             description="改造内容：雨污分流、屋面防水、楼道照明、加装充电桩。同意改造的业主数须达到总户数 2/3 以上。")
    unit = grain.buildings[0].units[1]
    elevator = create_vote(worker, grain, f"{unit.label}加装电梯", "civil_code_major",
                           _beijing(now, -3, 9), _beijing(now, 10, 18), unit=unit,
                           description="本单元加装电梯，按民法典第二百七十八条：参与 2/3 以上，同意 3/4 以上。")
    for vote, share in ((renovation, 0.55), (elevator, 0.5)):
        open_vote(vote.id, worker)
        open_minutes = int((now - vote.opens_at).total_seconds() // 60)
        flats = db.session.scalars(scope_flats_query(vote.estate_id, vote.building_id, vote.unit_id)).all()
        for n, flat in enumerate(rng.sample(flats, int(len(flats) * share))):
            choice = rng.choices(("agree", "disagree", "abstain"), weights=(85, 10, 5))[0]
            collected = _daytime(rng, vote.opens_at, now) or vote.opens_at + timedelta(
                minutes=rng.randint(10, open_minutes - 10))
            cast(vote.id, flat, choice, channel="paper", idempotency_key=f"demo-{vote.id}-{n}", recorded_by=worker,
                 paper=Paper("李社工", collected, f"纸票-{vote.id}-{n + 1:03d}"))


def _daytime(rng: random.Random, start, now):
    """A moment a worker could have collected a sheet door to door: 9:00 to 19:00 Beijing time, between the
    vote's opening and now (None if no try lands there)."""
    from datetime import timedelta

    for _ in range(50):
        moment = _beijing(now, -rng.randint(0, (now - start).days), rng.randint(9, 18)) + timedelta(
            minutes=rng.randint(0, 59))
        if start < moment < now - timedelta(minutes=5):
            return moment
    return None


COMPLAINTS = (
    # estate, flat code, text, what the worker has done since
    ("纺织厂宿舍", "2-1-301", "楼道灯坏了一个多月，晚上摸黑上楼，老人差点摔倒", "resolved"),
    ("纺织厂宿舍", "1-2-502", "楼下烧烤摊每天晚上占道经营，油烟太大，窗户都不敢开", "in_progress"),
    ("纺织厂宿舍", "3-1-201", "家里自来水发黄，有铁锈味", ""),
    ("粮食局家属院", "2-3-101", "改造的时候能不能给单元门口做个坡道，轮椅出不去", ""),
    ("和平小区", "4-2-602", "楼顶漏水，天花板发霉了，找了好几次没人修", ""),
)


def _seed_complaints(worker, router) -> None:
    """A few tickets at different stages, so the queue, the resident's page and the rates have something to show."""
    from core.complaints.tickets import file_complaint, rate, resolve, start
    from core.register.lookup import flat_by_code
    from core.register.models import Estate

    for estate_name, code, text, stage in COMPLAINTS:
        flat = flat_by_code(db.session.scalar(select(Estate).where(Estate.name == estate_name)), code)
        ticket, _ = file_complaint(text, "wechat", router, flat=flat)
        if stage and ticket.department is not None:
            start(ticket, worker, "部门已接单")
            if stage == "resolved":
                resolve(ticket, worker, "已修好")
                rate(ticket, flat.representative, 5, "修得很快")


def _seed_renovation(rng: random.Random, worker) -> None:
    """纺织厂宿舍 is drafting its plan: a demand survey half answered, and the plan's notice out for comment."""
    from core.consultation import demands, notices
    from core.db import db_now
    from core.register.lookup import scope_flats_query
    from core.register.models import Estate

    now = db_now(db.session)
    textile = db.session.scalar(select(Estate).where(Estate.name == "纺织厂宿舍"))
    survey = demands.create_survey(worker, textile, "纺织厂宿舍改造需求征集", _beijing(now, -5, 9),
                                   _beijing(now, 9, 18), demands.menu_text())
    demands.open_survey(survey, worker)
    favourites = [i.position for i in survey.items if i.key in ("elevator", "parking", "elderly")]
    flats = db.session.scalars(scope_flats_query(textile.id)).all()
    key_of = {i.position: i.key for i in survey.items}
    decks = {}
    for flat in rng.sample(flats, len(flats) // 2):
        wanted = list(dict.fromkeys(rng.sample(favourites, rng.randint(1, 3))
                                    + rng.sample(range(1, len(survey.items) + 1), 2)))
        demands.answer(survey, flat.representative, wanted, wanted[:3], _saying(rng, key_of[wanted[0]], flat, decks),
                       "wechat")
    notice = notices.draft(worker, textile, "纺织厂宿舍改造方案（征求意见稿）公示",
                           "一、雨污分流和供水管网改造\n二、屋面防水和楼道照明\n三、新增停车位60个，加装充电桩\n"
                           "四、1栋、2栋试点加装电梯\n公示期内如有意见或异议，请在此留言，或到建设路社区反映。")
    notices.schedule(notice, worker, _beijing(now, -1, 9), _beijing(now, 6, 18))
    notices.advance()


# What households write beside their choices, by their first choice; many write nothing, few write the same.
SAYINGS = {
    "elevator": (
        "我住六楼，腿脚不好，一个月下不了几次楼，盼着早点装电梯。",
        "老伴去年做了膝盖手术，每次去医院都得请邻居帮忙背下楼。",
        "装电梯我同意，但费用怎么分摊要提前说清楚，一楼二楼的采光和噪音也要考虑。",
        "希望电梯能平层入户，半层停的话坐轮椅还是上不去。",
        "单元里七十岁以上的老人有五六个，电梯早装一天是一天。",
        "我家在{floor}楼，买菜提东西上楼太累了，支持加装电梯。",
    ),
    "parking": (
        "晚上八点以后院子里就找不到车位了，消防通道也被占着。",
        "电动车都推进楼道里充电，太危险了，希望建个集中充电棚。",
        "外面的车随便开进来停，希望装个道闸，只让本院的车进。",
        "划停车位的时候别把仅有的那点绿地全占了。",
        "大门口那块空地一直堆杂物，能不能改成停车场？",
    ),
    "elderly": (
        "院里老人多，希望有个能坐下来聊天、下棋的地方，冬天有暖气就更好了。",
        "想要个老年食堂，中午能吃上一口热饭，儿女都不在身边。",
        "楼道里装上扶手吧，上下楼有个抓手，心里踏实。",
        "希望有个卫生室，量个血压、拿点常用药不用跑到医院去。",
    ),
    "": (
        "下水道经常堵，一楼一下大雨就返水，家具都泡坏过。",
        "屋顶漏水好几年了，顶楼的墙皮一块块往下掉。",
        "自来水管太老了，早上放出来的水是黄的，希望把管子都换了。",
        "外墙保温做一下吧，冬天屋里只有十几度。",
        "院里的路坑坑洼洼，下雨全是积水，老人走路容易摔。",
        "垃圾桶就放在{building}栋楼下，夏天味道很大，希望挪远一点。",
        "路灯太暗，晚上回来黑乎乎的，希望多装几盏。",
        "施工的时候别太早开工，院里老人睡眠浅，另外要把材料堆放好。",
        "改造的钱怎么花，希望在院里公示栏和公众号里都公布一下。",
        "前段时间有人偷电动车电瓶，监控能不能多装几个。",
        "院子里乱搭的棚子拆了吧，消防车都开不进来。",
        "燃气管道是八十年代的，一直担心出事，请先检查一下。",
    ),
}


def _saying(rng: random.Random, first_choice_key: str, flat, decks: dict) -> str:
    if rng.random() < 0.35:  # many households answer without a word
        return ""
    key = first_choice_key if first_choice_key in SAYINGS and rng.random() > 0.3 else ""  # or of something else
    if not decks.get(key):  # each saying once before any comes back
        decks[key] = rng.sample(SAYINGS[key], len(SAYINGS[key]))
    return decks[key].pop().format(floor=flat.floor or 1, building=flat.unit.building.number)


def demo_resident():
    """An owner in the demo elevator unit (粮食局家属院 1栋2单元) whose flat has not voted yet."""
    from core.register.models import Building, Estate
    from core.votes.models import Ballot

    voted = select(Ballot.flat_id)
    flat = db.session.scalar(
        select(Flat).join(Unit).join(Building).join(Estate)
        .where(Estate.name == "粮食局家属院", Building.number == "1", Unit.number == "2", Flat.id.not_in(voted))
        .order_by(Flat.id)
    )
    return flat.representative


def simulator_openid(owner) -> str:
    """The openid the WeChat simulator (/dev/wechat) plays an owner under."""
    return f"sim-{owner.id}"


def _bind_a_simulator_resident() -> None:
    """One simulator resident of 纺织厂宿舍 is bound already, so that opening the survey and publishing the
    notice queue pushes to them: `make run`'s scheduler sends them and the simulator shows them sent."""
    from core.residents.models import Binding

    owner = simulator_residents()[-1]
    db.session.add(Binding(openid=simulator_openid(owner), owner=owner, method="code"))
    db.session.flush()


def simulator_residents(count: int = 4) -> list:
    """Owners a newcomer can play in the WeChat simulator: the demo resident and neighbours, and one elsewhere."""
    from core.register.models import Building, Estate

    first = demo_resident()
    neighbours = db.session.scalars(
        select(Owner).join(Flat).where(Flat.unit_id == first.flat.unit_id, Owner.is_representative,
                                       Owner.id != first.id).order_by(Flat.id).limit(count - 2)).all()
    elsewhere = db.session.scalar(
        select(Owner).join(Flat).join(Unit).join(Building).join(Estate)
        .where(Estate.name == "纺织厂宿舍", Owner.is_representative).order_by(Flat.id.desc()).limit(1))
    return [first, *neighbours, elsewhere]
