package opentoktest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// Faults, registered callbacks and projects were kept without a limit
// (200 × 512 KiB each added +100 MiB); past the state limit they are
// refused with an error that says so, and their sizes are bounded.

func TestPendingFaultsAreCapped(t *testing.T) {
	srv := NewServer(t, WithStateLimit(3), WithControlAPI())
	for range 3 {
		require.NoError(t, srv.InjectFault("CreateSession", Fault{Status: 500}))
	}
	err := srv.InjectFault("GetArchive", Fault{Status: 503})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "3 faults are pending")
	assert.Contains(t, err.Error(), "WithStateLimit")
	status, body := controlRequest(t, srv, "POST", "/_emulator/faults", `{"op":"*","status":500}`,
		map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "faults are pending")

	// A fault used up makes room.
	_, err = srv.Client(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0})).CreateSession(context.Background(), nil)
	require.Error(t, err)
	require.NoError(t, srv.InjectFault("GetArchive", Fault{Status: 503}))
	require.Error(t, srv.InjectFault("GetArchive", Fault{Status: 503}))
	srv.ClearFaults()
	require.NoError(t, srv.InjectFault("GetArchive", Fault{Status: 503}))

	// Bodies: 16 MiB in all.
	srv = NewServer(t)
	big := strings.Repeat("x", 9<<20)
	require.NoError(t, srv.InjectFault("GetArchive", Fault{Status: 500, Body: big}))
	err = srv.InjectFault("GetArchive", Fault{Status: 500, Body: big})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "16 MiB")
	require.NoError(t, srv.InjectFault("GetArchive", Fault{Status: 500, Body: big[:1<<20]}))
}

func TestRegisteredCallbacksAreCapped(t *testing.T) {
	srv := NewServer(t, WithStateLimit(2))
	ctx := context.Background()
	ot := srv.Client(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	reg := opentok.CallbackRegistration{Group: "archive", Event: "status", URL: "https://example.com/hook"}
	first, err := ot.RegisterCallback(ctx, reg)
	require.NoError(t, err)
	_, err = ot.RegisterCallback(ctx, reg)
	require.NoError(t, err)
	_, err = ot.RegisterCallback(ctx, reg)
	assert.Equal(t, http.StatusBadRequest, statusOf(err))
	assert.ErrorContains(t, err, "at most 2 registered callbacks")
	require.NoError(t, ot.UnregisterCallback(ctx, first.ID))
	_, err = ot.RegisterCallback(ctx, reg)
	assert.NoError(t, err, "unregistering made room")

	// Field sizes (the SDK refuses these before sending; the fake too).
	srv = NewServer(t)
	r := newRaw(t, srv)
	for name, body := range map[string]map[string]any{
		"url":   {"group": "archive", "event": "status", "url": "https://example.com/" + strings.Repeat("u", 2048)},
		"group": {"group": strings.Repeat("g", 129), "event": "status", "url": "https://example.com/hook"},
	} {
		status, out := r.do("POST", r.project()+"/callback", body)
		assert.Equal(t, http.StatusBadRequest, status, name)
		assert.Contains(t, out["message"], "at most", name)
	}
}

func TestProjectsAreCapped(t *testing.T) {
	srv := NewServer(t, WithStateLimit(3))
	ctx := context.Background()
	acct, err := srv.AccountClient(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	require.NoError(t, err)
	p, err := acct.CreateProject(ctx, nil) // with the fake's own, 2
	require.NoError(t, err)
	_, err = acct.CreateProject(ctx, nil)
	require.NoError(t, err)
	_, err = acct.CreateProject(ctx, nil)
	assert.Equal(t, http.StatusBadRequest, statusOf(err))
	assert.ErrorContains(t, err, "at most 3 projects")
	require.NoError(t, acct.DeleteProject(ctx, p.ID))
	_, err = acct.CreateProject(ctx, nil)
	assert.NoError(t, err, "deleting made room")

	// A name over 255 characters (the SDK refuses it before sending).
	srv2 := NewServer(t)
	r2 := newRaw(t, srv2)
	r2.auth = accountAuth(t, srv2)
	status, out := r2.do("POST", "/v2/project", map[string]any{"name": strings.Repeat("é", 256)})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, out["message"], "255")
	status, _ = r2.do("POST", "/v2/project", map[string]any{"name": strings.Repeat("é", 255)})
	assert.Equal(t, http.StatusOK, status)

	// An upload target's configuration is bounded too.
	status, out = newRaw(t, srv2).do("PUT", "/v2/project/"+srv2.APIKey+"/archive/storage", map[string]any{
		"type": "s3", "config": map[string]string{"accessKey": "a", "secretKey": "made-up", "bucket": strings.Repeat("b", 5000)}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, out["message"], "config must be at most")
}
