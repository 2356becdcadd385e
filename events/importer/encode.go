package importer

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// appendJobFinished appends p as encoding/json would marshal it, for the fields an import sets.
// Importing is dominated by marshalling otherwise: reflection-driven encoding of a payload costs
// more than reading, hashing and storing it. TestEncodeMatchesJSON holds the two to the same bytes.
func appendJobFinished(b []byte, p *events.JobFinished) []byte {
	b = append(b, `{"job_id":`...)
	b = appendJSONString(b, p.JobID)
	b = append(b, `,"owner":`...)
	b = appendJSONString(b, p.Owner)
	if p.Group != "" {
		b = append(b, `,"group":`...)
		b = appendJSONString(b, p.Group)
	}
	b = append(b, `,"gpus":`...)
	b = strconv.AppendInt(b, int64(p.GPUs), 10)
	if p.GPUType != "" {
		b = append(b, `,"gpu_type":`...)
		b = appendJSONString(b, p.GPUType)
	}
	if !p.Submit.IsZero() {
		b = append(b, `,"submit":`...)
		b = appendJSONTime(b, p.Submit)
	}
	b = append(b, `,"start":`...)
	b = appendJSONTime(b, p.Start)
	b = append(b, `,"end":`...)
	b = appendJSONTime(b, p.End)
	if p.MeanUtil != 0 { // omitzero drops -0 too; the trace readers never give -0
		b = append(b, `,"mean_util":`...)
		b = appendJSONFloat(b, p.MeanUtil)
	}
	if p.MeanPowerW != 0 {
		b = append(b, `,"mean_power_w":`...)
		b = appendJSONFloat(b, p.MeanPowerW)
	}
	b = append(b, `,"source":`...)
	b = appendJSONString(b, string(p.Source))
	if t := p.Trace; t != nil {
		b = append(b, `,"trace":{`...)
		sep := ""
		if t.File != "" {
			b = append(b, `"file":`...)
			b = appendJSONString(b, t.File)
			sep = ","
		}
		if t.Format != "" {
			b = append(b, sep+`"format":`...)
			b = appendJSONString(b, t.Format)
			sep = ","
		}
		b = append(b, sep+`"seq":`...)
		b = strconv.AppendInt(b, t.Seq, 10)
		b = append(b, `,"owner_index":`...)
		b = strconv.AppendInt(b, int64(t.OwnerIndex), 10)
		b = append(b, `,"group_index":`...)
		b = strconv.AppendInt(b, int64(t.GroupIndex), 10)
		b = append(b, `,"submit_s":`...)
		b = appendJSONFloat(b, t.SubmitS)
		b = append(b, `,"duration_s":`...)
		b = appendJSONFloat(b, t.DurationS)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSONString quotes s as encoding/json does; strings that need no escaping (all of most
// traces' ids and names) take the fast path.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime writes t as time.Time.MarshalJSON does for the years 0-9999 events allow.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONFloat writes a finite float as encoding/json does: the shortest decimal that parses
// back to the same bits, in exponent form below 1e-6 and from 1e21.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9, as encoding/json writes it
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
