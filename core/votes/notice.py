"""The result notice (表决结果公告) for the notice board: the matter, the rule and why it applies, the
frozen tally by headcount and area, per building and unit, the signed head of the closed log, and a QR
code that opens the public receipt check. As data (for the HTML page) and as an A4 PDF (reportlab).
"""
import io
from dataclasses import dataclass
from pathlib import Path

import segno

from core.db import local
from core.votes import checkpoints
from core.votes.consent import HEADCOUNT_RULE, RULES
from core.votes.models import Vote
from core.votes.objections import RESULT_LABELS, for_vote, result_status
from core.votes.tally import GroupTally, breakdown

# Why a rule applies to a matter, for residents reading the notice (the law's words, shortened).
RULE_REASONS = {
    "headcount_2_3": "老旧小区改造须经本小区（或本楼栋、本单元）2/3 以上户数同意后方可实施（资阳市老旧小区改造实施办法）。",
    "civil_code_major": "本事项属于改建、重建建筑物及其附属设施或筹集、使用维修资金等重大事项。依照民法典第二百七十八条，"
                        "须由专有部分面积占比 2/3 以上且人数占比 2/3 以上的业主参与表决，并经参与表决专有部分面积 3/4 以上"
                        "且参与表决人数 3/4 以上的业主同意。",
    "civil_code_ordinary": "依照民法典第二百七十八条，须由专有部分面积占比 2/3 以上且人数占比 2/3 以上的业主参与表决，"
                           "并经参与表决专有部分面积过半数且参与表决人数过半数的业主同意。",
    "custom": "本次表决按发布时公示的规则计票。",
}

CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@dataclass(frozen=True)
class Notice:
    COUNT_RULE = HEADCOUNT_RULE

    vote: Vote
    rule_label: str
    rule_reason: str
    tally: dict
    groups: list[GroupTally]
    head: object  # the close checkpoint (VoteCheckpoint) or None
    fingerprint: str
    result: str  # objection / answering / confirmed
    result_label: str
    objections: list
    receipts_url: str

    @property
    def passed(self) -> bool:
        return bool(self.tally.get("passed"))

    def qr_svg(self) -> str:
        return segno.make(self.receipts_url, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=False)


def rule_text(vote: Vote) -> str:
    if vote.rule in RULES:
        return RULES[vote.rule].label
    f = vote.fractions or {}
    part = f"参与 {f['participation']} 以上，" if f.get("participation") else ""
    return f"自定义：{part}同意{'超过' if f.get('approval_strict') else ''} {f.get('approval')}" \
           f"{'' if f.get('approval_strict') else ' 以上'}"


def notice_for(vote: Vote, receipts_url: str) -> Notice:
    """The notice of a closed vote (the caller makes sure it is closed)."""
    close_heads = [cp for cp in checkpoints.checkpoints(vote.id) if cp.reason == "close"]
    head = close_heads[-1] if close_heads else None
    status = result_status(vote)
    return Notice(vote=vote, rule_label=rule_text(vote), rule_reason=RULE_REASONS.get(vote.rule, RULE_REASONS["custom"]),
                  tally=vote.final_tally or {}, groups=breakdown(vote), head=head,
                  fingerprint=checkpoints.fingerprint(head.public_key) if head else "",
                  result=status, result_label=RESULT_LABELS.get(status, ""), objections=for_vote(vote.id),
                  receipts_url=receipts_url)


def _font() -> str:
    """A Chinese font: the WenQuanYi file `make test` installs, embedded; else reportlab's built-in CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in CJK_FONT_FILES:
        if Path(path).exists():
            if "YishiCJK" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("YishiCJK", path, subfontIndex=0))
            return "YishiCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def notice_pdf(notice: Notice) -> bytes:
    """The notice as one or more A4 pages."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=26, alignment=1, spaceAfter=4 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    vote, t = notice.vote, notice.tally

    class QR(Flowable):
        def __init__(self, data: str, size: float):
            super().__init__()
            self.matrix = [list(row) for row in segno.make(data, error="m").matrix]
            self.size = size
            self.width = self.height = size

        def draw(self):
            n = len(self.matrix) + 8  # four modules of quiet zone each side
            cell = self.size / n
            self.canv.setFillColor(colors.black)
            for y, row in enumerate(self.matrix):
                for x, dark in enumerate(row):
                    if dark:
                        self.canv.rect((x + 4) * cell, self.size - (y + 5) * cell, cell, cell, stroke=0, fill=1)

    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                       ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                       ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))])
    overall = Table([["", "业主人数", "专有面积（㎡）"],
                     ["总数", t.get("total_count"), t.get("total_area")],
                     ["参与表决", t.get("participation_count"), t.get("participation_area")],
                     ["同意", t.get("agree_count"), t.get("agree_area")],
                     ["不同意", t.get("disagree_count"), ""], ["弃权", t.get("abstain_count"), ""]],
                    colWidths=[36 * mm, 36 * mm, 50 * mm], style=grid)
    groups = Table([["范围", "同意 / 业主人数", "参与面积 / 总面积", "同意面积", "是否达到"]] +
                   [[g.label, f"{g.tally.agree_count} / {g.tally.total_count}",
                     f"{g.tally.participation_area} / {g.tally.total_area}", str(g.tally.agree_area),
                     "是" if g.tally.passed else "否"] for g in notice.groups],
                   colWidths=[35 * mm, 30 * mm, 50 * mm, 30 * mm, 25 * mm], style=grid, repeatRows=1)
    story = [
        Paragraph("表决结果公告", title),
        Paragraph(f"<b>表决事项：</b>{vote.matter}", body),
        Paragraph(f"<b>表决范围：</b>{vote.scope_label}", body),
        Paragraph(f"<b>表决时间：</b>{local(vote.opens_at)} 至 {local(vote.closes_at)}（截止于 {local(vote.closed_at)}）", body),
        Paragraph(f"<b>表决规则：</b>{notice.rule_label}", body),
        Paragraph(f"<b>适用理由：</b>{notice.rule_reason}", body),
        Spacer(1, 4 * mm),
        Paragraph(f"<b>表决结果：{'通过' if notice.passed else '未通过'}</b>", ParagraphStyle("res", parent=body, fontSize=15, leading=22)),
        Spacer(1, 2 * mm),
        # The QR code beside the tally, so that a small estate's notice is one sheet.
        Table([[overall, [QR(notice.receipts_url, 34 * mm), Paragraph("扫码核对回执码", small)]]],
              colWidths=[134 * mm, 40 * mm], style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                                              ("ALIGN", (1, 0), (1, 0), "CENTER")])),
        Paragraph(notice.COUNT_RULE, small), Spacer(1, 4 * mm),
        Paragraph("<b>分楼栋、分单元</b>", body), Spacer(1, 2 * mm), groups, Spacer(1, 4 * mm),
        Paragraph(f"<b>异议期（询异）：</b>至 {local(vote.objection_ends_at)}。如认为本户表决意见记录有误，请在此前通过"
                  "“议事”公众号或表决页面提出，社区工作人员将公开答复。", body),
        Paragraph(f"<b>结果状态：</b>{notice.result_label}", body),
        Spacer(1, 4 * mm),
    ]
    if notice.head is not None:
        story += [Paragraph(f"截止时签名的日志头：共 {notice.head.tree_size} 条；默克尔树根 {notice.head.root_hash}；"
                            f"末条哈希 {notice.head.chain_head}；签名公钥指纹 {notice.fingerprint}", small)]
    story += [Paragraph(f"回执核对：{notice.receipts_url}", small)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=f"表决结果公告 {vote.matter}", author="议事").build(story)
    return out.getvalue()
