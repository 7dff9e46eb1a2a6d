package opentoktest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSignalsAndLimits(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	a, _ := srv.Connect(sid, token(t, ot, sid, nil))
	b, _ := srv.Connect(sid, token(t, ot, sid, nil))
	status, _ := r.do("POST", r.project()+"/session/"+sid+"/signal", map[string]any{"type": "chat", "data": "hi all"})
	assert.Equal(t, 204, status)
	status, _ = r.do("POST", r.project()+"/session/"+sid+"/connection/"+b.ID()+"/signal", map[string]any{"type": "dm", "data": "hi b"})
	assert.Equal(t, 204, status)
	assert.Equal(t, []Signal{{Type: "chat", Data: "hi all"}}, a.Signals())
	assert.Equal(t, []Signal{{Type: "chat", Data: "hi all"}, {Type: "dm", Data: "hi b"}}, b.Signals())

	status, _ = r.do("POST", r.project()+"/session/"+sid+"/signal", map[string]any{"type": "x", "data": strings.Repeat("d", 9*1024)})
	assert.Equal(t, 413, status, "a 9 kB signal")
	status, _ = r.do("POST", r.project()+"/session/"+sid+"/signal", map[string]any{"type": strings.Repeat("t", 129), "data": "d"})
	assert.Equal(t, 413, status)
	b.Disconnect()
	status, _ = r.do("POST", r.project()+"/session/"+sid+"/connection/"+b.ID()+"/signal", map[string]any{"type": "dm", "data": "gone"})
	assert.Equal(t, 404, status)
}
