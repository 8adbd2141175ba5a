package lifelineotlphttpexporter

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
)

var batch = []byte("an OTLP request")

func TestFailoverSendsTheSameBatchToTheNextEndpointWhenTheFirstRefusesTheConnection(t *testing.T) {
	secondary := newBackend(t)
	sender, _ := newTestSender(t, "", []string{refusingURL(t), secondary.server.URL}, 10*time.Second)

	if err := sender.send(context.Background(), batch, 1); err != nil {
		t.Fatalf("send: %v", err)
	}
	if secondary.count() != 1 {
		t.Fatalf("secondary got %d requests, want 1", secondary.count())
	}
	if got := sender.usable(); got[0] || !got[1] {
		t.Fatalf("usable = %v, want the primary skipped and the secondary usable", got)
	}
}

func TestFailoverMovesOnFromAHungEndpointAfterTheAttemptTimeout(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.hang()
	sender, _ := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, 200*time.Millisecond)

	start := time.Now()
	if err := sender.send(context.Background(), batch, 1); err != nil {
		t.Fatalf("send: %v", err)
	}
	took := time.Since(start)
	if primary.count() != 1 || secondary.count() != 1 {
		t.Fatalf("requests: primary %d, secondary %d; want 1 and 1", primary.count(), secondary.count())
	}
	if took < 200*time.Millisecond {
		t.Fatalf("moved on after %s, before the attempt timeout of 200ms", took)
	}
}

func TestFailoverSkipsAFailedEndpointUntilItsProbeThenFailsBackWhenItAnswers(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.status(http.StatusServiceUnavailable)
	sender, clock := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, time.Second)

	_ = sender.send(context.Background(), batch, 1) // primary 503 → secondary
	_ = sender.send(context.Background(), batch, 1) // primary skipped
	if primary.count() != 1 || secondary.count() != 2 {
		t.Fatalf("within the probe interval: primary %d, secondary %d; want 1 and 2", primary.count(), secondary.count())
	}

	clock.advance(31 * time.Second)
	primary.script(nil) // back up
	if err := sender.send(context.Background(), batch, 1); err != nil {
		t.Fatalf("send: %v", err)
	}
	if primary.count() != 2 || secondary.count() != 2 {
		t.Fatalf("after the probe interval the batch must go to the primary first: primary %d, secondary %d", primary.count(), secondary.count())
	}
	_ = sender.send(context.Background(), batch, 1)
	if primary.count() != 3 {
		t.Fatalf("traffic must stay on the primary after it answered; primary got %d", primary.count())
	}
}

func TestFailoverProbeThatFailsSkipsTheEndpointAgainAndTheBatchStillGoesThrough(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.status(http.StatusBadGateway)
	sender, clock := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, time.Second)
	_ = sender.send(context.Background(), batch, 1)
	clock.advance(31 * time.Second)

	if err := sender.send(context.Background(), batch, 1); err != nil {
		t.Fatalf("send: %v", err)
	}
	if primary.count() != 2 || secondary.count() != 2 {
		t.Fatalf("primary %d, secondary %d; want the probe on the primary and the batch on the secondary", primary.count(), secondary.count())
	}
	if sender.usable()[0] {
		t.Fatal("a failed probe must skip the primary for another interval")
	}
}

func TestFailoverReturnsARetryableErrorWhenEveryEndpointFails(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.status(http.StatusServiceUnavailable)
	secondary.status(http.StatusBadGateway)
	sender, _ := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, time.Second)

	err := sender.send(context.Background(), batch, 1)
	if err == nil || consumererror.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	// Every endpoint is skipped now, but none is throttled: the next round tries them all again.
	_ = sender.send(context.Background(), batch, 1)
	if primary.count() != 2 || secondary.count() != 2 {
		t.Fatalf("primary %d, secondary %d; want both tried on each round", primary.count(), secondary.count())
	}
}

func TestFailoverHonoursRetryAfterWhenEveryEndpointThrottles(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.status(http.StatusTooManyRequests, "Retry-After", "20")
	secondary.status(http.StatusTooManyRequests, "Retry-After", "5")
	sender, clock := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, time.Second)

	err := sender.send(context.Background(), batch, 1)
	if err == nil || !strings.Contains(err.Error(), "Throttle (5s)") {
		t.Fatalf("err = %v, want a throttle of the shortest Retry-After (5s)", err)
	}
	// While both are throttled nothing is sent; the error says how long to wait.
	clock.advance(time.Second)
	err = sender.send(context.Background(), batch, 1)
	if err == nil || !strings.Contains(err.Error(), "Throttle (4s)") {
		t.Fatalf("err = %v, want a throttle of the 4s left", err)
	}
	if primary.count() != 1 || secondary.count() != 1 {
		t.Fatalf("a throttled endpoint got a request before its Retry-After: primary %d, secondary %d", primary.count(), secondary.count())
	}
	clock.advance(5 * time.Second)
	secondary.script(nil)
	if err := sender.send(context.Background(), batch, 1); err != nil {
		t.Fatalf("after the secondary's Retry-After: %v", err)
	}
}

func TestFailoverCountsAPartialSuccessAsDeliveredWithoutRetrying(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	body := partialBody(t, 2)
	primary.script(func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(body)
	})
	sender, _ := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, time.Second)
	if err := sender.send(context.Background(), batch, 5); err != nil {
		t.Fatalf("send: %v", err)
	}
	if primary.count() != 1 || secondary.count() != 0 {
		t.Fatalf("primary %d, secondary %d; want 1 and 0", primary.count(), secondary.count())
	}
}

func TestFailoverMovesAPermanentlyRejectedBatchToTheDeadLetterDirectory(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.status(http.StatusBadRequest)
	dir := t.TempDir()
	sender, _ := newTestSender(t, dir, []string{primary.server.URL, secondary.server.URL}, time.Second)

	err := sender.send(context.Background(), batch, 3)
	if !consumererror.IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error (not retried)", err)
	}
	if secondary.count() != 0 {
		t.Fatal("a rejected batch must not go to the next endpoint: it would be rejected there too")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.deadletter"))
	if len(files) != 1 {
		t.Fatalf("dead letters: %v, want one file", files)
	}
	content, _ := os.ReadFile(files[0])
	header, body, _ := strings.Cut(string(content), "\n")
	for _, field := range []string{`"format":"lifeline-dead-letter/1"`, `"signal":"logs"`, `"status":400`, `"items":3`, `"bodyBytes":15`} {
		if !strings.Contains(header, field) {
			t.Errorf("metadata %s lacks %s", header, field)
		}
	}
	if body != string(batch) {
		t.Errorf("body = %q, want the batch as sent", body)
	}
	if !strings.Contains(err.Error(), files[0]) {
		t.Errorf("err = %v, want it to name the dead-letter file", err)
	}
}

func TestFailoverDropsAndSaysSoWhenTheDeadLetterDirectoryIsFull(t *testing.T) {
	primary := newBackend(t)
	primary.status(http.StatusForbidden)
	sender, _ := newTestSender(t, t.TempDir(), []string{primary.server.URL}, time.Second)
	sender.deadLetters.maxBytes = 10

	err := sender.send(context.Background(), batch, 1)
	if !consumererror.IsPermanent(err) || !strings.Contains(err.Error(), "is full") {
		t.Fatalf("err = %v, want a permanent error saying the directory is full", err)
	}
}

func TestFailoverGivesNoVerdictOnAnEndpointWhenTheCallerGivesUp(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.hang()
	sender, _ := newTestSender(t, "", []string{primary.server.URL, secondary.server.URL}, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	if err := sender.send(ctx, batch, 1); err == nil {
		t.Fatal("want an error when the context ends")
	}
	if secondary.count() != 0 || !sender.usable()[0] {
		t.Fatal("a shutdown must neither fail over nor mark the endpoint as failed")
	}
}
