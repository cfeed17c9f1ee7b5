package langfuseexporter

import (
	"fmt"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestZZPrint(t *testing.T) {
	data, _ := readTestdata("captures/vercel-ai.json")
	td, _ := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	views, users := readCaptureViews(td)
	for id, v := range views {
		fmt.Println(id, v.Name, v.Type, v.Aggregate, v.Usage.Present, v.Usage.Total, v.Model(), v.UserID)
	}
	fmt.Println(users)
}
