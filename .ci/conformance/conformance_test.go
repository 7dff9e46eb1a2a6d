// Package conformance validates the SDK's requests and the opentoktest
// fake's answers against Vonage's OpenAPI document (see README.md).
package conformance

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
)

// failure is an issue no erratum excuses.
type failure struct {
	x     exchange
	route string
	issue
}

// TestConformance captures the exchanges of the SDK's operation table
// against the fake (both credential kinds, successes and error answers),
// validates each request and answer against the document, and fails on
// every validator error that errata.json does not excuse, and on every
// entry of errata.json that excuses nothing.
func TestConformance(t *testing.T) {
	known, err := loadErrata()
	if err != nil {
		t.Fatal(err)
	}
	v, err := newValidator()
	if err != nil {
		t.Fatal(err)
	}
	xs := capture(t)

	used := map[string]int{} // entry ID -> exchanges skipped or rerouted, errors excused
	var fails []failure
	var clean, skipped, excused, failed int
	seenOps := map[string]bool{}
	kinds := map[string]int{}
	for _, x := range xs {
		kinds[x.Kind]++
		u, err := url.Parse(x.URL)
		if err != nil {
			t.Fatalf("%v: %v", x, err)
		}
		path := u.EscapedPath()
		if a := known.absentFor(x.Method, path); a != nil {
			used[a.ID]++
			skipped++
			continue
		}
		op, issues := v.check(x, path)
		rerouted := false
		if op == "" {
			if doc, r := known.reroute(x.Method, path); r != nil {
				used[r.ID]++
				rerouted = true
				op, issues = v.check(x, doc)
			}
		}
		if op != "" {
			seenOps[op] = true
		}
		n := len(fails)
		for _, is := range issues {
			if e := known.excuse(op, x.Status, is); e != nil {
				used[e.ID]++
				continue
			}
			fails = append(fails, failure{x: x, route: op, issue: is})
		}
		switch {
		case len(fails) > n:
			failed++
		case len(issues) == 0 && !rerouted:
			clean++
		default:
			excused++
		}
	}

	// The summary.
	var sum strings.Builder
	fmt.Fprintf(&sum, "%d exchanges (", len(xs))
	for i, k := range slices.Sorted(maps.Keys(kinds)) {
		if i > 0 {
			sum.WriteString(", ")
		}
		fmt.Fprintf(&sum, "%s %d", k, kinds[k])
	}
	fmt.Fprintf(&sum, "): %d validated (%d clean, %d only with errata), %d skipped as not in the document, %d failed\n",
		clean+excused, clean, excused, skipped, failed)
	tw := tabwriter.NewWriter(&sum, 2, 8, 2, ' ', 0)
	for _, a := range known.NotInDocument {
		fmt.Fprintf(tw, "  not in the document\t%s\t%d exchanges skipped\n", a.ID, used[a.ID])
	}
	for _, e := range known.Errata {
		what := "validator errors excused"
		if e.Side == "route" {
			what = "exchanges routed to " + e.DocumentPath
		}
		fmt.Fprintf(tw, "  erratum\t%s\t%d %s\n", e.ID, used[e.ID], what)
	}
	tw.Flush()
	var missing []string
	for _, op := range v.operations() {
		if !seenOps[op] {
			missing = append(missing, op)
		}
	}
	slices.Sort(missing)
	fmt.Fprintf(&sum, "documented operations exercised: %d of %d", len(seenOps), len(seenOps)+len(missing))
	if len(missing) > 0 {
		fmt.Fprintf(&sum, "; not exercised: %s", strings.Join(missing, ", "))
	}
	t.Log("\n" + sum.String())

	if len(fails) > 0 {
		var b strings.Builder
		tw := tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "OP\tKIND\tREQUEST\tSTATUS\tSIDE\tAT\tVALIDATOR ERROR")
		for _, f := range fails {
			u, _ := url.Parse(f.x.URL)
			req := f.x.Method + " " + u.EscapedPath()
			if f.route != "" {
				req = f.route
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", f.x.Op, f.x.Kind, req, f.x.Status, f.Side, f.At, oneLine(f.Reason))
		}
		tw.Flush()
		t.Errorf("%d validator errors no entry of %s excuses (fix the SDK or the fake, or add an erratum with its reason):\n%s", len(fails), errataFile, b.String())
	}
	for _, id := range known.ids() {
		if used[id] == 0 {
			t.Errorf("%s: %s excuses nothing any more: remove it", errataFile, id)
		}
	}
}

// ids returns the IDs of every entry of the errata file.
func (e *errata) ids() []string {
	var out []string
	for _, a := range e.NotInDocument {
		out = append(out, a.ID)
	}
	for _, x := range e.Errata {
		out = append(out, x.ID)
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
