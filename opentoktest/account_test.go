package opentoktest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/auth"
)

// statusOf returns the HTTP status of an SDK error (0 when it has none).
func statusOf(err error) int {
	var apiErr *opentok.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// noRetry keeps error tests to one attempt.
var noRetry = opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0})

func newProject(t *testing.T, srv *Server, name string) *opentok.Project {
	t.Helper()
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	p, err := acct.CreateProject(context.Background(), &opentok.ProjectOptions{Name: name})
	require.NoError(t, err)
	return p
}

func TestCreatedProjectIsUsableAtOnce(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	p := newProject(t, srv, "customer-1")
	assert.Len(t, p.ID, 8)
	assert.NotEqual(t, srv.APIKey, p.ID)
	assert.Equal(t, opentok.ProjectActive, p.Status)
	assert.Equal(t, "customer-1", p.Name)
	assert.Equal(t, "standard", p.Environment)
	assert.WithinDuration(t, srv.Now(), p.CreatedAt, time.Second)

	ot, err := p.Client(opentok.WithBaseURL(srv.URL))
	require.NoError(t, err)
	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	assert.Equal(t, p.ID, s.ProjectID)

	// Its tokens connect clients; the first project's do not.
	tok, err := ot.GenerateToken(s.ID, nil)
	require.NoError(t, err)
	c, err := srv.Connect(s.ID, tok)
	require.NoError(t, err)
	_, err = c.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	// (The SDK refuses to sign one, so sign it by hand.)
	now := time.Now().Unix()
	first := auth.NewProject(srv.APIKey, []byte(srv.APISecret))
	foreign, err := first.ClientJWT(&auth.ClientClaims{SessionID: s.ID, Role: "publisher", IssuedAt: now,
		CreateTime: now, ExpireTime: now + 3600})
	require.NoError(t, err)
	_, err = srv.Connect(s.ID, foreign)
	assert.ErrorIs(t, err, ErrInvalidToken)
	_, err = srv.Connect(s.ID, first.T1(&auth.ClientClaims{SessionID: s.ID, Role: "publisher", IssuedAt: now,
		CreateTime: now, ExpireTime: now + 3600}))
	assert.ErrorIs(t, err, ErrInvalidToken)

	got, ok := srv.Project(p.ID)
	require.True(t, ok)
	assert.Equal(t, p.Secret, got.APISecret)

	// Listed with the first project, oldest first; fetched by key.
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	all, err := acct.ListProjects(ctx)
	require.NoError(t, err)
	require.Len(t, all.Items, 2)
	assert.Equal(t, 2, all.Total)
	assert.Equal(t, srv.APIKey, all.Items[0].ID)
	assert.Equal(t, p.ID, all.Items[1].ID)
	one, err := acct.GetProject(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.Secret, one.Secret)
	_, err = acct.GetProject(ctx, "99999999")
	assert.Equal(t, http.StatusNotFound, statusOf(err))
}

func TestProjectsAreIsolated(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	a := srv.Client()
	p := newProject(t, srv, "b")
	b, err := p.Client(opentok.WithBaseURL(srv.URL), noRetry)
	require.NoError(t, err)

	sid := routedSession(t, a)
	_, err = srv.Connect(sid, token(t, a, sid, nil))
	require.NoError(t, err)
	arch, err := a.StartArchive(ctx, sid, nil)
	require.NoError(t, err)

	_, err = b.GetArchive(ctx, arch.ID)
	assert.Equal(t, http.StatusNotFound, statusOf(err), "another project's archive is not found")
	list, err := b.ListArchives(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, list.Items)
	_, err = b.StartArchive(ctx, sid, nil)
	assert.Equal(t, http.StatusNotFound, statusOf(err), "another project's session is not found")
	_, err = b.ListStreams(ctx, sid)
	assert.Equal(t, http.StatusNotFound, statusOf(err))
	list, err = a.ListArchives(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, list.Items, 1)

	// A project's credentials with another project's ID in the path: 403.
	r := newRaw(t, srv)
	pa := auth.NewProject(p.ID, []byte(p.Secret))
	r.auth = func() (string, string) {
		tok, err := pa.RESTToken(time.Now())
		require.NoError(t, err)
		return "X-OPENTOK-AUTH", tok
	}
	status, _ := r.do("GET", "/v2/project/"+srv.APIKey+"/archive", nil)
	assert.Equal(t, http.StatusForbidden, status)
	status, _ = r.do("GET", "/v2/project/"+p.ID+"/archive", nil)
	assert.Equal(t, http.StatusOK, status)

	// Upload targets are per project.
	_, err = b.SetArchiveStorage(ctx, opentok.ArchiveStorage{Target: opentok.S3Storage{
		AccessKey: "AKIAFAKE", SecretKey: "fake-secret-key", Bucket: "b-bucket"}})
	require.NoError(t, err)
	_, has := srv.Storage()
	assert.False(t, has, "the first project has no target")
	got, _ := srv.Project(p.ID)
	require.NotNil(t, got.Storage)
	assert.Equal(t, "b-bucket", got.Storage.Config["bucket"])
}

func TestSuspendedProjectIsRefused(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	p := newProject(t, srv, "")
	ot, err := p.Client(opentok.WithBaseURL(srv.URL), noRetry)
	require.NoError(t, err)
	sid := routedSession(t, ot)
	tok := token(t, ot, sid, nil)

	sp, err := acct.SetProjectStatus(ctx, p.ID, opentok.ProjectSuspended)
	require.NoError(t, err)
	assert.Equal(t, opentok.ProjectSuspended, sp.Status)
	_, err = ot.CreateSession(ctx, nil)
	assert.Equal(t, http.StatusForbidden, statusOf(err), "REST calls: the platform's 403")
	_, err = srv.Connect(sid, tok)
	assert.ErrorIs(t, err, ErrInvalidToken, "client tokens too")
	_, err = srv.Client().CreateSession(ctx, nil)
	assert.NoError(t, err, "other projects go on")

	_, err = acct.SetProjectStatus(ctx, p.ID, opentok.ProjectActive)
	require.NoError(t, err)
	_, err = ot.CreateSession(ctx, nil)
	assert.NoError(t, err)
	_, err = srv.Connect(sid, tok)
	assert.NoError(t, err)

	r := newRaw(t, srv)
	r.auth = accountAuth(t, srv)
	status, body := r.do("PUT", "/v2/project/"+p.ID, map[string]any{"status": "PAUSED"})
	assert.Equal(t, http.StatusBadRequest, status, "%v", body)
}

func TestRefreshedSecretReplacesTheOld(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	p := newProject(t, srv, "")
	old, err := p.Client(opentok.WithBaseURL(srv.URL), noRetry)
	require.NoError(t, err)
	sid := routedSession(t, old)
	oldTok := token(t, old, sid, nil)

	np, err := acct.RefreshProjectSecret(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.ID, np.ID)
	assert.NotEqual(t, p.Secret, np.Secret)
	_, err = old.CreateSession(ctx, nil)
	assert.Equal(t, http.StatusForbidden, statusOf(err), "the old secret is refused")
	_, err = srv.Connect(sid, oldTok)
	assert.ErrorIs(t, err, ErrInvalidToken, "as are tokens it signed")

	fresh, err := np.Client(opentok.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = fresh.CreateSession(ctx, nil)
	assert.NoError(t, err)
	_, err = srv.Connect(sid, token(t, fresh, sid, nil))
	assert.NoError(t, err)

	// Refreshing the first project's secret updates the Server's fields,
	// so Client keeps working.
	_, err = acct.RefreshProjectSecret(ctx, srv.APIKey)
	require.NoError(t, err)
	first, _ := srv.Project(srv.APIKey)
	assert.Equal(t, first.APISecret, srv.APISecret)
	_, err = srv.Client().CreateSession(ctx, nil)
	assert.NoError(t, err)
}

// RefreshProjectSecret on the fake's own project wrote Server.APISecret
// while NewClient read it without the lock (go test -race found it).
func TestRefreshingTheOwnSecretDoesNotRace(t *testing.T) {
	srv := NewServer(t)
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		for range 20 {
			if _, err := acct.RefreshProjectSecret(context.Background(), srv.APIKey); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 200 {
		_, err := srv.NewClient()
		require.NoError(t, err)
	}
	require.NoError(t, <-done)
	ot, err := srv.NewClient()
	require.NoError(t, err)
	_, err = ot.CreateSession(context.Background(), nil)
	assert.NoError(t, err, "a client made after the refreshes has the last secret")
}

func TestDeletedProjectIsGone(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	p := newProject(t, srv, "")
	ot, err := p.Client(opentok.WithBaseURL(srv.URL), noRetry)
	require.NoError(t, err)
	sid := routedSession(t, ot)
	tok := token(t, ot, sid, nil)

	require.NoError(t, acct.DeleteProject(ctx, p.ID))
	_, err = acct.GetProject(ctx, p.ID)
	assert.Equal(t, http.StatusNotFound, statusOf(err))
	_, err = ot.CreateSession(ctx, nil)
	assert.Equal(t, http.StatusForbidden, statusOf(err))
	_, err = srv.Connect(sid, tok)
	assert.ErrorIs(t, err, ErrInvalidToken)
	_, ok := srv.Project(p.ID)
	assert.False(t, ok)
	assert.Equal(t, http.StatusNotFound, statusOf(acct.DeleteProject(ctx, p.ID)), "deleting again")
}

func accountAuth(t *testing.T, srv *Server) func() (string, string) {
	acct := auth.NewAccount(srv.AccountKey, []byte(srv.AccountSecret))
	return func() (string, string) {
		tok, err := acct.RESTToken(time.Now())
		require.NoError(t, err)
		return "X-OPENTOK-AUTH", tok
	}
}

func TestAccountAndProjectCredentialsStayInTheirLane(t *testing.T) {
	srv := NewServer(t, WithAccountCredentials("20000002", "another-fake-account-secret"))
	ctx := context.Background()

	// The account credentials manage projects and nothing else.
	r := newRaw(t, srv)
	r.auth = accountAuth(t, srv)
	status, _ := r.do("GET", "/v2/project", nil)
	assert.Equal(t, http.StatusOK, status)
	status, body := r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, http.StatusForbidden, status, "%v", body)
	assert.Contains(t, body["message"], "account-level credentials cannot call project APIs")

	// A project's credentials manage no projects.
	status, body = newRaw(t, srv).do("GET", "/v2/project", nil)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, body["message"], "account-level")

	// Wrong account secret, or the default account key on a fake given
	// another: 403.
	bad, err := opentok.NewAccount("20000002", "not-the-account-secret", opentok.WithBaseURL(srv.URL), noRetry)
	require.NoError(t, err)
	_, err = bad.ListProjects(ctx)
	assert.Equal(t, http.StatusForbidden, statusOf(err))
	other, err := opentok.NewAccount(DefaultAccountKey, DefaultAccountSecret, opentok.WithBaseURL(srv.URL), noRetry)
	require.NoError(t, err)
	_, err = other.ListProjects(ctx)
	assert.Equal(t, http.StatusForbidden, statusOf(err))

	// Project requests log under the SDK method names.
	acct, err := srv.AccountClient()
	require.NoError(t, err)
	_, err = acct.CreateProject(ctx, nil)
	require.NoError(t, err)
	log := srv.Requests()
	assert.Equal(t, "CreateProject", log[len(log)-1].Op)
	assert.Equal(t, "/v2/project", log[len(log)-1].Path)
}

func TestAccountCallsNeedAnOpenTokFake(t *testing.T) {
	srv := NewServer(t, WithVonage())
	assert.Empty(t, srv.AccountKey)
	_, err := srv.AccountClient()
	assert.Error(t, err, "no account credentials on a Vonage fake")
	r := newRaw(t, srv)
	status, _ := r.do("GET", "/v2/project", nil)
	assert.Equal(t, http.StatusNotFound, status, "the route does not exist for Vonage applications")
}

func TestWithAccountCredentialsRefusesBadValues(t *testing.T) {
	for _, c := range [][2]string{{"", "s"}, {"k", ""}, {"a/b", "s"}, {"a b", "s"}} {
		_, err := New(WithAccountCredentials(c[0], c[1]))
		assert.Error(t, err, "%q", c)
	}
}

func TestArchiveWithUploadTargetEndsUploaded(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		fallback opentok.StorageFallback
		fail     bool
		want     opentok.ArchiveStatus
	}{
		{"uploaded", "", false, opentok.ArchiveUploaded},
		{"upload fails, fallback opentok", opentok.FallbackOpenTok, true, opentok.ArchiveAvailable},
		{"upload fails, fallback none", opentok.FallbackNone, true, opentok.ArchiveFailed},
		{"upload fails, no fallback", "", true, opentok.ArchiveFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(t)
			ot := srv.Client()
			_, err := ot.SetArchiveStorage(ctx, opentok.ArchiveStorage{Fallback: tc.fallback, Target: opentok.AzureStorage{
				AccountName: "fakeaccount", AccountKey: "fake-azure-key", Container: "archives"}})
			require.NoError(t, err)
			if tc.fail {
				require.NoError(t, srv.InjectFault(UploadArchive, Fault{Status: 500}))
			}
			sid := routedSession(t, ot)
			_, err = srv.Connect(sid, token(t, ot, sid, nil))
			require.NoError(t, err)
			a, err := ot.StartArchive(ctx, sid, nil)
			require.NoError(t, err)
			_, err = ot.StopArchive(ctx, a.ID)
			require.NoError(t, err)
			require.True(t, srv.CompleteArchive(a.ID))
			got, err := ot.GetArchive(ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Status)
			if tc.want == opentok.ArchiveAvailable {
				assert.NotEmpty(t, got.URL)
			} else {
				assert.Empty(t, got.URL, "no download URL for an uploaded or failed archive")
			}
			// An upload fault is not a REST fault: the next call succeeds.
			_, err = ot.GetArchive(ctx, a.ID)
			assert.NoError(t, err)
		})
	}

	// Without a target, and after the target is removed: available.
	srv := NewServer(t)
	ot := srv.Client()
	require.NoError(t, ot.DeleteArchiveStorage(ctx))
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, nil)
	require.NoError(t, err)
	_, err = ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	srv.Advance(10 * time.Second)
	got, err := ot.GetArchive(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, opentok.ArchiveAvailable, got.Status)
}
