package dashboards

import (
	"fmt"
	"strings"
)

// Lang is a language the dashboards are shown in.
type Lang string

// The two languages of SPEC §8. Chinese is the default: the managers are 主管 of a Chinese
// call center, and the seed's terms are Chinese.
const (
	Zh Lang = "zh"
	En Lang = "en"
)

// Langs lists the languages in the order the switch shows them.
var Langs = []Lang{Zh, En}

// ParseLang returns the language of a lang parameter; "" is the default (Chinese).
func ParseLang(s string) (Lang, error) {
	switch Lang(s) {
	case "", Zh:
		return Zh, nil
	case En:
		return En, nil
	}
	return "", fmt.Errorf("lang %q: want zh or en", s)
}

// text is one message in both languages.
type text struct{ zh, en string }

// messages are every fixed text of the pages, by key. Templates ask for them with
// {{.L.T "key"}}; TestCatalogComplete checks that each key a template uses is here with both
// languages filled in.
var messages = map[string]text{
	"app":              {"客服质检看板", "ccqa dashboards"},
	"home":             {"首页", "Home"},
	"teams":            {"团队", "Teams"},
	"team":             {"团队", "Team"},
	"agent":            {"客服", "Agent"},
	"agents":           {"客服人员", "Agents"},
	"agent_id":         {"工号", "Agent id"},
	"level":            {"级别", "Level"},
	"month":            {"月份", "Month"},
	"months":           {"月数", "Months"},
	"metric":           {"指标", "Metric"},
	"show":             {"查看", "Show"},
	"prev_month":       {"上月", "Previous month"},
	"next_month":       {"下月", "Next month"},
	"team_page":        {"团队看板", "Team dashboard"},
	"agent_page":       {"客服趋势", "Agent trends"},
	"qa_page":          {"质检分析", "QA analysis"},
	"ingest_page":      {"数据接入健康", "Ingest health"},
	"leaderboard":      {"排行榜", "Leaderboard"},
	"leaderboard_hint": {"点击表头排序。", "Click a column header to sort."},
	"rank":             {"排名", "Rank"},
	"score":            {"考核得分", "Score"},
	"grade":            {"等级", "Grade"},
	"pay_factor":       {"考核工资比例", "Pay factor"},
	"rank_in_team":     {"组内排名", "Rank in team"},
	"approved":         {"已审批", "Approved"},
	"revision":         {"版本", "Revision"},
	"yes":              {"是", "yes"},
	"no":               {"否", "no"},
	"grade_dist":       {"等级分布", "Grade distribution"},
	"heatmap":          {"指标热力图(客服 × 周)", "Metric heat map (agents × weeks)"},
	"heatmap_hint": {"周从周一开始;月初和月末的周只含本月的天数。空格表示无数据。",
		"Weeks start on Monday; the first and last week hold only this month's days. An empty cell means no data."},
	"bar_chart":       {"柱状图", "Bar chart"},
	"by_week":         {"按周", "By week"},
	"by_month":        {"按月", "By month"},
	"team_mean":       {"团队平均", "Team mean"},
	"sample_size":     {"样本量 n", "Sample size n"},
	"value":           {"数值", "Value"},
	"no_data":         {"无数据", "no data"},
	"no_data_yet":     {"暂无数据", "No data yet"},
	"grades_missing":  {"月度考核结果尚未生成(payroll_monthly_grades 视图不存在或本月为空)。", "No monthly grades yet: the payroll_monthly_grades view does not exist or holds nothing for this month."},
	"latest_grades":   {"最近的月度考核", "Latest monthly grades"},
	"latest_reviews":  {"最近的质检评分", "Latest QA reviews"},
	"reviews_missing": {"暂无质检评分。", "No QA reviews yet."},
	"contact":         {"联系记录", "Contact"},
	"channel":         {"渠道", "Channel"},
	"reviewer":        {"质检员", "Reviewer"},
	"version":         {"版本", "Version"},
	"qa_score":        {"质检得分", "QA score"},
	"comment":         {"评语", "Comment"},
	"written_at":      {"评分时间", "Scored at"},
	"contact_start":   {"联系开始", "Contact start"},
	"section":         {"评分项", "Section"},
	"max_points":      {"满分", "Max points"},
	"section_breakdown": {"质检分项对比(占满分的比例)",
		"QA section breakdown (share of the section's max points)"},
	"sections_missing":      {"本月暂无质检分项得分。", "No QA section scores this month."},
	"calibration":           {"质检员校准", "Reviewer calibration"},
	"calibration_hint":      {"基于双人评分的联系记录:平均绝对差(MAD,越小越一致)、组内相关系数 ICC(1 为完全一致)、偏差(该质检员减去另一位的平均分差)。", "From double-scored contacts: mean absolute difference (MAD, lower is closer), intraclass correlation ICC (1 is perfect agreement) and bias (this reviewer minus the other, on average)."},
	"calibration_missing":   {"本月没有双人评分的联系记录。", "No double-scored contacts this month."},
	"calibration_forbidden": {"校准结果仅对质检主管和管理员可见。", "Calibration is shown to QA leads and admins only."},
	"overall":               {"总分", "Total"},
	"contacts_n":            {"联系数", "Contacts"},
	"pairs":                 {"配对数", "Pairs"},
	"mad":                   {"平均绝对差", "MAD"},
	"icc":                   {"ICC", "ICC"},
	"bias":                  {"偏差", "Bias"},
	"agent_vs_team":         {"客服与团队对比", "Agent against team"},
	"pick_agent":            {"选择客服查看对比:", "Pick an agent to compare:"},
	"rows_per_second":       {"写入速率(行/秒)", "Rows stored per second"},
	"lag":                   {"延迟:事件时间到入库(秒)", "Lag: event time to stored (seconds)"},
	"lag_mean":              {"平均延迟", "mean lag"},
	"lag_max":               {"最大延迟", "max lag"},
	"dead_letters":          {"死信(无效消息)", "Dead letters (invalid messages)"},
	"hours":                 {"小时数", "Hours"},
	"bucket_minute":         {"按分钟", "per minute"},
	"bucket_hour":           {"按小时", "per hour"},
	"ingest_hint":           {"来自 ClickHouse:原始表的 ingested_at 与 ingest_errors 的 received_at。", "From ClickHouse: ingested_at of the raw tables and received_at of ingest_errors."},
	"total":                 {"合计", "total"},
	"times_in":              {"时间均为业务时区", "Times are in the business time zone"},
	"weeks_note": {"周从周一开始;所选范围首尾的周只含范围内的天数。",
		"Weeks start on Monday; the first and last week of the range hold only the days inside it."},
	"team_mean_note": {"团队平均:比率与均值按全队联系记录合并计算(与 ccqa metrics --level team 相同);计数与金额为全队合计除以团队人数。",
		"Team mean: rates and means are computed over all of the team's contacts together (as `ccqa metrics --level team`); counts and amounts are the team total divided by the team's head count."},
	"sign_in_note":  {"仅显示您有权查看的团队。", "Only the teams you may see are shown."},
	"export_note":   {"静态导出", "Static export"},
	"generated":     {"生成时间", "Generated"},
	"lang_switch":   {"English", "中文"},
	"not_found":     {"未找到", "Not found"},
	"bad_request":   {"请求参数有误", "Bad request"},
	"forbidden":     {"无权访问", "Forbidden"},
	"no_teams":      {"暂无团队数据(agents 表为空)。", "No teams yet: the agents table is empty."},
	"overview":      {"概览", "Overview"},
	"period":        {"时段", "Period"},
	"qa_for_team":   {"团队质检", "Team QA"},
	"qa_for_agent":  {"客服质检", "Agent QA"},
	"metric_charts": {"各项指标趋势", "Metric trends"},
}

// labels gives a page its texts in one language; templates call {{.L.T "key"}}.
type labels struct{ lang Lang }

// T returns the message of key in the page's language. An unknown key comes back in brackets
// so a missing message is visible on the page (and TestCatalogComplete fails).
func (l labels) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return "[" + key + "]"
	}
	if l.lang == En {
		return m.en
	}
	return m.zh
}

// Lang is the page's language, for the html lang attribute.
func (l labels) Lang() string {
	if l.lang == En {
		return "en"
	}
	return "zh-CN"
}

// pick returns the Chinese or the English half.
func (l labels) pick(zh, en string) string {
	if l.lang == En {
		return en
	}
	return zh
}

// gradeEnglish names the default bands of SPEC §7.4 in English, for a grade row whose grade_en
// is empty.
func gradeEnglish(zh string) string {
	switch strings.TrimSpace(zh) {
	case "优秀":
		return "Excellent"
	case "良好":
		return "Good"
	case "合格":
		return "Pass"
	case "不合格":
		return "Fail"
	}
	return zh
}
