"""Writes utterances.csv, the chat intents' labelled set: hand-written sentences plus template compositions.

    .venv/bin/python nlp/corpus/make_utterances.py        (deterministic: the same file every run)

The CSV is what ships and what the model trains on; this script is how the team wrote it, kept so that a
sentence added here (or a slot value) lands in the file the same way. Hand-written sentences are the
core: several ways residents say each thing, short and long, 咋/啥/嘛/哈, typos of the pinyin input
method and of speech recognition. Templates add the combinations (this facility × this stance) that
teach the model that 电梯 alone decides nothing; each template has several wordings so that the model
cannot learn one skeleton. One sentence in four is then dressed as a phone would deliver it (full-width
digits, the 。 and 嗯， of speech recognition, a homophone typo) instead of, never besides, its plain form,
so that a held-out sentence never has its twin in training.
"""
import csv
import random
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "utterances.csv"
SEED = 20261126


def lines(block: str) -> list[str]:
    return [line.strip() for line in block.strip().splitlines() if line.strip() and not line.strip().startswith("#")]


# ---------------------------------------------------------------------------------------------------------
# Slots shared by templates
# ---------------------------------------------------------------------------------------------------------

PLACES = lines("""
3栋
5号楼
我们楼
我们单元
楼下
小区门口
4栋2单元
我家楼上
东门那里
后面那栋楼
单元门口
车棚那边
2号楼3单元
我们这个院子
12栋
六栋
七号楼
小区里
我家门口
楼顶
地下室
""")

PROBLEMS = lines("""
楼道灯坏了
楼道灯不亮了
声控灯不亮
水管漏水
下水道堵了
下水道反水
电梯坏了
电梯又停了
电梯老是卡住
垃圾没人清
垃圾堆成山了
路灯不亮
有人飞线充电
屋顶漏水
墙皮一块块往下掉
井盖没了
停水了
又停电了
暖气不热
门禁坏了
化粪池冒出来了
有人占消防通道
装修太吵了
有人乱搭乱建
树枝压着电线
外墙瓷砖往下掉
楼梯扶手松了
防盗门关不上
单元门锁坏了
水压太低
燃气有味道
路面塌了个坑
施工噪音太大
施工队把水管挖断了
施工垃圾堆在楼下
监控坏了
地下室积水
车棚漏雨
健身器材坏了
老鼠太多了
窗户玻璃碎了
污水横流
有人在楼道堆杂物
晚上广场舞太吵
自来水发黄
天然气管道生锈了
楼道墙上全是小广告
排水沟堵死了
消防栓没水
电线乱拉像蜘蛛网
""")

TIMES = lines("""
好几天了
一个星期了
半个月了
两天了
一直没人管
报了好几次都没人来
物业也不管
从上个月就这样
""")

CONSEQUENCES = lines("""
老人上下楼很危险
晚上黑乎乎的啥也看不见
孩子差点摔倒
家里没法住了
臭得很
晚上睡不着觉
出门都不方便
我妈差点摔一跤
""")

FACILITIES = lines("""
电梯
加装电梯
充电桩
电动车充电桩
停车位
健身器材
老年活动室
楼道扶手
无障碍坡道
外墙保温
雨污分流
路灯
监控
快递柜
晾衣架
休闲座椅
绿化
儿童游乐场
门禁系统
非机动车棚
适老化改造
屋面防水
新的自来水管
光纤入户
垃圾分类亭
消防设施
楼道粉刷
新的防盗门
老年食堂
卫生间扶手
凉亭
篮球场
公共厕所
文化长廊
""")

MATTERS = lines("""
装电梯
加装电梯
改造
老旧小区改造
这个方案
外墙改造
雨污分流
这次表决
装充电桩
用维修资金修屋顶
动用维修基金
电梯的事
改造方案
换水管
拆违建
停车场改造
这个事
""")

THINGS = lines("""
灯
楼道灯
漏水
下水道
电梯
水管
路灯
井盖
门禁
那个问题
噪音的事
屋顶
暖气
垃圾的事
飞线充电的事
化粪池
""")

DISAGREE_REASONS = lines("""
一楼采光受影响
影响我家采光
挡住我家窗户了
太吵了
要我出钱的话不同意
一楼二楼根本用不上
费用太高了
施工太折腾
我家在一楼没好处
方案不合理
占了绿地
离我家窗户太近
以后电费谁出说不清
""")


def compose(rng: random.Random, templates: list[str], count: int, **slots: list[str]) -> list[str]:
    """`count` distinct sentences from the templates, slots drawn at random (tries a bounded number of times)."""
    made: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 20):
        if len(made) >= count:
            break
        template = rng.choice(templates)
        sentence = re.sub(r"\{(\w+)\}", lambda m: rng.choice(slots[m.group(1)]), template)
        if sentence not in seen:
            seen.add(sentence)
            made.append(sentence)
    return made


# ---------------------------------------------------------------------------------------------------------
# Hand-written sentences, per intent
# ---------------------------------------------------------------------------------------------------------

HAND = {}

HAND["bind"] = lines("""
绑定
我要绑定
绑定房屋
绑定我家房子
怎么绑定
咋绑定啊
绑定怎么弄
我想绑定一下我家
帮我绑定一下
我是新来的，怎么绑定
社区给了我一个码，怎么用
社区给了我一张纸上面有个码
绑定码
我的绑定码
我有绑定码
绑定码输在哪里
我要关联我家的房子
认证房屋
房屋认证
实名认证
我要认证
我是业主，怎么登记
登记我家房子
我家是幸福里3栋2单元301，我叫张三，手机尾号5678
幸福里 3-2-301 张三 5678
纺织厂宿舍 1-1-101 李桂兰 1234
我住粮食局家属院1栋2单元502 王建国 电话后四位3344
我是纺织厂宿舍2栋1单元201的业主刘秀英
绑定 幸福里 3栋1单元301 张三 5678
绑定 纺织厂宿舍 2-1-402 赵淑芬 8899
绑定 粮食局家属院 1栋2单元301 陈志强 1357
绑定幸福里3-1-301张三5678
帮定
绑订房子
邦定
绑顶
我要帮定房子
我家老头子已经绑了，我也要绑
我儿子给我弄的手机，要绑定房子
新用户，要先绑定吗
先绑定房子再投票对吧
我还没绑定
没绑定能投票吗，我先绑一下
关联房屋
添加房屋
我要登记
怎么认证业主身份
社区发的验证码
我有个八位数的码
社区李社工给了我一个号码让我发过来
把我家房子加进来
业主验证
认证一下我是业主
""")

HAND["unbind"] = lines("""
解绑
解除绑定
取消绑定
我要解绑
帮我解绑
不要绑定了
解除房屋绑定
房子卖了，要解绑
我搬家了，解除绑定
我已经不住那了，取消绑定吧
绑错房子了，先解绑
绑错了
绑错了怎么办
我绑错了要改
换个房子绑定
我要换绑
我要换一套房子绑
房子过户给儿子了，我这边解绑
这个微信不用了，解绑
解绑房屋
取消关联
取消认证
不想绑了
把我家房子删掉
删除绑定
退出绑定
解除关联
我不是业主了
解邦
接绑
解綁
怎么解绑啊
解绑怎么弄
我想解除和房子的绑定
我老伴的手机绑的，我这个要解掉
房子租出去了，不用绑了
我要注销
注销绑定
取消我的房屋
把绑定去掉
解开绑定
""")

HAND["list_votes"] = lines("""
投票
我要投票
在哪投票
怎么投票
咋投票
投票在哪里
现在有什么投票
有什么要表决的
有啥要表决的不
最近有投票吗
有没有要投票的事
表决
看看表决
现在表决什么
有什么事要大家表决
电梯那个投票在哪
装电梯的投票在哪投
改造的表决开始了吗
表决事项
投票事项有哪些
正在进行的投票
今天投什么票
我来投票了
我想投个票
社区说要投票，在哪投
听说要投票装电梯，在哪里投
给我看看要投的票
投票的链接
要表决的事情给我看看
投票开始没有
投票开始了吗
现在能投票了吗
有几个投票
有新的表决吗
我要参加表决
表决在哪
头票
投漂
偷票在哪
我要投一票
要投的票
还有什么没投的
有哪些事要我们同意
需要我签字同意的事
征求意见的事有哪些
有要我表态的吗
""")

HAND["agree"] = lines("""
同意
我同意
同意同意
同意同意同意
我家同意
我们家同意
赞成
我赞成
支持
我支持
坚决支持
举双手赞成
双手赞成
没意见
我没意见
我没有意见
我家没意见
可以，我同意
行，同意
好的，我同意
我同意装电梯
同意装电梯
我同意加装电梯
装电梯我同意
装电梯我举双手赞成
我同意改造
同意改造
改造我们家支持
同意这个方案
方案我同意
我投同意
投同意票
我投赞成票
我选同意
选同意
同意，早就该装了
同意，赶紧装吧
同意，越快越好
我同意，希望早点开工
我也同意
我们一家都同意
我老伴也同意
我代表我家同意
402同意
301户同意
我是301的，同意
不反对
我不反对
我们家不反对
没有反对意见
我看行
我觉得可以
行
中
要得
得行
可以可以
OK
ok同意
同意哈
同意嘛
那就同意吧
同意的
肯定同意啊
当然同意
必须同意
同意了
我已经同意了，再投一次同意
统一
我统一
同义
我同义
桐意
同一
同意！！！
我同意第1个
第一个同意
两个都同意
都同意
全部同意
我都同意
电梯和改造我都同意
""")

HAND["disagree"] = lines("""
不同意
我不同意
我家不同意
我们家不同意
坚决不同意
反对
我反对
坚决反对
我家反对
反对，一楼采光受影响
反对，影响采光
不同意，一楼采光受影响
我不同意装电梯
不同意装电梯
我不同意加装电梯
装电梯我不同意
装电梯我家反对
不赞成
我不赞成
不支持
我不支持
投反对票
我投反对票
选不同意
我选不同意
投不同意
不行
我看不行
不可以
这个不行
我不签字
我家不签字
不同意，要出钱的话不行
不同意，凭什么让我们出钱
我是一楼的，不同意
一楼不同意
我们低层不同意
不同意改造
改造我不同意
这个方案我不同意
方案不合理，不同意
不要装电梯
别装电梯了
我们不要电梯
不想装电梯
电梯不要装
反对装电梯
我反对这个方案
有意见，不同意
我有意见
我有反对意见
不同意不同意
不同意！
不同意哈
不同意嘛
反对反对
我家老头子说不同意
我们全家都反对
坚决抵制
我不干
没门
门都没有
不答应
我不答应
不统一
我不同义
不桐意
部同意
步同意
不同一
第一个不同意
两个都不同意
都不同意
全部反对
""")

HAND["abstain"] = lines("""
弃权
我弃权
我家弃权
我选弃权
投弃权票
我投弃权
弃权吧
那就弃权
弃权弃权
我不表态
不表态
我没意见，弃权
无所谓
我无所谓
我家无所谓
都行
随便
随便你们
你们定吧
听大家的
大家定就行
少数服从多数
我不参加表决
我不投了
不投了
这个我不投
我不管了
我中立
中立
保持中立
不发表意见
不好说
说不清，弃权
我不懂，弃权吧
我搞不懂，不表态了
我家不参与
不参与
不掺和
我不掺和
我住顶楼，装不装无所谓
装不装电梯我都无所谓
改造我无所谓
弃全
气权
弃权了
我选择弃权
既不同意也不反对
不赞成也不反对
两可
都可以，弃权
同意不同意都行
看大家的意思吧
我没什么想法
我不想投
""")

HAND["my_votes"] = lines("""
我的投票
我投的啥
我投了什么
我投的什么
我投的是什么
我家投了没有
我投过了吗
我投票了没
我投了没有啊
我家投的什么票
查一下我的投票
看看我的投票
我的票
我投的票
我之前选的什么
我刚才投的是同意吗
刚才那票投上了吗
我投的算数了吗
我的投票记录
投票记录
我投票的回执
回执码
我的回执码
回执码是多少
我的回执
把我的回执发我
我投的同意还是不同意来着
我忘了我投的啥了
我老伴投了没有
我家的票投了吗
我那票记上了没有
我投的票有效吗
我投票成功了吗
投上了没
看看我投了啥
我都投了哪些
我参加过哪些表决
我投过哪些票
我的表决
我的选择
我选的啥
我选了什么
我家表决了没有
我的投票情况
查我的票
我的头票
我的投漂
""")

HAND["progress"] = lines("""
进度
进度怎么样了
投票进度
表决进度
同意的人够了吗
同意的够不够
现在多少人同意了
有多少户同意了
还差几户
还差多少户同意
还差多少票
电梯能装成吗
能通过吗
能不能通过
通过了没有
表决通过了吗
投票结果出来了吗
投票结果
表决结果
结果怎么样
票数怎么样了
现在票数多少
多少人投了
投票的人多不多
几户投了
有多少人反对
反对的多吗
装电梯的投票进度
电梯投票到哪一步了
改造投票进行得怎么样
还差几票能装电梯
什么时候出结果
票够了没
差几家
我们单元同意的人够了吗
够三分之二了吗
过半了没有
达到四分之三了吗
改造什么时候开工
改造到哪一步了
小区改造进展
改造进度
施工进度
电梯什么时候开始装
啥时候能装上电梯
改造啥时候开始啊
统计结果
计票结果
进读
近度
进度咋样
""")

HAND["complaint"] = lines("""
报修
投诉
我要投诉
我要报修
我要反映问题
我要举报
有个问题要反映
有问题要报修
反映个问题
我要投诉物业
投诉物业
物业不作为
电梯坏了
电梯又坏了，困了人
楼道灯坏了
3栋楼道灯坏了好几天了，晚上老人上下楼很危险
嗯，那个，楼道灯坏了。
楼道黑乎乎的，灯不亮
我们单元的灯坏了半个月了
楼上漏水，把我家天花板泡了
厨房下水道堵了，返臭味
卫生间往上冒水
小区门口的路灯不亮了
单元门锁坏了，谁都能进
楼下有人飞线充电，太危险了
电动车在楼道里充电，迟早要出事
垃圾桶满了没人清，臭死了
垃圾好几天没人收了
楼下化粪池堵了，污水流了一地
屋顶漏雨，墙都发霉了
外墙瓷砖掉下来，差点砸到人
楼道里堆满了杂物，消防通道堵死了
有人把车停在消防通道上
楼上装修天天电钻，吵得老人睡不着
广场舞音响太大声了，晚上十点还在跳
隔壁养了好多鸽子，臭烘烘的
小区的井盖丢了，好危险
下雨小区就积水，出不了门
停水了，什么时候来水
我们这停电了
暖气一点都不热
燃气管道有味道，是不是漏了
施工队把我家门口挖了个大坑，不填
改造施工太吵了，中午都不停
施工的把水管挖断了，全楼停水
施工垃圾堆在楼下一个月了
改造把我家窗户弄坏了
新装的水管漏水
刚改造完的路就裂了
有人在绿地里种菜
楼顶有人私搭乱建
一楼的把院子圈起来占了
树枝太长挡住我家窗户
树上的枝子压到电线了
老鼠到处窜
流浪狗咬人
健身器材断了一根，小孩会受伤
扶手松了，老人扶着很危险
楼梯台阶坏了
防盗门关不上
门禁卡刷不开
监控早就坏了
快递柜坏了取不出来
充电桩坏了
水龙头出来的水是黄的
水压太小，楼上没水
物业乱收费
物业费收了不干活
保安天天睡觉
垃圾清运车半夜作业太吵
楼道灯坏老，晚上黑得很
电梯坏咯，我八十多岁爬不动楼
灯坏了
楼道灯
下水道
漏水
停电
没水了
有人偷电瓶
车子被划了
麻烦派人来看看，我家厨房墙裂缝了
你们管不管，垃圾都堆到单元门口了
我反映个情况，我们楼有人在楼道烧纸
举报有人违建
举报楼下开麻将馆扰民
找人来修一下灯
帮我报个修，卫生间漏水
帮忙叫人修下水管
赶紧派人来修修电梯
电梯按钮失灵
电梯里有异味
电梯门夹人
外面那条路坑坑洼洼，老人走路摔了
雨棚掉下来了
晾衣杆断了
窗户关不严，漏风
墙上的电线老化冒火花
电表箱门掉了
楼道里的电线乱七八糟
电线杆歪了
下水井冒水，整条路都是污水
化粪池满了
""")

HAND["complaint_status"] = lines("""
查询
我报的灯修好了吗
我报的修怎么样了
我的报修怎么样了
我的投诉怎么样了
投诉有结果了吗
投诉有回复了吗
报修有人管了吗
报修到哪一步了
我报修的事有人来吗
上次报的漏水什么时候来修
上次说的下水道还修不修了
我反映的问题处理了没有
我反映的问题有回音吗
我的工单
查一下我的工单
工单进度
工单处理到哪了
查工单
查报修
查投诉
查询报修进度
查询投诉
我的报修记录
我报的那个事
我前天报的修
报修的事咋样了
都报了三天了，怎么还没人来修
怎么还没人来修啊
说好来修的人呢
修灯的师傅什么时候来
维修师傅几点到
派人了没有
派单了吗
我的投诉给哪个部门了
转到哪个部门了
我报的电梯修好没
楼道灯的事处理了吗
漏水的事有人管了吗
我投诉噪音的事怎么样了
上次投诉的飞线充电处理了吗
报修单号多少
我的单号
ts20261120003怎么样了
TS20261118007处理了吗
查一下 TS20261101001
编号TS20261105002进度
我报的那个下水道通了没
报修的进展
我提交的问题
我提的问题有结果没
报修处理好了没有
我的事办了没
办结了吗
什么时候能修好
修好没有
修了没
还要等多久
查讯
查寻
我保修的怎么样了
我的保修
我报的休修好了吗
""")

HAND["rate"] = lines("""
评价 5
评价 4
评价5
评价 3 一般般
评价 5 师傅很负责
评价 1 修了跟没修一样
评价 TS20261101001 5
评价 TS20261102003 4 还可以
打5分
打五分
我打五分
给五分
5分
五星
五星好评
给个好评
好评
好评，师傅修得很快
给师傅点个赞，五星
差评
给差评
一星差评
1分，修得很差
修得很好，满意
修好了，很满意
非常满意
很满意，谢谢师傅
还行吧，给4分
一般般，三分
不满意，修了又坏
不满意
修得太慢了，不满意
我要评价
评价一下
我要打分
怎么评价
评价刚才的维修
给维修打个分
打分
评分
给处理结果打分
对处理结果满意
对处理结果不满意
处理得不错
办得挺好，满分
满分
十分满意
服务态度好，五分
灯修好了，满意，五分
漏水修好了，给好评
评价：5分
评价五分
评价 ５
评介 5
平价 5
评价4分还可以
""")

HAND["demand"] = lines("""
需求
希望加装电梯
希望装电梯
想装电梯
我们楼想要电梯
我家想装电梯，八十多岁了爬不动
希望改造能加装电梯
希望小区多装几个路灯
希望能加个充电桩
想要充电桩
建议增加停车位
停车位太少了，希望多规划一些
希望楼道里装扶手
楼梯能不能装个扶手，老人上楼没地方扶
能不能建个老年活动室
想要一个老年食堂
希望有个助餐点
小区缺个健身的地方
希望增加健身器材
希望外墙做保温
希望改造把屋顶防水做了
希望把自来水管换成新的
建议做雨污分流
希望装监控
建议装个快递柜
想要个凉亭，夏天有地方乘凉
希望多种点树
小区里能不能多点绿化
希望修一条无障碍坡道
坐轮椅的出不了门，希望修个坡道
改造的时候能不能把管道都换了
改造的时候把线路也理一理
我的需求是装电梯
我想提个需求
我要提需求
我们的需求
说说需求
需求征集
我想要的改造项目
最想要的是电梯
最想改的是屋顶漏水
我们最需要的是停车位
改造我最想要的是装电梯
我觉得最要紧的是修路
建议先修路
能不能把路修平
要是能装个电梯就好了
盼着早点装电梯
想给小区加个门禁
希望增加非机动车棚
希望增加晾晒的地方
想要个儿童游乐场
想建个篮球场
希望楼道重新粉刷一下
希望换新的防盗门
希望安装声控灯
我们老年人需要有个坐的地方
能不能多放几把椅子
我想提个建议
提个建议
建议
我有个建议
给改造提点意见，多装点路灯
建议增加充电车棚
改造的时候希望做适老化改造
希望卫生间装扶手
想要光纤入户
希望安排个垃圾分类亭
改造能不能顺便把暖气也换了
希望电梯早点装上
需求 14 17 3
需求 2 5 8 想早点装电梯
需求1 3 5
我选14 17 3
需求电梯
需球
须求
希忘加装电梯
希望加装电题
""")

HAND["notices"] = lines("""
公示
方案公示
看看公示
看公示
有什么公示
公示在哪看
改造方案公示了吗
改造方案出来了吗
设计方案在哪看
施工方案给我看看
我想看看改造方案
方案是什么样的
改造方案
公告
有什么公告
小区公告
最近有什么通知
通知
有啥通知没有
公示期到什么时候
公示期多长
我对方案有意见
我对方案有异议
提异议
我要提异议
方案我有意见想提
对公示有意见
怎么对公示提意见
方案里怎么没有我们楼
看看电梯的方案
加装电梯方案公示
规划图在哪看
效果图
改造效果图给我看看
图纸
施工图纸能看吗
公示的内容
公示结束了吗
公示结果
公式
工示
公事
看下公式
方案公式
改造的公示
改造计划
改造内容有哪些
改造项目清单
这次改哪些项目
要改哪些东西
""")

HAND["survey"] = lines("""
问卷
填问卷
问卷调查
满意度调查
满意度问卷
满意度
我要填问卷
问卷在哪
问卷在哪里填
调查表
调查问卷
填调查
我要参加调查
做个调查
改造满意度调查
满意度测评
改造完了的满意度
对改造满不满意的调查
有个问卷要填吗
社区让填的问卷
填表
我要填表
打分问卷
问卷链接
问卷发我
问卷怎么填
有没有问卷
最近有调查吗
我来填问卷了
改造满意度打分
给改造打分
对这次改造的评价
改造满意吗的那个表
民意调查
意见调查
问圈
问眷
闻卷
问卷调差
满意度调差
满意渡调查
""")

HAND["web_link"] = lines("""
网页
给我个链接
发个链接
链接
登录
我要登录
网页版
打开网页
我的网页
发我网址
网址
网页链接
给我网页
手机上怎么看网页
怎么登录
登录链接
发个登录链接
我要上网页看
在网页上投票
网页上看
能不能在网页上弄
我要在网上看
网上怎么看
给我发个网站
网站是多少
链接过期了，再发一个
链接打不开，重新发
再给我一个链接
登陆
登入
网叶
往页
链结
打开我的页面
我的页面
个人主页
个人中心
进入我的主页
我要看详细的
电脑上怎么看
浏览器打开
""")

HAND["help"] = lines("""
帮助
怎么用
咋用
这个怎么用
这个咋用啊
这个咋整
这个怎么弄
菜单
使用说明
说明
教教我
教我用
我不会用
我不会弄
我看不懂
看不懂
不会
能干什么
你能干啥
有什么功能
都有哪些功能
这个公众号干嘛的
这个是干啥的
都能办什么事
我能做什么
有什么用
怎么操作
操作说明
发什么字
要发什么
我该发什么
命令
指令
怎么弄啊，我老了不会
我年纪大了不会用手机，教我一下
孩子不在家，这个怎么用
帮帮我
救命，不会用
?
？？
帮组
帮住
邦助
怎么使用
使用方法
新手指南
我是第一次用
第一次用怎么弄
""")

HAND["other"] = lines("""
你好
您好
你好啊
喂
在吗
在不在
有人吗
谢谢
谢谢你
谢谢啦
多谢
辛苦了
你们辛苦了
好的
好
嗯
嗯嗯
哦
知道了
收到
明白了
晓得了
好的谢谢
再见
拜拜
晚安
早上好
早
中午好
哈哈
哈哈哈
呵呵
666
赞
👍
🙏
123
abc
asdf
测试
测试一下
test
今天天气怎么样
明天下雨吗
你是谁
你是机器人吗
你是真人吗
你叫什么名字
几点了
今天星期几
吃了吗
吃饭了没
孙子考上大学了
我今天去公园了
菜价又涨了
股票跌了
彩票号码多少
帮我叫个外卖
附近哪有药店
医院几点开门
公交车几点有
广场舞几点开始
我想你了
你真好
你真笨
没用
说的啥啊
什么乱七八糟的
不知道
算了
没事了
没事
没什么
发错了
打错了
不好意思发错了
按错了
我就看看
随便看看
新年快乐
中秋快乐
祝你们工作顺利
社区的人都是好人
我是张大爷
我是3栋的老李
等一下
我问问我儿子
我等会再说
我再想想
让我想想
这个月养老金发了吗
医保怎么报销
身份证丢了怎么办
""")


# ---------------------------------------------------------------------------------------------------------
# Templates, per intent (several wordings each, slots above)
# ---------------------------------------------------------------------------------------------------------

TEMPLATES = {
    "complaint": (120, [
        "{place}{problem}", "{place}{problem}，{time}", "{problem}{time}，{cons}", "{place}{problem}，{cons}",
        "我要报修，{place}{problem}", "报修 {problem}", "报修{problem}", "投诉 {place}{problem}", "投诉{problem}",
        "我要投诉，{problem}，{time}", "反映一下，{place}{problem}", "{problem}，赶紧派人来修一下",
        "{problem}，谁来管管", "你们快来看看，{place}{problem}", "我们这{problem}，{time}",
        "{place}{problem}了，{cons}", "{problem}啊，{cons}，快来人", "同志，{place}{problem}",
    ]),
    "demand": (110, [
        "希望{add}{facility}", "希望改造能{add}{facility}", "想要{facility}", "建议{add}{facility}",
        "我们需要{facility}", "改造的时候能不能{add}{facility}", "小区缺{facility}", "最想要的是{facility}",
        "要是能{add}{facility}就好了", "我家需要{facility}", "我的需求是{facility}", "我提个建议：{add}{facility}",
        "我们老年人最需要{facility}", "希望改造包括{facility}", "能不能给我们{add}{facility}", "盼着{add}{facility}",
        "改造先{add}{facility}吧", "我们楼想{add}{facility}",
    ]),
    "agree": (80, [
        "我同意{matter}", "{matter}我同意", "同意{matter}", "赞成{matter}", "支持{matter}", "{matter}我家同意",
        "我家支持{matter}", "{matter}我们举双手赞成", "{matter}我没意见，同意", "{matter}，我投同意", "我赞成{matter}",
        "{matter}可以，同意",
    ]),
    "disagree": (80, [
        "我不同意{matter}", "{matter}我不同意", "不同意{matter}", "反对{matter}", "{matter}我家反对",
        "反对，{reason}", "不同意，{reason}", "我不同意，{reason}", "{matter}我反对，{reason}", "我不赞成{matter}",
        "{matter}不行，{reason}", "我家不同意{matter}，{reason}",
    ]),
    "abstain": (40, ["{matter}我弃权", "{matter}我无所谓", "{matter}我不表态", "{matter}弃权", "对{matter}我弃权",
                     "{matter}随便你们", "{matter}我不参与投票"]),
    "complaint_status": (60, [
        "我报的{thing}修好了吗", "{thing}的事有人管了没", "上次反映的{thing}怎么样了", "我投诉的{thing}处理到哪了",
        "报修的{thing}啥时候来修", "{thing}说来修怎么还没来", "我上周报的{thing}有进展吗", "{thing}的报修处理了没有",
        "查一下我报的{thing}", "{thing}修好没有啊",
    ]),
    "progress": (40, ["{matter}的投票进度", "{matter}同意的人够了吗", "{matter}还差几户同意", "{matter}能通过吗",
                      "{matter}投票结果出来没", "{matter}现在多少人同意了", "{matter}进度怎么样"]),
    "list_votes": (40, ["{matter}的投票在哪", "{matter}在哪投票", "{matter}怎么投票", "我要投票，{matter}",
                        "{matter}的表决开始了吗", "我要给{matter}投票"]),
    "my_votes": (25, ["{matter}我投的啥", "{matter}我投了没有", "{matter}我投的什么票", "我{matter}投的同意还是反对"]),
}

SLOTS = {"place": PLACES, "problem": PROBLEMS, "time": TIMES, "cons": CONSEQUENCES, "facility": FACILITIES,
         "add": ["加", "装", "增加", "建", "修", "弄个", "加装", "添"], "matter": MATTERS, "reason": DISAGREE_REASONS,
         "thing": THINGS}


# ---------------------------------------------------------------------------------------------------------
# How a phone delivers a sentence
# ---------------------------------------------------------------------------------------------------------

TYPOS = {"同意": ["统一", "同义"], "投票": ["头票", "投漂"], "报修": ["保修", "报休"], "绑定": ["帮定", "邦定"],
         "问卷": ["问圈"], "公示": ["公式"], "进度": ["进读"], "电梯": ["电题"], "投诉": ["头诉", "投素"],
         "反对": ["返对"], "漏水": ["露水"], "坏了": ["坏啦", "坏咯", "坏老"], "什么": ["啥", "神马", "什么子"],
         "怎么": ["咋", "怎莫"], "希望": ["希忘"], "楼道": ["楼到"], "弃权": ["气权"]}
PREFIXES = ["嗯，", "嗯，那个，", "那个，", "呃，", "就是，", "你好，", "小同志，", "请问，", "喂，"]
SUFFIXES = ["。", "啊", "哈", "嘛", "呀", "！", "？", "。。", "的嘞", "哦"]


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def dress(rng: random.Random, text: str) -> str:
    """One plausible phone rendering of a sentence: speech punctuation, a filler, a particle, a typo or full width."""
    how = rng.choice(["voice", "voice", "particle", "typo", "typo", "full"])
    if how == "voice":
        spoken = text.replace(" ", "，")
        return (rng.choice(PREFIXES) if rng.random() < 0.6 else "") + spoken + "。"
    if how == "particle":
        return text + rng.choice(SUFFIXES)
    if how == "typo":
        wrong = [word for word in TYPOS if word in text]
        if wrong:
            word = rng.choice(wrong)
            return text.replace(word, rng.choice(TYPOS[word]), 1)
        return text + rng.choice(SUFFIXES)
    full = to_full_width(text)
    return full if full != text else text + "。"


def complaints_from_the_routing_corpus(rng: random.Random, count: int) -> list[str]:
    """Statements of a problem from the complaint classifier's corpus (not its questions or wishes)."""
    with open(HERE / "complaints.csv", encoding="utf-8") as source:
        texts = [row["text"] for row in csv.DictReader(source)]
    problem = re.compile(r"坏|漏|堵|不亮|没人管|太吵|乱|臭|塌|裂|掉|停水|停电|断|不热|冒|积水|噪音|扰民|占|脏|锈|危险")
    not_a_complaint = re.compile(r"希望|能不能|可不可以|建议|想要|想|申请|怎么|什么|吗|\?|？|要求|咨询|请问|补贴|是不是|谁|"
                                 r"哪|改造|加装|规划|多少|为啥|为什么|几")
    picked = [t for t in texts if problem.search(t) and not not_a_complaint.search(t) and len(t) <= 60]
    rng.shuffle(picked)
    return picked[:count]


def build() -> list[tuple[str, str, str]]:
    rng = random.Random(SEED)
    rows: list[tuple[str, str, str]] = []
    for intent, sentences in HAND.items():
        rows += [(s, intent, "hand") for s in sentences]
    for intent, (count, templates) in TEMPLATES.items():
        rows += [(s, intent, "template") for s in compose(rng, templates, count, **SLOTS)]
    rows += [(s, "complaint", "routing-corpus") for s in complaints_from_the_routing_corpus(rng, 90)]
    dressed = []
    for text, intent, origin in rows:
        # Menu words and the hand-written typos stay as written; one in four of the rest is dressed.
        if len(text) > 3 and rng.random() < (0.25 if origin == "hand" else 0.3):
            text = dress(rng, text)
        dressed.append((text, intent, origin))
    # One row per normal form: the same sentence twice (or twice with another label) would only blur.
    seen: dict[str, str] = {}
    unique = []
    for text, intent, origin in dressed:
        key = re.sub(r"[\s，。！？!?.,、]+", "", unicodedata.normalize("NFKC", text)).lower()
        if key in seen:
            if seen[key] != intent:
                raise SystemExit(f"{text!r} is labelled both {seen[key]} and {intent}")
            continue
        seen[key] = intent
        unique.append((text, intent, origin))
    return unique


def main() -> None:
    rows = build()
    with open(OUT, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["text", "intent", "origin"])
        writer.writerows(rows)
    counts: dict[str, int] = {}
    for _, intent, _ in rows:
        counts[intent] = counts.get(intent, 0) + 1
    print(f"{len(rows)} utterances written to {OUT.name}: {counts}")


if __name__ == "__main__":
    main()
