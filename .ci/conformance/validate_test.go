package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specFile is a copy of ../shared/spec/openapi/vonage-video-0.3.2.yml
// (provenance in that folder's PROVENANCE.md), unchanged.
const specFile = "testdata/vonage-video-0.3.2.yml"

// issue is one thing the validator refuses in an exchange.
type issue struct {
	// Side is "route" (no operation of the document matches), "request" or
	// "response".
	Side string
	// At is the JSON pointer of the refused value in the body ("/" for the
	// body itself); empty when the issue is not about a body value.
	At string
	// Reason is the validator's message, without the schema and value dumps.
	Reason string
}

// validator checks exchanges against the document.
type validator struct {
	doc    *openapi3.T
	router routers.Router
	server *url.URL
}

func newValidator() (*validator, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		return nil, err
	}
	if len(doc.Servers) != 1 {
		return nil, fmt.Errorf("%s: want one server, have %d", specFile, len(doc.Servers))
	}
	server, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &validator{doc: doc, router: router, server: server}, nil
}

// options are the validator's: every error (not just the first, so that an
// erratum cannot hide another error of the same body), statuses the
// document does not list refused, and authentication accepted as is (the
// SDK's tests check the auth headers).
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
}

// check validates one exchange sent to path (the document's spelling of the
// request's path): it returns the document's "METHOD /path" of the
// operation ("" when none matches) and the issues.
func (v *validator) check(x exchange, path string) (string, []issue) {
	u, err := url.Parse(x.URL)
	if err != nil {
		return "", []issue{{Side: "route", Reason: err.Error()}}
	}
	// The document's server stands for both hosts (api.opentok.com and
	// video.api.vonage.com: rest-api.md §1); the fake's is a loopback port.
	target := *v.server
	target.RawPath = path
	target.Path, _ = url.PathUnescape(path)
	target.RawQuery = u.RawQuery
	req, err := http.NewRequest(x.Method, target.String(), strings.NewReader(x.RequestBody))
	if err != nil {
		return "", []issue{{Side: "route", Reason: err.Error()}}
	}
	req.Header = x.RequestHeaders.Clone()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return "", []issue{{Side: "route", Reason: "the document has no operation " + x.Method + " " + path + ": " + err.Error()}}
	}
	op := route.Method + " " + route.Path
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options()}
	issues := flatten("request", openapi3filter.ValidateRequest(ctx, in))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 x.Status,
		Header:                 x.ResponseHeaders,
		Body:                   io.NopCloser(strings.NewReader(x.ResponseBody)),
		Options:                options(),
	}
	issues = append(issues, flatten("response", openapi3filter.ValidateResponse(ctx, out))...)
	return op, issues
}

// flatten splits a validator error into one issue per refused value.
func flatten(side string, err error) []issue {
	var out []issue
	var walk func(where string, err error)
	walk = func(where string, err error) {
		var (
			multi  openapi3.MultiError
			reqErr *openapi3filter.RequestError
			resErr *openapi3filter.ResponseError
			schErr *openapi3.SchemaError
		)
		switch {
		case err == nil:
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(where, e)
			}
		case errors.As(err, &reqErr):
			switch {
			case reqErr.Parameter != nil:
				where = fmt.Sprintf("%s parameter %q", reqErr.Parameter.In, reqErr.Parameter.Name)
			case reqErr.RequestBody != nil:
				where = "request body"
			}
			if reqErr.Err == nil {
				out = append(out, issue{Side: side, Reason: join(where, reqErr.Reason)})
				return
			}
			walk(where, reqErr.Err)
		case errors.As(err, &resErr):
			if resErr.Err == nil {
				out = append(out, issue{Side: side, Reason: resErr.Reason})
				return
			}
			walk(resErr.Reason, resErr.Err)
		case errors.As(err, &schErr):
			reason := schErr.Reason
			if reason == "" {
				reason = fmt.Sprintf("doesn't match schema %q", schErr.SchemaField)
			}
			out = append(out, issue{Side: side, At: "/" + strings.Join(schErr.JSONPointer(), "/"), Reason: reason})
		default:
			out = append(out, issue{Side: side, Reason: join(where, err.Error())})
		}
	}
	walk("", err)
	return out
}

func join(where, reason string) string {
	if where == "" {
		return reason
	}
	return where + ": " + reason
}

// operations returns the document's operations as "METHOD /path".
func (v *validator) operations() []string {
	var out []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	return out
}
