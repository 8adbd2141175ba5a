package lifelineotlphttpexporter

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
)

// The outcome table: every answer (or non-answer) of an endpoint is one of four kinds.
//
//	2xx, no partial_success or 0 rejected             → ok
//	2xx with rejected > 0                             → partial   (counted and logged, not retried)
//	408, 429, 502, 503, 504                           → retryable (Retry-After honoured, clamped)
//	refused / reset / DNS / TLS / attempt timeout     → retryable
//	any other status                                  → rejected  (dead-letter directory)
//
// A retryable outcome moves the same batch to the next endpoint at once; a rejected one ends the
// batch there (another backend would refuse the same bytes).
type outcomeKind int

const (
	outcomeOK outcomeKind = iota
	outcomePartial
	outcomeRetryable
	outcomeRejected
)

func (k outcomeKind) String() string {
	switch k {
	case outcomeOK:
		return "ok"
	case outcomePartial:
		return "partial"
	case outcomeRetryable:
		return "retryable"
	default:
		return "rejected"
	}
}

type outcome struct {
	kind outcomeKind
	// status is the HTTP status, 0 when no answer came.
	status int
	// rejected is the partial-success count of refused items.
	rejected int64
	// retryAfter is the endpoint's Retry-After, 0 when it gave none.
	retryAfter time.Duration
	// reason says what happened, for logs and dead letters.
	reason string
}

// maxRetryAfter bounds a Retry-After: a backend asking for an hour must not stall the queue.
const maxRetryAfter = 5 * time.Minute

func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// classifyResponse applies the outcome table to an HTTP answer. body is at most the first
// 64 KiB of the response; rejectedIn reads the signal's partial_success from it.
func classifyResponse(code int, header http.Header, body []byte, rejectedIn partialSuccessReader, now time.Time) outcome {
	if code >= 200 && code <= 299 {
		rejected, message, err := rejectedIn(body, header.Get("Content-Type"))
		if err != nil || rejected == 0 {
			// An undecodable 2xx body is still an acceptance (as in otlp_http): the data arrived.
			return outcome{kind: outcomeOK, status: code}
		}
		return outcome{
			kind:     outcomePartial,
			status:   code,
			rejected: rejected,
			reason:   fmt.Sprintf("HTTP %d, partial success: %d rejected: %s", code, rejected, message),
		}
	}
	reason := fmt.Sprintf("HTTP %d", code)
	if message := statusMessage(body); message != "" {
		reason += ": " + message
	}
	if isRetryableStatus(code) {
		return outcome{
			kind:       outcomeRetryable,
			status:     code,
			retryAfter: parseRetryAfter(header.Get("Retry-After"), now),
			reason:     reason,
		}
	}
	return outcome{kind: outcomeRejected, status: code, reason: reason}
}

// classifyTransportError: no HTTP answer at all (refused, reset, DNS, TLS, attempt timeout) is
// retryable; another endpoint may well answer.
func classifyTransportError(err error) outcome {
	return outcome{kind: outcomeRetryable, reason: err.Error()}
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3), clamped to
// [0, maxRetryAfter]; 0 when absent or unreadable.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	var delay time.Duration
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		delay = time.Duration(seconds) * time.Second
	} else if date, err := http.ParseTime(value); err == nil {
		delay = date.Sub(now)
	}
	return min(max(delay, 0), maxRetryAfter)
}

// statusMessage decodes the google.rpc.Status an OTLP endpoint puts in a 4xx/5xx body.
func statusMessage(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var decoded status.Status
	if err := proto.Unmarshal(body, &decoded); err != nil {
		return ""
	}
	return decoded.GetMessage()
}
