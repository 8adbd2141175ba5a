package lifelineotlphttpexporter

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Dead-letter file format, the same as Lifeline's Node exporter writes (so the same tools read
// both): one file per permanently rejected batch, written to `<name>.tmp`, fsync'd, renamed, so a
// file is either whole or absent.
//
//	<directory>/<time>-<pid>-<seq>.deadletter
//	┌──────────────────────────────────────────────┬────┬──────────────────────────────────────┐
//	│ metadata: one line of JSON (UTF-8, no '\n')  │ \n │ body: `bodyBytes` bytes, the batch   │
//	│ {"format":"lifeline-dead-letter/1", ...}     │    │ as sent (OTLP protobuf               │
//	└──────────────────────────────────────────────┴────┴─ Export<Signal>ServiceRequest) ──────┘
const deadLetterFormat = "lifeline-dead-letter/1"

const deadLetterSuffix = ".deadletter"

type deadLetterMetadata struct {
	Format      string `json:"format"`
	Signal      string `json:"signal"`
	Endpoint    string `json:"endpoint"`
	Status      int    `json:"status,omitempty"`
	Reason      string `json:"reason"`
	Time        string `json:"time"`
	Items       int    `json:"items"`
	BodyBytes   int    `json:"bodyBytes"`
	ContentType string `json:"contentType"`
}

// deadLetterWriter keeps rejected batches in a bounded directory. Safe for concurrent use.
type deadLetterWriter struct {
	directory string
	maxBytes  int64

	mu       sync.Mutex
	used     int64
	measured bool
}

// deadLetterSequence numbers files across writers (one per signal) sharing a directory.
var deadLetterSequence atomic.Int64

func newDeadLetterWriter(config DeadLetterConfig) *deadLetterWriter {
	if config.Directory == "" {
		return nil
	}
	return &deadLetterWriter{directory: config.Directory, maxBytes: config.MaxBytes}
}

// measure adds up the dead letters already in the directory (from earlier runs).
func (w *deadLetterWriter) measure() error {
	if err := os.MkdirAll(w.directory, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(w.directory)
	if err != nil {
		return err
	}
	w.used = 0
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), deadLetterSuffix) {
			continue
		}
		if info, err := entry.Info(); err == nil {
			w.used += info.Size()
		}
	}
	w.measured = true
	return nil
}

// write keeps one batch and returns the file's path.
func (w *deadLetterWriter) write(body []byte, metadata deadLetterMetadata) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.measured {
		if err := w.measure(); err != nil {
			return "", fmt.Errorf("dead-letter directory %s: %w", w.directory, err)
		}
	}
	now := time.Now().UTC()
	metadata.Format = deadLetterFormat
	metadata.Time = now.Format("2006-01-02T15:04:05.000Z")
	metadata.BodyBytes = len(body)
	metadata.ContentType = "application/x-protobuf"
	header, err := json.Marshal(metadata)
	if err != nil {
		return "", err
	}
	size := int64(len(header) + 1 + len(body))
	if w.used+size > w.maxBytes {
		return "", fmt.Errorf("dead-letter directory %s is full (%d of %d bytes)", w.directory, w.used, w.maxBytes)
	}
	name := fmt.Sprintf("%s-%d-%d%s", strings.NewReplacer(":", "-", ".", "-").Replace(metadata.Time), os.Getpid(), deadLetterSequence.Add(1), deadLetterSuffix)
	file := filepath.Join(w.directory, name)
	if err := writeDurably(file, append(append(header, '\n'), body...)); err != nil {
		w.measured = false
		return "", err
	}
	w.used += size
	return file, nil
}

// writeDurably writes file.tmp, fsyncs it, renames it to file and fsyncs the directory.
func writeDurably(file string, content []byte) error {
	tmp := file + ".tmp"
	handle, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = handle.Write(content)
	if err == nil {
		err = handle.Sync()
	}
	if closeErr := handle.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(file))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
