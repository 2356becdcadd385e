package report_test

import (
	"fmt"
	"io"

	"github.com/gpuplan/gpuplan/planner/report"
)

// Decode a simulate result and lay out its Korean brief; WriteHTML, WritePDF and WriteMarkdown then
// render the same brief in each format.
func Example() {
	doc, err := report.ReadFile("testdata/simulate-small.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := report.New(doc, report.Korean)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Title)
	fmt.Println(b.Findings[1])
	for _, c := range b.Charts {
		fmt.Println(c.ID)
	}
	if err := b.WriteMarkdown(io.Discard); err != nil {
		fmt.Println(err)
	}
	// Output:
	// GPU 통합 정책 브리프: small
	// 통합 팜, 선착순: 95백분위 대기 시간 17.6분, 평균 대기 시간 4.7분 (분산 보유: 3.1일, 21.9시간). (1회 실행, 시드 1; 측정 구간 분산 보유 12.4일, 팜 FIFO 8.2일)
	// wait-cdf
	// utilization
	// power
	// owners
}
