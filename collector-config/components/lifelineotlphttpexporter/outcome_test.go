package lifelineotlphttpexporter

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
)

func partialBody(t *testing.T, rejected int64) []byte {
	t.Helper()
	response := plogotlp.NewExportResponse()
	response.PartialSuccess().SetRejectedLogRecords(rejected)
	response.PartialSuccess().SetErrorMessage("bad records")
	body, err := response.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestOutcomeTable(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rpcStatus, _ := proto.Marshal(&status.Status{Code: 3, Message: "field x is invalid"})
	cases := []struct {
		name       string
		code       int
		retryAfter string
		body       []byte
		want       outcomeKind
		rejected   int64
		wait       time.Duration
		reason     string
	}{
		{name: "200 without a body", code: 200, want: outcomeOK},
		{name: "200 with zero rejected", code: 200, body: partialBody(t, 0), want: outcomeOK},
		{name: "200 with an undecodable body", code: 200, body: []byte{0xff, 0xff}, want: outcomeOK},
		{name: "202 with rejected items", code: 202, body: partialBody(t, 3), want: outcomePartial, rejected: 3},
		{name: "408", code: 408, want: outcomeRetryable},
		{name: "429 with Retry-After seconds", code: 429, retryAfter: "7", want: outcomeRetryable, wait: 7 * time.Second},
		{name: "503 with Retry-After as an HTTP date", code: 503, retryAfter: now.Add(90 * time.Second).Format(http.TimeFormat), want: outcomeRetryable, wait: 90 * time.Second},
		{name: "503 with Retry-After in the past", code: 503, retryAfter: now.Add(-time.Minute).Format(http.TimeFormat), want: outcomeRetryable},
		{name: "429 with a Retry-After past the clamp", code: 429, retryAfter: "86400", want: outcomeRetryable, wait: maxRetryAfter},
		{name: "429 with an unreadable Retry-After", code: 429, retryAfter: "soon", want: outcomeRetryable},
		{name: "502", code: 502, want: outcomeRetryable},
		{name: "504", code: 504, want: outcomeRetryable},
		{name: "400 with a google.rpc.Status", code: 400, body: rpcStatus, want: outcomeRejected, reason: "HTTP 400: field x is invalid"},
		{name: "401", code: 401, want: outcomeRejected, reason: "HTTP 401"},
		{name: "413", code: 413, want: outcomeRejected},
		{name: "500", code: 500, want: outcomeRejected},
		{name: "301 (a redirect not followed)", code: 301, want: outcomeRejected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header := http.Header{}
			if c.retryAfter != "" {
				header.Set("Retry-After", c.retryAfter)
			}
			got := classifyResponse(c.code, header, c.body, logsSignal.rejectedIn, now)
			if got.kind != c.want {
				t.Fatalf("kind = %s, want %s (reason %q)", got.kind, c.want, got.reason)
			}
			if got.status != c.code {
				t.Errorf("status = %d, want %d", got.status, c.code)
			}
			if got.rejected != c.rejected {
				t.Errorf("rejected = %d, want %d", got.rejected, c.rejected)
			}
			if got.retryAfter != c.wait {
				t.Errorf("retryAfter = %s, want %s", got.retryAfter, c.wait)
			}
			if c.reason != "" && got.reason != c.reason {
				t.Errorf("reason = %q, want %q", got.reason, c.reason)
			}
		})
	}
}

func TestTransportErrorsAreRetryable(t *testing.T) {
	got := classifyTransportError(errors.New("dial tcp 127.0.0.1:1: connect: connection refused"))
	if got.kind != outcomeRetryable || got.status != 0 {
		t.Fatalf("got %+v, want retryable without a status", got)
	}
}
