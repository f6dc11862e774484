"""Demand and satisfaction results as .xlsx, for the worker and the street office."""
from core.consultation.demands import Results as DemandResults
from core.consultation.surveys import Results as SurveyResults
from core.workbook import workbook


def _percent(value) -> str:
    return "" if value is None else f"{value:.0%}"


def demand_xlsx(results: DemandResults) -> bytes:
    """Ranking, per building, elevator demand per unit, and the comments."""
    ranking = [[n, r.item.category_label, r.item.name, r.flats, r.first, r.score]
               for n, r in enumerate(results.items, start=1)]
    per_building = [[r.item.name, *(r.by_building[b] for b in results.buildings)] for r in results.items]
    return workbook(
        ("排名", ["名次", "类别", "项目", "想要的户数", "列为第一的户数", "加权分（3/2/1）"], ranking),
        ("按楼栋", ["项目", *(f"{b}栋" for b in results.buildings)], per_building),
        ("电梯（按单元）", ["单元", "想加装电梯的户数", "单元户数"], [list(row) for row in results.elevator_units]),
        ("补充意见", ["房屋", "意见"], [list(row) for row in results.comments]),
    )


def survey_xlsx(results: SurveyResults) -> bytes:
    """Per question (distribution, 满意率), per building, and the free-text answers."""
    from core.consultation.surveys import SUPPRESSED

    questions = []
    for r in results.questions:
        if r.suppressed:
            spread = SUPPRESSED
        elif r.question.kind == "rating":
            spread = "，".join(f"{n}分 {r.distribution[n]}" for n in (5, 4, 3, 2, 1))
        elif r.question.kind == "choice":
            spread = "，".join(f"{option} {r.distribution[option]}" for option in r.question.options)
        else:
            spread = f"{len(r.texts)} 条文字"
        questions.append([r.question.position, r.question.text, r.answered, spread, _percent(r.satisfaction)])
    texts = [[r.question.text, text] for r in results.questions for text in r.texts]
    return workbook(
        ("各题", ["题号", "问题", "回答数", "分布", "满意率"], questions),
        ("按楼栋", ["楼栋", "答卷数", "满意率"],
         [[f"{b}栋", n, SUPPRESSED if b in results.suppressed_buildings else _percent(s)]
          for b, s, n in results.by_building]),
        ("文字意见", ["问题", "意见"], texts),
    )
