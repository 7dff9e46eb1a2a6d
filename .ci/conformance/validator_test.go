package conformance

import (
	"net/http"
	"strings"
	"testing"
)

// TestValidatorRefusesDeviations feeds the validator made-up exchanges that
// break the document in one way each, so that a validator (or an options
// change) that lets everything through cannot pass TestConformance.
func TestValidatorRefusesDeviations(t *testing.T) {
	v, err := newValidator()
	if err != nil {
		t.Fatal(err)
	}
	const (
		p       = "/v2/project/app"
		errBody = `{"code":403,"message":"Authentication error"}`
	)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	cases := []struct {
		name                 string
		x                    exchange
		side, at, wantReason string
	}{
		{"a required request property missing",
			exchange{Method: "POST", URL: "http://fake" + p + "/archive", RequestHeaders: jsonHeader, RequestBody: `{"name":"n"}`,
				Status: 403, ResponseHeaders: jsonHeader, ResponseBody: errBody},
			"request", "/sessionId", `property "sessionId" is missing`},
		{"a form field of the wrong type",
			exchange{Method: "POST", URL: "http://fake/session/create", RequestHeaders: form, RequestBody: "e2ee=maybe",
				Status: 200, ResponseHeaders: jsonHeader, ResponseBody: `[]`},
			"request", "", "e2ee"},
		{"a query parameter of the wrong type",
			exchange{Method: "GET", URL: "http://fake" + p + "/archive?count=many",
				Status: 200, ResponseHeaders: jsonHeader, ResponseBody: `{"count":0,"items":[]}`},
			"request", "", `query parameter "count"`},
		{"an answer field of the wrong type",
			exchange{Method: "GET", URL: "http://fake" + p + "/archive/a1",
				Status: 200, ResponseHeaders: jsonHeader, ResponseBody: `{"id":"a1","duration":"5"}`},
			"response", "/duration", "value must be an integer"},
		{"an enum value the document does not list",
			exchange{Method: "GET", URL: "http://fake" + p + "/render/r1",
				Status: 200, ResponseHeaders: jsonHeader, ResponseBody: `{"id":"r1","status":"paused"}`},
			"response", "/status", "value is not one of the allowed values"},
		{"an error body of the wrong shape",
			exchange{Method: "POST", URL: "http://fake" + p + "/archive/a1/stop",
				Status: 404, ResponseHeaders: jsonHeader, ResponseBody: `{"code":"404","message":"no"}`},
			"response", "/code", "value must be an integer"},
		{"a status the document does not list",
			exchange{Method: "DELETE", URL: "http://fake" + p + "/archive/a1", Status: 418},
			"response", "", "status is not supported"},
		{"a path the document does not have",
			exchange{Method: "GET", URL: "http://fake" + p + "/nothing", Status: 200},
			"route", "", "no operation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := c.x.URL[len("http://fake"):]
			path, _, _ := strings.Cut(u, "?")
			_, issues := v.check(c.x, path)
			for _, is := range issues {
				if is.Side == c.side && (c.at == "" || is.At == c.at) && strings.Contains(is.Reason, c.wantReason) {
					return
				}
			}
			t.Errorf("want a %s issue at %q containing %q; got %+v", c.side, c.at, c.wantReason, issues)
		})
	}
}

// TestErrataExcuseOnlyWhatTheySay checks that an erratum excuses its error
// at its place in its operations only.
func TestErrataExcuseOnlyWhatTheySay(t *testing.T) {
	known, err := loadErrata()
	if err != nil {
		t.Fatal(err)
	}
	const archive = "POST /v2/project/{application_id}/archive"
	null := issue{Side: "response", At: "/url", Reason: "Value is not nullable"}
	if e := known.excuse(archive, 200, null); e == nil || e.ID != "archive-url-null" {
		t.Errorf("a null archive URL is not excused by archive-url-null: %v", e)
	}
	for name, c := range map[string]struct {
		op     string
		status int
		is     issue
	}{
		"another operation": {"GET /v2/project/{application_id}/render/{experience_composer_id}", 200, null},
		"another status":    {archive, 409, null},
		"another place":     {archive, 200, issue{Side: "response", At: "/size", Reason: null.Reason}},
		"another error":     {archive, 200, issue{Side: "response", At: "/url", Reason: "value must be a string"}},
		"the request":       {archive, 200, issue{Side: "request", At: "/url", Reason: null.Reason}},
	} {
		if e := known.excuse(c.op, c.status, c.is); e != nil {
			t.Errorf("%s: %s excuses %+v", name, e.ID, c.is)
		}
	}
	if doc, e := known.reroute("POST", "/v2/project/k/session/s/play-dtmf"); e == nil || doc != "/v2/projects/k/session/s/play-dtmf" {
		t.Errorf("the DTMF path is not rerouted: %q %v", doc, e)
	}
	if a := known.absentFor("DELETE", "/v2/project/k/archive/storage"); a == nil {
		t.Error("DELETE .../archive/storage is not listed as absent from the document")
	}
	if a := known.absentFor("GET", "/v2/project/12345678"); a == nil || a.ID != "account-management" {
		t.Errorf("GET /v2/project/{apiKey} is not listed as account management: %v", a)
	}
	if a := known.absentFor("GET", "/v2/project/k/archive"); a != nil {
		t.Errorf("GET .../archive is listed as absent by %s", a.ID)
	}
	if a := known.absentFor("DELETE", "/v2/project/k/archive/a1"); a != nil {
		t.Errorf("DELETE .../archive/a1 is listed as absent by %s", a.ID)
	}
}
