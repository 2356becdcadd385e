package report

import (
	"fmt"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is a brief's language.
type Lang string

// The languages a brief is written in.
const (
	English Lang = "en"
	Korean  Lang = "ko"
)

// Langs lists the supported languages.
var Langs = []Lang{English, Korean}

// ParseLang accepts "en" or "ko".
func ParseLang(s string) (Lang, error) {
	for _, l := range Langs {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("%w: %q (want en or ko)", ErrLang, s)
}

func (l Lang) tag() language.Tag {
	if l == Korean {
		return language.Korean
	}
	return language.English
}

// messages is the one catalogue of the brief's words: the layout code asks for a message id and
// never holds text of its own, so both languages share every line of layout. Arguments are
// printf verbs; %[n] reorders them where Korean word order differs.
var messages = []struct{ id, en, ko string }{
	{"title", "GPU consolidation brief: %s", "GPU 통합 정책 브리프: %s"},
	{"subtitle.run", "Scenario %s · one simulation run, seed %s · policies: %s",
		"시나리오 %s · 시뮬레이션 1회, 시드 %s · 정책: %s"},
	{"subtitle.plan", "Scenario %s · %d seeds per point · policies: %s",
		"시나리오 %s · 점마다 시드 %d개 · 정책: %s"},
	{"h.findings", "Findings", "주요 결과"},
	{"h.numbers", "Key numbers", "핵심 수치"},
	{"h.charts", "Charts", "그래프"},
	{"h.sweep", "What-if sweep", "가정 변화 분석(스윕)"},
	{"h.sizing", "Sizing", "규모 산정"},
	{"h.owners", "Researchers better and worse off", "대기 시간이 줄거나 늘어난 연구자"},
	{"h.assumptions", "Assumptions and sources", "가정과 출처"},
	{"h.repro", "Reproducibility", "재현 정보"},

	// The measurement window, stated once in full and then as a short tag on every finding.
	{"window.steady", "steady state, from %[1]s to %[2]s after the first submission (warm-up and drain excluded)",
		"정상 상태, 첫 제출 후 %[1]s부터 %[2]s까지 (초기 가동·종료 구간 제외)"},
	{"window.whole", "the whole run, %s from the first submission to the last completion in any policy (one window for every policy)",
		"전체 실행 %s, 첫 제출부터 모든 정책 중 마지막 작업 종료까지 (모든 정책에 같은 구간)"},
	{"window.tag.steady", "window days %.1f–%.1f, steady state", "측정 구간 %.1f–%.1f일차, 정상 상태"},
	{"window.tag.whole", "window %s, whole run", "측정 구간 %s, 전체"},
	{"window.intro", "Measurement window: %s.", "측정 구간: %s."},
	{"basis.run", "one run, seed %s", "1회 실행, 시드 %s"},
	{"basis.plan", "mean of %d seeds with 95%% confidence interval", "시드 %d개 평균과 95%% 신뢰구간"},
	{"tag", " (%s; %s)", " (%s; %s)"},

	{"find.wait", "%[1]s: researchers wait %[2]s at the 95th percentile and %[3]s on average, against %[4]s and %[5]s with %[6]s.",
		"%[1]s: 95백분위 대기 시간 %[2]s, 평균 대기 시간 %[3]s (%[6]s: %[4]s, %[5]s)."},
	{"find.wait.worse", "%[1]s makes waiting longer than %[2]s: 95th percentile %[3]s against %[4]s.",
		"%[1]s의 대기 시간이 %[2]s보다 깁니다: 95백분위 %[3]s 대 %[4]s."},
	{"find.util", "GPU utilization over the window: %s.", "측정 구간의 GPU 가동률: %s."},
	{"find.windows.differ", "Caution: this results file measures each policy over its own window (%s), so utilization and energy are not comparable across policies; newer versions measure all policies over one window.",
		"주의: 이 결과 파일은 정책마다 다른 구간(%s)에서 측정했으므로 정책 간 가동률과 전력량을 비교할 수 없습니다. 새 버전은 모든 정책을 같은 구간에서 측정합니다."},
	{"window.each", "per-policy windows, each from the first submission to that policy's last completion: %s",
		"정책별 측정 구간(첫 제출부터 해당 정책의 마지막 작업 종료까지): %s"},
	{"window.tag.each", "window %s", "측정 구간 %s"},
	{"find.energy", "Facility energy (IT x PUE) is %[1]s with %[2]s against %[3]s with %[4]s (%[5]s); electricity cost %[6]s against %[7]s.",
		"시설 전력량(IT x PUE)은 %[2]s %[1]s, %[4]s %[3]s (%[5]s)이며, 전기 요금은 %[6]s 대 %[7]s입니다."},
	{"find.emissions", "Emissions: %[1]s with %[2]s against %[3]s with %[4]s.",
		"온실가스 배출량: %[2]s %[1]s, %[4]s %[3]s."},
	{"find.emissions.na", "Emissions: n/a (the scenario gives no grid emission factor).",
		"온실가스 배출량: 해당 없음 (시나리오에 전력 배출계수가 없음)."},
	{"find.cap", "%[1]s runs at its power cap of %[2]s for %[3]s of the time; its peak facility power is %[4]s.",
		"%[1]s: 전력 상한 %[2]s에 전체 시간의 %[3]s 동안 도달하며, 최대 시설 전력은 %[4]s입니다."},
	{"find.cap.unknown", "%[1]s runs at its power cap for %[2]s of the time; its peak facility power is %[3]s.",
		"%[1]s: 전체 시간의 %[2]s 동안 전력 상한에 도달하며, 최대 시설 전력은 %[3]s입니다."},
	{"find.owners", "Compared with %[4]s, %[1]s leaves %[2]d of %[3]d researchers better off (shorter mean wait), %[5]d worse off and %[6]d unchanged.",
		"%[4]s 대비 %[1]s에서는 연구자 %[3]d명 중 %[2]d명의 평균 대기 시간이 줄고, %[5]d명은 늘며, %[6]d명은 변화가 없습니다."},
	{"find.owners.worst", " Most worse off: %s.", " 가장 불리해지는 연구자: %s."},
	{"find.infeasible", "%[1]s cannot run %[2]d jobs (%[3]s GPU-hours) at all: they need more GPUs than any pool they may use.",
		"%[1]s에서는 작업 %[2]d개(%[3]s GPU시간)를 전혀 실행할 수 없습니다: 쓸 수 있는 풀보다 많은 GPU가 필요합니다."},
	{"find.sweep", "As %[1]s goes from %[2]s to %[3]s%[4]s, the 95th-percentile wait goes from %[5]s to %[6]s and utilization from %[7]s to %[8]s.",
		"%[1]s: %[2]s → %[3]s%[4]s일 때 95백분위 대기 시간은 %[5]s → %[6]s, 가동률은 %[7]s → %[8]s입니다."},
	{"find.sweep.series", " (%s)", " (%s)"},
	{"find.sizing.gpus", "The fewest farm GPUs that keep %[1]s at or below %[2]s: %[3]s (there %[4]s).",
		"%[1]s 목표 %[2]s 이하를 만족하는 최소 팜 GPU 수: %[3]s (이때 %[4]s)."},
	{"find.sizing.power", "The most GPUs the power budget supports with %[1]s at or below %[2]s: %[3]s (there %[4]s).",
		"%[1]s 목표 %[2]s 이하를 만족하며 전력 예산이 감당하는 최대 GPU 수: %[3]s (이때 %[4]s)."},
	{"find.sizing.cap", "The smallest power cap at which %[1]s stays at or below %[2]s: %[3]s (there %[4]s).",
		"%[1]s 목표 %[2]s 이하를 만족하는 최소 전력 상한: %[3]s (이때 %[4]s)."},
	{"find.sizing.none", "No searched value keeps %[1]s at or below %[2]s.", "탐색한 값 중 %[1]s 목표 %[2]s 이하를 만족하는 값이 없습니다."},
	{"find.sizing.rule", "The answer is where the upper end of the 95%% confidence interval meets the target", "답은 95%% 신뢰구간의 상한이 목표에 닿는 지점입니다"},
	{"find.sizing.unsettled", "; the search did not settle, so treat the answer as approximate", "; 탐색이 확정되지 않았으므로 근사값으로 보십시오"},

	{"ci", "%[1]s (95%% CI %[2]s–%[3]s)", "%[1]s (95%% 신뢰구간 %[2]s–%[3]s)"},
	{"ci.short", "%[1]s [%[2]s–%[3]s]", "%[1]s [%[2]s–%[3]s]"},
	{"ci.none", "%[1]s (one seed, no interval)", "%[1]s (시드 하나, 신뢰구간 없음)"},
	{"ci.none.short", "%[1]s [one seed, no interval]", "%[1]s [시드 하나, 구간 없음]"},
	{"ci.note", "Cells: mean over seeds [95%% confidence interval].", "각 칸: 시드 평균 [95%% 신뢰구간]."},
	{"na", "n/a", "해당 없음"},
	{"change.less", "%s less", "%s 감소"},
	{"change.more", "%s more", "%s 증가"},
	{"list.sep", ", ", ", "},

	{"u.s", "s", "초"},
	{"u.min", "min", "분"},
	{"u.h", "h", "시간"},
	{"u.d", "days", "일"},
	{"u.krw", "KRW", "원"},
	{"u.mkrw", "million KRW", "백만 원"},
	{"unit.s", "%.0f s", "%.0f초"},
	{"unit.min", "%.*f min", "%.*f분"},
	{"unit.h", "%.*f h", "%.*f시간"},
	{"unit.d", "%.*f days", "%.*f일"},
	{"unit.dshort", "%.*f d", "%.*f일"},
	{"unit.day", "day %.1f", "%.1f일차"},
	{"unit.kwh", "%.0f kWh", "%.0f kWh"},
	{"unit.mwh", "%.1f MWh", "%.1f MWh"},
	{"unit.kw", "%.0f kW", "%.0f kW"},
	{"unit.kw1", "%.1f kW", "%.1f kW"},
	{"unit.krw", "%.0f KRW", "%.0f원"},
	{"unit.mkrw", "%.1f million KRW", "%.1f백만 원"},
	{"unit.kgco2", "%.0f kg CO2", "%.0f kg CO2"},
	{"unit.tco2", "%.1f t CO2", "%.1f t CO2"},
	{"unit.pct", "%.1f%%", "%.1f%%"},
	{"unit.pctn", "%.*f%%", "%.*f%%"},
	{"unit.gpus", "%.0f GPUs", "GPU %.0f개"},
	{"unit.num", "%.4g", "%.4g"},

	{"policy.fragmented", "fragmented (each researcher's own GPUs)", "분산 보유(연구자별 GPU)"},
	{"policy.fifo", "farm, first come first served", "통합 팜, 선착순"},
	{"policy.easy", "farm, EASY backfilling", "통합 팜, EASY 백필링"},
	{"policy.quota", "farm with quotas", "통합 팜, 할당량"},
	{"policy.fairshare", "farm, fair share", "통합 팜, 공정 분배"},
	{"policy.short.fragmented", "fragmented", "분산 보유"},
	{"policy.short.fifo", "farm FIFO", "팜 FIFO"},
	{"policy.short.easy", "farm EASY", "팜 EASY"},
	{"policy.short.quota", "farm quota", "팜 할당량"},
	{"policy.short.fairshare", "farm fair share", "팜 공정 분배"},

	{"key.farm_share", "share of researchers consolidated", "통합된 연구자 비율"},
	{"key.farm_gpus", "farm GPUs", "팜 GPU 수"},
	{"key.gpus", "farm GPUs", "팜 GPU 수"},
	{"key.power_cap_kw", "power cap (kW)", "전력 상한(kW)"},
	{"key.cap_mode", "cap mode", "상한 방식"},
	{"key.policy", "policy", "정책"},
	{"key.load", "load growth factor", "부하 증가 배수"},
	{"key.load_growth", "load growth factor", "부하 증가 배수"},
	{"key.estimate_factor", "runtime over-estimate factor", "실행 시간 과대 추정 배수"},

	{"metric.wait_mean_s", "mean wait", "평균 대기 시간"},
	{"metric.wait_p50_s", "median wait", "대기 시간 중앙값"},
	{"metric.wait_p95_s", "95th-percentile wait", "95백분위 대기 시간"},
	{"metric.wait_p99_s", "99th-percentile wait", "99백분위 대기 시간"},
	{"metric.wait_max_s", "longest wait", "최장 대기 시간"},
	{"metric.utilization", "GPU utilization", "GPU 가동률"},
	{"metric.energy_facility_kwh", "facility energy", "시설 전력량"},
	{"metric.energy_it_kwh", "IT energy", "IT 전력량"},
	{"metric.peak_power_kw", "peak facility power", "최대 시설 전력"},
	{"metric.cost_krw", "electricity cost", "전기 요금"},
	{"metric.emissions_kg_co2", "emissions", "배출량"},
	{"metric.kwh_per_gpu_hour", "energy per GPU-hour", "GPU시간당 전력량"},
	{"metric.krw_per_gpu_hour", "cost per GPU-hour", "GPU시간당 요금"},
	{"metric.mean_bounded_slowdown", "mean bounded slowdown", "평균 제한 지연 배수"},
	{"metric.cap_time_share", "time at the power cap", "전력 상한 도달 시간 비율"},
	{"metric.completed", "jobs completed", "완료 작업 수"},
	{"metric.infeasible", "jobs that cannot run", "실행 불가 작업 수"},
	{"metric.gpus", "GPUs", "GPU 수"},
	{"metric.jobs", "jobs submitted", "제출 작업 수"},
	{"metric.makespan_s", "makespan", "전체 완료 시간"},
	{"metric.power_cap_kw", "power cap", "전력 상한"},
	{"metric.jain", "fairness (Jain index of slowdown)", "공정성(지연 배수의 Jain 지수)"},

	{"col.metric", "Metric", "지표"},
	{"col.key", "Input", "입력값"},
	{"col.value", "Value", "값"},
	{"col.source", "Source (as cited in the scenario)", "출처(시나리오에 적힌 그대로)"},
	{"col.runs", "runs", "실행 수"},
	{"estimate", "estimate", "추정"},
	{"uncapped", "none", "없음"},

	{"chart.cdf", "Wait-time distribution per policy", "정책별 대기 시간 분포"},
	{"chart.cdf.x", "wait (log scale)", "대기 시간(로그 척도)"},
	{"chart.cdf.y", "share of jobs waiting at most this long", "이 시간 이하로 기다린 작업 비율"},
	{"chart.cdf.caption", "Each line shows, for one policy, the share of completed jobs that waited at most the time on the x-axis.",
		"각 선은 정책별로 가로축 시간 이하로 기다린 완료 작업의 비율입니다."},
	{"chart.cdf.partial", " Policies marked * carry only their 50th, 95th, 99th percentiles and maximum (the results file has no full distribution).",
		" *표시 정책은 결과 파일에 전체 분포가 없어 50·95·99백분위와 최댓값만 표시합니다."},
	{"chart.util", "GPU utilization over time", "시간에 따른 GPU 가동률"},
	{"chart.util.y", "GPUs allocated (share)", "할당된 GPU 비율"},
	{"chart.time.x", "days since the first submission", "첫 제출 이후 일수"},
	{"chart.util.caption", "Sampled share of each world's GPUs allocated to jobs.", "각 환경의 GPU 중 작업에 할당된 비율(표본)."},
	{"chart.util.window", " Dotted lines: the measurement window.", " 점선: 측정 구간."},
	{"chart.power", "Facility power over time against the cap", "시간에 따른 시설 전력과 전력 상한"},
	{"chart.power.y", "facility power (kW)", "시설 전력(kW)"},
	{"chart.power.caption", "Facility power (IT x PUE) of each world; the dashed line is the farm's power cap.",
		"각 환경의 시설 전력(IT x PUE). 파선은 팜의 전력 상한입니다."},
	{"chart.power.nocap", "Facility power (IT x PUE) of each world; no power cap is set.",
		"각 환경의 시설 전력(IT x PUE). 전력 상한은 없습니다."},
	{"chart.power.capunknown", "Facility power (IT x PUE) of each world; this results file does not give the power cap's level, so no cap line is drawn.",
		"각 환경의 시설 전력(IT x PUE). 이 결과 파일에는 전력 상한 값이 없어 상한선을 그리지 않았습니다."},
	{"chart.cap", "cap %s", "상한 %s"},
	{"chart.owners", "Researchers better and worse off than with %s", "%s 대비 대기 시간이 줄거나 늘어난 연구자"},
	{"chart.owners.y", "researchers", "연구자 수"},
	{"chart.owners.caption", "Per policy, how many researchers' mean wait falls (better), rises (worse) or stays within the tolerance (unchanged).",
		"정책별로 평균 대기 시간이 줄어든(개선), 늘어난(악화), 허용 오차 안에서 같은(변화 없음) 연구자 수입니다."},
	{"better", "better", "개선"},
	{"worse", "worse", "악화"},
	{"unchanged", "unchanged", "변화 없음"},
	{"chart.sweep", "%[1]s against %[2]s", "%[2]s에 따른 %[1]s"},
	{"chart.sweep.caption", "Mean over seeds; the shaded band is the 95%% confidence interval.", "시드 평균이며, 음영은 95%% 신뢰구간입니다."},
	{"chart.sizing", "Sizing: %[1]s against %[2]s", "규모 산정: %[2]s에 따른 %[1]s"},
	{"chart.sizing.caption", "Mean over seeds with its 95%% confidence band; dashed: the target; dotted: the answer.",
		"시드 평균과 95%% 신뢰구간; 파선: 목표, 점선: 답."},
	{"target", "target", "목표"},
	{"answer", "answer", "답"},

	{"repro.version", "gpuplan version", "gpuplan 버전"},
	{"repro.hash", "scenario hash (sha256)", "시나리오 해시(sha256)"},
	{"repro.seeds", "seeds", "시드"},
	{"repro.events", "event range", "이벤트 범위"},
	{"repro.events.none", "none: the workload was not read from the event log", "없음: 작업 부하를 이벤트 로그에서 읽지 않음"},
	{"repro.events.range", "%[1]s to %[2]s (stream sequence %[3]d–%[4]d)", "%[1]s ~ %[2]s (스트림 순번 %[3]d–%[4]d)"},
	{"repro.window", "measurement window", "측정 구간"},
	{"repro.input", "results file", "결과 파일"},
	{"repro.rerun", "Re-running the same version on the same scenario and seeds gives the same numbers.",
		"같은 버전으로 같은 시나리오와 시드를 다시 실행하면 같은 수치가 나옵니다."},
	{"footer", "gpuplan %[1]s · scenario %[2]s · sha256 %[3]s · seeds %[4]s · page %[5]d of %[6]s",
		"gpuplan %[1]s · 시나리오 %[2]s · sha256 %[3]s · 시드 %[4]s · %[5]d / %[6]s쪽"},
	{"assumptions.none", "The results file carries no sources and the scenario could not be read; the assumptions are those of scenario %s (hash above).",
		"결과 파일에 출처가 없고 시나리오를 읽을 수 없었습니다. 가정은 시나리오 %s(위 해시)의 것입니다."},
	{"md.charts", "The charts are in the HTML and PDF versions of this brief.", "그래프는 이 브리프의 HTML·PDF 판에 있습니다."},
}

// ErrLang reports an unsupported language.
var ErrLang = fmt.Errorf("report: unsupported language")

var cat = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, m := range messages {
		if err := b.SetString(language.English, m.id, m.en); err != nil {
			panic(err)
		}
		if err := b.SetString(language.Korean, m.id, m.ko); err != nil {
			panic(err)
		}
	}
	return b
}()

func printer(l Lang) *message.Printer {
	return message.NewPrinter(l.tag(), message.Catalog(cat))
}
