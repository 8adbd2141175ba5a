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

// exportResponse is one signal's Export<Signal>ServiceResponse.
type exportResponse[P partialSuccess] interface {
	UnmarshalProto([]byte) error
	UnmarshalJSON([]byte) error
	PartialSuccess() P
}

type partialSuccess interface{ ErrorMessage() string }

// newSignal describes one signal: its URL path is "v1/<name>", as otlp_http's, and its 2xx
// responses are read with newResponse, `rejected` giving the count in their partial_success.
func newSignal[R exportResponse[P], P partialSuccess](name, items string, newResponse func() R, rejected func(P) int64) signal {
	return signal{name: name, path: "v1/" + name, items: items, rejectedIn: readPartialSuccess(newResponse, rejected)}
}

// readPartialSuccess reads the partial_success of one signal's export response; an empty body
// has none.
func readPartialSuccess[R exportResponse[P], P partialSuccess](newResponse func() R, rejected func(P) int64) partialSuccessReader {
	return func(body []byte, contentType string) (int64, string, error) {
		if len(body) == 0 {
			return 0, "", nil
		}
		response := newResponse()
		var err error
		if contentType == "application/json" {
			err = response.UnmarshalJSON(body)
		} else {
			err = response.UnmarshalProto(body)
		}
		if err != nil {
			return 0, "", err
		}
		partial := response.PartialSuccess()
		return rejected(partial), partial.ErrorMessage(), nil
	}
}

var (
	logsSignal    = newSignal("logs", "log records", plogotlp.NewExportResponse, plogotlp.ExportPartialSuccess.RejectedLogRecords)
	tracesSignal  = newSignal("traces", "spans", ptraceotlp.NewExportResponse, ptraceotlp.ExportPartialSuccess.RejectedSpans)
	metricsSignal = newSignal("metrics", "data points", pmetricotlp.NewExportResponse, pmetricotlp.ExportPartialSuccess.RejectedDataPoints)
)
