package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/opentok-go/opentok/examples/internal/exampleapp"
	"github.com/opentok-go/opentok/examples/internal/exampletest"
	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dial dials through the JSON answer of the dial form.
func dial(t *testing.T, h http.Handler, uri string) call {
	t.Helper()
	var c call
	exampletest.PostOK(t, h, "/dial", url.Values{"uri": {uri}}, &c)
	return c
}

func TestPage(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)
	s, _ := fake.Session(sessionID)
	assert.True(t, s.Routed(), "SIP needs a routed session")

	body := exampletest.Get(t, h, "/").Body
	assert.Contains(t, body, exampleapp.Banner)
	assert.Contains(t, body, "The fake platform answers every SIP URI at once")
	assert.Contains(t, body, `<p id="no-calls">No calls.</p>`)
	assert.Contains(t, body, `<form class="panel" method="post" action="/dial">`)
	assert.Contains(t, body, `<input type="checkbox" name="secure" value="1" checked>`, "SRTP is suggested")
	assert.Contains(t, body, `data-publish="true"`)
}

func TestDialPlayDTMFHangUp(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)

	resp := exampletest.Post(t, h, "/dial", url.Values{
		"uri":      {"sip:+14155550100@sip.example.com;transport=tls"},
		"from":     {"14155550101@example.com"},
		"headers":  {"X-Room: 42\r\n\r\nX-Caller-Name: Ann Example\r\n"},
		"username": {"otk"}, "password": {"pa55-w0rd-never-shown"},
		"secure": {"1"},
	})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	id := exampletest.Between(t, resp.Body, `<tr id="call-`, `"`)
	sc, ok := fake.SIPCall(id)
	require.True(t, ok)
	assert.Equal(t, sessionID, sc.SessionID)
	assert.Equal(t, "sip:+14155550100@sip.example.com;transport=tls", sc.URI)
	assert.Equal(t, "14155550101@example.com", sc.From)
	assert.Equal(t, map[string]string{"X-Room": "42", "X-Caller-Name": "Ann Example"}, sc.Headers)
	assert.True(t, sc.Secure)
	assert.False(t, sc.Video)
	conn, ok := fake.Connection(sc.ConnectionID)
	require.True(t, ok)
	assert.Equal(t, opentoktest.KindSIP, conn.Kind)
	assert.Equal(t, "sip=true", conn.Data, "the call's token says it is a SIP call")

	page := html.UnescapeString(resp.Body) // html/template writes + as &#43;
	assert.Contains(t, page, "Dialled sip:+14155550100@sip.example.com;transport=tls: call "+id+", connection "+sc.ConnectionID+".")
	row := exampletest.Between(t, page, `<tr id="call-`+id+`">`, `</tr>`)
	assert.Contains(t, row, "<code>sip:+14155550100@sip.example.com;transport=tls</code>")
	assert.Contains(t, row, "<code>"+sc.ConnectionID+"</code>")
	assert.Contains(t, row, `action="/dtmf/`+id+`"`)
	assert.Contains(t, row, `action="/hangup/`+id+`"`)
	assert.NotContains(t, resp.Body, "pa55-w0rd-never-shown")
	assert.NotContains(t, resp.Body, "No calls.")

	// DTMF to this call, then to every call.
	resp = exampletest.Post(t, h, "/dtmf/"+id, url.Values{"digits": {"1234#"}})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, html.UnescapeString(resp.Body), `Played "1234#" to call `+id+".")
	sc, _ = fake.SIPCall(id)
	assert.Equal(t, []string{"1234#"}, sc.DTMF)

	resp = exampletest.Post(t, h, "/dtmf", url.Values{"digits": {"p9"}})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, html.UnescapeString(resp.Body), `Played "p9" to every call.`)
	assert.Equal(t, []string{"p9"}, fake.DTMF(sessionID))

	// Hang up.
	resp = exampletest.Post(t, h, "/hangup/"+id, nil)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "Hung up call "+id+".")
	assert.Contains(t, resp.Body, "No calls.")
	sc, _ = fake.SIPCall(id)
	assert.True(t, sc.Ended)
	assert.Len(t, fake.RequestsFor("ForceDisconnect"), 1)
}

func TestCallsList(t *testing.T) {
	_, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)
	a := dial(t, h, "sip:alice@example.com")
	b := dial(t, h, "sips:bob@example.com")
	assert.NotEmpty(t, a.ConnectionID)

	var home homeData
	exampletest.GetJSON(t, h, "/", &home)
	require.Len(t, home.Calls, 2)
	assert.Equal(t, []string{a.ID, b.ID}, []string{home.Calls[0].ID, home.Calls[1].ID}, "oldest first")

	// The far end hangs up by itself: hanging up then says so.
	require.NoError(t, p.Client.ForceDisconnect(context.Background(), sessionID, b.ConnectionID))
	resp := exampletest.Post(t, h, "/hangup/"+b.ID, nil)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "Call "+b.ID+" had already ended.")
	assert.NotContains(t, resp.Body, `<tr id="call-`+b.ID+`">`)
	assert.Contains(t, resp.Body, `<tr id="call-`+a.ID+`">`)
}

func TestErrorsAreShownAsMessages(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, _ := exampletest.Start(t, newHandler, p)
	c := dial(t, h, "sip:alice@example.com")

	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"not a SIP URI", "/dial", url.Values{"uri": {"tel:+14155550100"}}, http.StatusBadRequest,
			"Nothing was sent, the input is not valid: dial tel:+14155550100: "},
		{"header without X-", "/dial", url.Values{"uri": {"sip:a@example.com"}, "headers": {"Room: 42"}}, http.StatusBadRequest,
			"Nothing was sent, the input is not valid: dial sip:a@example.com: "},
		{"header line", "/dial", url.Values{"uri": {"sip:a@example.com"}, "headers": {"X-Room 42"}}, http.StatusBadRequest,
			`Header line 1, "X-Room 42", is not "X-Name: value".`},
		{"password without username", "/dial", url.Values{"uri": {"sip:a@example.com"}, "password": {"pa55-w0rd-never-shown"}},
			http.StatusBadRequest, "Nothing was sent, the input is not valid: dial sip:a@example.com: "},
		{"bad digits", "/dtmf/" + c.ID, url.Values{"digits": {"12a"}}, http.StatusBadRequest,
			"Nothing was sent, the input is not valid: play DTMF: "},
		{"unknown call DTMF", "/dtmf/nope", url.Values{"digits": {"1"}}, http.StatusNotFound,
			"play DTMF: There is no current call nope."},
		{"unknown call hang-up", "/hangup/nope", nil, http.StatusNotFound, "There is no current call nope."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := exampletest.Post(t, h, tc.path, tc.form)
			assert.Equal(t, tc.status, resp.Code)
			assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), tc.want)
			assert.Contains(t, resp.Body, `<tr id="call-`+c.ID+`">`, "the page is still whole")
			assert.NotContains(t, resp.Body, "pa55-w0rd-never-shown")
		})
	}
	assert.Len(t, fake.RequestsFor("Dial"), 1, "no invalid dial reached the platform")

	// What was typed is kept after an error, except the password.
	resp := exampletest.Post(t, h, "/dial", url.Values{"uri": {"sip:b@example.com"}, "from": {"me@example.com"},
		"headers": {"Room: 1"}, "username": {"otk"}, "password": {"pa55-w0rd-never-shown"}})
	assert.Contains(t, resp.Body, `name="uri" size="50" required value="sip:b@example.com"`)
	assert.Contains(t, resp.Body, `value="me@example.com"`)
	assert.Contains(t, resp.Body, `>Room: 1</textarea>`)
	assert.Contains(t, resp.Body, `name="username" value="otk"`)
	assert.NotContains(t, resp.Body, "pa55-w0rd-never-shown")

	require.NoError(t, fake.InjectFault("Dial", opentoktest.Fault{Status: http.StatusInternalServerError}))
	resp = exampletest.Post(t, h, "/dial", url.Values{"uri": {"sip:b@example.com"}})
	assert.Equal(t, http.StatusBadGateway, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "The platform refused the request (HTTP 500): dial sip:b@example.com: ")

	require.NoError(t, fake.InjectFault("ForceDisconnect", opentoktest.Fault{Status: http.StatusInternalServerError, Times: 3}))
	resp = exampletest.Post(t, h, "/hangup/"+c.ID, nil)
	assert.Equal(t, http.StatusBadGateway, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "hang up call "+c.ID)
	assert.Contains(t, resp.Body, `<tr id="call-`+c.ID+`">`, "a call that could not be hung up stays listed")

	var e struct{ Error string }
	resp = exampletest.PostJSON(t, h, "/dial", url.Values{"uri": {"nope"}}, &e)
	assert.Equal(t, http.StatusBadRequest, resp.Code)
	assert.Contains(t, e.Error, "dial nope")
}
