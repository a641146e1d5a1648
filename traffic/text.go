package traffic

// Chinese text used in chat transcripts and survey comments.

// openers are the customer's first message, per queue (same order as Queues).
var openers = [4][]string{
	{ // presale
		"你好，这款现在有现货吗？",
		"请问今天下单什么时候能发货？",
		"这个和上一代有什么区别？",
		"有没有优惠券可以用？",
		"能开增值税专用发票吗？",
		"尺码偏大还是偏小？我平时穿L",
		"买两件可以包邮吗？",
		"这个保修多久？",
		"在吗？想咨询一下会员价",
		"企业采购有没有批量优惠？",
	},
	{ // aftersale
		"我的快递三天了还没到",
		"收到的商品外包装破损了",
		"怎么申请退货？",
		"换货大概要多久？",
		"物流信息一直不更新",
		"安装师傅什么时候上门？",
		"用了两天就坏了，能保修吗？",
		"少发了一个配件",
	},
	{ // billing
		"我被重复扣款了",
		"发票抬头开错了，能重新开吗？",
		"退款什么时候能到账？",
		"优惠没有生效，多付了钱",
		"会员自动续费怎么取消？",
		"账单金额和订单对不上",
	},
	{ // complaints
		"我要投诉，等了一个小时都没人处理",
		"上次说好给我回电话，一直没人联系我",
		"你们的服务也太差了吧",
		"商品和描述严重不符，我要投诉",
		"快递员态度很差，还没送货就显示签收了",
		"第三次联系你们了，问题还是没解决",
	},
}

// customerFollowUps are the customer's later messages.
var customerFollowUps = []string{
	"好的", "嗯嗯", "那大概要多久？", "还有别的办法吗？", "我之前已经提供过订单号了",
	"订单号是 2026110312345", "稍等，我看一下", "明白了", "可以", "还在吗？",
	"能快一点吗？我比较着急", "那运费谁承担？", "收到的时候就是这样的", "照片已经发给你了",
	"手机号是尾号 8866 的那个", "好吧", "这个我不太懂，能说详细点吗？", "那我再等等",
}

// customerClosings end the customer's side of a chat.
var customerClosings = []string{"好的，谢谢", "谢谢，再见", "行吧", "知道了，谢谢", "没有了，谢谢"}

// agentGreetings are the agent's first reply; %s is replaced by the agent's name.
var agentGreetings = []string{
	"您好，很高兴为您服务，请问有什么可以帮您？",
	"亲，您好，我是客服%s，请问有什么可以帮到您？",
	"您好，我是%s，您的问题我来为您处理",
}

// agentReplies are the agent's answers, per queue (same order as Queues).
var agentReplies = [4][]string{
	{ // presale
		"这款目前有现货，今天16点前下单当天发货",
		"现在下单可以享受满300减30的优惠",
		"新款续航提升了30%，重量也更轻",
		"发票可以在订单完成后在订单详情页申请开具",
		"尺码是标准码，建议按平时的尺码选择",
		"满99元包邮，两件是可以包邮的",
		"整机保修一年，主要部件保修三年",
		"批量采购可以联系企业客户经理，我把联系方式发给您",
	},
	{ // aftersale
		"请您提供一下订单号，我帮您查询",
		"已经帮您查到了，包裹目前在转运中心",
		"非常抱歉给您带来不便，我们马上为您补发",
		"您可以在订单详情页点击申请售后，选择退货",
		"换货一般3到5个工作日完成",
		"已经帮您预约了明天上午的安装",
		"这个问题在保修范围内，我为您登记维修",
	},
	{ // billing
		"正在为您查询扣款记录，请稍等",
		"核实到确实重复扣款了，多扣的款项会原路退回",
		"退款会在1到3个工作日原路退回",
		"发票可以作废重开，请提供正确的抬头和税号",
		"自动续费可以在 我的-设置-会员管理 中关闭，我也可以帮您关闭",
		"优惠差价已经为您申请退还",
	},
	{ // complaints
		"非常抱歉让您久等了，您的问题我来全程跟进",
		"您反映的情况我已经记录，并提交给相关部门",
		"我们会在24小时内给您明确答复",
		"为表歉意，已为您申请了一张20元无门槛优惠券",
		"已经对相关人员进行了反馈处理",
		"理解您的心情，这确实是我们做得不好",
	},
}

// agentFillers are generic agent messages usable in any queue.
var agentFillers = []string{
	"好的，正在为您查询，请稍等",
	"感谢您的耐心等待",
	"您看这样处理可以吗？",
	"麻烦您提供一下收货人手机号",
	"已为您提交加急处理",
	"这边已经为您登记，会有专人联系您",
}

// agentClosings end the agent's side of a chat.
var agentClosings = []string{
	"请问还有其他可以帮您的吗？",
	"感谢您的耐心等待，祝您生活愉快！",
	"稍后会有满意度评价，麻烦您给个好评哦",
	"不客气，有问题随时联系我们",
}

// agentOpeners start a chat the agent opened (outbound follow-up).
var agentOpeners = []string{
	"您好，您之前咨询的商品已经到货了，需要为您下单吗？",
	"您好，这里是售后回访，请问您的问题解决了吗？",
	"您好，您的购物车里有商品即将降价，需要了解一下吗？",
	"您好，您的退款已经处理完成，请注意查收",
}

// System messages.
const (
	sysConnected   = "会话已接入"
	sysAssigned    = "客服 %s 为您服务"
	sysTransferred = "会话已转接"
	sysEnded       = "会话已结束"
	sysLeft        = "客户已离开会话"
)

// Survey comments by sentiment.
var (
	commentsGood = []string{"服务很好", "非常耐心，点赞", "解决得很快", "态度好，专业", "很满意"}
	commentsMid  = []string{"还行", "一般", "希望能再快一点", ""}
	commentsBad  = []string{"等待时间太长", "问题没有解决", "态度一般", "一直在推脱", "答非所问", "说好的回电没有回"}
)
