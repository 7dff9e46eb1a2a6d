package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// errataFile lists every known deviation between the document and what the
// SDK sends or the fake answers (see README.md for the format).
const errataFile = "errata.json"

// errata is the content of errata.json.
type errata struct {
	// NotInDocument lists operations the document does not describe at all;
	// their exchanges are skipped.
	NotInDocument []absent `json:"notInDocument"`
	// Errata are the document's known errors, each excusing the validator
	// errors it causes.
	Errata []erratum `json:"errata"`
}

// absent is an operation the document lacks.
type absent struct {
	ID string `json:"id"`
	// Requests are "METHOD /path" patterns of the SDK's requests; a {name}
	// matches one path segment.
	Requests []string `json:"requests"`
	Reason   string   `json:"reason"`

	res []*regexp.Regexp
}

// erratum excuses the validator errors one deviation causes.
type erratum struct {
	ID string `json:"id"`
	// Operations are the document's "METHOD /path" the erratum applies to
	// (after any route erratum), or ["*"] for every one.
	Operations []string `json:"operations"`
	// Side is "route", "request" or "response".
	Side string `json:"side"`
	// Status limits a response erratum to one status; 0 for any.
	Status int `json:"status,omitempty"`
	// At is the JSON pointer of the value the validator refuses ("/" for
	// the whole body); a "*" segment matches any one segment. Empty for
	// any place.
	At string `json:"at,omitempty"`
	// Error is a substring of the validator's reason.
	Error string `json:"error,omitempty"`
	// Path and DocumentPath, for a route erratum: requests whose path
	// matches Path (a {name} matches one segment) are routed as if sent to
	// DocumentPath, with the same segments.
	Path         string `json:"path,omitempty"`
	DocumentPath string `json:"documentPath,omitempty"`
	// Reason says why the document is wrong, citing the REST reference
	// (rest-api.md §9) or the issue that lists the erratum.
	Reason string `json:"reason"`

	pathRe *regexp.Regexp
	atRe   *regexp.Regexp
}

var placeholder = regexp.MustCompile(`\{[^/{}]+\}`)

// pathPattern turns "/a/{x}/b" into a regexp (unanchored) capturing each
// {name} as one path segment.
func pathPattern(p string) string {
	var b strings.Builder
	last := 0
	for _, m := range placeholder.FindAllStringIndex(p, -1) {
		b.WriteString(regexp.QuoteMeta(p[last:m[0]]))
		b.WriteString("([^/]+)")
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(p[last:]))
	return b.String()
}

// loadErrata reads and checks errata.json.
func loadErrata() (*errata, error) {
	data, err := os.ReadFile(errataFile)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e errata
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: %w", errataFile, err)
	}
	ids := map[string]bool{}
	seen := func(id string) error {
		if id == "" {
			return fmt.Errorf("%s: an entry without id", errataFile)
		}
		if ids[id] {
			return fmt.Errorf("%s: id %q listed twice", errataFile, id)
		}
		ids[id] = true
		return nil
	}
	for i := range e.NotInDocument {
		a := &e.NotInDocument[i]
		if err := seen(a.ID); err != nil {
			return nil, err
		}
		if len(a.Requests) == 0 || a.Reason == "" {
			return nil, fmt.Errorf("%s: %s needs requests and a reason", errataFile, a.ID)
		}
		for _, r := range a.Requests {
			method, path, ok := strings.Cut(r, " ")
			if !ok || !strings.HasPrefix(path, "/") {
				return nil, fmt.Errorf("%s: %s: %q is not \"METHOD /path\"", errataFile, a.ID, r)
			}
			a.res = append(a.res, regexp.MustCompile("^"+regexp.QuoteMeta(method)+" "+pathPattern(path)+"$"))
		}
	}
	for i := range e.Errata {
		x := &e.Errata[i]
		if err := seen(x.ID); err != nil {
			return nil, err
		}
		if err := x.check(); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", errataFile, x.ID, err)
		}
	}
	return &e, nil
}

func (x *erratum) check() error {
	if x.Reason == "" || len(x.Operations) == 0 {
		return fmt.Errorf("needs operations and a reason")
	}
	switch x.Side {
	case "route":
		if x.Path == "" || x.DocumentPath == "" || x.Error != "" || x.At != "" || x.Status != 0 {
			return fmt.Errorf("a route erratum has path and documentPath only")
		}
		if len(x.Operations) != 1 || !strings.HasSuffix(x.Operations[0], " "+x.DocumentPath) {
			return fmt.Errorf("a route erratum names the one operation at its documentPath")
		}
		x.pathRe = regexp.MustCompile("^" + pathPattern(x.Path) + "$")
	case "request", "response":
		if x.Error == "" || x.Path != "" || x.DocumentPath != "" {
			return fmt.Errorf("a %s erratum has an error (and no path)", x.Side)
		}
		if x.Side == "request" && x.Status != 0 {
			return fmt.Errorf("a request erratum has no status")
		}
		if x.At != "" {
			if !strings.HasPrefix(x.At, "/") {
				return fmt.Errorf("at %q is not a JSON pointer", x.At)
			}
			x.atRe = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(x.At), `\*`, `[^/]+`) + "$")
		}
	default:
		return fmt.Errorf("side %q is not route, request or response", x.Side)
	}
	return nil
}

// absentFor returns the entry listing the request as not in the document.
func (e *errata) absentFor(method, path string) *absent {
	for i := range e.NotInDocument {
		for _, re := range e.NotInDocument[i].res {
			if re.MatchString(method + " " + path) {
				return &e.NotInDocument[i]
			}
		}
	}
	return nil
}

// reroute returns the document's path for a request path the document
// spells differently, and the route erratum that says so.
func (e *errata) reroute(method, path string) (string, *erratum) {
	for i := range e.Errata {
		x := &e.Errata[i]
		if x.Side != "route" || !strings.HasPrefix(x.Operations[0], method+" ") {
			continue
		}
		m := x.pathRe.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		i := 0
		doc := placeholder.ReplaceAllStringFunc(x.DocumentPath, func(string) string {
			i++
			if i < len(m) {
				return m[i]
			}
			return ""
		})
		return doc, x
	}
	return "", nil
}

// excuse returns the erratum that excuses the issue an exchange of
// operation op (the document's "METHOD /path") raised.
func (e *errata) excuse(op string, status int, is issue) *erratum {
	for i := range e.Errata {
		x := &e.Errata[i]
		if x.Side != is.Side || (x.Status != 0 && x.Status != status) {
			continue
		}
		if !(len(x.Operations) == 1 && x.Operations[0] == "*") && !slices.Contains(x.Operations, op) {
			continue
		}
		if x.atRe != nil && !x.atRe.MatchString(is.At) {
			continue
		}
		if strings.Contains(is.Reason, x.Error) {
			return x
		}
	}
	return nil
}
