package lifelineotlphttpexporter

import (
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// partialSuccessReader returns the rejected count and message of a 2xx body's partial_success.
type partialSuccessReader func(body []byte, contentType string) (rejected int64, message string, err error)

// signal is what differs between logs, traces and metrics below the queue.
type signal struct {
	name string
	// path is appended to an endpoint's base URL, as otlp_http does.
	path string
	// items names what is counted, for dead letters ("log records").
	items      string
	rejectedIn partialSuccessReader
}

type exportResponse interface {
	UnmarshalProto([]byte) error
	UnmarshalJSON([]byte) error
}

func decodeResponse(response exportResponse, body []byte, contentType string) (bool, error) {
	if len(body) == 0 {
		return false, nil
	}
	switch contentType {
	case "application/json":
		return true, response.UnmarshalJSON(body)
	default:
		return true, response.UnmarshalProto(body)
	}
}

// readPartialSuccess reads the partial_success of one signal's export response.
func readPartialSuccess[R exportResponse](newResponse func() R, read func(R) (int64, string)) partialSuccessReader {
	return func(body []byte, contentType string) (int64, string, error) {
		response := newResponse()
		if decoded, err := decodeResponse(response, body, contentType); !decoded || err != nil {
			return 0, "", err
		}
		rejected, message := read(response)
		return rejected, message, nil
	}
}

var logsSignal = signal{
	name:  "logs",
	path:  "v1/logs",
	items: "log records",
	rejectedIn: readPartialSuccess(plogotlp.NewExportResponse, func(r plogotlp.ExportResponse) (int64, string) {
		return r.PartialSuccess().RejectedLogRecords(), r.PartialSuccess().ErrorMessage()
	}),
}

var tracesSignal = signal{
	name:  "traces",
	path:  "v1/traces",
	items: "spans",
	rejectedIn: readPartialSuccess(ptraceotlp.NewExportResponse, func(r ptraceotlp.ExportResponse) (int64, string) {
		return r.PartialSuccess().RejectedSpans(), r.PartialSuccess().ErrorMessage()
	}),
}

var metricsSignal = signal{
	name:  "metrics",
	path:  "v1/metrics",
	items: "data points",
	rejectedIn: readPartialSuccess(pmetricotlp.NewExportResponse, func(r pmetricotlp.ExportResponse) (int64, string) {
		return r.PartialSuccess().RejectedDataPoints(), r.PartialSuccess().ErrorMessage()
	}),
}
