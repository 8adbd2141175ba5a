// Command check-dashboard checks Grafana dashboard JSON files against Grafana's dashboard schema
// as published in the Grafana Foundation SDK (types generated from Grafana's own schema): strict
// decoding (no unknown fields, required fields present, right types, panel options and Prometheus
// queries decoded by their panel and datasource types), then the schema's constraints.
//
//	go run . dashboard.json ...
//
// Prints "ok <file>: <n> panels" per valid file; otherwise each error with its path, and exits 1.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: check-dashboard <dashboard.json>...")
		os.Exit(2)
	}
	// Panel option and query types are decoded by their plugin (timeseries, stat, prometheus, ...).
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, file := range os.Args[1:] {
		if err := check(file); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// failed tells a real error from an empty cog.BuildErrors, which the SDK returns as a non-nil
// error interface holding a nil list when there was nothing wrong.
func failed(err error) bool {
	var list cog.BuildErrors
	if errors.As(err, &list) {
		return len(list) > 0
	}
	return err != nil
}

func check(file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var board dashboard.Dashboard
	if err := board.UnmarshalJSONStrict(raw); failed(err) {
		return fmt.Errorf("does not match the dashboard schema: %w", err)
	}
	if err := board.Validate(); failed(err) {
		return fmt.Errorf("breaks a schema constraint: %w", err)
	}
	// The SDK drops each decoded panel (see failed), so the panels are decoded and validated
	// here one by one.
	var top struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return err
	}
	panels := 0
	for i, rawPanel := range top.Panels {
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(rawPanel, &kind); err != nil {
			return fmt.Errorf("panels[%d]: %w", i, err)
		}
		var err error
		if kind.Type == "row" {
			var row dashboard.RowPanel
			if err = row.UnmarshalJSONStrict(rawPanel); !failed(err) {
				err = row.Validate()
			}
		} else {
			var panel dashboard.Panel
			if err = panel.UnmarshalJSONStrict(rawPanel); !failed(err) {
				err = panel.Validate()
				panels++
			}
		}
		if failed(err) {
			return fmt.Errorf("panels[%d] (%s): %w", i, kind.Type, err)
		}
	}
	fmt.Printf("ok %s: %d panels\n", file, panels)
	return nil
}
